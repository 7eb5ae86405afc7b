/*
 * The failover actuator of vmhad: the blocking parts of a failover (fencing a
 * host through the fencing library, starting a VM through libvirt) run in
 * worker threads, each bounded by its deadline; their results come back to
 * the main loop through a pipe, so CPG, quorum and IPC never wait on them.
 */
#ifndef VMHA_HEARTBEAT_ACTUATOR_H
#define VMHA_HEARTBEAT_ACTUATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fencing/fence_config.h"
#include "heartbeat/msg.h"

struct vmha_actuator;

/** What a job was. */
enum vmha_actuator_kind {
	VMHA_ACTUATOR_FENCE = 0,
	VMHA_ACTUATOR_START,
};

/** A finished job. */
struct vmha_actuator_result {
	enum vmha_actuator_kind kind;
	/** fence: the fenced host; start: this host */
	char host[VMHA_NAME_SIZE];
	/** start: the VM */
	char vm[VMHA_NAME_SIZE];
	bool ok;
	/** start: the outcome is unknown (deadline passed): it may still run */
	bool unknown;
	/** what happened, for the log and the CPG message */
	char text[256];
	/** how long it took */
	uint64_t duration_ms;
};

/** @return an actuator (its pipe open), or NULL */
struct vmha_actuator *vmha_actuator_new(void);

/** Free; jobs still running finish into a closed pipe. NULL is a no-op. */
void vmha_actuator_free(struct vmha_actuator *act);

/** @return the file descriptor that becomes readable when a job finished */
int vmha_actuator_fd(const struct vmha_actuator *act);

/**
 * Fence host (action off, verified) through cfg in a worker thread.
 * cfg must outlive the job.
 *
 * @return 0 or -errno (thread not started)
 */
int vmha_actuator_fence(struct vmha_actuator *act, const struct vmha_fence_config *cfg,
                        const char *host, uint64_t timeout_ms);

/**
 * Start VM vm from its domain XML in the registry registry_dir (a transient
 * domain: libvirt never starts it again by itself, so a host that comes back
 * restarts nothing) on the hypervisor uri, in a worker thread: the registry
 * read and the libvirt calls never block the caller.
 *
 * @return 0 or -errno (thread not started)
 */
int vmha_actuator_start(struct vmha_actuator *act, const char *uri, const char *self,
                        const char *vm, const char *registry_dir, uint64_t timeout_ms);

/**
 * Take one finished job.
 *
 * @return true and *out, false when none is ready
 */
bool vmha_actuator_take(struct vmha_actuator *act, struct vmha_actuator_result *out);

#endif /* VMHA_HEARTBEAT_ACTUATOR_H */

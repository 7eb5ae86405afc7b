/*
 * The VM health worker of vmhad: a thread that, every health_interval,
 * pings the QEMU guest agent of each VM that opted in (registry
 * health=agent, desired state started) and runs on this host, through the
 * libvirt boundary with a deadline, feeds the results to heartbeat/vmhealth
 * and destroys a VM it finds unhealthy — on this host only, which only
 * narrows where the VM runs. The desired state then restarts it (the VM
 * is gone from this host's inventory, as after a crash). A pipe wakes the
 * main loop for each destroy (log, alert, metric). With no VM opted in it
 * opens no libvirt connection at all.
 */
#ifndef VMHA_HEARTBEAT_VMHEALTH_WORKER_H
#define VMHA_HEARTBEAT_VMHEALTH_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heartbeat/msg.h"
#include "heartbeat/vmhealth.h"

struct vmha_virt_domain;

struct vmha_vmhealth_worker;

/** The worker's settings (vmhad.conf). */
struct vmha_vmhealth_worker_opts {
	/** libvirt URI of this host */
	const char *uri;
	/** time between two rounds of pings */
	uint64_t interval_ms;
	/** how long one ping may take (rounded up to whole seconds for libvirt) */
	uint64_t timeout_ms;
	/** consecutive failed pings that make a VM unhealthy */
	unsigned int failures;
	/**
	 * the agent call (NULL: vmha_virt_domain_agent_command(); unit tests
	 * give a scripted guest here, on libvirt's test driver, which has no agent)
	 */
	int (*agent_call)(struct vmha_virt_domain *d, const char *cmd, unsigned int timeout_s,
	                  uint64_t deadline_ms, char **result);
};

/** A VM the worker destroyed (or tried to). */
struct vmha_vmhealth_event {
	char vm[VMHA_NAME_SIZE];
	/** the failed pings in a row */
	unsigned int failed;
	/** 0, or the destroy's -errno */
	int rc;
	/** the last ping's error, or the destroy's */
	char why[256];
	/** false: a destroy tried again (the first one failed) */
	bool first;
};

/** One VM's health, as the last round saw it. */
struct vmha_vmhealth_status {
	char vm[VMHA_NAME_SIZE];
	enum vmha_vmhealth_state state;
	unsigned int failed;
};

/**
 * Start the worker (it pings nothing until vmha_vmhealth_worker_set_vms()).
 *
 * @return the worker, or NULL (bad settings, no memory, no thread)
 */
struct vmha_vmhealth_worker *vmha_vmhealth_worker_new(const struct vmha_vmhealth_worker_opts *o);

/**
 * The VMs that opted in (copied). A VM left out is no longer pinged.
 *
 * @return 0 or -ENOMEM (the previous list is kept)
 */
int vmha_vmhealth_worker_set_vms(struct vmha_vmhealth_worker *w,
                                 const char (*names)[VMHA_NAME_SIZE], size_t n);

/** @return the descriptor that turns readable when an event waits, -1 for NULL */
int vmha_vmhealth_worker_fd(const struct vmha_vmhealth_worker *w);

/**
 * Take the oldest event (drains the pipe when none is left).
 *
 * @return true when *ev was filled
 */
bool vmha_vmhealth_worker_take(struct vmha_vmhealth_worker *w, struct vmha_vmhealth_event *ev);

/**
 * The health of the VMs the last round looked at, in name order.
 *
 * @return how many were written to out (at most max)
 */
size_t vmha_vmhealth_worker_status(struct vmha_vmhealth_worker *w, struct vmha_vmhealth_status *out,
                                   size_t max);

/**
 * Stop and free the worker; a thread stuck in libvirt for 3 s is left to
 * process exit (with its memory). NULL is a no-op.
 */
void vmha_vmhealth_worker_free(struct vmha_vmhealth_worker *w);

#endif /* VMHA_HEARTBEAT_VMHEALTH_WORKER_H */

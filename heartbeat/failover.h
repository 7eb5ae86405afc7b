/*
 * The failover coordinator of vmhad in standalone mode: a pure state
 * machine, no I/O.
 *
 * Inputs, in the total order CPG delivers them on every member: the hosts'
 * announcements (capacity and running VMs), the protected VMs of the
 * registry, the view's HOST_DOWN decisions, and the failover messages
 * ("fenced HOST", "start VM on HOST: ok|failed"). Every member feeds the
 * same inputs and so computes the same restart plan (through the planner);
 * each acts only on its own part: the coordinator fences, every host starts
 * the VMs assigned to itself, tier by tier, at most max_parallel_starts at a
 * time. A failed start is announced over CPG and every member re-plans it
 * the same way, without the host where it failed.
 *
 * Nothing restarts before a "fenced" message for the VM's host: fencing
 * confirmed through the fencing library, or the host's self-fenced slot
 * flag seen by the coordinator.
 */
#ifndef VMHA_HEARTBEAT_FAILOVER_H
#define VMHA_HEARTBEAT_FAILOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "heartbeat/msg.h"

struct vmha_failover;

/** Settings of the coordinator. */
struct vmha_failover_config {
	/** this host's name */
	const char *self_name;
	/** most VM starts this host runs at once (0: 2) */
	unsigned int max_parallel_starts;
};

/** A protected VM, as the registry describes it. */
struct vmha_failover_vm {
	char name[VMHA_NAME_SIZE];
	/** higher restarts first (the planner's tiers) */
	int64_t priority;
	/** false: restart policy "never" */
	bool restart;
	/** anti-affinity group ("" none) */
	char group[VMHA_NAME_SIZE];
	/** comma-separated hosts it may run on ("" any) */
	char allowed[512];
	uint32_t vcpus;
	uint64_t memory_mib;
};

/** What the coordinator asks its caller to do. */
enum vmha_failover_action_kind {
	/** log text */
	VMHA_FAILOVER_EVENT = 0,
	/** this host is the deterministic member: fence host, then send "fenced" */
	VMHA_FAILOVER_FENCE,
	/** start VM vm on this host from the registry, then send the result */
	VMHA_FAILOVER_START,
	/** VM vm cannot restart: text has the planner's reason */
	VMHA_FAILOVER_STRANDED,
	/** this host is the coordinator: send "assign vm to host" (a stranded VM fits now) */
	VMHA_FAILOVER_ASSIGN,
};

/** One action. */
struct vmha_failover_action {
	enum vmha_failover_action_kind kind;
	/** syslog priority */
	int level;
	char host[VMHA_NAME_SIZE];
	char vm[VMHA_NAME_SIZE];
	char text[512];
};

/** A decoded failover message. */
struct vmha_failover_msg {
	/** "fenced", "start" or "assign" */
	char type[16];
	/** fenced: the fenced host; start: where the VM was started; assign: the target */
	char host[VMHA_NAME_SIZE];
	/** start, assign: the VM */
	char vm[VMHA_NAME_SIZE];
	/** start: whether it runs */
	bool ok;
	/** fenced: how ("agents", "self-fenced"); start: why it failed */
	char text[256];
};

/** @return a coordinator, or NULL (bad config, no memory) */
struct vmha_failover *vmha_failover_new(const struct vmha_failover_config *config);

/** Free; NULL is a no-op. */
void vmha_failover_free(struct vmha_failover *fo);

/**
 * Record a host's announcement: its capacity and the VMs it runs (a VM seen
 * running there is located there from now on; a protected VM it ran and no
 * longer runs was stopped). On the coordinator, the stranded VMs are then
 * planned again (VMHA_FAILOVER_ASSIGN when one fits).
 *
 * @return 0 or -EINVAL, -ENOMEM
 */
int vmha_failover_announce(struct vmha_failover *fo, uint64_t now_ms,
                           const struct vmha_announce *a);

/**
 * Add or update a protected VM (from the registry on shared storage).
 *
 * @return 0, -EINVAL or -ENOMEM
 */
int vmha_failover_protect(struct vmha_failover *fo, const struct vmha_failover_vm *vm);

/**
 * Whether this host is the deterministic member now. Only the coordinator
 * re-plans stranded VMs when capacity appears, and proposes each placement
 * (VMHA_FAILOVER_ASSIGN); every member applies the "assign" messages in
 * CPG order, the first one for a VM wins.
 */
void vmha_failover_set_coordinator(struct vmha_failover *fo, bool coordinator);

/**
 * A VM left the registry: no longer protected. A VM whose failover is
 * pending (displaced, assigned, stranded) stays until it is placed, so that
 * every member plans with the same VMs.
 *
 * @return 0, -ENOENT when it was not protected, -EBUSY when pending
 */
int vmha_failover_unprotect(struct vmha_failover *fo, const char *vm);

/** @return whether VM vm is protected (from the registry) */
bool vmha_failover_is_protected(const struct vmha_failover *fo, const char *vm);

/**
 * Set whether a host is a usable target (online in the view); hosts not
 * online take no restarts. A host that comes online makes the coordinator
 * plan the stranded VMs again.
 *
 * @return 0 or -ENOENT for an unknown host
 */
int vmha_failover_host_online(struct vmha_failover *fo, const char *host, bool online);

/**
 * The view decided that host is down. When coordinator is true (this host
 * is the deterministic member), asks for VMHA_FAILOVER_FENCE.
 *
 * @return 0 or -EINVAL
 */
int vmha_failover_host_down(struct vmha_failover *fo, uint64_t now_ms, const char *host,
                            bool coordinator);

/**
 * Feed a failover message delivered by CPG (from any member, self too).
 *
 * @return 0, -EINVAL for a message that makes no sense now (logged), -ENOMEM
 */
int vmha_failover_message(struct vmha_failover *fo, uint64_t now_ms,
                          const struct vmha_failover_msg *m);

/** @return the next action, false when none is left */
bool vmha_failover_next_action(struct vmha_failover *fo, struct vmha_failover_action *out);

/** @return whether host has been fenced and its VMs displaced */
bool vmha_failover_host_is_fenced(const struct vmha_failover *fo, const char *host);

/** @return the number of protected VMs still to be restarted (displaced or assigned) */
size_t vmha_failover_pending_count(const struct vmha_failover *fo);

/** @return where VM vm runs now (or is assigned), NULL when nowhere / unknown */
const char *vmha_failover_vm_location(const struct vmha_failover *fo, const char *vm);

/** @return the number of hosts known (announced or declared down) */
size_t vmha_failover_host_count(const struct vmha_failover *fo);

/** @return the name of the i-th host known */
const char *vmha_failover_host_name(const struct vmha_failover *fo, size_t i);

/** @return the number of VMs known (protected or not) */
size_t vmha_failover_vm_count(const struct vmha_failover *fo);

/** @return the name of the i-th VM known */
const char *vmha_failover_vm_name(const struct vmha_failover *fo, size_t i);

/** @return a JSON array of the protected VMs: name, state, host, target, reason */
json_object *vmha_failover_to_json(const struct vmha_failover *fo);

/**
 * Encode a failover message (JSON, versioned, distinct from announcements).
 *
 * @return 0 and a malloc'ed buffer, or -EINVAL, -ENOMEM
 */
int vmha_failover_msg_encode(const struct vmha_failover_msg *m, char **out, size_t *out_len);

/**
 * Decode a failover message.
 *
 * @return 0, -ENOMSG when buf is not a failover message at all (maybe an
 *         announcement), -EINVAL when it is one but malformed (err says why)
 */
int vmha_failover_msg_decode(const void *buf, size_t len, struct vmha_failover_msg *m, char *err,
                             size_t err_size);

#endif /* VMHA_HEARTBEAT_FAILOVER_H */

/*
 * VM health (VM monitoring): when a VM that opted in (registry health=agent)
 * is unhealthy, from the ordered results of its guest agent's pings on this
 * host. Pure: no I/O, no clock; heartbeat/vmhealth_worker.c pings and acts.
 *
 * The rule: a VM is watched from its first answer in a run (a libvirt
 * domain id); from then on, failures consecutive failed pings (a ping that
 * fails or times out, or an agent that is no longer connected) make it
 * unhealthy, once per run. An answer resets the count. A VM that stops (or
 * is seen with another domain id: restarted) starts over, unwatched. A guest
 * whose agent never answered is never unhealthy: booting, or no agent
 * installed, is not a failure (vSphere's VM monitoring also waits for the
 * first heartbeat), so a missing agent can never make vmhad destroy a VM.
 */
#ifndef VMHA_HEARTBEAT_VMHEALTH_H
#define VMHA_HEARTBEAT_VMHEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** What one look at a VM found. */
enum vmha_vmhealth_input {
	VMHA_VMHEALTH_IN_OK = 0,        /**< the agent answered the ping */
	VMHA_VMHEALTH_IN_FAILED,        /**< the ping failed or timed out */
	VMHA_VMHEALTH_IN_NOT_CONNECTED, /**< libvirt: the agent is not connected (not yet, or gone) */
	VMHA_VMHEALTH_IN_NOT_RUNNING,   /**< the VM is not running here (or paused) */
};

/** A VM's health as seen by this host. */
enum vmha_vmhealth_state {
	VMHA_VMHEALTH_WAITING = 0, /**< running, its agent has not answered yet in this run */
	VMHA_VMHEALTH_HEALTHY,     /**< the last ping was answered */
	VMHA_VMHEALTH_FAILING,     /**< answered before; some pings in a row failed since */
	VMHA_VMHEALTH_UNHEALTHY,   /**< failures pings in a row failed: to be destroyed */
	VMHA_VMHEALTH_STOPPED,     /**< not running here */
};

/** What the caller does after an observation. */
enum vmha_vmhealth_action {
	VMHA_VMHEALTH_NOTHING = 0,   /**< nothing */
	VMHA_VMHEALTH_DESTROY,       /**< the VM just became unhealthy: destroy it (log, alert) */
	VMHA_VMHEALTH_DESTROY_AGAIN, /**< still runs while unhealthy (a destroy failed): again */
};

/** The VMs of one host (opaque). */
struct vmha_vmhealth;

/**
 * @param failures  consecutive failed pings that make a VM unhealthy (>= 1)
 * @return a new table, or NULL (no memory, failures 0)
 */
struct vmha_vmhealth *vmha_vmhealth_new(unsigned int failures);

/** Free the table; NULL is a no-op. */
void vmha_vmhealth_free(struct vmha_vmhealth *h);

/**
 * Feed one observation of vm in its run run_id (libvirt's domain id; any
 * value with VMHA_VMHEALTH_IN_NOT_RUNNING).
 *
 * @param action  receives what to do
 * @return 0, -EINVAL (bad name or input) or -ENOMEM
 */
int vmha_vmhealth_observe(struct vmha_vmhealth *h, const char *vm, int64_t run_id,
                          enum vmha_vmhealth_input in, enum vmha_vmhealth_action *action);

/**
 * A VM's state and its current count of failed pings.
 *
 * @return 0, or -ENOENT when vm was never observed (or was forgotten)
 */
int vmha_vmhealth_get(const struct vmha_vmhealth *h, const char *vm,
                      enum vmha_vmhealth_state *state, unsigned int *failed);

/** Keep vm through this round without an observation (nothing known about it this time). */
void vmha_vmhealth_keep(struct vmha_vmhealth *h, const char *vm);

/** Forget the VMs not observed since the last call (a round of the worker ends). */
void vmha_vmhealth_end_round(struct vmha_vmhealth *h);

/** @return the number of VMs in the table */
size_t vmha_vmhealth_count(const struct vmha_vmhealth *h);

/** @return the i-th VM's name (name order is not kept), NULL past the end */
const char *vmha_vmhealth_name(const struct vmha_vmhealth *h, size_t i);

/** @return "waiting", "healthy", "failing", "unhealthy" or "stopped" */
const char *vmha_vmhealth_state_name(enum vmha_vmhealth_state state);

/** @return "ok", "failed", "not-connected" or "not-running"; NULL for another value */
const char *vmha_vmhealth_input_name(enum vmha_vmhealth_input in);

/** Parse an input name (as vmha_vmhealth_input_name()). @return 0 or -EINVAL */
int vmha_vmhealth_input_parse(const char *text, enum vmha_vmhealth_input *out);

#endif /* VMHA_HEARTBEAT_VMHEALTH_H */

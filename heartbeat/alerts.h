/*
 * Alert agents: vmhad tells external programs about fences, failover
 * decisions, VM starts, stranded VMs, self-fences, the watchdog and quorum,
 * with Pacemaker's alert interface (the CRM_alert_* environment variables,
 * kinds node, fencing, resource and attribute), so agents written for
 * Pacemaker (alert_file.sh.sample, alert_smtp.sh, alert_snmp.sh, users'
 * scripts) run unchanged.
 *
 * vmha_alerts_send() only queues: a worker thread runs every configured
 * agent for each event, in its own process group, and kills the group at
 * the deadline. A full queue drops the event with a log line. Nothing here
 * blocks the caller, so a failing or hanging agent never delays a failover.
 */
#ifndef VMHA_HEARTBEAT_ALERTS_H
#define VMHA_HEARTBEAT_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** most agents configured at once */
#define VMHA_ALERTS_MAX_AGENTS 8

/** Pacemaker's alert kinds (CRM_alert_kind). */
enum vmha_alert_kind {
	/** a host joined or was lost (CRM_alert_desc "member" or "lost") */
	VMHA_ALERT_NODE = 0,
	/** a fence (or self-fence) and its result */
	VMHA_ALERT_FENCING,
	/** a VM operation: start, and the failover's assignment */
	VMHA_ALERT_RESOURCE,
	/** a host state: quorum, watchdog, disk leases */
	VMHA_ALERT_ATTRIBUTE,
};

/** One event, before the queue stamps its sequence number and time. */
struct vmha_alert_event {
	enum vmha_alert_kind kind;
	/** the host concerned (CRM_alert_node) */
	char node[65];
	/** its Corosync node id, 0 = unknown (CRM_alert_nodeid, node kind) */
	uint32_t nodeid;
	/** the VM (CRM_alert_rsc, resource kind) */
	char rsc[65];
	/** the operation (CRM_alert_task: start, reboot, off, ...) */
	char task[32];
	/** the human-readable summary (CRM_alert_desc) */
	char desc[256];
	/** the operation's result (CRM_alert_rc; OCF codes for resources) */
	int rc;
	/** the expected result (CRM_alert_target_rc, resource kind) */
	int target_rc;
	/** Pacemaker's execution status (CRM_alert_status: 0 done, 2 timed out, 4 error) */
	int status;
	/** CRM_alert_attribute_name and _value (attribute kind) */
	char attribute_name[64];
	char attribute_value[128];
};

/** The settings of vmha_alerts_new(). */
struct vmha_alerts_opts {
	/** the agents' absolute paths */
	const char *paths[VMHA_ALERTS_MAX_AGENTS];
	size_t n_paths;
	/** CRM_alert_recipient ("" = none: agents choose their default) */
	const char *recipient;
	/** how long one event's agents may run before their groups are killed */
	uint64_t timeout_ms;
	/** most events waiting (0 = 64) */
	size_t queue_max;
	/** CRM_alert_version */
	const char *version;
};

/** Counters of what the worker did. */
struct vmha_alerts_stats {
	/** agent runs that exited 0 */
	uint64_t ok;
	/** agent runs that exited non-zero, died of a signal or could not start */
	uint64_t failed;
	/** agent runs killed at the deadline */
	uint64_t timed_out;
	/** events dropped because the queue was full */
	uint64_t dropped;
	/** events queued and not yet run */
	size_t queued;
};

struct vmha_alerts;

/**
 * Start the worker thread.
 *
 * @return 0, -EINVAL for a relative path or no path, -ENOMEM, or the
 *         thread's -errno
 */
int vmha_alerts_new(const struct vmha_alerts_opts *opts, struct vmha_alerts **out);

/**
 * Stop the worker: the event it runs finishes (bounded by its deadline),
 * events still queued are dropped with a log line. NULL is a no-op.
 */
void vmha_alerts_free(struct vmha_alerts *al);

/**
 * Queue an event for every agent; never blocks on an agent. Stamps the
 * sequence number and the wall-clock time now.
 *
 * @return 0, -ENOSPC when the queue is full (logged), -EINVAL
 */
int vmha_alerts_send(struct vmha_alerts *al, const struct vmha_alert_event *ev);

/** Copy the counters. */
void vmha_alerts_stats(struct vmha_alerts *al, struct vmha_alerts_stats *out);

/**
 * Wait until the queue is empty and no agent runs (tests, shutdown).
 *
 * @return 0, or -ETIMEDOUT after timeout_ms
 */
int vmha_alerts_drain(struct vmha_alerts *al, uint64_t timeout_ms);

/**
 * Map one of vmhad's recorded decisions (the "decisions" of `vmha status`:
 * host_down, fenced, stranded, self_fenced, quorum_lost, quorum_regained,
 * alarm, start_unknown, ...) to an alert.
 *
 * @param kind  the decision's kind
 * @param host  the host or VM it names
 * @param text  its text
 * @param ev    filled when the decision has an alert
 * @return true when ev was filled
 */
bool vmha_alerts_from_decision(const char *kind, const char *host, const char *text,
                               struct vmha_alert_event *ev);

/**
 * A fence result as a fencing alert (task "reboot", rc 0 on success).
 *
 * @param target  the fenced host
 * @param by      the host that fenced
 * @param ok      the fence succeeded
 * @param text    the fence agent's summary
 */
void vmha_alerts_fence_event(struct vmha_alert_event *ev, const char *target, const char *by,
                             bool ok, const char *text);

/**
 * A VM start result as a resource alert (task "start", target rc 0).
 *
 * @param vm         the VM
 * @param host       the host it was started on
 * @param ok         it runs
 * @param timed_out  the start hit its deadline
 * @param text       the error when !ok
 */
void vmha_alerts_start_event(struct vmha_alert_event *ev, const char *vm, const char *host, bool ok,
                             bool timed_out, const char *text);

/**
 * A VM found unhealthy by its guest agent's pings as a resource alert (task
 * "monitor", rc 1 against target rc 0, as Pacemaker reports a failed monitor).
 *
 * @param vm    the VM
 * @param host  the host it ran on (and was destroyed on)
 * @param desc  what failed (CRM_alert_desc)
 */
void vmha_alerts_health_event(struct vmha_alert_event *ev, const char *vm, const char *host,
                              const char *desc);

/**
 * A host state change as an attribute alert ("vmha-quorate",
 * "vmha-watchdog", "vmha-disk-leases", ...).
 */
void vmha_alerts_attribute_event(struct vmha_alert_event *ev, const char *host, const char *name,
                                 const char *value);

#endif /* VMHA_HEARTBEAT_ALERTS_H */

/*
 * The failover coordinator of vmhad in standalone mode: a pure state
 * machine, no I/O, no clock of its own (every input carries now_ms).
 *
 * One decision stream. Every member holds the same table (hosts down and
 * fenced, VMs running, displaced, assigned, stranded), built only from
 * inputs that every member receives in the same CPG order: announcements
 * the view accepted, the online state of hosts as the view derives it from
 * the membership, quorum, and failover messages (failover_msg.h). The
 * coordinator is derived from the table the same way everywhere: the online
 * host with the lowest name that is neither down nor fenced. It alone
 * decides and publishes, as messages (VMHA_FAILOVER_SEND):
 *   "down HOST"      when its view says HOST is gone (local timers and storage
 *                    readings of other members decide nothing),
 *   "fenced HOST"    when its fence of HOST succeeded (FENCE action, then
 *                    vmha_failover_fence_done()), when HOST's fresh storage slot
 *                    says it fenced itself, or after restart_delay_ms without a
 *                    fence device,
 *   "assign VM HOST" one per displaced VM, planned by the coordinator alone
 *                    (with the registry generation it planned from); "stranded"
 *                    and "skip" for VMs that cannot or must not restart.
 *   "relocate VM HOST" a protected VM that stopped on the live HOST and was
 *                    restarted there max_restart times is planned elsewhere
 *                    (HOST the coordinator: a VM skipped for its desired state
 *                    that is started again, or that runs nowhere: placed once
 *                    every online host answered "ack" that it runs nowhere
 *                    there; an objection, or no answer from every online host
 *                    within 10 s, ends the placement, which is retried).
 * Desired state (failover_desired.c): a protected VM whose desired state is
 * "started" and that stopped on a live host (its announcement no longer
 * lists it) is restarted: "assign VM HOST" to that host max_restart times,
 * then "relocate" (max_relocate times), then "skip" (left stopped, an error).
 * Only when the table is clear: every known host online and announced since
 * it (re)joined and since quorum returned, with a healthy inventory, or
 * fenced; no host lost, down and not fenced; and after a registry read that
 * began after the stop (so that an operator's "stopped" is seen). Stopped
 * and disabled VMs are never restarted nor failed over ("skip").
 * A member starts a VM only on a delivered assignment to itself from the
 * coordinator of that moment, tier by tier, at most max_parallel_starts at
 * once, and publishes the result ("start VM HOST ok|failed"). Decisions from
 * anyone but the coordinator, start results from anyone but the named host,
 * and messages whose sender is not the vmhad of an online host are logged
 * and dropped. Nothing is fenced, planned, assigned or started while this
 * member is inquorate or has fenced itself. The coordinator's duties (hosts
 * to fence, VMs to plan) derive from the table, so a new coordinator
 * continues where the old one stopped.
 *
 * How a test harness drives one member (tests/unit/failover_scenario_test.c):
 *   fo = vmha_failover_new(&(struct vmha_failover_config){.self_name = "h1",
 *                                                          .fence_device = true});
 *   vmha_failover_set_quorum(fo, true);
 *   for each input in the common CPG order, with a virtual now_ms:
 *     an accepted announcement  -> vmha_failover_announce(fo, now, &a);
 *                                  vmha_failover_host_online(fo, a.host, true);
 *     a member left             -> vmha_failover_host_online(fo, host, false);
 *     quorum                    -> vmha_failover_set_quorum(fo, quorate);
 *     a failover message        -> vmha_failover_message(fo, now, sender_host, &m)
 *                                  (sender_host: the host whose vmhad sent it,
 *                                  as the view knows its (nodeid, pid); NULL
 *                                  for any other process);
 *   local inputs of this member only:
 *     its view's HOST_DOWN      -> vmha_failover_host_down(fo, now, host);
 *     a fresh self-fenced slot  -> vmha_failover_host_self_fenced(fo, now, host);
 *     the result of a FENCE     -> vmha_failover_fence_done(fo, now, host, ok, text);
 *     time passes               -> vmha_failover_tick(fo, now);
 *   after each call, drain vmha_failover_next_action(): SEND actions are
 *   multicast (encode a.msg, deliver to every member in one order with this
 *   member as the sender), START asks this host to start a.vm, FENCE to fence
 *   a.host.
 */
#ifndef VMHA_HEARTBEAT_FAILOVER_H
#define VMHA_HEARTBEAT_FAILOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "heartbeat/failover_msg.h"
#include "heartbeat/msg.h"
#include "registry.h"

struct vmha_failover;

/** Settings of the coordinator. */
struct vmha_failover_config {
	/** this host's name */
	const char *self_name;
	/** most VM starts this host runs at once (0: 2) */
	unsigned int max_parallel_starts;
	/** most hosts in the table (0: 128); more are logged and ignored */
	size_t max_hosts;
	/** whether a fence device is configured (false: restart_delay_ms is the proof) */
	bool fence_device;
	/** without a fence device: how long after "down" the coordinator announces "fenced" */
	uint64_t restart_delay_ms;
	/** after a failed fence, wait this long before the next attempt (0: 5 s) */
	uint64_t fence_retry_ms;
	/** false: max_restart and max_relocate are 1 (their defaults) */
	bool recover_limits;
	/** a protected VM that stopped on a live host is restarted there this many times */
	unsigned int max_restart;
	/** ... and then relocated to another host this many times, then left stopped */
	unsigned int max_relocate;
	/** a start that the vmhad before this one began (it crashed) may still be
	 *  in flight this long after this one's first input: until then this
	 *  member objects to placing a VM that runs nowhere (0: it does not) */
	uint64_t start_grace_ms;
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
	/** comma-separated hosts preferred for a restart ("" none) */
	char preferred[512];
	uint32_t vcpus;
	uint64_t memory_mib;
	/** started: kept running; stopped: never started; disabled: left alone */
	enum vmha_registry_desired desired;
	/** health=agent: this host pings its guest agent (heartbeat/vmhealth_worker.h) */
	bool health_agent;
};

/** What the coordinator asks its caller to do. */
enum vmha_failover_action_kind {
	/** log text */
	VMHA_FAILOVER_EVENT = 0,
	/** this host is the coordinator: fence host, then vmha_failover_fence_done() */
	VMHA_FAILOVER_FENCE,
	/** start VM vm on this host from the registry, then send the result */
	VMHA_FAILOVER_START,
	/** VM vm cannot restart: text has the planner's reason (record it) */
	VMHA_FAILOVER_STRANDED,
	/** multicast msg to the group (kept and retried in order, never dropped) */
	VMHA_FAILOVER_SEND,
};

/** One action. */
struct vmha_failover_action {
	enum vmha_failover_action_kind kind;
	/** syslog priority */
	int level;
	char host[VMHA_NAME_SIZE];
	char vm[VMHA_NAME_SIZE];
	char text[512];
	/** SEND: the message */
	struct vmha_failover_msg msg;
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
 * A host of the cluster (corosync's nodelist): known from now on, offline
 * until it announces. VMs that stopped or run nowhere are restarted only
 * after the cluster's hosts were given, and only while each is clear
 * (online and announced, or fenced).
 *
 * @return 0, -EINVAL, -ENOMEM (or the host table is full)
 */
int vmha_failover_cluster_host(struct vmha_failover *fo, const char *host);

/**
 * This member's view of host (a local input, for the coordinator's recovery
 * alone): unclear when the view holds it lost, isolated, joining or down
 * without a fence, or raises its alarm (its slot advances after it was
 * reported fenced). No VM that runs nowhere is restarted while a host is
 * unclear.
 *
 * @return 0, -EINVAL, -ENOENT for a host not in the table
 */
int vmha_failover_host_unclear(struct vmha_failover *fo, const char *host, bool unclear);

/** @return the coordinator as this table derives it (NULL: none online) */
const char *vmha_failover_coordinator(const struct vmha_failover *fo);

/**
 * @return whether this host is the coordinator now and acts as one: not while
 *         a member of its CPG configuration has not announced since this
 *         vmhad joined (vmha_failover_set_unheard)
 */
bool vmha_failover_is_coordinator(const struct vmha_failover *fo);

/**
 * @return whether this vmhad holds the replicated table: it acted as the
 *         coordinator, or the coordinator's state transfer to it ("sync"
 *         naming this host) was delivered. Its announcements carry this
 *         ("synced"); a vmhad that does not hold the table is coordinator
 *         only while no online vmhad does.
 */
bool vmha_failover_synced(const struct vmha_failover *fo);

/**
 * How many members of this member's CPG configuration (itself too) have not
 * announced since this vmhad joined (a local input from the view, which
 * knows them by nodeid alone). The table of a member that has not heard them
 * all may lack a host that every other member knows: it could take itself
 * for the coordinator while another member is it, and both would decide.
 * Until every member announced, this member does not act as coordinator (it
 * still applies the decisions it accepts).
 */
void vmha_failover_set_unheard(struct vmha_failover *fo, size_t n_unheard);

/** The generation of the registry snapshot the coordinator plans from (sent with "assign"). */
void vmha_failover_set_registry_gen(struct vmha_failover *fo, uint64_t gen);

/**
 * Quorum of this member's partition (false at start): nothing acts while
 * inquorate. When quorum returns after hosts joined an inquorate partition
 * (it merged with another), this member's pending failovers (assigned,
 * displaced, stranded) become unknown, never resumed from this table, and
 * nothing acts until every online host announced again.
 */
void vmha_failover_set_quorum(struct vmha_failover *fo, bool quorate);

/**
 * The membership changed: its quorum is unknown until the next
 * vmha_failover_set_quorum(), and until then nothing acts (no fence, plan,
 * assignment, start or tier release), never on the quorum of the one before.
 */
void vmha_failover_await_quorum(struct vmha_failover *fo);

/** @return false between vmha_failover_await_quorum() and the next quorum */
bool vmha_failover_quorum_known(const struct vmha_failover *fo);

/**
 * This host has fenced itself: nothing acts until it is cleared. Its
 * assignments not yet begun are void: published as failed starts ("start VM
 * HOST failed"), so that every member voids them alike and they are planned
 * again (a start in flight publishes its own result).
 */
void vmha_failover_set_self_fenced(struct vmha_failover *fo, bool self_fenced);

/**
 * A VM left the registry: no longer protected. A VM whose failover is
 * pending (displaced, assigned, stranded) stays until it is placed, so that
 * every member plans with the same VMs.
 *
 * @return 0, -ENOENT when it was not protected, -EBUSY when pending
 */
int vmha_failover_unprotect(struct vmha_failover *fo, const char *vm);

/**
 * Host host is a member of the membership but has not announced since it
 * joined (the view holds it joining). After quorum was lost this counts as
 * a merge (as a host coming online does): when quorum returns, the table is
 * stale until every online host announced again. Unknown hosts are ignored.
 */
void vmha_failover_host_joining(struct vmha_failover *fo, const char *host);

/**
 * Nodes came into the ring (whether their vmhads run or not). After quorum
 * was lost this counts as a merge: quorum may come back through nodes of a
 * partition that was quorate and acted, even when no vmhad joins here.
 */
void vmha_failover_nodes_joined(struct vmha_failover *fo);

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
 * This member's view says host is down (a local decision: timers and storage
 * readings differ between members). The coordinator publishes "down"; the
 * others only log.
 *
 * @return 0, -EINVAL, -ENOENT for a host not in the table, -ENOMEM
 */
int vmha_failover_host_down(struct vmha_failover *fo, uint64_t now_ms, const char *host);

/**
 * This member's view says host's slot, written after the host was lost and by
 * its last announced incarnation, says it fenced itself. The coordinator
 * publishes "down" (if needed) and "fenced".
 *
 * @return 0, -EINVAL, -ENOENT, -ENOMEM
 */
int vmha_failover_host_self_fenced(struct vmha_failover *fo, uint64_t now_ms, const char *host);

/**
 * The fence of host asked for by VMHA_FAILOVER_FENCE ended. On success the
 * coordinator publishes "fenced", if it is still the quorate coordinator and
 * the host is still down; a failure is retried after fence_retry_ms.
 *
 * @return 0, -EINVAL, -ENOENT, -ENOMEM
 */
int vmha_failover_fence_done(struct vmha_failover *fo, uint64_t now_ms, const char *host, bool ok,
                             const char *text);

/** Time passes: the coordinator's duties are checked. @return 0, -EINVAL, -ENOMEM */
int vmha_failover_tick(struct vmha_failover *fo, uint64_t now_ms);

/**
 * Feed a failover message delivered by CPG (from any member, self too).
 *
 * @param sender  the host whose vmhad sent it, as the view holds the
 *                sender's (nodeid, pid); NULL when it is no such vmhad
 * @return 0, -EINVAL for a message refused (logged), -ENOMEM
 */
int vmha_failover_message(struct vmha_failover *fo, uint64_t now_ms, const char *sender,
                          const struct vmha_failover_msg *m);

/** @return the next action, false when none is left */
bool vmha_failover_next_action(struct vmha_failover *fo, struct vmha_failover_action *out);

/** @return whether host has been fenced and its VMs displaced */
bool vmha_failover_host_is_fenced(const struct vmha_failover *fo, const char *host);

/**
 * When the "down" of host was delivered here (this member's clock).
 *
 * @return 0, -EINVAL, -ENOENT when host is not down
 */
int vmha_failover_host_down_ms(const struct vmha_failover *fo, const char *host, uint64_t *down_ms);

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

/** @return a JSON array of the protected VMs: name, state, host, target, reason,
 *          desired, restarts, relocations */
json_object *vmha_failover_to_json(const struct vmha_failover *fo);

#endif /* VMHA_HEARTBEAT_FAILOVER_H */

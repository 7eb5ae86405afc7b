/*
 * vmhad's view of the cluster: a pure state machine.
 *
 * It is fed events in the order Corosync delivers them — totem ring changes,
 * CPG membership changes (with their reasons), CPG messages, quorum
 * changes — plus local observations of the storage heartbeat slots and time
 * ticks, each stamped with a time on a clock the caller provides (monotonic
 * in vmhad, virtual in the tests). It does no I/O: it keeps the state of
 * every host and queues actions for the caller (vmha_view_next_action()).
 *
 * Because CPG delivers the same membership changes and messages in the same
 * order to every member, every member's view reaches the same state; the
 * storage observations are local and are the one input that may differ
 * between members (see doc/man/vmhad.8).
 *
 * Host states: "joining" (a member that has not announced yet), "online",
 * "standby" (online, takes no VMs), "daemon_down" (vmhad stopped — PROCDOWN
 * or a clean leave — while the node stays in the Corosync ring: its VMs are
 * still there, no failover), "lost" (the node left: NODEDOWN), "isolated"
 * (left the membership but still writes its storage slot), "fenced" (fencing
 * confirmed, or the host's slot says it fenced itself).
 */
#ifndef VMHA_HEARTBEAT_VIEW_H
#define VMHA_HEARTBEAT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "heartbeat/msg.h"

struct vmha_view;

/** A host's state in the view. */
enum vmha_host_state {
	VMHA_HOST_JOINING = 0,
	VMHA_HOST_ONLINE,
	VMHA_HOST_STANDBY,
	VMHA_HOST_DAEMON_DOWN,
	VMHA_HOST_LOST,
	VMHA_HOST_ISOLATED,
	VMHA_HOST_FENCED,
};

/** Why a process joined or left the CPG group (Corosync's CPG_REASON_*). */
enum vmha_cpg_reason {
	VMHA_REASON_JOIN = 0,
	VMHA_REASON_LEAVE,
	VMHA_REASON_NODEDOWN,
	VMHA_REASON_NODEUP,
	VMHA_REASON_PROCDOWN,
};

/** One CPG group member as a membership change lists it. */
struct vmha_member {
	uint32_t nodeid;
	uint32_t pid;
	enum vmha_cpg_reason reason;
};

/** Flags a host writes in its storage slot. */
enum vmha_slot_flags {
	/** the writer's partition was quorate when it wrote */
	VMHA_SLOT_QUORATE = 1u << 0,
	/** the writer has stopped its protected VMs and fenced itself */
	VMHA_SLOT_SELF_FENCED = 1u << 1,
};

/** What the view asks its caller to do or to record. */
enum vmha_action_kind {
	/** a change worth logging (text says what) */
	VMHA_ACTION_EVENT = 0,
	/** send this host's announcement now (members joined) */
	VMHA_ACTION_ANNOUNCE,
	/** decision: host is gone (NODEDOWN, not writing to storage) in a
	 *  quorate partition: fence it, then restart its VMs (issue 8) */
	VMHA_ACTION_HOST_DOWN,
	/** this host's partition lost quorum: protected VMs must stop before the
	 *  survivors' restart delay runs out (issue 8) */
	VMHA_ACTION_QUORUM_LOST,
};

/** One queued action. */
struct vmha_view_action {
	enum vmha_action_kind kind;
	/** syslog priority for logging it */
	int level;
	/** the host it concerns, "" for none */
	char host[VMHA_NAME_SIZE];
	/** what happened, lowercase, for the log */
	char text[256];
};

/** Tunables of the view. */
struct vmha_view_config {
	/** this host's name */
	const char *self_name;
	/** whether hosts write storage heartbeat slots */
	bool storage_enabled;
	/** a slot unchanged this long means its host stopped writing */
	uint64_t storage_timeout_ms;
	/** a member that has not announced this long is reported silent */
	uint64_t silence_timeout_ms;
};

/** @return a new view, or NULL (invalid config or out of memory) */
struct vmha_view *vmha_view_new(const struct vmha_view_config *config);

/** Free a view; NULL is a no-op. */
void vmha_view_free(struct vmha_view *view);

/** Tell the view this host's Corosync node id. @return 0 or -EINVAL */
int vmha_view_set_self_nodeid(struct vmha_view *view, uint32_t nodeid);

/**
 * A totem ring change (CPG model v1's totem confchg): the new ring id is the
 * membership epoch; nodes holding a stopped vmhad that drop out of the ring
 * become lost.
 *
 * @return 0, -EINVAL, -ENOMEM
 */
int vmha_view_ring(struct vmha_view *view, uint64_t now_ms, uint32_t ring_nodeid, uint64_t ring_seq,
                   const uint32_t *nodes, size_t n_nodes);

/**
 * A CPG group membership change.
 *
 * @return 0, -EINVAL, -ENOMEM
 */
int vmha_view_confchg(struct vmha_view *view, uint64_t now_ms, const struct vmha_member *members,
                      size_t n_members, const struct vmha_member *left, size_t n_left,
                      const struct vmha_member *joined, size_t n_joined);

/**
 * Bind a vmha host name to a Corosync nodeid (corosync's nodelist): from
 * then on, node nodeid's announcements must carry that name, and no other
 * node may announce it.
 *
 * @return 0, -EINVAL, -EEXIST (nodeid or name bound already), -ENOMEM
 */
int vmha_view_bind_node(struct vmha_view *view, uint32_t nodeid, const char *name);

/**
 * A CPG message. Malformed messages, other versions, messages from
 * non-members, duplicates and stale announcements are dropped with an event.
 *
 * @return 0 when accepted, -EBADMSG when dropped, -ENOMEM
 */
int vmha_view_message(struct vmha_view *view, uint64_t now_ms, uint32_t nodeid, uint32_t pid,
                      const void *buf, size_t len);

/**
 * The host whose vmhad the view holds as (nodeid, pid): a group member that
 * has announced under that name. Failover messages count only from it.
 *
 * @return the host name, NULL for any other sender
 */
const char *vmha_view_sender_host(const struct vmha_view *view, uint32_t nodeid, uint32_t pid);

/**
 * @return the last announcement the view accepted from (nodeid, pid) (valid
 *         until the next call into the view), NULL when none
 */
const struct vmha_announce *vmha_view_sender_announce(const struct vmha_view *view, uint32_t nodeid,
                                                      uint32_t pid);

/**
 * @return whether host's storage slot advanced after it was reported fenced
 *         (the fence did not work: its VMs must not restart; until it rejoins)
 */
bool vmha_view_host_alarm(const struct vmha_view *view, const char *host);

/** @return when host's slot was last seen to change (local clock), 0 when never */
uint64_t vmha_view_slot_changed_ms(const struct vmha_view *view, const char *host);

/** A quorum change. @return 0 or -ENOMEM */
int vmha_view_quorum(struct vmha_view *view, uint64_t now_ms, bool quorate);

/**
 * A local reading of a host's storage slot. The slot counts as written when
 * (incarnation, seq) differs from the previous reading: hosts' clocks differ,
 * so progress is compared, never timestamps.
 *
 * @param flags  VMHA_SLOT_* flags read from the slot
 * @return 0, -EINVAL, -ENOMEM
 */
int vmha_view_storage(struct vmha_view *view, uint64_t now_ms, const char *host,
                      uint64_t incarnation, uint64_t seq, unsigned int flags);

/** Fencing of host confirmed (issue 8). @return 0, -ENOENT, -EINVAL */
int vmha_view_fenced(struct vmha_view *view, uint64_t now_ms, const char *host);

/** Time passes: timeouts are checked. @return 0 or -ENOMEM */
int vmha_view_tick(struct vmha_view *view, uint64_t now_ms);

/** Pop the oldest queued action. @return true when one was stored in *out */
bool vmha_view_next_action(struct vmha_view *view, struct vmha_view_action *out);

/**
 * @return whether a host is lost or isolated and the decision on it waits
 *         for time to pass (storage silence): the caller should tick often
 */
bool vmha_view_decision_pending(const struct vmha_view *view);

/**
 * @return how many members of the CPG configuration (this vmhad too) this
 *         view knows by nodeid alone: none of their announcements was
 *         delivered here since this vmhad joined. Until they announce, the
 *         failover table may lack a host that the other members know.
 */
size_t vmha_view_unheard_members(const struct vmha_view *view);

/**
 * @return how many times a known node other than this one came into the
 *         ring (its vmhad running or not): a count that only grows
 */
uint64_t vmha_view_ring_joins(const struct vmha_view *view);

/** @return whether the partition is quorate, as last reported */
bool vmha_view_is_quorate(const struct vmha_view *view);

/** @return the number of hosts the view knows */
size_t vmha_view_host_count(const struct vmha_view *view);

/** @return the state of the named host, or -ENOENT (as an int) */
int vmha_view_host_state(const struct vmha_view *view, const char *host);

/** @return "joining", "online", "standby", "daemon_down", "lost", "isolated", "fenced" */
const char *vmha_view_state_name(enum vmha_host_state state);

/** @return "join", "leave", "nodedown", "nodeup", "procdown" */
const char *vmha_view_reason_name(enum vmha_cpg_reason reason);

/**
 * The view as JSON (snake_case keys, hosts in name order): quorum, ring id,
 * and per host its state, capacity, VMs, and how long ago it was last heard
 * on the network and on storage, at now_ms.
 *
 * @return a new json-c object (release with json_object_put), or NULL
 */
json_object *vmha_view_to_json(const struct vmha_view *view, uint64_t now_ms);

/**
 * The view as stable text lines, one per host, for the scenario tests.
 *
 * @return a malloc'ed string, or NULL
 */
char *vmha_view_dump(const struct vmha_view *view, uint64_t now_ms);

#endif /* VMHA_HEARTBEAT_VIEW_H */

/*
 * Internal to the view (view.c, view_json.c): the host table. Not for other
 * modules.
 */
#ifndef VMHA_HEARTBEAT_VIEW_INT_H
#define VMHA_HEARTBEAT_VIEW_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heartbeat/msg.h"
#include "heartbeat/view.h"

struct host {
	uint32_t nodeid;
	uint32_t pid;
	/* "" until the host announces itself */
	char name[VMHA_NAME_SIZE];
	enum vmha_host_state state;
	bool in_group;
	bool in_ring;
	/* the last accepted announcement (capacity, VMs) */
	struct vmha_announce last;
	bool announced;
	/* a new incarnation is expected after a (re)join */
	bool expect_new_incarnation;
	uint64_t joined_ms;
	uint64_t last_net_ms;
	bool silent_reported;
	/* storage slot readings */
	bool slot_seen;
	uint64_t slot_incarnation;
	uint64_t slot_seq;
	unsigned int slot_flags;
	bool slot_changed_known;
	uint64_t slot_changed_ms;
	bool storage_stale_reported;
	/* loss */
	enum vmha_cpg_reason lost_reason;
	uint64_t lost_ms;
	bool down_decided;
	bool down_pending_quorum;
	/* the slot was written after the loss (a self-fenced flag counts only then) */
	bool slot_written_since_lost;
	bool stale_flag_reported;
	/* its slot advanced after it was reported fenced */
	bool alarm;
};

struct view_binding {
	uint32_t nodeid;
	char name[VMHA_NAME_SIZE];
};

struct vmha_view {
	char self_name[VMHA_NAME_SIZE];
	/* how often a known node (not this one) came into the ring */
	uint64_t ring_joins;
	uint32_t self_nodeid;
	bool storage_enabled;
	uint64_t storage_timeout_ms;
	uint64_t silence_timeout_ms;
	bool quorum_known;
	bool quorate;
	/* a member left: the quorum of the new membership is not known yet */
	bool quorum_stale;
	/* corosync's nodelist: the name each nodeid must announce */
	size_t n_bindings;
	struct view_binding *bindings;
	bool ring_known;
	uint32_t ring_nodeid;
	uint64_t ring_seq;
	struct host *hosts;
	size_t n_hosts;
	size_t cap_hosts;
	struct vmha_view_action *actions;
	size_t n_actions;
	size_t head_action;
	size_t cap_actions;
	bool oom;
};

/* @return the host named, NULL when none */
struct host *vmha_view_find_name(const struct vmha_view *view, const char *name);

/* @return the host's name, or "node N" before it announced (in buf) */
const char *vmha_view_host_label(const struct host *h, char *buf, size_t size);

/* Queue an action (an event, a decision) for the caller. */
void vmha_view_emit(struct vmha_view *view, enum vmha_action_kind kind, int level, const char *host,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* @return -ENOMEM once when an allocation failed since the last call, else 0 */
int vmha_view_take_oom(struct vmha_view *view);

/* @return the host of nodeid, NULL when none */
struct host *vmha_view_find_nodeid(struct vmha_view *view, uint32_t nodeid);

/* @return a new host for a member not seen before (NULL: no memory) */
struct host *vmha_view_add_host(struct vmha_view *view, uint32_t nodeid, uint32_t pid,
                                uint64_t now_ms);

/* Forget a host that never announced itself. */
void vmha_view_remove_host(struct vmha_view *view, struct host *h);

/* Move h to state, with an event of level saying why. */
void vmha_view_set_state(struct vmha_view *view, struct host *h, enum vmha_host_state state,
                         int level, const char *why);

/* h is gone from the membership (reason): lost, and down once that is safe to decide. */
void vmha_view_mark_lost(struct vmha_view *view, struct host *h, uint64_t now_ms,
                         enum vmha_cpg_reason reason, const char *why);

#endif /* VMHA_HEARTBEAT_VIEW_INT_H */

/*
 * Internal to the failover coordinator (failover.c, failover_plan.c): the
 * replicated table and the helpers both files use. Not for other modules.
 */
#ifndef VMHA_HEARTBEAT_FAILOVER_INT_H
#define VMHA_HEARTBEAT_FAILOVER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heartbeat/failover.h"
#include "planner/model.h"
#include "planner/plan.h"

#define FO_MAX_EXCLUDED 8
/* hosts whose "ack" a placement of a VM that runs nowhere can wait for */
#define FO_MAX_ACKS 128
/* a vmhad that has announced fewer times is fresh: not coordinator while a mature one is online */
#define FO_MATURE_SEQ 3
/* a placement not answered by every online host this long after it began is
 * objected to by the coordinator (a member that dropped it never answers) */
#define FO_PLACE_TIMEOUT_MS 10000

enum fo_vm_state {
	FO_VM_UNKNOWN = 0,   /* protected, not seen running anywhere */
	FO_VM_RUNNING,       /* runs on host */
	FO_VM_DISPLACED,     /* its host was fenced: to be planned */
	FO_VM_ASSIGNED,      /* the coordinator assigned it to target, not started yet */
	FO_VM_STRANDED,      /* the planner found no place (reason) */
	FO_VM_NOT_RESTARTED, /* restart policy never */
};

/* One host. Replicated: everything but the fields marked local. */
struct fo_host {
	char name[VMHA_NAME_SIZE];
	uint32_t cpus;
	uint64_t memory_mib;
	bool online;
	/* it announced standby (heartbeat/maint.h): online, but takes no VMs */
	bool standby;
	/* a "down" decision of the coordinator was delivered */
	bool down;
	/* a "fenced" decision of the coordinator was delivered */
	bool fenced;
	/* its vmhad's incarnation and announcement seq (a fresh vmhad is not coordinator) */
	uint64_t incarnation;
	uint64_t seq;
	/* its last announcement says its vmhad holds the table (it coordinated or
	 * received a state transfer): only such a vmhad is coordinator while any is online */
	bool synced;
	/* announced since a vmhad (re)joined: the table is replayed once all online hosts did */
	bool announced_since_join;
	/* announced since this member regained quorum (ends a stale table) */
	bool announced_since_quorum;
	/* VMs it announced that are not protected: they use capacity */
	size_t n_other;
	struct vmha_vm_info *other;
	/* its last announced safety settings (watchdog, self-fence delay, fence
	 * device): what makes a restart on a timer safe after it is lost */
	bool has_safety;
	struct vmha_msg_safety safety;
	/* local: when "down" was delivered here (the no-fence-device delay) */
	uint64_t down_ms;
	/* local, coordinator: a fence runs / "fenced" was sent and not delivered yet */
	bool fencing;
	bool fenced_sent;
	uint64_t fence_retry_ms;
	/* local, coordinator: the "no safe timer" error was logged */
	bool timer_refused;
	/* its last announcement listed its VMs (a host that cannot see them keeps its list) */
	bool health_ok;
	/* local: this member's view holds it neither online nor fenced, or alarms */
	bool view_unclear;
};

/* One VM. Replicated: everything but the fields marked local. */
struct fo_vm {
	struct vmha_failover_vm spec;
	bool protected_vm;
	enum fo_vm_state state;
	char host[VMHA_NAME_SIZE];
	char target[VMHA_NAME_SIZE];
	char reason[256];
	/* the registry generation of the assignment */
	uint64_t gen;
	size_t n_excluded;
	char excluded[FO_MAX_EXCLUDED][VMHA_NAME_SIZE];
	/* local: this host is starting it */
	bool starting;
	/* local: this host owes the group a void of its assignment here (a
	 * failed start, why: void_why), sent once this host is online in its
	 * view (a message sent before is refused everywhere; then it is sent
	 * again); it starts it on no assignment until the void is delivered */
	bool voiding;
	bool void_sent;
	const char *void_why;
	/* local, coordinator: a decision about it was sent and not delivered yet */
	bool proposed;
	/* announced by a host other than the one it ran on since its host last
	 * announced it: a second such sighting is an error (it runs twice) */
	bool seen_elsewhere;
	/* local, coordinator: where it was proposed (counts there in the next plan) */
	char proposed_host[VMHA_NAME_SIZE];
	/* it stopped on the live host last_host (its announcement no longer lists it) */
	bool lost;
	char last_host[VMHA_NAME_SIZE];
	/* restarts in place and relocations since an operator last started it */
	unsigned int n_restarts;
	unsigned int n_relocations;
	/* the coordinator places it ("relocate", it ran nowhere): waiting for every
	 * online host's "ack" (acked: by host index) */
	bool placing;
	bool acked[FO_MAX_ACKS];
	/* local: when this member began to wait for the acks (or last objected) */
	uint64_t placing_since_ms;
	/* local: registry snapshots applied since it was lost (one read began after) */
	unsigned int lost_reads;
};

struct fo_queue_item {
	struct vmha_failover_action a;
	struct fo_queue_item *next;
};

struct vmha_failover {
	char self[VMHA_NAME_SIZE];
	unsigned int max_parallel_starts;
	size_t max_hosts;
	bool fence_device;
	uint64_t restart_delay_ms;
	uint64_t fence_retry_ms;
	unsigned int max_restart;
	unsigned int max_relocate;
	bool quorate;
	/* a membership changed: its quorum is not known yet (nothing acts) */
	bool quorum_unknown;
	bool self_fenced;
	/* quorum was lost, and hosts joined since (another partition merged) */
	bool was_inquorate;
	bool merged;
	/* this member was inquorate and merged: its table may have diverged from
	 * the quorate side's; nothing acts until every online host announced again */
	bool stale;
	/* local: members of this member's CPG configuration (itself too) not
	 * heard since this vmhad joined: while any is, this member does not act
	 * as coordinator (its table may lack a host the others know) */
	size_t n_unheard;
	/* a vmhad (re)joined: replay the table once every online host announced again */
	bool replay_pending;
	/* local: this vmhad holds the table (it acted as coordinator, or the
	 * coordinator's state transfer to it was delivered: "sync" naming it) */
	bool self_synced;
	/* local: when this vmhad's table got its first input, and how long after
	 * that a start the vmhad before began may still be in flight */
	bool born;
	uint64_t born_ms;
	uint64_t start_grace_ms;
	/* local: the coordinator when this member last looked (a new one replays
	 * the table to the vmhads that do not hold it yet) */
	char last_coordinator[VMHA_NAME_SIZE];
	bool hosts_full_logged;
	/* the cluster's hosts were given (vmha_failover_cluster_host): recovery may act */
	bool cluster_known;
	uint64_t registry_gen;
	uint64_t now_ms;
	/* why the coordinator plans now (for the log) */
	const char *plan_why;
	size_t n_hosts;
	struct fo_host *hosts;
	size_t n_vms;
	struct fo_vm *vms;
	struct fo_queue_item *head;
	struct fo_queue_item *tail;
	bool oom;
};

/* Queue an action (kind, level, host, vm, text). */
void fo_emit(struct vmha_failover *fo, enum vmha_failover_action_kind kind, int level,
             const char *host, const char *vm, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));

/* @return the host or VM named, NULL when unknown */
struct fo_host *fo_find_host(const struct vmha_failover *fo, const char *name);
struct fo_vm *fo_find_vm(const struct vmha_failover *fo, const char *name);

/* @return the host named, added (offline) when unknown; NULL when full or on ENOMEM */
struct fo_host *fo_get_host(struct vmha_failover *fo, const char *name);

/* @return the VM named, added (unprotected) when unknown; NULL on ENOMEM */
struct fo_vm *fo_get_vm(struct vmha_failover *fo, const char *name);

/*
 * Plan the displaced and stranded VMs that have no decision in flight onto
 * the online hosts (spread: prefer spreading the starts over the survivors).
 *
 * @return 0 and the model and plan (caller frees), or -errno
 */
int fo_plan_once(struct vmha_failover *fo, bool spread, struct vmha_model **out_m,
                 struct vmha_plan **out_p);

/* @return "unknown", "running", ... for the status JSON and the log */
const char *fo_vm_state_name(enum fo_vm_state state);

/* @return 0, or -ENOMEM once after an allocation failed */
int fo_take_oom(struct vmha_failover *fo);

/* Whether this member may fence, plan, assign or start now (quorate, quorum known, not
 * self-fenced, its table not stale). */
bool fo_may_act(const struct vmha_failover *fo);

/* Whether this member may declare a host that left down or self-fenced: as
 * fo_may_act(), but also with a stale table (planning and starts wait for it,
 * a one-shot decision of the view must not be lost). */
bool fo_may_declare(const struct vmha_failover *fo);

/* A stale table is current again once every online host announced since quorum returned. */
void fo_check_stale(struct vmha_failover *fo);

/* Queue a message for the caller to multicast (SEND action). */
void fo_send_msg(struct vmha_failover *fo, const char *type, const char *host, const char *vm,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The coordinator plans the displaced and stranded VMs and publishes a decision per VM. */
void fo_replan(struct vmha_failover *fo, const char *why);

/* This member starts its assigned VMs of the highest pending tier. */
void fo_schedule(struct vmha_failover *fo);
/* This host voids its assignment of v here everywhere (a failed start): why */
void fo_void_own(struct vmha_failover *fo, struct fo_vm *v, const char *why);
/* Send the voids this host owes, once it is online in its view */
void fo_send_voids(struct vmha_failover *fo);
/* A failed start of this host's, delivered from sender_online or not */
void fo_own_void_delivered(struct vmha_failover *fo, const struct vmha_failover_msg *m,
                           bool sender_online);

/* The coordinator's duties, derived from the table: fence, announce, plan. */
void fo_coordinate(struct vmha_failover *fo);

/* The monotonic time of the input being applied (the first one: this vmhad's start). */
static inline void fo_set_now(struct vmha_failover *fo, uint64_t now_ms)
{
	fo->now_ms = now_ms;
	if (!fo->born) {
		fo->born = true;
		fo->born_ms = now_ms;
	}
}

/* The coordinator replays the table for a vmhad that (re)joined, once it can apply it. */
void fo_replay(struct vmha_failover *fo);

/* A delivered "sync" (the end of a state transfer): the vmhad it names holds the table. */
int fo_on_sync(struct vmha_failover *fo, const char *sender, const struct vmha_failover_msg *m);

/* Desired state (failover_desired.c). */

/* An accepted announcement of its live host no longer lists VM v: it stopped there. */
void fo_vm_lost(struct vmha_failover *fo, struct fo_vm *v, const char *host);

/* VM v is active again (announced, started): its stop is over. */
void fo_vm_found(struct fo_vm *v);

/* The coordinator restarts, relocates or gives up the VMs that stopped on live hosts. */
void fo_recover(struct vmha_failover *fo);

/* A delivered "relocate" decision: the VM is displaced from the host it stopped on. */
int fo_on_relocate(struct vmha_failover *fo, const struct vmha_failover_msg *m);

/* A delivered "ack" of a placement. */
int fo_on_ack(struct vmha_failover *fo, const char *sender, const struct vmha_failover_msg *m);

/* The online hosts changed: placements waiting for acks are cancelled (retried). */
void fo_cancel_placing(struct vmha_failover *fo);

/* A delivered "stopped" (state transfer): the VM stopped on that live host. */
int fo_on_stopped(struct vmha_failover *fo, const struct vmha_failover_msg *m);

/* State transfer: the coordinator publishes the VMs that stopped on live hosts. */
void fo_replay_stopped(struct vmha_failover *fo);

/* A delivered "assign" of a VM that stopped: a restart in place is counted. */
void fo_count_restart(struct fo_vm *v, const char *target);

/* The coordinator does not fail over a displaced VM whose desired state is not started:
 * "skip" (true when it sent one). */
bool fo_skip_undesired(struct vmha_failover *fo, struct fo_vm *v);

/* The refuse() of failover.c: log and drop a message (-EINVAL). */
int fo_refuse(struct vmha_failover *fo, const struct vmha_failover_msg *m, const char *why);

/* The planner's reason, and where a start already failed. */
void fo_stranded_reason(const struct fo_vm *v, const char *reason, char *buf, size_t size);

#endif /* VMHA_HEARTBEAT_FAILOVER_INT_H */

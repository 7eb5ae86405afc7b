/*
 * Internals of the failover simulation shared by its world (membership,
 * ordering, events) and its faults: not an interface for engines (those use
 * failover_sim.h).
 */
#ifndef VMHA_TESTS_FAILOVER_SIM_WORLD_H
#define VMHA_TESTS_FAILOVER_SIM_WORLD_H

#include <stdio.h>

#include "failover_sim.h"

#define SIM_MAX_SIDES 8
/* the slowest VM start of the world (sim_start_vm) */
#define SIM_SLOWEST_START_MS 15000
/* the longest period of a vmhad's announcements */
#define SIM_ANNOUNCE_MAX_MS 6000
/* the fault bit of the faults aimed at starts, fences and decisions */
#define SIM_FAULT_AIMED 9

enum sim_item_kind {
	IT_RING = 0,
	IT_CONFCHG,
	IT_QUORUM,
	IT_MSG,
};

/* One input in a member's CPG stream (the partition's total order). */
struct sim_item {
	enum sim_item_kind kind;
	uint64_t ring_seq;
	size_t n_nodes;
	uint32_t nodes[SIM_MAX_HOSTS];
	size_t n_members, n_left, n_joined;
	struct sim_proc members[SIM_MAX_PROCS];
	struct sim_proc left[SIM_MAX_PROCS];
	struct sim_proc joined[SIM_MAX_PROCS];
	bool quorate;
	uint32_t nodeid;
	uint32_t pid;
	char *buf;
	size_t len;
	struct sim_item *next;
};

/* A CPG process: a vmhad or a rogue. */
struct sim_procinfo {
	bool alive;
	bool rogue;
	bool fresh;
	size_t host;
	uint32_t pid;
	uint64_t join_seq;
};

struct sim_member {
	struct sim *sim;
	size_t idx;
	void *engine;
	bool alive;
	/* killed after a lost send: sends nothing more */
	bool doomed;
	uint32_t pid;
	uint64_t incarnation;
	size_t n_known;
	uint32_t known_pids[SIM_MAX_PROCS];
	uint32_t known_nodes[SIM_MAX_PROCS];
	size_t n_known_ring;
	int known_side;
	uint32_t known_ring[SIM_MAX_HOSTS];
	struct sim_item *inbox_head;
	struct sim_item *inbox_tail;
	bool deliver_scheduled;
	uint64_t stall_until_ms;
	uint64_t last_deliver_ms;
	uint64_t reg_seq;
	uint64_t reg_busy_until_ms;
	/* quorum as this vmhad last received it */
	bool q_known;
	bool q_seen;
	/* a membership change left this partition inquorate; its quorum is not delivered yet */
	bool unknown_inquorate;
	uint64_t inquorate_since_ms;
	bool self_fenced;
	uint64_t last_fed_ms;
	/* VMs listed by the last inventory, known to the group once a send is ordered */
	unsigned int inv_pending[SIM_MAX_VMS];
	size_t n_inv_pending;
	size_t n_readings;
	struct sim_slot readings[SIM_MAX_HOSTS];
};

struct sim_host {
	char name[SIM_NAME_SIZE];
	uint32_t nodeid;
	bool up;
	int side;
	uint64_t boot_epoch;
	struct sim_member m;
	bool slot_written;
	struct sim_slot slot;
	uint64_t slot_stall_until_ms;
	/* vmhad opened the watchdog (no fence device): it resets when not fed */
	bool wd_armed;
};

struct sim_wvm {
	struct sim_vm_spec spec;
	bool in_registry;
	/* bit per host where it runs */
	unsigned int running;
	/* the group knew where it ran (an announcement listing it was ordered):
	 * it must run again after a failover */
	bool wanted;
	/* per host: the starts of it in flight in libvirtd (they outlive the
	 * vmhad that issued them; a reboot ends them) */
	unsigned int starting[SIM_MAX_HOSTS];
};

enum sim_ev_kind {
	EV_DELIVER = 0,
	EV_TICK,
	EV_STORAGE,
	EV_ANNOUNCE,
	EV_REGISTRY_DONE,
	EV_START_DONE,
	EV_FENCE_DONE,
	EV_QUORUM,
	EV_FAULT,
	EV_REBOOT,
	EV_VMHAD_START,
	EV_ROGUE_SEND,
	EV_ROGUE_LEAVE,
	EV_WORLD_TICK,
	EV_KILL,
	EV_AIMED,
	EV_HEAL,
	EV_END,
};

struct sim_ev {
	uint64_t t;
	uint64_t seq;
	enum sim_ev_kind kind;
	size_t a;
	size_t b;
	uint64_t x;
	uint64_t y;
};

struct sim {
	const struct sim_engine_ops *ops;
	struct sim_params p;
	struct sim_result *r;
	uint64_t rng;
	uint64_t now;
	bool done;
	bool healed;
	/* the last membership change (a node or vmhad came or went, a partition) */
	uint64_t last_change_ms;
	/* every vmhad was down at once: the replicated table is gone (no liveness check) */
	bool table_lost;
	size_t n_hosts;
	struct sim_host hosts[SIM_MAX_HOSTS];
	size_t n_vms;
	struct sim_wvm vms[SIM_MAX_VMS];
	uint64_t registry_gen;
	unsigned int next_vm_name;
	size_t n_procs;
	struct sim_procinfo procs[SIM_MAX_PROCS * 8];
	uint64_t join_seq;
	uint32_t next_pid;
	uint64_t ring_seq;
	struct sim_ev *evs;
	size_t n_evs;
	size_t cap_evs;
	uint64_t ev_seq;
	FILE *trace;
	char *trace_buf;
	size_t trace_len;
};

/* ---- failover_sim_world.c ---- */
uint64_t sim_rand(struct sim *s);
uint64_t sim_range(struct sim *s, uint64_t lo, uint64_t hi);
bool sim_chance(struct sim *s, unsigned int permille);
void sim_at(struct sim *s, uint64_t t, enum sim_ev_kind kind, size_t a, size_t b, uint64_t x,
            uint64_t y);
void sim_trace(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_fail(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_resync(struct sim *s);
void sim_node_down(struct sim *s, size_t h, const char *why);
void sim_vmhad_start(struct sim *s, size_t h);
void sim_vmhad_stop(struct sim *s, size_t h, const char *why);
size_t sim_coordinator_guess(struct sim *s, int side);
void sim_order_msg(struct sim *s, int side, uint32_t nodeid, uint32_t pid, const void *buf,
                   size_t len);
int sim_find_vm(struct sim *s, const char *name);
void sim_kill_vms(struct sim *s, size_t h, const char *why);
void sim_stop_vms(struct sim *s, size_t h, char (*vms)[SIM_NAME_SIZE], size_t n, const char *why);
void sim_add_proc(struct sim *s, size_t h, uint32_t pid, bool rogue);
struct sim_member *sim_live_member(struct sim *s, size_t h, uint64_t pid);
struct sim_ev sim_ev_pop(struct sim *s);
void sim_drop_inbox(struct sim_member *m);
void sim_deliver(struct sim *s, struct sim_member *m);
void sim_order_quorum(struct sim *s, int side);

/* ---- failover_sim_faults.c ---- */
void sim_fault(struct sim *s);
void sim_heal(struct sim *s);
void sim_rogue_send(struct sim *s, size_t proc);
void sim_rogue_leave(struct sim *s, size_t proc);
void sim_world_tick(struct sim *s);
void sim_check_liveness(struct sim *s);
uint64_t sim_settle_ms(const struct sim_params *p);
void sim_vmhad_kill(struct sim *s, size_t h);
void sim_aimed(struct sim *s, size_t h, unsigned int kind);
void sim_aim(struct sim *s, size_t h);
bool sim_may_act(struct sim_member *m, const char *what, const char *arg);

#endif /* VMHA_TESTS_FAILOVER_SIM_WORLD_H */

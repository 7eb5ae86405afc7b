/*
 * A seeded multi-member simulation of vmhad's standalone failover decisions.
 *
 * The world (failover_sim_world.c) runs N hosts on a virtual clock: Corosync
 * partitions with one total order each (ring changes, CPG membership changes
 * with their reasons, quorum, messages with their sender's nodeid and pid),
 * per-member delivery lag, storage slots, a registry on shared storage that
 * each member reads at its own time, libvirt starts and fence devices that
 * take time, and where each VM really runs. An engine (the glue of one
 * version of the decision code, exactly as vmhad wires it) runs on every
 * member and calls back into the world through the sim_* functions below.
 *
 * The one rule is checked at every step: no VM runs on two hosts, and no
 * start is issued for a VM that runs on another host.
 */
#ifndef VMHA_TESTS_FAILOVER_SIM_H
#define VMHA_TESTS_FAILOVER_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_MAX_HOSTS 7
#define SIM_MAX_VMS   24
#define SIM_MAX_PROCS 16
#define SIM_NAME_SIZE 65

struct sim;
struct sim_member;

/** Why a process joined or left the CPG group (as Corosync reports it). */
enum sim_reason {
	SIM_REASON_JOIN = 0,
	SIM_REASON_LEAVE,
	SIM_REASON_NODEDOWN,
	SIM_REASON_NODEUP,
	SIM_REASON_PROCDOWN,
};

/** A CPG group member as a membership change lists it. */
struct sim_proc {
	uint32_t nodeid;
	uint32_t pid;
	enum sim_reason reason;
};

/** Flags in a storage slot. */
enum sim_slot_flags {
	SIM_SLOT_QUORATE = 1u << 0,
	SIM_SLOT_SELF_FENCED = 1u << 1,
};

/** One storage slot as a member reads it. */
struct sim_slot {
	char host[SIM_NAME_SIZE];
	uint64_t incarnation;
	uint64_t seq;
	unsigned int flags;
};

/** A protected VM as the registry describes it. */
struct sim_vm_spec {
	char name[SIM_NAME_SIZE];
	int64_t priority;
	uint32_t vcpus;
	uint64_t memory_mib;
};

/** A VM running on a host, as libvirt lists it. */
struct sim_running {
	char name[SIM_NAME_SIZE];
	uint32_t vcpus;
	uint64_t memory_mib;
};

/** Kinds of forged messages a rogue CPG process sends. */
enum sim_forge_kind {
	SIM_FORGE_FENCED = 0,
	SIM_FORGE_ASSIGN,
	SIM_FORGE_START,
	SIM_FORGE_DOWN,
	SIM_FORGE_ANNOUNCE,
	SIM_FORGE_COUNT,
};

/** Settings shared by every member of one run (as vmhad.conf would give them). */
struct sim_settings {
	size_t n_hosts;
	bool storage_enabled;
	uint64_t storage_interval_ms;
	uint64_t storage_timeout_ms;
	bool fence_device;
	uint64_t restart_delay_ms;
	uint64_t self_fence_delay_ms;
	uint32_t host_cpus;
	uint64_t host_memory_mib;
	/* the engine glue's settings (as vmhad.conf and vmhad's timers give them) */
	/** a fresh vmhad objects to placing a VM that runs nowhere this long */
	uint64_t start_grace_ms;
	/** the period of the registry reloads */
	uint64_t registry_reload_ms;
	/** the wait before the next fence after a failed one */
	uint64_t fence_retry_ms;
};

/** One version of the decision engine, wired as vmhad wires it. */
struct sim_engine_ops {
	const char *name;
	/** a vmhad starts on m (fresh state, new pid and incarnation) */
	void *(*start)(struct sim_member *m);
	/** the vmhad stops (crash, node loss); NULL-safe */
	void (*stop)(void *e);
	void (*ring)(void *e, uint64_t now_ms, uint64_t ring_seq, const uint32_t *nodes,
	             size_t n_nodes);
	void (*confchg)(void *e, uint64_t now_ms, const struct sim_proc *members, size_t n_members,
	                const struct sim_proc *left, size_t n_left, const struct sim_proc *joined,
	                size_t n_joined);
	void (*quorum)(void *e, uint64_t now_ms, bool quorate);
	void (*message)(void *e, uint64_t now_ms, uint32_t nodeid, uint32_t pid, const void *buf,
	                size_t len);
	/** the main loop's tick; slots: the storage readings taken since the last tick */
	void (*tick)(void *e, uint64_t now_ms, const struct sim_slot *slots, size_t n_slots);
	/** the periodic announcement timer */
	void (*announce)(void *e, uint64_t now_ms);
	/** a registry read asked for by sim_registry_request() finished */
	void (*registry)(void *e, uint64_t now_ms, uint64_t seq, const struct sim_vm_spec *vms,
	                 size_t n_vms);
	/** unknown: the start may still come up (heartbeat/actuator.c's r->unknown) */
	void (*start_done)(void *e, uint64_t now_ms, const char *vm, bool ok, bool unknown,
	                   const char *text);
	void (*fence_done)(void *e, uint64_t now_ms, const char *host, bool ok);
	/**
	 * quorum has been lost for self_fence_delay: the self-fence runs now.
	 * @return the VMs it stops (as the vmhad would pick them; the world stops
	 *         those that run on this host), at most max
	 */
	size_t (*self_fence)(void *e, uint64_t now_ms, char (*vms)[SIM_NAME_SIZE], size_t max);
	/** what this vmhad writes in its slot now */
	unsigned int (*slot_flags)(void *e);
	/** a message of kind k about host/vm as a rogue would forge it; 0 or -errno */
	int (*forge)(enum sim_forge_kind k, const char *host, const char *vm, uint64_t nonce,
	             char **buf, size_t *len);
};

/* ---- called by the engine glue ---- */

/**
 * Multicast buf in m's partition: ordered now. With the run's loss rate the
 * send fails with -EAGAIN (flow control: the caller retries), or the message
 * is lost and this vmhad dies right after (killed between decision and send).
 *
 * @return 0 or -EAGAIN
 */
int sim_send(struct sim_member *m, const void *buf, size_t len);

/** Start VM vm on m's host (the result comes through start_done). */
void sim_start_vm(struct sim_member *m, const char *vm);

/** Run the fence device against host (the result comes through fence_done). */
void sim_fence_host(struct sim_member *m, const char *host);

/** Ask for a registry read; @return its sequence number */
uint64_t sim_registry_request(struct sim_member *m);

/** The VMs libvirt lists on m's host now; @return their number */
size_t sim_inventory(struct sim_member *m, struct sim_running *out, size_t max);

/** A line of the trace (what the engine decided). */
void sim_note(struct sim_member *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** @return m's host name */
const char *sim_member_name(const struct sim_member *m);

/** @return m's Corosync node id */
uint32_t sim_member_nodeid(const struct sim_member *m);

/** @return the pid of m's vmhad */
uint32_t sim_member_pid(const struct sim_member *m);

/** @return the incarnation of m's vmhad */
uint64_t sim_member_incarnation(const struct sim_member *m);

/** @return the settings of the run */
const struct sim_settings *sim_member_settings(const struct sim_member *m);

/* ---- the world ---- */

/** Knobs of one run, drawn from the seed. */
struct sim_params {
	uint64_t seed;
	struct sim_settings settings;
	size_t n_vms;
	/** probability (per mille) that a sent message is never ordered */
	unsigned int loss_permille;
	/** mean time between faults in the fault phase */
	uint64_t fault_every_ms;
	uint64_t fault_phase_ms;
	uint64_t heal_phase_ms;
	/** which faults are enabled (bit per fault kind) */
	unsigned int faults;
	/** keep a readable trace */
	bool trace;
	/** also check that quorum gates every START and FENCE (not only the one rule) */
	bool gate_checks;
};

/** The outcome of one run. */
struct sim_result {
	bool ok;
	/** what broke, "" when ok */
	char failure[512];
	uint64_t failed_at_ms;
	/** the trace (malloc'ed, when params.trace), NULL otherwise */
	char *trace;
	size_t events;
	size_t starts;
	size_t fences;
	size_t forged;
};

/** Draw the knobs of a run from its seed. */
void sim_params_from_seed(uint64_t seed, struct sim_params *p);

/** Run one simulation. The caller frees r->trace. */
void sim_run(const struct sim_engine_ops *ops, const struct sim_params *p, struct sim_result *r);

/** A one-line summary of the knobs, for failure reports. */
void sim_params_describe(const struct sim_params *p, char *buf, size_t size);

#endif /* VMHA_TESTS_FAILOVER_SIM_H */

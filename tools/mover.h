/*
 * The mover: carries out a list of live migrations on the standalone
 * cluster, shared by `vmha host evacuate` and `vmha plan --rebalance
 * --apply`. Each move goes through the admission control of `vmha vm
 * migrate` (target online, allowed, room, anti-affinity, the policy)
 * against the cluster as it will be after the moves admitted before it,
 * then through its pre-checks on the target and the migration itself, at
 * most `parallel` at once, in list order (highest priority first). A move
 * that is refused or fails leaves its VM where it is, with the reason.
 */
#ifndef VMHA_TOOLS_MOVER_H
#define VMHA_TOOLS_MOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cmd_vm_int.h"
#include "heartbeat/msg.h"
#include "registry.h"

/** What happened to one move. */
enum vmha_move_result {
	/** not tried yet */
	VMHA_MOVE_PENDING = 0,
	/** the VM runs on the target */
	VMHA_MOVE_MOVED,
	/** --dry-run: admitted, not carried out */
	VMHA_MOVE_ADMITTED,
	/** stays: no target, refused by admission control or the guard */
	VMHA_MOVE_STAYS,
	/** the pre-check or the migration failed: the VM runs on the source */
	VMHA_MOVE_FAILED,
};

/** One live migration (a plain value record). */
struct vmha_move {
	char vm[VMHA_NAME_SIZE];
	char source[VMHA_NAME_SIZE];
	/** "" when no host can take it (reason says why) */
	char target[VMHA_NAME_SIZE];
	int64_t priority;
	enum vmha_move_result result;
	char reason[512];
	uint64_t elapsed_ms;
};

/**
 * The moves that empty host: the planner places its VMs as if host had
 * failed (the placement of `vmha plan`), highest priority first; a VM with
 * no place gets an empty target and the planner's reason.
 *
 * @param out  receives the moves (caller frees), n their count
 * @return 0, or -errno with err set
 */
int vmha_mover_plan_evacuation(struct vmha_registry *reg, json_object *status, const char *host,
                               struct vmha_move **out, size_t *n, char *err, size_t errlen);

/**
 * The live migrations of the rebalance plan for the failure of the hosts
 * in fail (comma-separated): `vmha plan --rebalance` on the live cluster.
 * @return 0, or -errno with err set
 */
int vmha_mover_plan_rebalance(struct vmha_registry *reg, json_object *status, const char *fail,
                              struct vmha_move **out, size_t *n, char *err, size_t errlen);

/**
 * Carry out the moves (see above), printing "[k/n] VM -> HOST ... ok (1.2
 * s)" per move on stdout unless o->json.
 *
 * @param status    the cluster now (changed: admitted moves are applied)
 * @param policy    admission policy, NULL for none
 * @param parallel  most migrations at once (>= 1)
 * @return the number of moves that did not succeed
 */
size_t vmha_mover_run(struct vmha_registry *reg, json_object *status, const struct vm_opts *o,
                      const char *policy, unsigned int parallel, struct vmha_move *moves, size_t n);

/** @return "moved", "admitted", "stays", "failed" or "pending" */
const char *vmha_move_result_name(enum vmha_move_result r);

/** @return the moves as a JSON array (caller puts) */
json_object *vmha_mover_to_json(const struct vmha_move *moves, size_t n);

#endif /* VMHA_TOOLS_MOVER_H */

/*
 * The restart planner: places the VMs of failed hosts onto the survivors.
 *
 * Order: higher priority first; within a priority the harder to place
 * first (larger demand relative to the largest host), then by name.
 * Target: a host that is not failed, not in standby, allowed for the VM,
 * keeps every anti-affinity group split and has room in every dimension;
 * dedicated failover hosts first, then the VM's preferred hosts, then the
 * others; among those the tightest fit (best fit), then by name. When a VM
 * is stranded, first fit and worst fit are tried too and the best result
 * is kept (fewest stranded at the highest priority), then single moves of
 * already placed VMs to make room, and last a branch-and-bound search over
 * all placements, bounded by a fixed number of steps, that keeps the result
 * unless it finds one that strands less; when that search runs out of steps
 * and everything may still fit, the survivors filled one at a time (the set
 * of displaced VMs that leaves each the least room), a local search with
 * overload (moves and swaps of restarted VMs) and an ejection search (a
 * stranded VM takes the place of at most two others of its priority or
 * lower, with repacking of a few hosts when stuck), each bounded in steps
 * and kept only when it restarts more; last, from that plan, an exact
 * repacking of a few hosts with one stranded VM at a time (the free room
 * gathered onto fewer hosts first when it is spread thin), which only ever
 * restarts more. Same model, same failed hosts: same plan, on any machine.
 *
 * A plan object precomputes what does not depend on the failure (free
 * capacity per host, group counts, the order) so that vmha_plan_run() is
 * cheap enough to be called for thousands of failure sets.
 */
#ifndef VMHA_PLANNER_PLAN_H
#define VMHA_PLANNER_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

/** Flags of vmha_plan_run(). */
enum vmha_plan_flags {
	/** propose live migrations (fewest moves) to make room for stranded VMs */
	VMHA_PLAN_REBALANCE = 1 << 0,
	/** place only onto dedicated failover hosts */
	VMHA_PLAN_FAILOVER_ONLY = 1 << 1,
	/** skip the reason texts (admission's inner loop) */
	VMHA_PLAN_NO_REASONS = 1 << 2,
	/** first fit only, no improvement (the baseline of the quality test) */
	VMHA_PLAN_FIRST_FIT = 1 << 3,
	/** one pass of best fit only, no improvement */
	VMHA_PLAN_GREEDY_ONLY = 1 << 4,
	/** no bounded exact search after the heuristics (to measure them alone) */
	VMHA_PLAN_NO_SEARCH = 1 << 5,
	/** a smaller search budget, no tight-packing search (admission checks thousands of failure sets) */
	VMHA_PLAN_QUICK = 1 << 6,
	/** no bin completion (to measure and test the searches before it) */
	VMHA_PLAN_NO_COMPLETE = 1 << 7,
};

/** What happens to a VM in a plan. */
enum vmha_plan_outcome {
	VMHA_PLAN_UNAFFECTED = 0, /**< not on a failed host (or not running) */
	VMHA_PLAN_RESTART,        /**< restarts on vmha_plan_target() */
	VMHA_PLAN_STRANDED,       /**< cannot restart: vmha_plan_reason() */
	VMHA_PLAN_NOT_RESTARTED,  /**< restart policy "never" */
};

struct vmha_plan;

/**
 * Prepare planning on a finished model (kept by reference: it must outlive
 * the plan).
 *
 * @return a plan, or NULL when out of memory or the model is not finished
 */
struct vmha_plan *vmha_plan_new(const struct vmha_model *m);

/** Free a plan; NULL is a no-op. */
void vmha_plan_free(struct vmha_plan *p);

/**
 * Plan the failure of hosts @p failed (indices, any order, duplicates
 * ignored), and place the not running VMs listed in @p extra as well (for
 * admission of a new VM). Replaces the previous result.
 *
 * @return 0, -EINVAL (bad index) or -ENOMEM
 */
int vmha_plan_run(struct vmha_plan *p, const size_t *failed, size_t nfailed, const size_t *extra,
                  size_t nextra, unsigned int flags);

/** @return whether host @p h failed in the last run */
bool vmha_plan_host_failed(const struct vmha_plan *p, size_t h);

/** @return the number of VMs displaced (on failed hosts, or extra) */
size_t vmha_plan_displaced_count(const struct vmha_plan *p);

/** @return the @p i-th displaced VM, in restart order */
size_t vmha_plan_displaced(const struct vmha_plan *p, size_t i);

/** @return what happens to VM @p v */
enum vmha_plan_outcome vmha_plan_outcome(const struct vmha_plan *p, size_t v);

/** @return the host VM @p v restarts on, or -1 */
long vmha_plan_target(const struct vmha_plan *p, size_t v);

/** @return the 1-based restart order of VM @p v, 0 when it does not restart */
size_t vmha_plan_order(const struct vmha_plan *p, size_t v);

/** @return why VM @p v is stranded or not restarted ("" otherwise, or with NO_REASONS) */
const char *vmha_plan_reason(const struct vmha_plan *p, size_t v);

/** @return the number of stranded VMs (restart policy "never" excluded) */
size_t vmha_plan_stranded_count(const struct vmha_plan *p);

/** @return the highest priority among stranded VMs (meaningless when none) */
int64_t vmha_plan_stranded_top_priority(const struct vmha_plan *p);

/** @return the number of proposed live migrations (REBALANCE) */
size_t vmha_plan_migration_count(const struct vmha_plan *p);

/**
 * The @p i-th proposed live migration: VM @p vm from host @p from to host
 * @p to, to make room for VM @p for_vm.
 */
void vmha_plan_migration(const struct vmha_plan *p, size_t i, size_t *vm, size_t *from, size_t *to,
                         size_t *for_vm);

/**
 * @return whether the search for a better plan stopped at its step budget
 *         while VMs were still stranded (a better plan may exist)
 */
bool vmha_plan_budget_hit(const struct vmha_plan *p);

/**
 * Compare two results by what they restart: negative when @p a restarts
 * less (by priority: more stranded at the highest priority where they
 * differ) than @p b, 0 when equal, positive when more.
 */
int vmha_plan_compare(const struct vmha_plan *a, const struct vmha_plan *b);

#endif /* VMHA_PLANNER_PLAN_H */

/*
 * Internals of the restart planner shared by plan.c, plan_search.c,
 * plan_rebalance.c and plan_explain.c (not part of the planner's API).
 */
#ifndef VMHA_PLANNER_PLAN_INT_H
#define VMHA_PLANNER_PLAN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"

enum strategy {
	BEST_FIT,
	FIRST_FIT,
	WORST_FIT,
};

struct undo {
	size_t idx;
	int delta;
};

struct migration {
	size_t vm;
	size_t from;
	size_t to;
	size_t for_vm;
};

/*
 * The improvement steps after the greedy passes (moves, then the exact
 * search) stop after this many host checks: bounded and deterministic.
 */
#define IMPROVE_BUDGET 100000

/*
 * The local search with overload (plan_search.c) stops after this many
 * evaluated moves; VMHA_PLAN_QUICK (admission's inner loop) uses the smaller.
 */
#define LOCAL_SEARCH_BUDGET       1000000
#define LOCAL_SEARCH_BUDGET_QUICK 100000

/*
 * The ejection search (plan_eject.c) stops after this many evaluated moves
 * (not run with VMHA_PLAN_QUICK).
 */
#define EJECT_BUDGET 2000000

/*
 * Bin completion over the survivors (complete.c) stops after this many
 * steps (VMs looked at; not run with VMHA_PLAN_QUICK).
 */
#define COMPLETE_BUDGET 1000000
/* Bin completion with varied restarts, last of the tight searches, stops after this many. */
#define COMPLETE_VARIED_BUDGET 500000

/* The repacking search (plan_repack.c) stops after this many tried placements. */
#define REPACK_BUDGET 1000000

/* Pairs of moved VMs are only searched on hosts running at most this many. */
#define REBALANCE_PAIR_LIMIT 64

struct vmha_plan {
	const struct vmha_model *m;
	size_t nh;
	size_t nv;
	size_t nd;
	size_t ng;
	int64_t *cap;
	double *inv_cap;
	int64_t *dem;
	int64_t *base_free;
	uint32_t *gcount;
	size_t *vg_off;
	size_t *vg;
	size_t *hv_off;
	size_t *hv;
	size_t *rank;
	size_t *level;
	int64_t *prio;
	unsigned char *standby;
	unsigned char *failover;
	unsigned char *restarts;
	unsigned char *restricted;
	unsigned char *has_pref;
	unsigned char *extra; /* new VMs of this run: placed like running VMs */
	/* per run */
	unsigned int flags;
	int64_t *free;
	struct undo *undo;
	size_t nundo;
	size_t undo_alloc;
	unsigned char *failed;
	size_t *failed_list;
	size_t nfailed;
	size_t *live; /* hosts neither failed nor in standby, in name order */
	size_t nlive;
	long *target;
	unsigned char *outcome;
	size_t *order;
	char **reason;
	size_t *disp;
	size_t ndisp;
	long *saved;
	size_t *strand_levels;
	size_t nstranded;
	size_t *cand_levels;
	struct migration *mig;
	size_t nmig;
	/* bounded exact search */
	size_t *sv; /* restartable displaced VMs, in rank order */
	size_t nsv;
	size_t *clevel;  /* compact level of sv[i] */
	size_t *cur_cnt; /* stranded per compact level, this branch */
	size_t *best_cnt;
	long *best_assign;
	bool improved;
	uint64_t budget;
	bool budget_hit; /* an improvement step stopped at its budget, VMs still stranded */
	size_t ls_turn;  /* local search: rotates the first VM looked at */
	double *ls_w; /* local search: weight per host and dimension, then per host for anti-affinity */
	long *cur_host;
};

struct sortkey {
	size_t v;
	int64_t prio;
	double size;
};

/**
 * The next number of the xorshift generator in @p state (a fixed seed:
 * the same input, the same plan), reduced to [0, @p n) (0 when @p n is 0).
 */
static inline uint64_t plan_rand(uint64_t *state, uint64_t n)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return n == 0 ? 0 : *state % n;
}

/** calloc of @p n elements (at least 1); sets *rc to -ENOMEM on failure. */
void *plan_xcalloc(size_t n, size_t size, int *rc);

/** qsort_r() of indices by rank[] (a size_t array), lowest first */
int plan_cmp_rank(const void *x, const void *y, void *rank);

/** qsort_r() of indices by key[] (a double array), largest first, then by index */
int plan_cmp_key_desc(const void *x, const void *y, void *key);

/** qsort_r() of indices by key[] (a double array), smallest first, then by index */
int plan_cmp_key_asc(const void *x, const void *y, void *key);
/** Count VM @p v in its groups on host @p h (@p delta +1/-1), undoable. @return 0 or -ENOMEM */
int plan_gcount_add(struct vmha_plan *p, size_t v, size_t h, int delta);
/** Undo every group count change since the last reset. */
void plan_gcount_undo(struct vmha_plan *p);
/** @return whether VM @p v keeps its anti-affinity groups split on host @p h */
bool plan_aa_ok(const struct vmha_plan *p, size_t v, size_t h);
/** @return whether VM @p v fits host @p h's free capacity in every dimension */
bool plan_fits(const struct vmha_plan *p, size_t v, size_t h);
/** @return whether @p v may go to @p h at all (capacity and anti-affinity ignored) */
bool plan_host_usable(const struct vmha_plan *p, size_t v, size_t h, bool running_vm);
/** @return the host for @p v by strategy @p s (never @p excl), or -1 */
long plan_choose(const struct vmha_plan *p, size_t v, enum strategy s, long excl, bool running_vm);
/** Restart VM @p v on host @p h. @return 0 or -ENOMEM */
int plan_assign(struct vmha_plan *p, size_t v, size_t h);
/** Take VM @p v off its target: stranded again. @return 0 or -ENOMEM */
int plan_unassign(struct vmha_plan *p, size_t v);
/** Move a running VM's footprint from @p from to @p to. @return 0 or -ENOMEM */
int plan_shift(struct vmha_plan *p, size_t v, size_t from, size_t to);
/** Back to the state before any restart of this run. */
void plan_reset_state(struct vmha_plan *p);
/** Levels of the stranded VMs into @p out, in order. @return how many */
size_t plan_stranded_levels(const struct vmha_plan *p, size_t *out);
/** @return <0 when levels @p a restart less than @p b, 0 equal, >0 more */
int plan_compare_levels(const size_t *a, size_t na, const size_t *b, size_t nb);
/** Single moves of restarted VMs to make room for stranded ones. @return 0 or -ENOMEM */
int plan_repair(struct vmha_plan *p);
/** Bounded branch-and-bound from the current result (kept unless beaten). @return 0 or -ENOMEM */
int plan_search(struct vmha_plan *p);
/**
 * Local search with overload from the current result, at most @p budget
 * evaluated moves; keeps its result only when it restarts more.
 * @return 0 or -ENOMEM
 */
int plan_local_search(struct vmha_plan *p, uint64_t budget);
/**
 * Replace the plan by the survivors filled one at a time, each with the set
 * of displaced VMs that leaves it the least room (plan_fill.c).
 * @return 0 or -ENOMEM
 */
int plan_fill(struct vmha_plan *p);
/**
 * Ejection search from the current result (plan_eject.c), at most @p budget
 * evaluated moves; keeps the best plan it sees when it restarts more.
 * Sets budget_hit when it stops at the budget with VMs still stranded.
 * @return 0 or -ENOMEM
 */
int plan_eject_search(struct vmha_plan *p, uint64_t budget);
/**
 * Exact repacking of a few hosts with one stranded VM at a time
 * (plan_repack.c), at most @p budget tried placements; only ever restarts
 * more. Sets budget_hit when it stops at the budget with VMs still stranded.
 * @return 0 or -ENOMEM
 */
int plan_repack_search(struct vmha_plan *p, uint64_t budget);

/* The stranded VMs the repacking search works on, and its per-host lists. */
struct plan_pool {
	size_t *pool; /* stranded VMs that may fit somewhere, in rank order */
	size_t npool;
	size_t *head; /* per host: the first search VM restarted there, SIZE_MAX none */
	size_t *next; /* per VM */
	bool oom;
};

/**
 * @return whether VMs @p a and @p b are interchangeable: the same demand,
 *         no groups, no host restrictions (a search that failed with one
 *         fails the same way with the other)
 */
bool plan_same_kind(const struct vmha_plan *p, size_t a, size_t b);
/** @return host @p h's free room relative to its capacity, summed over the dimensions */
double plan_room(const struct vmha_plan *p, size_t h);
/** @return false when host @p h is short of capacity in some dimension (not repacked) */
bool plan_host_sane(const struct vmha_plan *p, size_t h);
/**
 * Every VM of @p q's pool that fits somewhere now goes there (best fit);
 * the others stay in the pool. @return 0 or -ENOMEM
 */
int plan_place_pool(struct vmha_plan *p, struct plan_pool *q);
/**
 * One pass of gathering free room onto fewer hosts (plan_gather.c), placing
 * pool VMs as they fit; *gained says whether any exchange was made.
 * @return 0 or -ENOMEM
 */
int plan_gather_pass(struct vmha_plan *p, struct plan_pool *q, bool *gained);
/**
 * @return false when the restartable displaced VMs cannot all fit: their
 *         demand exceeds the survivors' free capacity in some dimension
 */
bool plan_all_may_fit(const struct vmha_plan *p);
/**
 * @return whether VM v fits some usable host before any restart (else it
 *         is stranded in every plan)
 */
bool plan_vm_may_fit(const struct vmha_plan *p, size_t v);
/** Propose live migrations for stranded VMs (VMHA_PLAN_REBALANCE). @return 0 or -ENOMEM */
int plan_rebalance(struct vmha_plan *p);
/** @return a new string saying why VM @p v is stranded, or NULL when out of memory */
char *plan_explain(const struct vmha_plan *p, size_t v);
#endif /* VMHA_PLANNER_PLAN_INT_H */

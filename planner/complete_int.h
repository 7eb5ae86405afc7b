/*
 * Internals of bin completion (complete.c: the search; complete_setup.c:
 * each restart's sub-problem and the plan put back), not part of the
 * planner's API.
 */
#ifndef VMHA_PLANNER_COMPLETE_INT_H
#define VMHA_PLANNER_COMPLETE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan_int.h"
#include "sums.h"

/* Completions (of any host, for one largest VM) failing further on before the search backs off. */
#define COMPLETE_BRANCH 8
/* Steps looking for the completions of one host with one largest VM. */
#define COMPLETE_HOST_STEPS 10000
/* Sums of candidates kept as bit sets of at most this many units... */
#define COMPLETE_SUM_UNITS 4096
/* ... in a bit stack of this many words. */
#define COMPLETE_SUM_WORDS (1u << 20)
/* Varied restarts: an item with at most this many open hosts left goes before larger ones. */
#define COMPLETE_FORCED 1
/* Steps per restart (a restart ends sooner when the budget does). */
#define COMPLETE_RESTART_STEPS 250000

struct cs {
	struct vmha_plan *p;
	size_t *items; /* the VMs to place, largest first */
	long *from;    /* per item: its host in the plan before (-1: stranded) */
	size_t n;
	size_t placed;
	size_t *hosts; /* the hosts to fill, in this restart's order */
	size_t k;
	size_t *gstk; /* per host being completed: glast and req of its list (2 x ng) */
	size_t gsp;
	size_t *stk;   /* the candidates of the hosts being completed, one list after another */
	int64_t *sstk; /* per candidate, nd: the demand of the candidates from it on */
	size_t sp;
	struct vmha_sums *sums; /* the sums the candidates of each host being completed make */
	uint32_t *sx;           /* scratch: the candidates' demand in units, d1 and d2 */
	uint32_t *sy;
	int64_t unit[VMHA_MODEL_MAX_DIMS]; /* per dimension: divides every demand and free room */
	unsigned char *closed;             /* per host: completed in this branch */
	uint32_t *open;                    /* per item: hosts not filled yet that it may go to */
	uint32_t *gtaken;      /* scratch per group and host: its VMs in the sub-problem there */
	long *slack;           /* per group: open hosts without it less its VMs not placed */
	unsigned char *usable; /* item x host position of the first order: may go there */
	size_t *pos;           /* per host: its position in the first order */
	double *w;             /* per VM: size relative to the largest capacity */
	double *wmax;          /* per VM: the same in its largest dimension (varied restarts) */
	double *room;
	unsigned char *inset; /* per host: in hosts */
	unsigned char *cand;  /* per host: a candidate for the extra hosts */
	int64_t *gain;        /* per host, nd: free room once the displaced VMs are off */
	int64_t waste[VMHA_MODEL_MAX_DIMS];
	uint64_t steps; /* left in this restart */
	uint64_t rng;
	bool hopeless; /* some group has more VMs than hosts without it */
	bool whole;    /* every survivor is in the sub-problem */
	bool varied;   /* vmha_complete_search_varied() */
	bool forced;   /* this restart places items with few open hosts left first */
	bool oom;
};

/** Count @p n steps of the restart's budget (never below zero). */
static inline void complete_step(struct cs *c, uint64_t n)
{
	c->steps = c->steps > n ? c->steps - n : 0;
}

/** Set @p c up for the plan @p p. @return 0 or -ENOMEM (then complete_cs_free()) */
int complete_cs_init(struct cs *c, struct vmha_plan *p);
/** Free what complete_cs_init() allocated. */
void complete_cs_free(struct cs *c);
/**
 * Restart @p r's sub-problem: its hosts and VMs (taken off the plan), the
 * waste allowed, the units, open hosts and group slack. @return 0 or -ENOMEM
 */
int complete_setup(struct cs *c, uint64_t r);
/** Everything of this restart back where it was. @return 0 or -ENOMEM */
int complete_restore(struct cs *c);
/** Place every item of the sub-problem. @return whether every item is placed */
bool complete_solve(struct cs *c);

#endif /* VMHA_PLANNER_COMPLETE_INT_H */

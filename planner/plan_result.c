/* The restart planner's result, as read by its callers (see plan.h), and the stranded levels its searches compare. */
#include "config.h"

#include <stdint.h>

#include "plan_int.h"

bool vmha_plan_host_failed(const struct vmha_plan *p, size_t h)
{
	return h < p->nh && p->failed[h];
}

size_t vmha_plan_displaced_count(const struct vmha_plan *p)
{
	return p->ndisp;
}

size_t vmha_plan_displaced(const struct vmha_plan *p, size_t i)
{
	return p->disp[i];
}

enum vmha_plan_outcome vmha_plan_outcome(const struct vmha_plan *p, size_t v)
{
	return (enum vmha_plan_outcome)p->outcome[v];
}

long vmha_plan_target(const struct vmha_plan *p, size_t v)
{
	return p->outcome[v] == VMHA_PLAN_RESTART ? p->target[v] : -1;
}

size_t vmha_plan_order(const struct vmha_plan *p, size_t v)
{
	return p->order[v];
}

const char *vmha_plan_reason(const struct vmha_plan *p, size_t v)
{
	return p->reason[v] != NULL ? p->reason[v] : "";
}

size_t vmha_plan_stranded_count(const struct vmha_plan *p)
{
	return p->nstranded;
}

int64_t vmha_plan_stranded_top_priority(const struct vmha_plan *p)
{
	size_t i;

	for (i = 0; i < p->ndisp; i++) {
		if (p->outcome[p->disp[i]] == VMHA_PLAN_STRANDED) {
			return p->prio[p->disp[i]];
		}
	}
	return INT64_MIN;
}

size_t vmha_plan_migration_count(const struct vmha_plan *p)
{
	return p->nmig;
}

void vmha_plan_migration(const struct vmha_plan *p, size_t i, size_t *vm, size_t *from, size_t *to,
                         size_t *for_vm)
{
	*vm = p->mig[i].vm;
	*from = p->mig[i].from;
	*to = p->mig[i].to;
	*for_vm = p->mig[i].for_vm;
}

int vmha_plan_compare(const struct vmha_plan *a, const struct vmha_plan *b)
{
	return plan_compare_levels(a->strand_levels, a->nstranded, b->strand_levels, b->nstranded);
}

bool vmha_plan_budget_hit(const struct vmha_plan *p)
{
	return p->budget_hit;
}

/* Levels of the stranded VMs, in order (non-decreasing: disp is in rank order). */
size_t plan_stranded_levels(const struct vmha_plan *p, size_t *out)
{
	size_t i;
	size_t n = 0;

	for (i = 0; i < p->ndisp; i++) {
		if (p->outcome[p->disp[i]] == VMHA_PLAN_STRANDED) {
			out[n++] = p->level[p->disp[i]];
		}
	}
	return n;
}

/* <0: a restarts less than b (strands more at the highest differing level). */
int plan_compare_levels(const size_t *a, size_t na, const size_t *b, size_t nb)
{
	size_t i = 0;
	size_t j = 0;

	for (;;) {
		size_t x = i < na ? a[i] : SIZE_MAX;
		size_t y = j < nb ? b[j] : SIZE_MAX;

		if (x == SIZE_MAX && y == SIZE_MAX) {
			return 0;
		}
		if (x == y) {
			i++;
			j++;
			continue;
		}
		return x < y ? -1 : 1;
	}
}

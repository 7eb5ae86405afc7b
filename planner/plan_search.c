/* The planner's improvement steps when VMs are stranded (see plan_int.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

int plan_repair(struct vmha_plan *p)
{
	size_t i;
	size_t j;
	size_t d;
	int rc = 0;

	for (i = 0; i < p->ndisp && p->budget > 0; i++) {
		size_t v = p->disp[i];
		bool done = false;

		if (p->outcome[v] != VMHA_PLAN_STRANDED) {
			continue;
		}
		for (j = 0; j < p->ndisp && !done && p->budget > 0; j++) {
			size_t u = p->disp[j];
			size_t h;
			bool room = true;
			long h2;

			p->budget--;
			if (p->outcome[u] != VMHA_PLAN_RESTART) {
				continue;
			}
			h = (size_t)p->target[u];
			if (!plan_host_usable(p, v, h, p->extra[v] != 0) || !plan_aa_ok(p, v, h)) {
				continue;
			}
			for (d = 0; d < p->nd && room; d++) {
				room = p->free[h * p->nd + d] + p->dem[u * p->nd + d] >=
				       p->dem[v * p->nd + d];
			}
			if (!room) {
				continue;
			}
			rc = plan_unassign(p, u);
			if (rc == 0) {
				rc = plan_assign(p, v, h);
			}
			if (rc < 0) {
				goto out;
			}
			p->budget = p->budget > p->nlive ? p->budget - p->nlive : 0;
			h2 = plan_choose(p, u, BEST_FIT, (long)h, p->extra[u] != 0);
			if (h2 >= 0) {
				rc = plan_assign(p, u, (size_t)h2);
				done = true;
			} else {
				rc = plan_unassign(p, v);
				if (rc == 0) {
					rc = plan_assign(p, u, h);
				}
			}
			if (rc < 0) {
				goto out;
			}
		}
	}
out:
	return rc;
}

/* <0 when a (stranded counts per compact level) is better on levels 0..upto */
static int cmp_cnt(const size_t *a, const size_t *b, size_t upto)
{
	size_t l;

	for (l = 0; l <= upto; l++) {
		if (a[l] != b[l]) {
			return a[l] < b[l] ? -1 : 1;
		}
	}
	return 0;
}

static int search_dfs(struct vmha_plan *p, size_t i)
{
	size_t v;
	size_t k;
	size_t last;
	int rc = 0;

	if (p->budget == 0) {
		goto out;
	}
	if (i == p->nsv) {
		if (cmp_cnt(p->cur_cnt, p->best_cnt, p->clevel[p->nsv - 1]) < 0) {
			memcpy(p->best_cnt, p->cur_cnt,
			       (p->clevel[p->nsv - 1] + 1) * sizeof(size_t));
			for (k = 0; k < p->nsv; k++) {
				p->best_assign[k] = p->target[p->sv[k]];
			}
			p->improved = true;
		}
		goto out;
	}
	v = p->sv[i];
	last = p->clevel[p->nsv - 1];
	for (k = 0; k < p->nlive && p->budget > 0; k++) {
		size_t h = p->live[k];

		p->budget--;
		if (!plan_host_usable(p, v, h, p->extra[v] != 0) || !plan_fits(p, v, h) ||
		    !plan_aa_ok(p, v, h)) {
			continue;
		}
		rc = plan_assign(p, v, h);
		if (rc == 0) {
			rc = search_dfs(p, i + 1);
		}
		if (rc == 0) {
			rc = plan_unassign(p, v);
		}
		if (rc < 0) {
			goto out;
		}
	}
	/* leave v stranded: only while this prefix can still beat the best */
	p->cur_cnt[p->clevel[i]]++;
	{
		int c = cmp_cnt(p->cur_cnt, p->best_cnt, p->clevel[i]);

		if (c < 0 || (c == 0 && (i + 1 < p->nsv || p->clevel[i] < last))) {
			rc = search_dfs(p, i + 1);
		}
	}
	p->cur_cnt[p->clevel[i]]--;
out:
	return rc;
}

/*
 * Bounded exact search (branch and bound over every survivor or stranded,
 * in rank order) from the current result: keeps it unless it finds one that
 * strands less at the highest priority where they differ. Deterministic:
 * the budget counts host checks, not time.
 */
int plan_search(struct vmha_plan *p)
{
	size_t i;
	size_t lv = 0;
	int rc = 0;

	p->nsv = 0;
	p->improved = false;
	plan_reset_state(p);
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		if (p->outcome[v] == VMHA_PLAN_NOT_RESTARTED) {
			continue;
		}
		/* a VM that fits nowhere even before any restart is stranded in every plan */
		if (plan_choose(p, v, FIRST_FIT, -1, p->extra[v] != 0) < 0) {
			continue;
		}
		if (p->nsv > 0 && p->level[v] != p->level[p->sv[p->nsv - 1]]) {
			lv++;
		}
		p->clevel[p->nsv] = lv;
		p->sv[p->nsv++] = v;
	}
	if (p->nsv == 0) {
		goto restore;
	}
	memset(p->cur_cnt, 0, (lv + 1) * sizeof(size_t));
	memset(p->best_cnt, 0, (lv + 1) * sizeof(size_t));
	for (i = 0; i < p->nsv; i++) {
		size_t k;

		for (k = 0; k < p->ndisp; k++) {
			if (p->disp[k] == p->sv[i] && p->saved[k] < 0) {
				p->best_cnt[p->clevel[i]]++;
			}
		}
	}
	rc = search_dfs(p, 0);
	if (rc < 0) {
		goto out;
	}
restore:
	plan_reset_state(p);
	if (p->improved) {
		for (i = 0; i < p->nsv; i++) {
			if (p->best_assign[i] >= 0) {
				rc = plan_assign(p, p->sv[i], (size_t)p->best_assign[i]);
				if (rc < 0) {
					goto out;
				}
			}
		}
	} else {
		for (i = 0; i < p->ndisp; i++) {
			if (p->saved[i] >= 0) {
				rc = plan_assign(p, p->disp[i], (size_t)p->saved[i]);
				if (rc < 0) {
					goto out;
				}
			}
		}
	}
out:
	return rc;
}

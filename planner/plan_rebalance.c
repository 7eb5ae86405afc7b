/* Live migrations that make room for stranded VMs (VMHA_PLAN_REBALANCE). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

static int add_migration(struct vmha_plan *p, size_t u, size_t from, size_t to, size_t for_vm)
{
	struct migration *mg = realloc(p->mig, (p->nmig + 1) * sizeof(*mg));
	int rc = 0;

	if (mg == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	p->mig = mg;
	mg[p->nmig].vm = u;
	mg[p->nmig].from = from;
	mg[p->nmig].to = to;
	mg[p->nmig].for_vm = for_vm;
	p->nmig++;
	rc = plan_shift(p, u, from, to);
	if (rc == 0) {
		p->cur_host[u] = (long)to;
	}
out:
	return rc;
}

/* Could moving the running VMs in mv[0..n) off h make room for v? Fills dest. */
static int try_moves(struct vmha_plan *p, size_t v, size_t h, const size_t *mv, size_t n,
                     long *dest, bool *ok)
{
	size_t k;
	size_t d;
	bool room = true;
	int rc = 0;

	*ok = false;
	for (d = 0; d < p->nd && room; d++) {
		int64_t freed = 0;

		for (k = 0; k < n; k++) {
			freed += p->dem[mv[k] * p->nd + d];
		}
		room = p->free[h * p->nd + d] + freed >= p->dem[v * p->nd + d];
	}
	if (!room) {
		goto out;
	}
	/* take them off h (a dummy self-shift frees the room), choose, then undo */
	for (k = 0; k < n; k++) {
		dest[k] = -1;
	}
	for (k = 0; k < n; k++) {
		for (d = 0; d < p->nd; d++) {
			p->free[h * p->nd + d] += p->dem[mv[k] * p->nd + d];
		}
		rc = plan_gcount_add(p, mv[k], h, -1);
		if (rc < 0) {
			goto out;
		}
	}
	*ok = plan_fits(p, v, h) && plan_aa_ok(p, v, h);
	for (k = 0; k < n && *ok; k++) {
		/* room for v stays reserved on h while choosing */
		for (d = 0; d < p->nd; d++) {
			p->free[h * p->nd + d] -= p->dem[v * p->nd + d];
		}
		dest[k] = plan_choose(p, mv[k], BEST_FIT, (long)h, true);
		for (d = 0; d < p->nd; d++) {
			p->free[h * p->nd + d] += p->dem[v * p->nd + d];
		}
		if (dest[k] < 0) {
			*ok = false;
			break;
		}
		for (d = 0; d < p->nd; d++) {
			p->free[dest[k] * p->nd + d] -= p->dem[mv[k] * p->nd + d];
		}
	}
	for (k = 0; k < n; k++) {
		if (dest[k] >= 0) {
			for (d = 0; d < p->nd; d++) {
				p->free[dest[k] * p->nd + d] += p->dem[mv[k] * p->nd + d];
			}
		}
		for (d = 0; d < p->nd; d++) {
			p->free[h * p->nd + d] -= p->dem[mv[k] * p->nd + d];
		}
		rc = plan_gcount_add(p, mv[k], h, 1);
		if (rc < 0) {
			goto out;
		}
	}
out:
	return rc;
}

/* Restart stranded VM v where it fits now (best fit), as the restarts did. */
static int place_if_fits(struct vmha_plan *p, size_t v, bool *placed)
{
	long h = plan_choose(p, v, BEST_FIT, -1, p->extra[v] != 0);

	*placed = h >= 0;
	return h >= 0 ? plan_assign(p, v, (size_t)h) : 0;
}

int plan_rebalance(struct vmha_plan *p)
{
	size_t *on = NULL;
	size_t i;
	size_t v;
	int rc = 0;

	on = plan_xcalloc(p->nv, sizeof(*on), &rc);
	if (on == NULL) {
		goto out;
	}
	for (v = 0; v < p->nv; v++) {
		long host = vmha_model_vm_host(p->m, v);

		p->cur_host[v] = host >= 0 && !p->failed[host] ? host : -1;
	}
	for (i = 0; i < p->ndisp; i++) {
		size_t sv = p->disp[i];
		size_t moves;
		bool found = false;

		if (p->outcome[sv] != VMHA_PLAN_STRANDED) {
			continue;
		}
		/* an earlier VM's migrations may have left room for this one */
		rc = place_if_fits(p, sv, &found);
		if (rc < 0) {
			goto out;
		}
		for (moves = 1; moves <= 2 && !found; moves++) {
			size_t h;

			for (h = 0; h < p->nh && !found; h++) {
				size_t non = 0;
				size_t a;
				size_t b;
				size_t mv[2];
				long dest[2];
				bool ok = false;

				if (!plan_host_usable(p, sv, h, p->extra[sv] != 0) ||
				    !plan_aa_ok(p, sv, h)) {
					continue;
				}
				for (v = 0; v < p->nv; v++) {
					if (p->cur_host[v] == (long)h) {
						on[non++] = v;
					}
				}
				if (moves == 2 && non > REBALANCE_PAIR_LIMIT) {
					continue;
				}
				for (a = 0; a < non && !found; a++) {
					size_t bend = moves == 1 ? a + 1 : non;

					for (b = moves == 1 ? a : a + 1; b < bend && !found; b++) {
						mv[0] = on[a];
						mv[1] = on[b];
						rc = try_moves(p, sv, h, mv, moves, dest, &ok);
						if (rc < 0) {
							goto out;
						}
						if (!ok) {
							continue;
						}
						found = true;
						rc = add_migration(p, mv[0], h, (size_t)dest[0],
						                   sv);
						if (rc == 0 && moves == 2) {
							rc = add_migration(p, mv[1], h,
							                   (size_t)dest[1], sv);
						}
						if (rc == 0) {
							rc = plan_assign(p, sv, h);
						}
						if (rc < 0) {
							goto out;
						}
					}
				}
			}
		}
	}
	/* and a later VM's migrations for an earlier one */
	for (i = 0; i < p->ndisp; i++) {
		bool placed = false;

		if (p->outcome[p->disp[i]] == VMHA_PLAN_STRANDED) {
			rc = place_if_fits(p, p->disp[i], &placed);
			if (rc < 0) {
				goto out;
			}
		}
	}
out:
	free(on);
	return rc;
}

/*
 * Bin completion over the survivors (see complete.h), after Korf's bin
 * completion for bin packing, made aware of several dimensions,
 * anti-affinity and allowed hosts. Each restart takes a sub-problem: the
 * survivors with room and, from the second restart on, more and more full
 * ones (twice as many every other restart, first those where a stranded
 * VM would fit once the displaced VMs there are taken off, each stranded
 * VM in turn), until every survivor is in; every displaced VM restarted
 * on those hosts and every stranded VM that fits some survivor is taken
 * off and placed back: the largest VM not placed goes to an open host
 * (least room first; the order changes with the restart), and that host
 * is completed with a set of the VMs left (largest first, a VM the same
 * as one that just failed there skipped) until its free room is no more
 * than the room that will be left over once everything is placed (none on
 * a perfect packing: every host filled exactly). What bounds the search:
 * the sums the candidates can still make in the two dimensions with the
 * fewest units (sums.h), so that only sets that fill the host enough in
 * both are tried; a VM allowed only on hosts already completed, or an
 * anti-affinity group with more VMs left than open hosts without it, ends
 * the branch at once; a host is given up after a few completions that fail
 * further on, or after a fixed number of steps looking for them. Either
 * every VM of the sub-problem is placed, or the plan goes back to what it
 * was. Deterministic: the budget counts steps (VMs looked at, words of
 * sums built), not time.
 */
#include "config.h"

#include "complete.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

static int64_t gcd(int64_t a, int64_t b)
{
	while (b > 0) {
		int64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static void step(struct cs *c, uint64_t n)
{
	c->steps = c->steps > n ? c->steps - n : 0;
}

static bool solve(struct cs *c);

/*
 * The candidates of one host's completion (largest first), their demand
 * from each on, and whether the top of the sums stack holds the sums they
 * make in dimensions d1 and d2.
 */
struct list {
	const size_t *cand;
	const int64_t *suf;
	size_t m;
	const size_t *glast; /* per group: 1 + the last candidate of it, 0 none */
	const size_t *req;   /* the groups h must take a VM of (as many open hosts as VMs) */
	size_t nreq;
	size_t d1;
	size_t d2;
	bool sums;
};

/* The completions tried at one node, and the steps left for looking for them. */
struct tries {
	unsigned int n;
	uint64_t steps;
};

static bool usable_at(const struct cs *c, size_t i, size_t h)
{
	return c->usable[i * c->k + c->pos[h]] != 0;
}

static int place(struct cs *c, size_t i, size_t h)
{
	c->placed++;
	return plan_assign(c->p, c->items[i], h);
}

static int take_back(struct cs *c, size_t i)
{
	c->placed--;
	return plan_unassign(c->p, c->items[i]);
}

/*
 * Host h is filled (or, @p undo, open again): every item not placed that
 * may go there loses (gets back) one open host. @return false when some
 * item has none left (then the counts are back as they were)
 */
static bool close_host(struct cs *c, size_t h, bool undo)
{
	struct vmha_plan *p = c->p;
	size_t i;
	size_t g;
	bool ok = true;

	step(c, c->n + p->ng);
	c->closed[h] = undo ? 0 : 1;
	for (i = 0; i < c->n; i++) {
		if (p->outcome[c->items[i]] == VMHA_PLAN_RESTART || !usable_at(c, i, h)) {
			continue;
		}
		if (undo) {
			c->open[i]++;
		} else if (--c->open[i] == 0) {
			ok = false;
		}
	}
	/* a group's VMs not placed need as many open hosts without it */
	for (g = 0; g < p->ng; g++) {
		if (p->gcount[g * p->nh + h] == 0) {
			c->slack[g] += undo ? 1 : -1;
			ok = ok && c->slack[g] >= 0;
		}
	}
	if (!ok && !undo) {
		close_host(c, h, true);
	}
	return ok;
}

/* Host h is full enough: what it keeps free is lost, and the next largest item. */
static bool next_item(struct cs *c, size_t h, struct tries *t)
{
	const size_t nd = c->p->nd;
	const int64_t *f = c->p->free + h * nd;
	int64_t keep[VMHA_MODEL_MAX_DIMS];
	bool ok = false;
	size_t d;

	for (d = 0; d < nd; d++) {
		if (f[d] > c->waste[d]) {
			return false;
		}
	}
	if (!close_host(c, h, false)) {
		return false;
	}
	t->n++; /* a completion that fails further on */
	for (d = 0; d < nd; d++) {
		keep[d] = c->waste[d];
		c->waste[d] -= f[d];
	}
	ok = solve(c);
	for (d = 0; d < nd; d++) {
		c->waste[d] = keep[d];
	}
	if (!ok) {
		close_host(c, h, true);
	}
	return ok;
}

/* Can the candidates from @p from on make a sum in d1 and d2 that fills h enough? */
static bool reachable(const struct cs *c, size_t h, const struct list *l, size_t from)
{
	const int64_t *f = c->p->free + h * c->p->nd;
	int64_t u1;
	int64_t u2;

	if (!l->sums) {
		return true;
	}
	u1 = c->unit[l->d1];
	u2 = c->unit[l->d2];
	return vmha_sums_reachable(c->sums, from, (f[l->d1] - c->waste[l->d1]) / u1, f[l->d1] / u1,
	                           (f[l->d2] - c->waste[l->d2]) / u2, f[l->d2] / u2);
}

/*
 * Host h takes candidates from @p from on until its free room is no more
 * than may be lost; @p t counts the completions tried.
 */
static bool complete(struct cs *c, size_t h, const struct list *l, size_t from, struct tries *t)
{
	struct vmha_plan *p = c->p;
	const size_t nd = p->nd;
	const int64_t *f = p->free + h * nd;
	size_t last = SIZE_MAX;
	size_t x;
	size_t d;

	for (d = 0; d < nd && f[d] <= c->waste[d]; d++) {
	}
	if (d == nd) {
		if (next_item(c, h, t)) {
			return true;
		}
	}
	step(c, 1 + l->nreq);
	if (!reachable(c, h, l, from)) {
		return false; /* no sum of the candidates left fills h enough in dimension dd */
	}
	for (x = 0; x < l->nreq; x++) {
		if (p->gcount[l->req[x] * p->nh + h] == 0 && l->glast[l->req[x]] <= from) {
			return false; /* a group h must take is not among the candidates left */
		}
	}
	for (x = from;
	     x < l->m && c->steps > 0 && t->steps > 0 && t->n < COMPLETE_BRANCH && !c->oom; x++) {
		size_t i = l->cand[x];
		size_t v = c->items[i];

		step(c, 1);
		t->steps--;
		if (p->outcome[v] == VMHA_PLAN_RESTART) {
			continue;
		}
		for (d = 0; d < nd && l->suf[x * nd + d] >= f[d] - c->waste[d]; d++) {
		}
		if (d < nd || !reachable(c, h, l, x)) {
			break; /* the candidates left cannot fill h enough */
		}
		if (last != SIZE_MAX && plan_same_kind(p, last, v)) {
			continue; /* the same as one that failed here: fails the same way */
		}
		if (!plan_fits(p, v, h) || !plan_aa_ok(p, v, h)) {
			continue;
		}
		if (place(c, i, h) < 0) {
			c->oom = true;
			break;
		}
		if (complete(c, h, l, x + 1, t)) {
			return true;
		}
		if (take_back(c, i) < 0) {
			c->oom = true;
		}
		last = v;
	}
	return false;
}

/*
 * The sums the candidates of @p l make in the two dimensions where h's
 * free room is the fewest units pushed on the sums stack, when they fit
 * (l->sums says).
 */
static void push_sums(struct cs *c, size_t h, struct list *l)
{
	const struct vmha_plan *p = c->p;
	const size_t nd = p->nd;
	size_t units[VMHA_MODEL_MAX_DIMS];
	size_t i;
	size_t d;

	l->sums = false;
	l->d1 = 0;
	l->d2 = 0;
	if (nd < 2) {
		return;
	}
	l->d1 = 0;
	l->d2 = 1;
	for (d = 0; d < nd; d++) {
		units[d] = (size_t)(p->free[h * nd + d] / c->unit[d]) + 1;
	}
	for (d = 2; d < nd; d++) {
		/* the two dimensions with the fewest units */
		if (units[d] < units[l->d1] && units[l->d1] >= units[l->d2]) {
			l->d1 = d;
		} else if (units[d] < units[l->d2]) {
			l->d2 = d;
		}
	}
	if (units[l->d1] > COMPLETE_SUM_UNITS || units[l->d2] > COMPLETE_SUM_UNITS) {
		return;
	}
	for (i = 0; i < l->m; i++) {
		size_t v = c->items[l->cand[i]];

		c->sx[i] = (uint32_t)(p->dem[v * nd + l->d1] / c->unit[l->d1]);
		c->sy[i] = (uint32_t)(p->dem[v * nd + l->d2] / c->unit[l->d2]);
	}
	step(c, l->m);
	if (vmha_sums_push(c->sums, c->sx, c->sy, l->m, units[l->d1], units[l->d2]) == 0) {
		l->sums = true;
		step(c, vmha_sums_top_words(c->sums) / 16);
	}
}

/*
 * Varied restarts: the item with the fewest open hosts left when that is
 * at most COMPLETE_FORCED (the largest of those), else @p largest, the
 * largest not placed.
 */
static size_t forced_item(struct cs *c, size_t largest)
{
	const struct vmha_plan *p = c->p;
	size_t best = SIZE_MAX;
	size_t i;

	step(c, c->n);
	for (i = largest; i < c->n; i++) {
		if (p->outcome[c->items[i]] != VMHA_PLAN_RESTART && c->open[i] <= COMPLETE_FORCED &&
		    (best == SIZE_MAX || c->open[i] < c->open[best])) {
			best = i;
		}
	}
	return best != SIZE_MAX ? best : largest;
}

/*
 * The anti-affinity groups h must take a VM of (no VM of it on h, as many
 * open hosts without it as VMs of it not placed: h closed without one, the
 * branch ends) and, per group, 1 + the last of @p l's candidates in it.
 */
static void required_groups(struct cs *c, size_t h, struct list *l)
{
	const struct vmha_plan *p = c->p;
	size_t *glast = c->gstk + c->gsp;
	size_t *req = glast + p->ng;
	size_t g;
	size_t x;
	size_t j;

	l->glast = glast;
	l->req = req;
	l->nreq = 0;
	for (g = 0; g < p->ng; g++) {
		glast[g] = 0;
		if (c->slack[g] == 0 && p->gcount[g * p->nh + h] == 0) {
			req[l->nreq++] = g;
		}
	}
	for (x = 0; l->nreq > 0 && x < l->m; x++) {
		size_t v = c->items[l->cand[x]];

		for (j = p->vg_off[v]; j < p->vg_off[v + 1]; j++) {
			glast[p->vg[j]] = x + 1;
		}
	}
	step(c, p->ng + (l->nreq > 0 ? l->m : 0));
}

/*
 * The largest item not placed goes to an open host (the least room
 * first), which is then completed. @return whether every item is placed
 */
static bool solve(struct cs *c)
{
	struct vmha_plan *p = c->p;
	const size_t nd = p->nd;
	struct tries t = {0, 0};
	size_t first;
	size_t j;

	if (c->placed == c->n) {
		return true; /* the open hosts keep their room: less than may be lost */
	}
	for (first = 0; first < c->n && p->outcome[c->items[first]] == VMHA_PLAN_RESTART; first++) {
	}
	step(c, first + 1);
	if (c->forced) {
		first = forced_item(c, first);
	}
	for (j = 0; j < c->k && c->steps > 0 && t.n < COMPLETE_BRANCH && !c->oom; j++) {
		size_t h = c->hosts[j];
		size_t *cand = c->stk + c->sp;
		struct list l;
		int64_t *suf;
		size_t m = 0;
		size_t i;
		size_t d;
		bool ok;

		step(c, 1);
		if (c->closed[h] || !usable_at(c, first, h) || !plan_fits(p, c->items[first], h) ||
		    !plan_aa_ok(p, c->items[first], h)) {
			continue;
		}
		if (place(c, first, h) < 0) {
			c->oom = true;
			break;
		}
		/* the candidates to complete h with, and their demand from each on */
		step(c, c->n - first);
		for (i = c->forced ? 0 : first + 1; i < c->n; i++) {
			if (i != first && p->outcome[c->items[i]] != VMHA_PLAN_RESTART &&
			    usable_at(c, i, h) && plan_fits(p, c->items[i], h)) {
				cand[m++] = i;
			}
		}
		suf = c->sstk + c->sp * nd;
		for (d = 0; d < nd; d++) {
			suf[m * nd + d] = 0;
		}
		for (i = m; i-- > 0;) {
			for (d = 0; d < nd; d++) {
				suf[i * nd + d] =
				        suf[(i + 1) * nd + d] + p->dem[c->items[cand[i]] * nd + d];
			}
		}
		l.cand = cand;
		l.suf = suf;
		l.m = m;
		required_groups(c, h, &l);
		push_sums(c, h, &l);
		c->sp += m + 1;
		c->gsp += 2 * p->ng;
		t.steps = COMPLETE_HOST_STEPS;
		ok = complete(c, h, &l, 0, &t);
		c->gsp -= 2 * p->ng;
		c->sp -= m + 1;
		if (l.sums) {
			vmha_sums_pop(c->sums);
		}
		if (ok) {
			return true;
		}
		if (take_back(c, first) < 0) {
			c->oom = true;
		}
	}
	return false;
}

/* The hosts in restart @p r's order: least room first, most room first, or at random. */
static void order_hosts(struct cs *c, uint64_t r)
{
	size_t i;

	/* varied: every other restart forced items first, the hosts at random after the first */
	c->forced = c->varied && r % 2 == 1;
	r = c->varied && r > 0 ? 2 : r;
	qsort_r(c->hosts, c->k, sizeof(*c->hosts), plan_cmp_key_asc, c->room);
	if (r % 3 == 1) {
		for (i = 0; i < c->k / 2; i++) {
			size_t x = c->hosts[i];

			c->hosts[i] = c->hosts[c->k - 1 - i];
			c->hosts[c->k - 1 - i] = x;
		}
	}
	for (i = c->k; r % 3 == 2 && i > 1; i--) {
		size_t j = (size_t)plan_rand(&c->rng, i);
		size_t x = c->hosts[i - 1];

		c->hosts[i - 1] = c->hosts[j];
		c->hosts[j] = x;
	}
}

static void cs_free(struct cs *c)
{
	free(c->items);
	free(c->from);
	free(c->hosts);
	free(c->stk);
	free(c->gstk);
	vmha_sums_free(c->sums);
	free(c->sx);
	free(c->sy);
	free(c->sstk);
	free(c->closed);
	free(c->open);
	free(c->usable);
	free(c->pos);
	free(c->w);
	free(c->wmax);
	free(c->room);
	free(c->inset);
	free(c->cand);
	free(c->slack);
	free(c->gtaken);
	free(c->gain);
}

static int cs_init(struct cs *c, struct vmha_plan *p)
{
	int64_t maxcap[VMHA_MODEL_MAX_DIMS] = {0};
	size_t i;
	size_t d;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->p = p;
	c->rng = 0x9e3779b97f4a7c15ULL;
	c->items = plan_xcalloc(p->ndisp, sizeof(*c->items), &rc);
	c->from = plan_xcalloc(p->ndisp, sizeof(*c->from), &rc);
	c->open = plan_xcalloc(p->ndisp, sizeof(*c->open), &rc);
	c->hosts = plan_xcalloc(p->nlive, sizeof(*c->hosts), &rc);
	c->pos = plan_xcalloc(p->nh, sizeof(*c->pos), &rc);
	c->w = plan_xcalloc(p->nv, sizeof(*c->w), &rc);
	c->wmax = plan_xcalloc(p->nv, sizeof(*c->wmax), &rc);
	c->room = plan_xcalloc(p->nh, sizeof(*c->room), &rc);
	c->inset = plan_xcalloc(p->nh, 1, &rc);
	c->cand = plan_xcalloc(p->nh, 1, &rc);
	c->slack = plan_xcalloc(p->ng, sizeof(*c->slack), &rc);
	c->gtaken = plan_xcalloc(p->ng * p->nh, sizeof(*c->gtaken), &rc);
	c->gain = plan_xcalloc(p->nh * p->nd, sizeof(*c->gain), &rc);
	c->stk = plan_xcalloc((p->nlive + 1) * (p->ndisp + 1), sizeof(*c->stk), &rc);
	c->gstk = plan_xcalloc((p->nlive + 2) * 2 * p->ng, sizeof(*c->gstk), &rc);
	c->sstk = plan_xcalloc((p->nlive + 1) * (p->ndisp + 1) * p->nd, sizeof(*c->sstk), &rc);
	c->closed = plan_xcalloc(p->nh, 1, &rc);
	c->sx = plan_xcalloc(p->ndisp, sizeof(*c->sx), &rc);
	c->sy = plan_xcalloc(p->ndisp, sizeof(*c->sy), &rc);
	c->sums = vmha_sums_new(COMPLETE_SUM_WORDS, p->nlive + 1);
	if (c->sums == NULL) {
		rc = -ENOMEM;
	}
	c->usable = plan_xcalloc(p->ndisp * p->nlive + 1, 1, &rc);
	if (rc < 0) {
		goto out;
	}
	for (i = 0; i < p->nlive; i++) {
		for (d = 0; d < p->nd; d++) {
			int64_t x = p->cap[p->live[i] * p->nd + d];

			maxcap[d] = x > maxcap[d] ? x : maxcap[d];
		}
	}
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		for (d = 0; d < p->nd; d++) {
			double x = maxcap[d] > 0 ? (double)p->dem[v * p->nd + d] / (double)maxcap[d]
			                         : 0.0;

			c->w[v] += x;
			c->wmax[v] = x > c->wmax[v] ? x : c->wmax[v];
		}
	}
out:
	return rc;
}

/*
 * Restart @p r's @p extra full hosts (of @p nfull): at random among those
 * where a stranded VM (each in turn) would fit once the displaced VMs
 * restarted there are taken off, then at random among the others.
 */
static void pick_extra(struct cs *c, uint64_t r, size_t extra, size_t nfull)
{
	struct vmha_plan *p = c->p;
	const size_t nd = p->nd;
	size_t ns = 0;
	size_t s = SIZE_MAX;
	size_t nc = 0;
	size_t i;
	size_t d;

	for (i = 0; i < p->nlive; i++) {
		for (d = 0; d < nd; d++) {
			c->gain[p->live[i] * nd + d] = p->free[p->live[i] * nd + d];
		}
	}
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		if (p->outcome[v] == VMHA_PLAN_RESTART) {
			for (d = 0; d < nd; d++) {
				c->gain[(size_t)p->target[v] * nd + d] += p->dem[v * nd + d];
			}
		} else if (p->outcome[v] == VMHA_PLAN_STRANDED && plan_vm_may_fit(p, v)) {
			ns++;
		}
	}
	/* the stranded VM to make room for: each in turn, the highest priority first */
	ns = ns > 0 ? (size_t)((r - 1) % ns) + 1 : 0;
	for (i = 0; i < p->ndisp && ns > 0; i++) {
		size_t v = p->disp[i];

		if (p->outcome[v] == VMHA_PLAN_STRANDED && plan_vm_may_fit(p, v) && --ns == 0) {
			s = v;
		}
	}
	for (i = 0; i < p->nlive; i++) {
		size_t h = p->live[i];

		c->cand[h] = 0;
		if (c->inset[h] || !plan_host_sane(p, h) || s == SIZE_MAX ||
		    !plan_host_usable(p, s, h, p->extra[s] != 0)) {
			continue;
		}
		for (d = 0; d < nd && c->gain[h * nd + d] >= p->dem[s * nd + d]; d++) {
		}
		c->cand[h] = d == nd;
		nc += c->cand[h];
	}
	for (; extra > 0 && nfull > 0; extra--) {
		/* the nth host, n at random, among the candidates while there are */
		size_t nth = (size_t)plan_rand(&c->rng, nc > 0 ? nc : nfull);

		for (i = 0; i < p->nlive; i++) {
			size_t h = p->live[i];

			if (c->inset[h] || !plan_host_sane(p, h) || (nc > 0 && !c->cand[h]) ||
			    nth-- > 0) {
				continue;
			}
			c->inset[h] = 1;
			c->hosts[c->k++] = h;
			nfull--;
			nc -= nc > 0 ? 1 : 0;
			break;
		}
	}
}

/*
 * Anti-affinity: a group with more VMs in the sub-problem than its hosts
 * without the group (no VM of it there once the sub-problem's are taken
 * off) gets full hosts without it added, as many as it lacks (else the
 * sub-problem is hopeless). @return how many hosts were added (of the
 * @p nfull full hosts not in yet)
 */
static size_t group_hosts(struct cs *c, size_t nfull)
{
	struct vmha_plan *p = c->p;
	size_t added = 0;
	size_t i;
	size_t j;
	size_t g;

	if (p->ng == 0) {
		return 0;
	}
	/* per group: its VMs in the sub-problem, less the hosts in without it */
	for (g = 0; g < p->ng; g++) {
		c->slack[g] = 0;
	}
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];
		bool in = p->outcome[v] == VMHA_PLAN_RESTART
		                  ? c->inset[p->target[v]] != 0
		                  : p->outcome[v] == VMHA_PLAN_STRANDED && plan_vm_may_fit(p, v);

		for (j = p->vg_off[v]; in && j < p->vg_off[v + 1]; j++) {
			c->slack[p->vg[j]]++;
			if (p->outcome[v] == VMHA_PLAN_RESTART) {
				c->gtaken[p->vg[j] * p->nh + (size_t)p->target[v]]++;
			}
		}
	}
	for (g = 0; g < p->ng; g++) {
		for (i = 0; i < c->k; i++) {
			size_t h = c->hosts[i];

			c->slack[g] -= p->gcount[g * p->nh + h] == c->gtaken[g * p->nh + h] ? 1 : 0;
		}
	}
	for (g = 0; g < p->ng; g++) {
		for (i = 0; i < p->nlive && c->slack[g] > 0 && added < nfull; i++) {
			size_t h = p->live[i];

			if (c->inset[h] || !plan_host_sane(p, h) || p->gcount[g * p->nh + h] != 0) {
				continue;
			}
			c->inset[h] = 1;
			c->hosts[c->k++] = h;
			c->slack[g]--;
			added++;
		}
	}
	/* back to zero for the next restart */
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		for (j = p->vg_off[v]; p->outcome[v] == VMHA_PLAN_RESTART && j < p->vg_off[v + 1];
		     j++) {
			c->gtaken[p->vg[j] * p->nh + (size_t)p->target[v]] = 0;
		}
	}
	step(c, 2 * p->ndisp + p->ng * (c->k + p->nlive));
	return added;
}

/*
 * Restart @p r's sub-problem: the hosts with room and (after the first
 * restart) a few full ones at random; the stranded VMs that may fit and
 * the VMs restarted on those hosts, taken off. @return 0 or -ENOMEM
 */
static int setup(struct cs *c, uint64_t r)
{
	struct vmha_plan *p = c->p;
	size_t extra = r == 0 ? 0 : (size_t)1 << (r < 40 ? r + 1 : 41) / 2;
	size_t nfull = 0;
	size_t i;
	size_t j;
	size_t d;
	size_t g;

	for (i = 0; i < c->k; i++) {
		c->inset[c->hosts[i]] = 0;
	}
	c->k = 0;
	c->n = 0;
	c->placed = 0;
	c->hopeless = false;
	for (i = 0; i < p->nlive; i++) {
		size_t h = p->live[i];

		if (!plan_host_sane(p, h)) {
			continue;
		}
		if (plan_room(p, h) > 0) {
			c->inset[h] = 1;
			c->hosts[c->k++] = h;
		} else {
			nfull++;
		}
	}
	if (extra > 0) {
		pick_extra(c, r, extra, nfull);
	}
	c->whole = extra >= nfull;
	if (!c->whole) {
		nfull -= extra;
		c->whole = group_hosts(c, nfull) >= nfull;
	}
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		if (p->outcome[v] == VMHA_PLAN_RESTART
		            ? c->inset[p->target[v]] != 0
		            : p->outcome[v] == VMHA_PLAN_STRANDED && plan_vm_may_fit(p, v)) {
			c->items[c->n++] = v;
		}
	}
	qsort_r(c->items, c->n, sizeof(*c->items), plan_cmp_key_desc, c->w);
	for (i = 0; i < c->n; i++) {
		size_t v = c->items[i];

		c->from[i] = p->outcome[v] == VMHA_PLAN_RESTART ? p->target[v] : -1;
		if (c->from[i] >= 0 && plan_unassign(p, v) < 0) {
			return -ENOMEM;
		}
	}
	for (d = 0; d < p->nd; d++) {
		c->waste[d] = 0;
		c->unit[d] = 0;
		for (i = 0; i < c->k; i++) {
			c->waste[d] += p->free[c->hosts[i] * p->nd + d];
			c->unit[d] = gcd(c->unit[d], p->free[c->hosts[i] * p->nd + d]);
		}
		for (i = 0; i < c->n; i++) {
			c->waste[d] -= p->dem[c->items[i] * p->nd + d];
			c->unit[d] = gcd(c->unit[d], p->dem[c->items[i] * p->nd + d]);
		}
		c->unit[d] = c->unit[d] > 0 ? c->unit[d] : 1;
	}
	for (j = 0; j < c->k; j++) {
		size_t h = c->hosts[j];

		c->room[h] = plan_room(p, h);
		c->pos[h] = j;
		for (i = 0; i < c->n; i++) {
			c->usable[i * c->k + j] =
			        plan_host_usable(p, c->items[i], h, p->extra[c->items[i]] != 0);
		}
	}
	for (i = 0; i < c->n; i++) {
		c->open[i] = 0;
		for (j = 0; j < c->k; j++) {
			c->open[i] += c->usable[i * c->k + j];
		}
	}
	for (g = 0; g < p->ng; g++) {
		c->slack[g] = 0;
		for (j = 0; j < c->k; j++) {
			c->slack[g] += p->gcount[g * p->nh + c->hosts[j]] == 0 ? 1 : 0;
		}
	}
	for (i = 0; i < c->n; i++) {
		for (j = p->vg_off[c->items[i]]; j < p->vg_off[c->items[i] + 1]; j++) {
			c->slack[p->vg[j]]--;
		}
	}
	for (g = 0; g < p->ng; g++) {
		c->hopeless = c->hopeless || c->slack[g] < 0;
	}
	step(c, c->n * (c->k + 1) + p->ng * c->k);
	order_hosts(c, r);
	return 0;
}

/* Everything of this restart back where it was. */
static int restore(struct cs *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (c->p->outcome[c->items[i]] == VMHA_PLAN_RESTART &&
		    plan_unassign(c->p, c->items[i]) < 0) {
			return -ENOMEM;
		}
	}
	for (i = 0; i < c->n; i++) {
		if (c->from[i] >= 0 && plan_assign(c->p, c->items[i], (size_t)c->from[i]) < 0) {
			return -ENOMEM;
		}
	}
	return 0;
}

static int search(struct vmha_plan *p, uint64_t budget, bool varied)
{
	struct cs c;
	uint64_t r;
	size_t d;
	bool done = false;
	int rc = 0;

	rc = cs_init(&c, p);
	c.varied = varied;
	for (r = 0; rc == 0 && budget > 0 && !done; r++) {
		uint64_t given = budget < COMPLETE_RESTART_STEPS ? budget : COMPLETE_RESTART_STEPS;

		c.steps = given;
		rc = setup(&c, r);
		if (rc < 0 || c.n == 0) {
			break;
		}
		for (d = 0; d < p->nd && c.waste[d] >= 0; d++) {
		}
		if ((d < p->nd || c.hopeless) && c.whole) {
			rc = restore(&c);
			break; /* no more hosts to add: nothing to gain */
		}
		done = d == p->nd && !c.hopeless && solve(&c);
		budget -= given - c.steps;
		if (c.oom) {
			rc = -ENOMEM;
		} else if (!done) {
			rc = restore(&c);
		}
	}
	if (rc == 0 && !done) {
		p->budget_hit = p->budget_hit || budget == 0;
	}
	cs_free(&c);
	return rc < 0 ? rc : done;
}

int vmha_complete_search(struct vmha_plan *p, uint64_t budget)
{
	return search(p, budget, false);
}

int vmha_complete_search_varied(struct vmha_plan *p, uint64_t budget)
{
	return search(p, budget, true);
}

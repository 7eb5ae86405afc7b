/*
 * Independent feasibility check of planner results (see plan_oracle.h).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/plan_oracle.h"

struct state {
	const struct vmha_model *m;
	const struct vmha_plan *p;
	size_t nh;
	size_t nv;
	size_t nd;
	unsigned int flags;
	bool *failed;
	bool *extra;
	bool *moved;
	long *final;    /* each VM's host after the plan, -1 none */
	uint64_t *load; /* nh x nd */
};

static void *zalloc(size_t n, size_t size)
{
	void *x = calloc(n > 0 ? n : 1, size);

	if (x == NULL) {
		abort();
	}
	return x;
}

/* May v be placed on h by the rules alone (no capacity, no anti-affinity)? */
static bool may_use(const struct state *s, size_t v, size_t h, bool live)
{
	if (s->failed[h] || vmha_model_host_is_standby(s->m, h) ||
	    vmha_model_host_is_offline(s->m, h)) {
		return false;
	}
	if (vmha_model_vm_is_restricted(s->m, v) && !vmha_model_vm_allows(s->m, v, h)) {
		return false;
	}
	if (live && vmha_model_host_is_failover(s->m, h)) {
		return false;
	}
	if (!live && (s->flags & VMHA_PLAN_FAILOVER_ONLY) &&
	    !vmha_model_host_is_failover(s->m, h)) {
		return false;
	}
	return true;
}

static bool share_group(const struct state *s, size_t a, size_t b)
{
	size_t i;
	size_t j;

	for (i = 0; i < vmha_model_vm_group_count(s->m, a); i++) {
		for (j = 0; j < vmha_model_vm_group_count(s->m, b); j++) {
			if (vmha_model_vm_group(s->m, a, i) == vmha_model_vm_group(s->m, b, j)) {
				return true;
			}
		}
	}
	return false;
}

/* Would v on h share a host with a VM of one of its groups? */
static bool group_conflict(const struct state *s, size_t v, size_t h)
{
	size_t u;

	for (u = 0; u < s->nv; u++) {
		if (u != v && s->final[u] == (long)h && share_group(s, u, v)) {
			return true;
		}
	}
	return false;
}

static bool fits(const struct state *s, size_t v, size_t h)
{
	size_t d;

	for (d = 0; d < s->nd; d++) {
		if (s->load[h * s->nd + d] + vmha_model_vm_demand(s->m, v, d) >
		    vmha_model_host_capacity(s->m, h, d)) {
			return false;
		}
	}
	return true;
}

static void check_displaced(struct state *s)
{
	bool *disp = zalloc(s->nv, sizeof(*disp));
	size_t i;
	size_t v;

	for (i = 0; i < vmha_plan_displaced_count(s->p); i++) {
		v = vmha_plan_displaced(s->p, i);
		if (v >= s->nv || disp[v]) {
			vmha_fuzz_fail("displaced VM %zu is out of range or listed twice", v);
		}
		disp[v] = true;
	}
	for (v = 0; v < s->nv; v++) {
		long h = vmha_model_vm_host(s->m, v);
		bool should = s->extra[v] || (h >= 0 && s->failed[h]);

		if (disp[v] != should) {
			vmha_fuzz_fail("VM '%s' %s displaced", vmha_model_vm_name(s->m, v),
			               should ? "is not" : "is wrongly");
		}
		if (!should && vmha_plan_outcome(s->p, v) != VMHA_PLAN_UNAFFECTED) {
			vmha_fuzz_fail("unaffected VM '%s' has an outcome",
			               vmha_model_vm_name(s->m, v));
		}
	}
	free(disp);
}

/* Apply restarts and migrations: s->final, s->moved. */
static void place(struct state *s)
{
	size_t v;
	size_t i;

	for (v = 0; v < s->nv; v++) {
		long h = vmha_model_vm_host(s->m, v);
		enum vmha_plan_outcome o = vmha_plan_outcome(s->p, v);
		long t = vmha_plan_target(s->p, v);

		s->final[v] = h >= 0 && !s->failed[h] ? h : -1;
		if (o == VMHA_PLAN_RESTART) {
			if (t < 0 || (size_t)t >= s->nh) {
				vmha_fuzz_fail("VM '%s' restarts on no host",
				               vmha_model_vm_name(s->m, v));
			}
			if (!may_use(s, v, (size_t)t, s->extra[v])) {
				vmha_fuzz_fail("VM '%s' restarts on '%s', a host it may not use",
				               vmha_model_vm_name(s->m, v),
				               vmha_model_host_name(s->m, t));
			}
			s->final[v] = t;
			s->moved[v] = true;
		} else if (t >= 0) {
			vmha_fuzz_fail("VM '%s' has a target but does not restart",
			               vmha_model_vm_name(s->m, v));
		}
	}
	for (i = 0; i < vmha_plan_migration_count(s->p); i++) {
		size_t vm = 0;
		size_t from = 0;
		size_t to = 0;
		size_t for_vm = 0;

		vmha_plan_migration(s->p, i, &vm, &from, &to, &for_vm);
		if (vm >= s->nv || from >= s->nh || to >= s->nh || for_vm >= s->nv) {
			vmha_fuzz_fail("migration %zu is out of range", i);
		}
		if (s->final[vm] != (long)from || from == to) {
			vmha_fuzz_fail("migration of '%s' from '%s' where it does not run",
			               vmha_model_vm_name(s->m, vm),
			               vmha_model_host_name(s->m, from));
		}
		if (!may_use(s, vm, to, true)) {
			vmha_fuzz_fail("migration of '%s' to '%s', a host it may not use",
			               vmha_model_vm_name(s->m, vm),
			               vmha_model_host_name(s->m, to));
		}
		s->final[vm] = (long)to;
		s->moved[vm] = true;
	}
}

static void check_capacity(struct state *s)
{
	bool *receives = zalloc(s->nh, sizeof(*receives));
	size_t v;
	size_t h;
	size_t d;

	for (v = 0; v < s->nv; v++) {
		if (s->final[v] < 0) {
			continue;
		}
		for (d = 0; d < s->nd; d++) {
			s->load[s->final[v] * s->nd + d] += vmha_model_vm_demand(s->m, v, d);
		}
		if (s->moved[v]) {
			receives[s->final[v]] = true;
		}
	}
	for (h = 0; h < s->nh; h++) {
		for (d = 0; d < s->nd && receives[h]; d++) {
			if (s->load[h * s->nd + d] > vmha_model_host_capacity(s->m, h, d)) {
				vmha_fuzz_fail(
				        "host '%s' is over its '%s' capacity: %llu > %llu",
				        vmha_model_host_name(s->m, h), vmha_model_dim_name(s->m, d),
				        (unsigned long long)s->load[h * s->nd + d],
				        (unsigned long long)vmha_model_host_capacity(s->m, h, d));
			}
		}
	}
	free(receives);
}

static void check_groups_and_stranded(struct state *s)
{
	size_t *orders = zalloc(s->nv + 1, sizeof(*orders));
	size_t restarted = 0;
	size_t stranded = 0;
	size_t v;
	size_t h;

	for (v = 0; v < s->nv; v++) {
		enum vmha_plan_outcome o = vmha_plan_outcome(s->p, v);
		size_t order = vmha_plan_order(s->p, v);

		if (s->moved[v] && group_conflict(s, v, (size_t)s->final[v])) {
			vmha_fuzz_fail("VM '%s' moved next to a VM of its anti-affinity group",
			               vmha_model_vm_name(s->m, v));
		}
		if (o == VMHA_PLAN_RESTART) {
			restarted++;
			if (order == 0 || order > s->nv || orders[order]++ > 0) {
				vmha_fuzz_fail("VM '%s' has restart order %zu (missing or taken)",
				               vmha_model_vm_name(s->m, v), order);
			}
		} else if (order != 0) {
			vmha_fuzz_fail("VM '%s' has a restart order but does not restart",
			               vmha_model_vm_name(s->m, v));
		}
		if (o != VMHA_PLAN_STRANDED) {
			continue;
		}
		stranded++;
		if (!(s->flags & VMHA_PLAN_NO_REASONS) && vmha_plan_reason(s->p, v)[0] == '\0') {
			vmha_fuzz_fail("stranded VM '%s' has no reason",
			               vmha_model_vm_name(s->m, v));
		}
		for (h = 0; h < s->nh; h++) {
			if (may_use(s, v, h, s->extra[v]) && fits(s, v, h) &&
			    !group_conflict(s, v, h)) {
				vmha_fuzz_fail("stranded VM '%s' fits on '%s' in the final plan",
				               vmha_model_vm_name(s->m, v),
				               vmha_model_host_name(s->m, h));
			}
		}
	}
	for (v = 1; v <= restarted; v++) {
		if (orders[v] != 1) {
			vmha_fuzz_fail("restart orders are not 1..%zu", restarted);
		}
	}
	if (stranded != vmha_plan_stranded_count(s->p)) {
		vmha_fuzz_fail("%zu stranded VMs, the plan counts %zu", stranded,
		               vmha_plan_stranded_count(s->p));
	}
	free(orders);
}

void vmha_plan_oracle_check(const struct vmha_model *m, const struct vmha_plan *p,
                            const size_t *failed, size_t nfailed, const size_t *extra,
                            size_t nextra, unsigned int flags)
{
	struct state s = {.m = m, .p = p, .flags = flags};
	size_t i;

	s.nh = vmha_model_host_count(m);
	s.nv = vmha_model_vm_count(m);
	s.nd = vmha_model_dim_count(m);
	s.failed = zalloc(s.nh, sizeof(*s.failed));
	s.extra = zalloc(s.nv, sizeof(*s.extra));
	s.moved = zalloc(s.nv, sizeof(*s.moved));
	s.final = zalloc(s.nv, sizeof(*s.final));
	s.load = zalloc(s.nh * (s.nd > 0 ? s.nd : 1), sizeof(*s.load));
	for (i = 0; i < nfailed; i++) {
		s.failed[failed[i]] = true;
	}
	for (i = 0; i < nextra; i++) {
		s.extra[extra[i]] = true;
	}
	check_displaced(&s);
	place(&s);
	check_capacity(&s);
	check_groups_and_stranded(&s);
	free(s.failed);
	free(s.extra);
	free(s.moved);
	free(s.final);
	free(s.load);
}

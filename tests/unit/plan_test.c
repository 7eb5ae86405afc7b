/*
 * Unit tests of planner/plan.c: placement rules, the registry -> planner
 * mapping, and quality against an exhaustive solver on small random
 * instances (properties on random clusters: plan_property_test.c).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "planner/model.h"
#include "planner/plan.h"
#include "planner/regmodel.h"
#include "planner/scenario.h"
#include "plan_testlib.h"

static const char *target_name(const struct vmha_model *m, const struct vmha_plan *p, const char *v)
{
	long h = vmha_plan_target(p, vm(m, v));

	return h < 0 ? "-" : vmha_model_host_name(m, (size_t)h);
}

static void test_basic(void **state)
{
	struct vmha_model *m = model_from("node h1 cpu=10 mem=10\n"
	                                  "node h2 cpu=10 mem=10\n"
	                                  "node h3 cpu=4 mem=4 failover\n"
	                                  "node h4 cpu=100 mem=100 standby\n"
	                                  "vm a on=h1 cpu=4 mem=4 priority=high\n"
	                                  "vm b on=h1 cpu=5 mem=5\n"
	                                  "vm c on=h1 cpu=3 mem=3 restart=never\n"
	                                  "vm d on=h2 cpu=3 mem=3\n");
	struct vmha_plan *p = vmha_plan_new(m);
	size_t f = host(m, "h1");

	assert_non_null(p);
	assert_int_equal(vmha_plan_run(p, &f, 1, NULL, 0, 0), 0);
	assert_int_equal(vmha_plan_displaced_count(p), 3);
	/* highest priority first, onto the failover host first */
	assert_string_equal(target_name(m, p, "a"), "h3");
	assert_int_equal(vmha_plan_order(p, vm(m, "a")), 1);
	assert_string_equal(target_name(m, p, "b"), "h2");
	assert_int_equal(vmha_plan_outcome(p, vm(m, "c")), VMHA_PLAN_NOT_RESTARTED);
	assert_string_equal(vmha_plan_reason(p, vm(m, "c")), "restart policy never");
	assert_int_equal(vmha_plan_outcome(p, vm(m, "d")), VMHA_PLAN_UNAFFECTED);
	assert_int_equal(vmha_plan_stranded_count(p), 0);
	assert_true(vmha_plan_host_failed(p, f));
	/* a second run replaces the first */
	f = host(m, "h2");
	assert_int_equal(vmha_plan_run(p, &f, 1, NULL, 0, 0), 0);
	assert_int_equal(vmha_plan_outcome(p, vm(m, "a")), VMHA_PLAN_UNAFFECTED);
	assert_string_equal(target_name(m, p, "d"), "h3");
	assert_false(vmha_plan_host_failed(p, host(m, "h1")));
	f = 99;
	assert_int_equal(vmha_plan_run(p, &f, 1, NULL, 0, 0), -EINVAL);
	vmha_plan_free(p);
	vmha_plan_free(NULL);
	vmha_model_free(m);
}

static void test_reasons(void **state)
{
	struct vmha_model *m =
	        model_from("node h1 cpu=10 mem=10\n"
	                   "node h2 cpu=10 mem=1\n"
	                   "node h3 cpu=10 mem=10\n"
	                   "node h4 cpu=10 mem=10 standby\n"
	                   "node h5 cpu=10 mem=10\n"
	                   "vm a on=h1 cpu=4 mem=4 anti-affinity=g allowed=h1,h2,h3,h4\n"
	                   "vm b on=h3 cpu=1 mem=1 anti-affinity=g\n");
	struct vmha_plan *p = vmha_plan_new(m);
	size_t f = host(m, "h1");

	assert_int_equal(vmha_plan_run(p, &f, 1, NULL, 0, 0), 0);
	assert_int_equal(vmha_plan_outcome(p, vm(m, "a")), VMHA_PLAN_STRANDED);
	assert_string_equal(
	        vmha_plan_reason(p, vm(m, "a")),
	        "h2: mem short (needs 4, free 1); h3: anti-affinity group 'g' with 'b'; "
	        "h4: standby; h5: not in allowed hosts");
	assert_int_equal(vmha_plan_stranded_count(p), 1);
	assert_int_equal(vmha_plan_stranded_top_priority(p), 0);
	vmha_plan_free(p);
	vmha_model_free(m);
}

static void test_extra_vm(void **state)
{
	struct vmha_model *m = model_from("node h1 cpu=10\nnode h2 cpu=10 failover\n"
	                                  "vm a on=h1 cpu=4\nvm new cpu=5\nvm big cpu=50\n");
	struct vmha_plan *p = vmha_plan_new(m);
	size_t extra[2] = {vm(m, "new"), vm(m, "big")};
	size_t a = vm(m, "a");

	assert_int_equal(vmha_plan_run(p, NULL, 0, extra, 2, 0), 0);
	/* a new VM does not go to a dedicated failover host */
	assert_string_equal(target_name(m, p, "new"), "h1");
	assert_int_equal(vmha_plan_outcome(p, vm(m, "big")), VMHA_PLAN_STRANDED);
	/* a running VM is not an extra */
	assert_int_equal(vmha_plan_run(p, NULL, 0, &a, 1, 0), -EINVAL);
	vmha_plan_free(p);
	vmha_model_free(m);
}

static void test_failover_only(void **state)
{
	struct vmha_model *m = model_from("node h1 cpu=10\nnode h2 cpu=10\nnode s cpu=3 failover\n"
	                                  "vm a on=h1 cpu=2\nvm b on=h1 cpu=2\n");
	struct vmha_plan *p = vmha_plan_new(m);
	size_t f = host(m, "h1");

	assert_int_equal(vmha_plan_run(p, &f, 1, NULL, 0, VMHA_PLAN_FAILOVER_ONLY), 0);
	assert_int_equal(vmha_plan_stranded_count(p), 1);
	assert_non_null(strstr(vmha_plan_reason(p, vm(m, "b")), "h2: not a failover host"));
	vmha_plan_free(p);
	vmha_model_free(m);
}

static void test_rebalance(void **state)
{
	struct vmha_model *m = model_from("node h1 cpu=8\nnode h2 cpu=4\nnode h3 cpu=4\n"
	                                  "vm crit on=h1 cpu=3 priority=highest\n"
	                                  "vm s2 on=h2 cpu=2\nvm s3 on=h3 cpu=2\n");
	struct vmha_plan *p = vmha_plan_new(m);
	size_t f = host(m, "h1");
	size_t v;
	size_t from;
	size_t to;
	size_t for_vm;

	assert_int_equal(vmha_plan_run(p, &f, 1, NULL, 0, 0), 0);
	assert_int_equal(vmha_plan_stranded_count(p), 1);
	assert_int_equal(vmha_plan_run(p, &f, 1, NULL, 0, VMHA_PLAN_REBALANCE), 0);
	assert_int_equal(vmha_plan_stranded_count(p), 0);
	assert_int_equal(vmha_plan_migration_count(p), 1);
	vmha_plan_migration(p, 0, &v, &from, &to, &for_vm);
	assert_string_equal(vmha_model_vm_name(m, v), "s2");
	assert_string_equal(vmha_model_host_name(m, from), "h2");
	assert_string_equal(vmha_model_host_name(m, to), "h3");
	assert_string_equal(vmha_model_vm_name(m, for_vm), "crit");
	assert_string_equal(target_name(m, p, "crit"), "h2");
	vmha_plan_free(p);
	vmha_model_free(m);
}

/* The one registry -> planner mapping: every setting reaches the model, bad values are refused. */
static void test_registry_spec(void **state)
{
	struct vmha_registry_vm *vm = vmha_registry_vm_new("web1");
	struct vmha_model *m = vmha_model_new();
	struct vmha_vm_spec spec;
	size_t dc;
	size_t dm;
	size_t h;
	size_t v;
	char err[256];

	assert_non_null(vm);
	assert_non_null(m);
	/* out of range: refused, naming nothing silently */
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_PRIORITY, "2000000"), -EINVAL);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_CPU, "4294967297"), -EINVAL);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_PRIORITY, "high"), 0);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_CPU, "4"), 0);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_MEMORY, "2048"), 0);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_ALLOWED, "h1,h2"), 0);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_PREFERRED, "h2"), 0);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_ANTI_AFFINITY, "web"), 0);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_RESTART, "never"), 0);
	assert_int_equal(vmha_vm_spec_from_registry(vm, "web1", &spec, err, sizeof(err)), 0);
	assert_string_equal(spec.preferred, "h2");
	assert_true(spec.has_vcpus);
	assert_int_equal(spec.vcpus, 4);
	assert_int_equal(vmha_model_dim(m, "cpu", true, &dc), 0);
	assert_int_equal(vmha_model_dim(m, "memory", true, &dm), 0);
	assert_int_equal(vmha_model_add_host(m, "h1", "t", &h), 0);
	assert_int_equal(vmha_model_add_host(m, "h2", "t", &h), 0);
	assert_int_equal(vmha_model_add_host(m, "h3", "t", &h), 0);
	assert_int_equal(vmha_model_add_vm(m, "web1", "t", &v), 0);
	assert_int_equal(vmha_registry_to_model_vm(m, v, dc, dm, vm, "web1", err, sizeof(err)), 0);
	assert_int_equal(vmha_model_finish(m, err, sizeof(err)), 0);
	assert_int_equal(vmha_model_vm_priority(m, 0), VMHA_PRIORITY_HIGH);
	assert_int_equal(vmha_model_vm_demand(m, 0, dc), 4);
	assert_int_equal(vmha_model_vm_demand(m, 0, dm), 2048);
	assert_false(vmha_model_vm_restarts(m, 0));
	assert_true(vmha_model_vm_allows(m, 0, 0));
	assert_true(vmha_model_vm_allows(m, 0, 1));
	assert_false(vmha_model_vm_allows(m, 0, 2));
	assert_false(vmha_model_vm_prefers(m, 0, 0));
	assert_true(vmha_model_vm_prefers(m, 0, 1));
	assert_int_equal(vmha_model_vm_group_count(m, 0), 1);
	vmha_model_free(m);
	vmha_registry_vm_free(vm);
	(void)state;
}

/* ---- quality against an exhaustive solver ---- */

#define QMAX_V 12
#define QMAX_H 4
#define QMAX_L 8

struct exact {
	const struct vmha_model *m;
	size_t nd;
	size_t nh;
	size_t disp[QMAX_V];
	size_t level[QMAX_V];
	size_t n;
	bool usable[QMAX_H];
	int64_t free[QMAX_H][VMHA_MODEL_MAX_DIMS];
	long where[QMAX_V]; /* host of each model VM at this point, -1 */
	size_t cur[QMAX_L];
	size_t best[QMAX_L];
	size_t nodes;
};

/* <0: a strands less than b on levels 0..upto */
static int cmp_counts(const size_t *a, const size_t *b, size_t upto)
{
	size_t l;

	for (l = 0; l <= upto; l++) {
		if (a[l] != b[l]) {
			return a[l] < b[l] ? -1 : 1;
		}
	}
	return 0;
}

static bool exact_ok(struct exact *e, size_t v, size_t h)
{
	size_t d;
	size_t w;

	if (!e->usable[h] || !vmha_model_vm_allows(e->m, v, h)) {
		return false;
	}
	for (d = 0; d < e->nd; d++) {
		if (e->free[h][d] < (int64_t)vmha_model_vm_demand(e->m, v, d)) {
			return false;
		}
	}
	for (w = 0; w < vmha_model_vm_count(e->m); w++) {
		if (w != v && e->where[w] == (long)h && share_group(e->m, v, w)) {
			return false;
		}
	}
	return true;
}

static void exact_dfs(struct exact *e, size_t i)
{
	size_t v;
	size_t h;
	size_t d;

	e->nodes++;
	if (i == e->n) {
		if (cmp_counts(e->cur, e->best, QMAX_L - 1) < 0) {
			memcpy(e->best, e->cur, sizeof(e->best));
		}
		return;
	}
	v = e->disp[i];
	for (h = 0; h < e->nh; h++) {
		if (!exact_ok(e, v, h)) {
			continue;
		}
		for (d = 0; d < e->nd; d++) {
			e->free[h][d] -= (int64_t)vmha_model_vm_demand(e->m, v, d);
		}
		e->where[v] = (long)h;
		exact_dfs(e, i + 1);
		e->where[v] = -1;
		for (d = 0; d < e->nd; d++) {
			e->free[h][d] += (int64_t)vmha_model_vm_demand(e->m, v, d);
		}
	}
	e->cur[e->level[i]]++;
	/* only worth going on if this prefix can still beat the best */
	if (cmp_counts(e->cur, e->best, e->level[i]) < 0 ||
	    (cmp_counts(e->cur, e->best, e->level[i]) == 0 && i + 1 < e->n)) {
		exact_dfs(e, i + 1);
	}
	e->cur[e->level[i]]--;
}

static size_t level_of(const struct vmha_model *m, size_t v)
{
	size_t w;
	size_t l = 0;
	int64_t seen[QMAX_V + 1];
	size_t nseen = 0;

	/* the number of distinct priorities above v's */
	for (w = 0; w < vmha_model_vm_count(m); w++) {
		int64_t p = vmha_model_vm_priority(m, w);
		size_t k;
		bool dup = false;

		if (p <= vmha_model_vm_priority(m, v)) {
			continue;
		}
		for (k = 0; k < nseen; k++) {
			dup = dup || seen[k] == p;
		}
		if (!dup) {
			seen[nseen++] = p;
			l++;
		}
	}
	return l;
}

static void counts_of(const struct vmha_model *m, const struct vmha_plan *p, size_t *c)
{
	size_t v;

	memset(c, 0, QMAX_L * sizeof(*c));
	for (v = 0; v < vmha_model_vm_count(m); v++) {
		if (vmha_plan_outcome(p, v) == VMHA_PLAN_STRANDED) {
			c[level_of(m, v)]++;
		}
	}
}

static void test_quality(void **state)
{
	struct text t;
	size_t instances = 0;
	size_t optimal = 0;
	size_t with_stranded = 0;
	size_t better_than_ff = 0;
	size_t greedy_optimal = 0;
	size_t heuristic_optimal = 0;
	size_t iter;

	rng_state = 7;
	for (iter = 0; iter < 1500; iter++) {
		size_t nh = 2 + rnd(3);
		size_t nv = 4 + rnd(QMAX_V - 3);
		size_t failed[2] = {0, 1};
		size_t nf = nh > 2 && rnd(4) == 0 ? 2 : 1;
		struct vmha_model *m = NULL;
		struct vmha_plan *p = NULL;
		struct vmha_plan *ff = NULL;
		struct vmha_plan *greedy = NULL;
		struct vmha_plan *heur = NULL;
		struct exact e;
		size_t ch[QMAX_L];
		size_t cp[QMAX_L];
		size_t cf[QMAX_L];
		size_t cg[QMAX_L];
		size_t v;
		size_t h;
		size_t d;
		size_t i;
		size_t j;

		random_cluster(&t, nh, 2, nv, true);
		m = model_of(&t, NULL);
		p = vmha_plan_new(m);
		ff = vmha_plan_new(m);
		greedy = vmha_plan_new(m);
		heur = vmha_plan_new(m);
		assert_int_equal(vmha_plan_run(heur, failed, nf, NULL, 0, VMHA_PLAN_NO_SEARCH), 0);
		counts_of(m, heur, ch);
		assert_int_equal(vmha_plan_run(p, failed, nf, NULL, 0, 0), 0);
		assert_int_equal(vmha_plan_run(ff, failed, nf, NULL, 0, VMHA_PLAN_FIRST_FIT), 0);
		assert_int_equal(vmha_plan_run(greedy, failed, nf, NULL, 0, VMHA_PLAN_GREEDY_ONLY),
		                 0);
		counts_of(m, p, cp);
		counts_of(m, ff, cf);
		counts_of(m, greedy, cg);
		/* never worse than first fit */
		if (cmp_counts(cp, cf, QMAX_L - 1) > 0) {
			fail_msg("instance %zu: planner worse than first fit", iter);
		}
		better_than_ff += cmp_counts(cp, cf, QMAX_L - 1) < 0;
		/* exhaustive: every displaced VM on every survivor, or stranded */
		memset(&e, 0, sizeof(e));
		e.m = m;
		e.nd = vmha_model_dim_count(m);
		e.nh = nh;
		for (h = 0; h < nh; h++) {
			e.usable[h] = !vmha_plan_host_failed(p, h);
			for (d = 0; d < e.nd; d++) {
				e.free[h][d] = (int64_t)vmha_model_host_capacity(m, h, d);
			}
		}
		for (v = 0; v < vmha_model_vm_count(m); v++) {
			long on = vmha_model_vm_host(m, v);

			e.where[v] = on >= 0 && !vmha_plan_host_failed(p, (size_t)on) ? on : -1;
			for (d = 0; d < e.nd && e.where[v] >= 0; d++) {
				e.free[on][d] -= (int64_t)vmha_model_vm_demand(m, v, d);
			}
			if (on >= 0 && vmha_plan_host_failed(p, (size_t)on)) {
				e.disp[e.n] = v;
				e.level[e.n] = level_of(m, v);
				e.n++;
			}
		}
		/* by level, so that the prefix bound prunes */
		for (i = 0; i < e.n; i++) {
			for (j = i + 1; j < e.n; j++) {
				if (e.level[j] < e.level[i]) {
					size_t x = e.level[i];
					size_t y = e.disp[i];

					e.level[i] = e.level[j];
					e.disp[i] = e.disp[j];
					e.level[j] = x;
					e.disp[j] = y;
				}
			}
		}
		memcpy(e.best, cp, sizeof(e.best));
		exact_dfs(&e, 0);
		/* the exact solver can never be worse than a feasible plan */
		assert_true(cmp_counts(e.best, cp, QMAX_L - 1) <= 0);
		instances++;
		with_stranded += cp[0] + cp[1] + cp[2] + cp[3] > 0;
		optimal += cmp_counts(e.best, cp, QMAX_L - 1) == 0;
		greedy_optimal += cmp_counts(e.best, cg, QMAX_L - 1) == 0;
		heuristic_optimal += cmp_counts(e.best, ch, QMAX_L - 1) == 0;
		vmha_plan_free(p);
		vmha_plan_free(ff);
		vmha_plan_free(greedy);
		vmha_plan_free(heur);
		vmha_model_free(m);
	}
	print_message("# quality: planner optimal in %zu of %zu instances (%.1f%%); heuristics "
	              "without the bounded search %.1f%%; one pass of best fit %.1f%%; better "
	              "than first fit in %zu, never worse; %zu instances strand something\n",
	              optimal, instances, 100.0 * (double)optimal / (double)instances,
	              100.0 * (double)heuristic_optimal / (double)instances,
	              100.0 * (double)greedy_optimal / (double)instances, better_than_ff,
	              with_stranded);
	assert_true(optimal * 100 >= instances * 95);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_basic),     cmocka_unit_test(test_reasons),
	        cmocka_unit_test(test_extra_vm),  cmocka_unit_test(test_failover_only),
	        cmocka_unit_test(test_rebalance), cmocka_unit_test(test_registry_spec),
	        cmocka_unit_test(test_quality),
	};

	return cmocka_run_group_tests_name("planner plan", tests, NULL, NULL);
}

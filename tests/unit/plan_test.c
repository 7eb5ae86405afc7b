/*
 * Unit tests of planner/plan.c: placement rules, properties on random
 * clusters (no overcommit, no failed or standby target, anti-affinity and
 * allowed hosts kept, same plan under permuted input), and quality against
 * an exhaustive solver on small random instances.
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

/* test_tight_units: instances fully restarted out of 40 (measured: see the test) */
#define TIGHT_UNITS_FULL 20

/* A small deterministic generator (tests must not depend on libc's rand). */
static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return n == 0 ? 0 : (uint32_t)((rng_state >> 33) % n);
}

static struct vmha_model *model_from(const char *text)
{
	struct vmha_model *m = vmha_model_new();
	char err[512] = "";

	assert_non_null(m);
	if (vmha_scenario_parse_buffer("t", text, strlen(text), m, err, sizeof(err)) < 0 ||
	    vmha_model_finish(m, err, sizeof(err)) < 0) {
		fail_msg("bad test scenario: %s", err);
	}
	return m;
}

static size_t host(const struct vmha_model *m, const char *name)
{
	size_t h = 0;

	assert_int_equal(vmha_model_host_find(m, name, &h), 0);
	return h;
}

static size_t vm(const struct vmha_model *m, const char *name)
{
	size_t v;

	for (v = 0; v < vmha_model_vm_count(m); v++) {
		if (strcmp(vmha_model_vm_name(m, v), name) == 0) {
			return v;
		}
	}
	fail_msg("no vm '%s'", name);
	return 0;
}

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

/* ---- random clusters ---- */

struct text {
	char lines[128][256];
	size_t n;
};

static void random_cluster(struct text *t, size_t nh, size_t nd, size_t nv, bool small)
{
	static const int64_t prios[] = {-200, -100, 0, 100, 200, 7, -3};
	size_t h;
	size_t v;
	size_t d;

	t->n = 0;
	for (h = 0; h < nh; h++) {
		char *l = t->lines[t->n++];
		int len = snprintf(l, 256, "node h%zu", h);

		for (d = 0; d < nd; d++) {
			len += snprintf(l + len, (size_t)(256 - len), " d%zu=%u", d,
			                small ? 20 + rnd(41) : (rnd(10) == 0 ? 0 : rnd(100)));
		}
		if (!small && rnd(7) == 0) {
			len += snprintf(l + len, (size_t)(256 - len), " failover");
		}
		if (!small && rnd(10) == 0) {
			snprintf(l + len, (size_t)(256 - len), " standby");
		}
	}
	for (v = 0; v < nv; v++) {
		char *l = t->lines[t->n++];
		int len = snprintf(l, 256, "vm v%02zu", v);

		if (small || rnd(10) != 0) {
			len += snprintf(l + len, (size_t)(256 - len), " on=h%u",
			                small ? (v < nv / 2 ? 0 : rnd((uint32_t)nh))
			                      : rnd((uint32_t)nh));
		}
		for (d = 0; d < nd; d++) {
			len += snprintf(l + len, (size_t)(256 - len), " d%zu=%u", d,
			                small ? 3 + rnd(20) : rnd(40));
		}
		len += snprintf(l + len, (size_t)(256 - len), " priority=%lld",
		                (long long)prios[rnd(small ? 3 : 7)]);
		if (!small && rnd(10) == 0) {
			len += snprintf(l + len, (size_t)(256 - len), " restart=never");
		}
		if (rnd(small ? 6 : 3) == 0) {
			len += snprintf(l + len, (size_t)(256 - len), " anti-affinity=g%u%s",
			                rnd(3), rnd(4) == 0 ? ",g3" : "");
		}
		if (rnd(small ? 10 : 6) == 0) {
			len += snprintf(l + len, (size_t)(256 - len), " allowed=h%u,h%u",
			                rnd((uint32_t)nh), rnd((uint32_t)nh));
		}
		if (!small && rnd(6) == 0) {
			snprintf(l + len, (size_t)(256 - len), " preferred=h%u", rnd((uint32_t)nh));
		}
	}
}

static struct vmha_model *model_of(const struct text *t, const size_t *perm)
{
	char buf[128 * 260];
	size_t len = 0;
	size_t i;

	for (i = 0; i < t->n; i++) {
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s\n",
		                        t->lines[perm != NULL ? perm[i] : i]);
	}
	return model_from(buf);
}

static bool share_group(const struct vmha_model *m, size_t a, size_t b)
{
	size_t i;
	size_t j;

	for (i = 0; i < vmha_model_vm_group_count(m, a); i++) {
		for (j = 0; j < vmha_model_vm_group_count(m, b); j++) {
			if (vmha_model_vm_group(m, a, i) == vmha_model_vm_group(m, b, j)) {
				return true;
			}
		}
	}
	return false;
}

/* Check a plan's invariants; loc[] receives where each VM ends up. */
static void check_invariants(const struct vmha_model *m, const struct vmha_plan *p, long *loc,
                             unsigned int flags)
{
	size_t nh = vmha_model_host_count(m);
	size_t nv = vmha_model_vm_count(m);
	size_t nd = vmha_model_dim_count(m);
	bool received[64] = {false};
	size_t i;
	size_t v;
	size_t w;
	size_t h;
	size_t d;

	for (v = 0; v < nv; v++) {
		long on = vmha_model_vm_host(m, v);

		loc[v] = on >= 0 && !vmha_plan_host_failed(p, (size_t)on) ? on : -1;
		if (vmha_plan_outcome(p, v) == VMHA_PLAN_RESTART) {
			loc[v] = vmha_plan_target(p, v);
			assert_true(loc[v] >= 0);
			received[loc[v]] = true;
			assert_true(vmha_model_vm_restarts(m, v));
			assert_true(on < 0 || vmha_plan_host_failed(p, (size_t)on));
			assert_true(vmha_plan_order(p, v) > 0);
		} else if (on >= 0 && vmha_plan_host_failed(p, (size_t)on)) {
			assert_int_equal(vmha_plan_outcome(p, v),
			                 vmha_model_vm_restarts(m, v) ? VMHA_PLAN_STRANDED
			                                              : VMHA_PLAN_NOT_RESTARTED);
			assert_true(strlen(vmha_plan_reason(p, v)) > 0);
		}
	}
	for (i = 0; i < vmha_plan_migration_count(p); i++) {
		size_t from;
		size_t to;
		size_t for_vm;

		vmha_plan_migration(p, i, &v, &from, &to, &for_vm);
		assert_int_equal(loc[v], (long)from);
		assert_false(vmha_model_host_is_failover(m, to));
		loc[v] = (long)to;
		received[to] = true;
	}
	assert_true(!(flags & VMHA_PLAN_REBALANCE) || vmha_plan_migration_count(p) == 0 ||
	            vmha_plan_migration_count(p) > 0);
	for (v = 0; v < nv; v++) {
		long before = vmha_model_vm_host(m, v);

		if (loc[v] < 0 || loc[v] == before) {
			continue;
		}
		h = (size_t)loc[v];
		/* never onto a failed or standby host, nor one not allowed */
		assert_false(vmha_plan_host_failed(p, h));
		assert_false(vmha_model_host_is_standby(m, h));
		assert_true(vmha_model_vm_allows(m, v, h));
		if (flags & VMHA_PLAN_FAILOVER_ONLY) {
			assert_true(vmha_model_host_is_failover(m, h) ||
			            vmha_plan_outcome(p, v) != VMHA_PLAN_RESTART);
		}
		/* anti-affinity: no group peer on the host it moved to */
		for (w = 0; w < nv; w++) {
			if (w != v && loc[w] == loc[v] && share_group(m, v, w)) {
				fail_msg("vm %s and %s share a group on %s",
				         vmha_model_vm_name(m, v), vmha_model_vm_name(m, w),
				         vmha_model_host_name(m, h));
			}
		}
	}
	/* never overcommits a host that received a VM */
	for (h = 0; h < nh; h++) {
		if (!received[h]) {
			continue;
		}
		for (d = 0; d < nd; d++) {
			uint64_t load = 0;

			for (v = 0; v < nv; v++) {
				if (loc[v] == (long)h) {
					load += vmha_model_vm_demand(m, v, d);
				}
			}
			if (load > vmha_model_host_capacity(m, h, d)) {
				fail_msg("host %s overcommitted in %s: %llu > %llu",
				         vmha_model_host_name(m, h), vmha_model_dim_name(m, d),
				         (unsigned long long)load,
				         (unsigned long long)vmha_model_host_capacity(m, h, d));
			}
		}
	}
}

static void test_properties(void **state)
{
	static const unsigned int flag_sets[] = {0, VMHA_PLAN_REBALANCE, VMHA_PLAN_FAILOVER_ONLY,
	                                         VMHA_PLAN_FIRST_FIT};
	struct text t;
	size_t perm[128];
	long loc[128];
	size_t iter;
	size_t checked = 0;

	rng_state = 42;
	for (iter = 0; iter < 400; iter++) {
		size_t nh = 2 + rnd(7);
		size_t nd = 1 + rnd(3);
		size_t nv = rnd(40);
		size_t nf = 1 + rnd((uint32_t)nh);
		size_t failed[16];
		unsigned int flags = flag_sets[iter % 4];
		struct vmha_model *m = NULL;
		struct vmha_model *m2 = NULL;
		struct vmha_plan *p = NULL;
		struct vmha_plan *p2 = NULL;
		size_t i;
		size_t v;

		random_cluster(&t, nh, nd, nv, false);
		m = model_of(&t, NULL);
		for (i = 0; i < nf; i++) {
			failed[i] = rnd((uint32_t)nh);
		}
		p = vmha_plan_new(m);
		assert_non_null(p);
		assert_int_equal(vmha_plan_run(p, failed, nf, NULL, 0, flags), 0);
		check_invariants(m, p, loc, flags);
		/* the same cluster with its lines (and the failed list) permuted */
		for (i = 0; i < t.n; i++) {
			perm[i] = i;
		}
		for (i = t.n; i > 1; i--) {
			size_t j = rnd((uint32_t)i);
			size_t x = perm[i - 1];

			perm[i - 1] = perm[j];
			perm[j] = x;
		}
		m2 = model_of(&t, perm);
		p2 = vmha_plan_new(m2);
		for (i = 0; i < nf / 2; i++) {
			size_t x = failed[i];

			failed[i] = failed[nf - 1 - i];
			failed[nf - 1 - i] = x;
		}
		assert_int_equal(vmha_plan_run(p2, failed, nf, NULL, 0, flags), 0);
		for (v = 0; v < vmha_model_vm_count(m); v++) {
			assert_string_equal(vmha_model_vm_name(m, v), vmha_model_vm_name(m2, v));
			assert_int_equal(vmha_plan_outcome(p, v), vmha_plan_outcome(p2, v));
			assert_int_equal(vmha_plan_target(p, v), vmha_plan_target(p2, v));
			assert_int_equal(vmha_plan_order(p, v), vmha_plan_order(p2, v));
			assert_string_equal(vmha_plan_reason(p, v), vmha_plan_reason(p2, v));
		}
		assert_int_equal(vmha_plan_migration_count(p), vmha_plan_migration_count(p2));
		for (i = 0; i < vmha_plan_migration_count(p); i++) {
			size_t a[4];
			size_t b[4];

			vmha_plan_migration(p, i, &a[0], &a[1], &a[2], &a[3]);
			vmha_plan_migration(p2, i, &b[0], &b[1], &b[2], &b[3]);
			assert_memory_equal(a, b, sizeof(a));
		}
		checked += vmha_plan_displaced_count(p);
		vmha_plan_free(p);
		vmha_plan_free(p2);
		vmha_model_free(m);
		vmha_model_free(m2);
	}
	print_message("# properties: 400 random clusters, %zu displaced vms checked\n", checked);
}

/*
 * Tight clusters (the failed host's VMs are the survivors' free capacity cut
 * into pieces, so all fit) where the exact search runs out and the local
 * search runs: every plan feasible, never worse than first fit, the same on
 * every run, and the step budget reported the same way each time.
 */
/* unit > 1: capacity and demands in whole units of that size (several packings fit) */
static struct vmha_model *tight_cluster(size_t ns, size_t k, size_t nd, bool extras, uint64_t unit)
{
	static const char *dims[] = {"cpu", "memory", "disk"};
	struct vmha_model *m = vmha_model_new();
	size_t dx[3];
	size_t h;
	size_t j;
	size_t d;
	size_t idx;
	char name[64];
	char err[256];

	assert_non_null(m);
	for (d = 0; d < nd; d++) {
		assert_int_equal(vmha_model_dim(m, dims[d], true, &dx[d]), 0);
	}
	assert_int_equal(vmha_model_add_host(m, "failed", "t", &idx), 0);
	for (d = 0; d < nd; d++) {
		assert_int_equal(vmha_model_host_set_capacity(m, idx, dx[d], 1000000), 0);
	}
	for (h = 0; h < ns; h++) {
		uint64_t left[3];

		snprintf(name, sizeof(name), "h%02zu", h);
		assert_int_equal(vmha_model_add_host(m, name, "t", &idx), 0);
		for (d = 0; d < nd; d++) {
			left[d] = unit > 1 ? 4 * k + rnd(12 * (uint32_t)k) : 1000 + rnd(3000);
			assert_int_equal(
			        vmha_model_host_set_capacity(m, idx, dx[d], left[d] * unit), 0);
		}
		for (j = 0; j < k; j++) {
			size_t v;

			snprintf(name, sizeof(name), "v%02zu-%zu", h, j);
			assert_int_equal(vmha_model_add_vm(m, name, "t", &v), 0);
			assert_int_equal(vmha_model_vm_set_host(m, v, "failed"), 0);
			for (d = 0; d < nd; d++) {
				uint64_t x = j + 1 == k
				                     ? left[d]
				                     : 1 + rnd((uint32_t)(2 * left[d] / (k - j)));

				x = x > left[d] - (k - j - 1) ? left[d] - (k - j - 1) : x;
				left[d] -= x;
				assert_int_equal(vmha_model_vm_set_demand(m, v, dx[d], x * unit),
				                 0);
			}
			if (extras) {
				char g[32];

				assert_int_equal(
				        vmha_model_vm_set_priority(m, v, 100 * (int64_t)rnd(3)), 0);
				if (j == 0) {
					snprintf(g, sizeof(g), "g%zu", j);
					assert_int_equal(vmha_model_vm_add_group(m, v, g), 0);
				}
				if (rnd(4) == 0) {
					size_t o;

					snprintf(g, sizeof(g), "h%02zu", h);
					assert_int_equal(vmha_model_vm_add_allowed(m, v, g), 0);
					for (o = 0; o < ns; o++) {
						snprintf(g, sizeof(g), "h%02zu", o);
						if (o != h && rnd(2) == 0) {
							assert_int_equal(
							        vmha_model_vm_add_allowed(m, v, g),
							        0);
						}
					}
				}
			}
		}
	}
	assert_int_equal(vmha_model_finish(m, err, sizeof(err)), 0);
	return m;
}

static void test_properties_tight(void **state)
{
	long loc[512];
	size_t iter;
	size_t hits = 0;
	size_t better = 0;
	size_t full = 0;

	rng_state = 7;
	for (iter = 0; iter < 24; iter++) {
		size_t ns = 4 + rnd(20);
		size_t k = 3 + rnd(6);
		struct vmha_model *m = tight_cluster(ns, k, 2 + iter % 2, iter % 3 == 2, 1);
		struct vmha_plan *p = vmha_plan_new(m);
		struct vmha_plan *p2 = vmha_plan_new(m);
		struct vmha_plan *ff = vmha_plan_new(m);
		size_t failed = 0;
		size_t v;

		assert_non_null(p);
		assert_non_null(p2);
		assert_non_null(ff);
		assert_int_equal(vmha_model_host_find(m, "failed", &failed), 0);
		assert_int_equal(vmha_plan_run(p, &failed, 1, NULL, 0, 0), 0);
		check_invariants(m, p, loc, 0);
		assert_int_equal(vmha_plan_run(ff, &failed, 1, NULL, 0, VMHA_PLAN_FIRST_FIT), 0);
		assert_true(vmha_plan_compare(p, ff) >= 0);
		better += vmha_plan_compare(p, ff) > 0;
		/* a second plan object, and the first one run twice: the same plan */
		assert_int_equal(vmha_plan_run(p2, &failed, 1, NULL, 0, 0), 0);
		for (v = 0; v < vmha_model_vm_count(m); v++) {
			assert_int_equal(vmha_plan_target(p, v), vmha_plan_target(p2, v));
		}
		assert_int_equal(vmha_plan_budget_hit(p), vmha_plan_budget_hit(p2));
		assert_int_equal(vmha_plan_run(p2, &failed, 1, NULL, 0, 0), 0);
		for (v = 0; v < vmha_model_vm_count(m); v++) {
			assert_int_equal(vmha_plan_target(p, v), vmha_plan_target(p2, v));
		}
		hits += vmha_plan_budget_hit(p);
		full += vmha_plan_stranded_count(p) == 0;
		vmha_plan_free(p);
		vmha_plan_free(p2);
		vmha_plan_free(ff);
		vmha_model_free(m);
	}
	print_message("# tight: 24 clusters, better than first fit in %zu, budget hit in %zu, "
	              "everything restarted in %zu\n",
	              better, hits, full);
	(void)state;
}

/*
 * Zero-slack packings in whole units (every survivor exactly full in every
 * dimension in the hidden plan): the planner restarts everything in most,
 * far more than its greedy passes and repairs alone (VMHA_PLAN_NO_SEARCH),
 * never fewer, and the same plan on a second run.
 */
static void test_tight_units(void **state)
{
	size_t iter;
	size_t full = 0;
	size_t full_heur = 0;

	rng_state = 11;
	for (iter = 0; iter < 40; iter++) {
		size_t ns = 3 + rnd(30);
		size_t k = 3 + rnd(8);
		struct vmha_model *m = tight_cluster(ns, k, 2 + iter % 2, false, 1000);
		struct vmha_plan *p = vmha_plan_new(m);
		struct vmha_plan *p2 = vmha_plan_new(m);
		struct vmha_plan *heur = vmha_plan_new(m);
		size_t failed = 0;
		size_t v;

		assert_non_null(p);
		assert_non_null(p2);
		assert_non_null(heur);
		assert_int_equal(vmha_model_host_find(m, "failed", &failed), 0);
		assert_int_equal(vmha_plan_run(p, &failed, 1, NULL, 0, 0), 0);
		assert_int_equal(vmha_plan_run(p2, &failed, 1, NULL, 0, 0), 0);
		assert_int_equal(vmha_plan_run(heur, &failed, 1, NULL, 0, VMHA_PLAN_NO_SEARCH), 0);
		assert_true(vmha_plan_compare(p, heur) >= 0);
		for (v = 0; v < vmha_model_vm_count(m); v++) {
			assert_int_equal(vmha_plan_target(p, v), vmha_plan_target(p2, v));
		}
		full += vmha_plan_stranded_count(p) == 0;
		full_heur += vmha_plan_stranded_count(heur) == 0;
		vmha_plan_free(p);
		vmha_plan_free(p2);
		vmha_plan_free(heur);
		vmha_model_free(m);
	}
	print_message("# tight units: 40 zero-slack clusters, everything restarted in %zu "
	              "(greedy and repairs alone: %zu)\n",
	              full, full_heur);
	assert_true(full >= TIGHT_UNITS_FULL);
	(void)state;
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
	        cmocka_unit_test(test_basic),
	        cmocka_unit_test(test_reasons),
	        cmocka_unit_test(test_extra_vm),
	        cmocka_unit_test(test_failover_only),
	        cmocka_unit_test(test_rebalance),
	        cmocka_unit_test(test_properties),
	        cmocka_unit_test(test_properties_tight),
	        cmocka_unit_test(test_tight_units),
	        cmocka_unit_test(test_registry_spec),
	        cmocka_unit_test(test_quality),
	};

	return cmocka_run_group_tests_name("planner plan", tests, NULL, NULL);
}

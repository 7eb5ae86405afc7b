/*
 * Unit tests of the planner's bin completion (planner/complete.c) and of
 * the sums it is guided by (planner/sums.c): the sums against every
 * subset counted by hand; bin completion from greedy plans of generated
 * perfect packings: every VM restarted when it says so, the plan feasible
 * (capacity per dimension, anti-affinity, allowed hosts, survivors only),
 * the plan unchanged when it does not, the same plan on every run.
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

#include "planner/complete.h"
#include "planner/model.h"
#include "planner/plan.h"
#include "planner/plan_int.h"
#include "planner/sums.h"
#include "plan_testlib.h"

/* test_complete_from_greedy: instances fully restarted out of 40 (measured: see the message) */
#define COMPLETE_FROM_GREEDY_FULL 31
/* test_complete_varied: of those, fully restarted only by the varied restarts (0 without the forced VM first) */
#define COMPLETE_VARIED_FULL 2
/* test_complete_allowed: fully restarted out of 30 (5 when a VM whose last open host is being completed may be left out) */
#define COMPLETE_ALLOWED_FULL 8
/* test_complete_groups: fully restarted out of 30 (22 without the required-groups bound) */
#define COMPLETE_GROUPS_FULL 24

/* Every pair a subset of x/y[from..m) sums to, by hand: reach[sx * ny + sy]. */
static void by_hand(const uint32_t *x, const uint32_t *y, size_t from, size_t m, size_t nx,
                    size_t ny, unsigned char *reach)
{
	uint32_t mask;

	memset(reach, 0, nx * ny);
	for (mask = 0; mask < (1u << (m - from)); mask++) {
		size_t sx = 0;
		size_t sy = 0;
		size_t i;

		for (i = from; i < m; i++) {
			if (mask & (1u << (i - from))) {
				sx += x[i];
				sy += y[i];
			}
		}
		if (sx < nx && sy < ny) {
			reach[sx * ny + sy] = 1;
		}
	}
}

/* Random lists of up to 10 pairs: every single pair and a few boxes, against the subsets. */
static void test_sums_by_hand(void **state)
{
	struct vmha_sums *s = vmha_sums_new(1u << 16, 4);
	unsigned char reach[200 * 80];
	size_t iter;

	assert_non_null(s);
	rng_state = 7;
	for (iter = 0; iter < 60; iter++) {
		uint32_t x[10];
		uint32_t y[10];
		size_t m = 1 + rnd(10);
		size_t nx = 1 + rnd(200);
		size_t ny = 1 + rnd(80);
		size_t i;
		size_t from;
		size_t a;
		size_t b;

		for (i = 0; i < m; i++) {
			x[i] = rnd((uint32_t)nx + 10);
			y[i] = rnd((uint32_t)ny / 2 + 2);
		}
		assert_int_equal(vmha_sums_push(s, x, y, m, nx, ny), 0);
		assert_true(vmha_sums_top_words(s) > 0);
		for (from = 0; from <= m; from++) {
			by_hand(x, y, from, m, nx, ny, reach);
			for (a = 0; a < nx; a++) {
				for (b = 0; b < ny; b++) {
					assert_int_equal(vmha_sums_reachable(s, from, (int64_t)a,
					                                     (int64_t)a, (int64_t)b,
					                                     (int64_t)b),
					                 reach[a * ny + b]);
				}
			}
			/* a box: reachable when some pair inside is */
			a = rnd((uint32_t)nx);
			b = rnd((uint32_t)ny);
			{
				bool any = false;
				size_t u;
				size_t w;

				for (u = a; u < nx && u < a + 3; u++) {
					for (w = b; w < ny && w < b + 3; w++) {
						any = any || reach[u * ny + w];
					}
				}
				assert_int_equal(vmha_sums_reachable(s, from, (int64_t)a,
				                                     (int64_t)a + 2, (int64_t)b,
				                                     (int64_t)b + 2),
				                 any);
			}
		}
		vmha_sums_pop(s);
	}
	vmha_sums_free(s);
	(void)state;
}

/* The stack: tables on top of each other, too large ones refused, no table = reachable. */
static void test_sums_stack(void **state)
{
	struct vmha_sums *s = vmha_sums_new(64, 2);
	const uint32_t x[] = {3, 5};
	const uint32_t y[] = {1, 2};

	assert_non_null(s);
	assert_true(vmha_sums_reachable(s, 0, 7, 7, 9, 9)); /* no table: a bound only */
	assert_int_equal(vmha_sums_push(s, x, y, 2, 10, 4), 0);
	assert_true(vmha_sums_reachable(s, 0, 8, 8, 3, 3));
	assert_false(vmha_sums_reachable(s, 1, 8, 8, 3, 3));
	assert_true(vmha_sums_reachable(s, 1, 5, 5, 2, 2));
	assert_true(vmha_sums_reachable(s, 2, 0, 0, 0, 0));
	assert_false(vmha_sums_reachable(s, 2, 1, 9, 1, 3));
	/* a second table on top answers until it is popped */
	assert_int_equal(vmha_sums_push(s, y, x, 2, 4, 10), 0);
	assert_true(vmha_sums_reachable(s, 0, 3, 3, 8, 8));
	assert_false(vmha_sums_reachable(s, 0, 8, 8, 3, 3));
	/* no room for a third one: refused, nothing pushed */
	assert_int_equal(vmha_sums_push(s, x, y, 2, 10, 4), -ENOSPC);
	vmha_sums_pop(s);
	assert_true(vmha_sums_reachable(s, 0, 8, 8, 3, 3));
	vmha_sums_pop(s);
	vmha_sums_pop(s); /* empty: a no-op */
	assert_int_equal(vmha_sums_push(s, x, y, 2, 1000, 1000), -ENOSPC);
	vmha_sums_free(s);
	vmha_sums_free(NULL);
	(void)state;
}

/*
 * search on p and on p2 (the same plan): the same result and the same plan
 * twice, feasible, the plan as it was when it says 0, every VM restarted
 * when it says 1. @return what it says
 */
static int complete_twice(const struct vmha_model *m, struct vmha_plan *p, struct vmha_plan *p2,
                          int (*search)(struct vmha_plan *, uint64_t), uint64_t budget)
{
	size_t nv = vmha_model_vm_count(m);
	long was[512];
	size_t v;
	int rc;

	assert_true(nv <= 512);
	for (v = 0; v < nv; v++) {
		was[v] = vmha_plan_target(p, v);
	}
	rc = search(p, budget);
	assert_true(rc == 0 || rc == 1);
	assert_int_equal(search(p2, budget), rc);
	check_feasible(m, p);
	for (v = 0; v < nv; v++) {
		assert_int_equal(vmha_plan_target(p, v), vmha_plan_target(p2, v));
		if (rc == 0) {
			assert_int_equal(vmha_plan_target(p, v), was[v]);
		}
	}
	if (rc == 1) {
		assert_int_equal(count_stranded(m, p), 0);
	}
	return rc;
}

/*
 * From the greedy plan (one pass of best fit), bin completion alone: when
 * it says so every VM restarts and the plan is feasible; when not the
 * plan is the greedy one; twice the same plan.
 */
static void test_complete_from_greedy(void **state)
{
	size_t iter;
	size_t full = 0;
	size_t greedy_full = 0;

	rng_state = 21;
	for (iter = 0; iter < 40; iter++) {
		struct vmha_model *m =
		        perfect(3 + rnd(18), 3 + rnd(6), 2 + iter % 2, iter % 3 == 0);
		struct vmha_plan *p = vmha_plan_new(m);
		struct vmha_plan *p2 = vmha_plan_new(m);
		size_t failed = host(m, "failed");
		int rc;

		assert_non_null(p);
		assert_non_null(p2);
		assert_int_equal(vmha_plan_run(p, &failed, 1, NULL, 0, VMHA_PLAN_GREEDY_ONLY), 0);
		assert_int_equal(vmha_plan_run(p2, &failed, 1, NULL, 0, VMHA_PLAN_GREEDY_ONLY), 0);
		greedy_full += count_stranded(m, p) == 0;
		rc = complete_twice(m, p, p2, vmha_complete_search, COMPLETE_BUDGET);
		full += rc == 1 || count_stranded(m, p) == 0;
		vmha_plan_free(p);
		vmha_plan_free(p2);
		vmha_model_free(m);
	}
	print_message("# bin completion from greedy: 40 perfect packings, fully restarted %zu "
	              "(greedy %zu)\n",
	              full, greedy_full);
	assert_true(full >= COMPLETE_FROM_GREEDY_FULL);
	(void)state;
}

/*
 * Where plain bin completion from the greedy plan fails, the varied
 * restarts: feasible, the same plan twice, the plan as it was when it
 * fails too; counts the packings only it fully restarts.
 */
static void test_complete_varied(void **state)
{
	size_t iter;
	size_t extra = 0;
	size_t tried = 0;

	rng_state = 21;
	for (iter = 0; iter < 40; iter++) {
		struct vmha_model *m =
		        perfect(3 + rnd(18), 3 + rnd(6), 2 + iter % 2, iter % 3 == 0);
		struct vmha_plan *p = vmha_plan_new(m);
		struct vmha_plan *p2 = vmha_plan_new(m);
		size_t failed = host(m, "failed");
		int rc;

		assert_non_null(p);
		assert_non_null(p2);
		assert_int_equal(vmha_plan_run(p, &failed, 1, NULL, 0, VMHA_PLAN_GREEDY_ONLY), 0);
		assert_int_equal(vmha_plan_run(p2, &failed, 1, NULL, 0, VMHA_PLAN_GREEDY_ONLY), 0);
		if (count_stranded(m, p) == 0 || vmha_complete_search(p, COMPLETE_BUDGET) != 0) {
			goto next;
		}
		assert_int_equal(vmha_complete_search(p2, COMPLETE_BUDGET), 0);
		tried++;
		rc = complete_twice(m, p, p2, vmha_complete_search_varied, COMPLETE_VARIED_BUDGET);
		extra += rc == 1;
next:
		vmha_plan_free(p);
		vmha_plan_free(p2);
		vmha_model_free(m);
	}
	print_message("# varied bin completion: %zu of %zu packings plain completion strands "
	              "fully restarted\n",
	              extra, tried);
	assert_true(extra >= COMPLETE_VARIED_FULL);
	(void)state;
}

/*
 * 30 perfect packings with extras (@p with_groups: the first half of each
 * survivor's VMs in groups g0, g1, ..., every survivor must take one VM of
 * each; else every VM with allowed hosts), from the greedy plan: bin
 * completion feasible when it says so. @return how many fully restarted
 */
static size_t complete_extras(bool with_groups)
{
	size_t iter;
	size_t full = 0;

	rng_state = with_groups ? 33 : 35;
	for (iter = 0; iter < 30; iter++) {
		const size_t k = 4 + rnd(5);
		const struct tight_opts o = {
		        .ns = 8 + rnd(25),
		        .k = k,
		        .nd = 2,
		        .extras = true,
		        .unit = 1,
		        .room_per_vm = 2,
		        .room_spread_per_vm = 6,
		        .groups = with_groups ? k / 2 : 0,
		        .allowed_one_in = with_groups ? 1000000 : 1,
		};
		struct vmha_model *m = tight_cluster(&o);
		struct vmha_plan *p = vmha_plan_new(m);
		size_t failed = host(m, "failed");
		int rc;

		assert_non_null(p);
		assert_int_equal(vmha_plan_run(p, &failed, 1, NULL, 0, VMHA_PLAN_GREEDY_ONLY), 0);
		rc = count_stranded(m, p) == 0 ? 1 : vmha_complete_search(p, COMPLETE_BUDGET);
		assert_true(rc == 0 || rc == 1);
		check_feasible(m, p);
		full += rc == 1;
		vmha_plan_free(p);
		vmha_model_free(m);
	}
	return full;
}

static void test_complete_groups(void **state)
{
	size_t full = complete_extras(true);

	print_message("# bin completion with groups: 30 perfect packings, fully restarted %zu\n",
	              full);
	assert_true(full >= COMPLETE_GROUPS_FULL);
	(void)state;
}

static void test_complete_allowed(void **state)
{
	size_t full = complete_extras(false);

	print_message("# bin completion with allowed hosts: 30 perfect packings, fully restarted "
	              "%zu\n",
	              full);
	assert_true(full >= COMPLETE_ALLOWED_FULL);
	(void)state;
}

/* Nothing stranded, or nothing that may fit: nothing to do, the plan as it was. */
static void test_complete_nothing_to_do(void **state)
{
	struct vmha_model *m = model_from("node h1 cpu=8000 memory=8192\n"
	                                  "node h2 cpu=8000 memory=8192\n"
	                                  "vm web1 on=h1 cpu=1000 memory=1024 anti-affinity=web\n"
	                                  "vm web2 on=h2 cpu=1000 memory=1024 anti-affinity=web\n"
	                                  "vm big on=h1 cpu=9000 memory=1024\n");
	struct vmha_plan *p = vmha_plan_new(m);
	size_t failed = host(m, "h1");

	assert_non_null(p);
	assert_int_equal(vmha_plan_run(p, &failed, 1, NULL, 0, VMHA_PLAN_GREEDY_ONLY), 0);
	assert_int_equal(count_stranded(m, p), 2);
	/* web1 may not go next to web2, big fits nowhere: no plan restarts either */
	assert_int_equal(vmha_complete_search(p, COMPLETE_BUDGET), 0);
	assert_int_equal(count_stranded(m, p), 2);
	assert_false(vmha_plan_budget_hit(p));
	vmha_plan_free(p);
	vmha_model_free(m);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sums_by_hand),
	        cmocka_unit_test(test_sums_stack),
	        cmocka_unit_test(test_complete_from_greedy),
	        cmocka_unit_test(test_complete_varied),
	        cmocka_unit_test(test_complete_groups),
	        cmocka_unit_test(test_complete_allowed),
	        cmocka_unit_test(test_complete_nothing_to_do),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

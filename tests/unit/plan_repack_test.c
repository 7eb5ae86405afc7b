/*
 * Unit tests of the planner's repacking search (planner/plan_repack.c) and
 * its gathering of free room (planner/plan_gather.c): a perfect packing
 * the planner before them stranded a VM in, every plan feasible (capacity
 * per dimension, anti-affinity, allowed hosts, survivors only), nothing
 * restarted before stranded after, and the same plan on every run.
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
#include "planner/plan_int.h"
#include "plan_testlib.h"

/* test_repack_from_greedy: instances fully restarted out of 30 (measured: see the test) */
#define REPACK_FROM_GREEDY_FULL 20

/*
 * bench/planner-strength, family perfect-2d, instance 1: the survivors'
 * free room cut into the failed host's VMs (all fit, every survivor full).
 * The planner before the repacking search (commit 51ccbbb: greedy passes,
 * exact search, fill, local search, ejection search) strands one VM here.
 */
static const char perfect_2d_1[] = "node failed cpu=195000 memory=514048\n"
                                   "node h000 cpu=64000 memory=87040\n"
                                   "node h001 cpu=40000 memory=84992\n"
                                   "node h002 cpu=34000 memory=70656\n"
                                   "node h003 cpu=32000 memory=172032\n"
                                   "node h004 cpu=46000 memory=193536\n"
                                   "vm run-h000 on=h000 cpu=7000 memory=1024\n"
                                   "vm run-h001 on=h001 cpu=2000 memory=19456\n"
                                   "vm run-h002 on=h002 cpu=10000 memory=26624\n"
                                   "vm run-h003 on=h003 cpu=1000 memory=16384\n"
                                   "vm run-h004 on=h004 cpu=1000 memory=30720\n"
                                   "vm vm-000-00-9471 on=failed cpu=1000 memory=20480\n"
                                   "vm vm-000-01-5895 on=failed cpu=3000 memory=16384\n"
                                   "vm vm-000-02-2425 on=failed cpu=26000 memory=39936\n"
                                   "vm vm-000-03-6770 on=failed cpu=27000 memory=9216\n"
                                   "vm vm-001-00-1882 on=failed cpu=19000 memory=6144\n"
                                   "vm vm-001-01-9537 on=failed cpu=2000 memory=14336\n"
                                   "vm vm-001-02-5869 on=failed cpu=13000 memory=9216\n"
                                   "vm vm-001-03-1536 on=failed cpu=4000 memory=35840\n"
                                   "vm vm-002-00-4648 on=failed cpu=9000 memory=1024\n"
                                   "vm vm-002-01-7597 on=failed cpu=7000 memory=2048\n"
                                   "vm vm-002-02-0510 on=failed cpu=1000 memory=28672\n"
                                   "vm vm-002-03-9493 on=failed cpu=7000 memory=12288\n"
                                   "vm vm-003-00-7920 on=failed cpu=20000 memory=30720\n"
                                   "vm vm-003-01-9145 on=failed cpu=5000 memory=13312\n"
                                   "vm vm-003-02-0461 on=failed cpu=2000 memory=100352\n"
                                   "vm vm-003-03-7068 on=failed cpu=4000 memory=11264\n"
                                   "vm vm-004-00-2683 on=failed cpu=16000 memory=53248\n"
                                   "vm vm-004-01-9024 on=failed cpu=8000 memory=50176\n"
                                   "vm vm-004-02-6361 on=failed cpu=5000 memory=8192\n"
                                   "vm vm-004-03-4245 on=failed cpu=16000 memory=51200\n";

static void test_repack_perfect_2d(void **state)
{
	struct vmha_model *m = model_from(perfect_2d_1);
	struct vmha_plan *p = vmha_plan_new(m);
	struct vmha_plan *p2 = vmha_plan_new(m);
	size_t failed = host(m, "failed");
	size_t v;

	assert_non_null(p);
	assert_non_null(p2);
	/* the greedy passes and repairs alone strand some */
	assert_int_equal(vmha_plan_run(p, &failed, 1, NULL, 0, VMHA_PLAN_NO_SEARCH), 0);
	assert_true(vmha_plan_stranded_count(p) > 0);
	/* the whole planner restarts everything, feasibly, the same way twice */
	assert_int_equal(vmha_plan_run(p, &failed, 1, NULL, 0, 0), 0);
	check_feasible(m, p);
	assert_int_equal(vmha_plan_stranded_count(p), 0);
	assert_false(vmha_plan_budget_hit(p));
	/* and so do the searches before bin completion (the repacking search here) */
	assert_int_equal(vmha_plan_run(p2, &failed, 1, NULL, 0, VMHA_PLAN_NO_COMPLETE), 0);
	check_feasible(m, p2);
	assert_int_equal(vmha_plan_stranded_count(p2), 0);
	assert_int_equal(vmha_plan_run(p2, &failed, 1, NULL, 0, 0), 0);
	for (v = 0; v < vmha_model_vm_count(m); v++) {
		assert_int_equal(vmha_plan_target(p, v), vmha_plan_target(p2, v));
	}
	vmha_plan_free(p);
	vmha_plan_free(p2);
	vmha_model_free(m);
	(void)state;
}

/*
 * From the greedy plan (one pass of best fit), the repacking search alone:
 * feasible, nothing restarted before is stranded after, never a higher
 * priority stranded, and on these perfect packings it restarts more in
 * most (measured: see the message).
 */
static void test_repack_from_greedy(void **state)
{
	size_t iter;
	size_t gained = 0;
	size_t greedy_full = 0;
	size_t full = 0;
	unsigned char was[512];

	rng_state = 15;
	for (iter = 0; iter < 30; iter++) {
		struct vmha_model *m =
		        perfect(3 + rnd(12), 3 + rnd(6), 2 + iter % 2, iter % 3 == 0);
		struct vmha_plan *p = vmha_plan_new(m);
		size_t failed = host(m, "failed");
		size_t before;
		size_t after;
		size_t nv = vmha_model_vm_count(m);
		size_t v;
		int64_t top_before;

		assert_non_null(p);
		assert_true(nv <= 512);
		assert_int_equal(vmha_plan_run(p, &failed, 1, NULL, 0, VMHA_PLAN_GREEDY_ONLY), 0);
		before = count_stranded(m, p);
		top_before = before > 0 ? vmha_plan_stranded_top_priority(p) : INT64_MIN;
		greedy_full += before == 0;
		for (v = 0; v < nv; v++) {
			was[v] = vmha_plan_outcome(p, v) == VMHA_PLAN_RESTART;
		}
		assert_int_equal(plan_repack_search(p, REPACK_BUDGET), 0);
		check_feasible(m, p);
		after = count_stranded(m, p);
		assert_true(after <= before);
		for (v = 0; v < nv; v++) {
			if (was[v]) {
				assert_int_equal(vmha_plan_outcome(p, v), VMHA_PLAN_RESTART);
			}
			if (vmha_plan_outcome(p, v) == VMHA_PLAN_STRANDED) {
				/* a VM stranded after was stranded before: no higher priority */
				assert_true(vmha_model_vm_priority(m, v) <= top_before);
			}
		}
		gained += after < before;
		full += after == 0;
		vmha_plan_free(p);
		vmha_model_free(m);
	}
	print_message("# repack from greedy: 30 perfect packings, fully restarted %zu "
	              "(greedy %zu), fewer stranded in %zu\n",
	              full, greedy_full, gained);
	assert_true(full >= REPACK_FROM_GREEDY_FULL);
	(void)state;
}

/* The sum over the live hosts of the square of their relative free room. */
static double gathered(const struct vmha_plan *p)
{
	double x = 0;
	size_t i;

	for (i = 0; i < p->nlive; i++) {
		double r = plan_room(p, p->live[i]);

		x += r * r;
	}
	return x;
}

/*
 * Gathering alone from greedy plans of larger perfect packings (with
 * anti-affinity and allowed hosts in every other): every pass keeps the
 * plan feasible, strands nothing restarted before, and when it changes
 * anything the free room is more gathered than before or a stranded VM
 * restarted.
 */
static void test_gather(void **state)
{
	size_t iter;
	size_t passes = 0;
	unsigned char was[512];

	rng_state = 16;
	for (iter = 0; iter < 12; iter++) {
		struct vmha_model *m =
		        perfect(10 + rnd(20), 3 + rnd(4), 2 + iter % 2, iter % 2 == 0);
		struct vmha_plan *p = vmha_plan_new(m);
		size_t failed = host(m, "failed");
		size_t nv = vmha_model_vm_count(m);
		size_t pool[512];
		size_t head[64];
		size_t next[512];
		struct plan_pool q = {pool, 0, head, next, false};
		size_t i;
		size_t n;
		size_t v;
		bool gained = true;

		assert_non_null(p);
		assert_true(nv <= 512 && vmha_model_host_count(m) <= 64);
		assert_int_equal(vmha_plan_run(p, &failed, 1, NULL, 0, VMHA_PLAN_GREEDY_ONLY), 0);
		p->nsv = 0;
		for (i = 0; i < p->ndisp; i++) {
			p->sv[p->nsv++] = p->disp[i];
			if (p->outcome[p->disp[i]] == VMHA_PLAN_STRANDED) {
				pool[q.npool++] = p->disp[i];
			}
		}
		for (v = 0; v < nv; v++) {
			was[v] = vmha_plan_outcome(p, v) == VMHA_PLAN_RESTART;
		}
		for (n = 0; n < 30 && gained && q.npool > 0; n++) {
			double before = gathered(p);
			size_t in_pool = q.npool;

			p->budget = 100000;
			assert_int_equal(plan_gather_pass(p, &q, &gained), 0);
			check_feasible(m, p);
			for (v = 0; v < nv; v++) {
				if (was[v]) {
					assert_int_equal(vmha_plan_outcome(p, v),
					                 VMHA_PLAN_RESTART);
				}
			}
			/* more gathered, or room taken by a stranded VM that now fits */
			assert_true(!gained || gathered(p) > before || q.npool < in_pool);
			passes += gained;
		}
		vmha_plan_free(p);
		vmha_model_free(m);
	}
	print_message("# gather: 12 greedy plans, %zu passes that gathered room\n", passes);
	assert_true(passes > 0);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_repack_perfect_2d),
	        cmocka_unit_test(test_repack_from_greedy),
	        cmocka_unit_test(test_gather),
	};

	return cmocka_run_group_tests_name("planner repack", tests, NULL, NULL);
}

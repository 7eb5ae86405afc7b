/* Unit tests of planner/admission.c */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "planner/admission.h"
#include "planner/model.h"
#include "planner/plan.h"
#include "planner/scenario.h"

static struct vmha_model *model_from(const char *text, const char *add, long *added)
{
	struct vmha_model *m = vmha_model_new();
	char err[512] = "";
	size_t v;

	assert_non_null(m);
	if (vmha_scenario_parse_buffer("t", text, strlen(text), m, err, sizeof(err)) < 0 ||
	    (add != NULL && vmha_scenario_parse_line("--add", add, m, err, sizeof(err)) < 0) ||
	    vmha_model_finish(m, err, sizeof(err)) < 0) {
		fail_msg("bad test scenario: %s", err);
	}
	*added = -1;
	for (v = 0; add != NULL && v < vmha_model_vm_count(m); v++) {
		if (strncmp(add + 3, vmha_model_vm_name(m, v), strlen(vmha_model_vm_name(m, v))) ==
		    0) {
			*added = (long)v;
		}
	}
	return m;
}

static struct vmha_admission *check(struct vmha_model *m, const char *policy, long added)
{
	struct vmha_admission *a = NULL;
	char err[512] = "";

	if (vmha_admission_new(m, policy, &a, err, sizeof(err)) < 0) {
		fail_msg("policy '%s': %s", policy, err);
	}
	assert_int_equal(vmha_admission_check(a, added), 0);
	return a;
}

static const char cluster[] = "node h1 cpu=8000 mem=8192\n"
                              "node h2 cpu=8000 mem=8192\n"
                              "node h3 cpu=8000 mem=8192\n"
                              "vm a on=h1 cpu=5000 mem=5120 priority=high\n"
                              "vm b on=h2 cpu=5000 mem=5120\n"
                              "vm c on=h3 cpu=2000 mem=2048 priority=low\n";

static void test_host_failures(void **state)
{
	long added;
	struct vmha_model *m = model_from(cluster, NULL, &added);
	struct vmha_admission *a = check(m, "host-failures:1", -1);
	size_t vm;
	const char *reason;

	assert_true(vmha_admission_satisfied(a));
	assert_int_equal(vmha_admission_tolerated(a), 1);
	/* two failures: the worst pair strands the high-priority VM */
	assert_int_equal(vmha_admission_worst_count(a), 2);
	vmha_admission_free(a);
	a = check(m, "host-failures:2", -1);
	assert_false(vmha_admission_satisfied(a));
	assert_int_equal(vmha_admission_tolerated(a), 1);
	assert_int_equal(vmha_admission_worst_count(a), 2);
	assert_string_equal(vmha_model_host_name(m, vmha_admission_worst_host(a, 0)), "h1");
	assert_string_equal(vmha_model_host_name(m, vmha_admission_worst_host(a, 1)), "h3");
	assert_int_equal(vmha_admission_stranded_count(a), 1);
	vmha_admission_stranded(a, 0, &vm, &reason);
	assert_string_equal(vmha_model_vm_name(m, vm), "a");
	assert_string_equal(reason, "h2: cpu short (needs 5000, free 1000), mem short (needs 5120, "
	                            "free 1024)");
	assert_string_equal(vmha_admission_reason(a), "the failure of h1,h3 strands a");
	vmha_admission_free(a);
	a = check(m, "host-failures:0", -1);
	assert_true(vmha_admission_satisfied(a));
	vmha_admission_free(a);
	vmha_model_free(m);
}

/* host-failures:N agrees with planning every set of N hosts directly */
static void test_host_failures_brute_force(void **state)
{
	static const char text[] = "node h1 cpu=10\nnode h2 cpu=10\nnode h3 cpu=10\nnode h4 cpu=6\n"
	                           "vm a on=h1 cpu=4 anti-affinity=g\nvm b on=h2 cpu=4 "
	                           "anti-affinity=g\nvm c on=h3 cpu=5\nvm d on=h4 cpu=3\n"
	                           "vm e on=h1 cpu=2\n";
	long added;
	struct vmha_model *m = model_from(text, NULL, &added);
	struct vmha_plan *p = vmha_plan_new(m);
	size_t tolerated = 0;
	size_t k;

	for (k = 1; k < 4; k++) {
		bool all = true;
		size_t mask;

		for (mask = 0; mask < 16; mask++) {
			size_t f[4];
			size_t n = 0;
			size_t h;

			for (h = 0; h < 4; h++) {
				if (mask & (1u << h)) {
					f[n++] = h;
				}
			}
			if (n != k) {
				continue;
			}
			assert_int_equal(vmha_plan_run(p, f, n, NULL, 0, 0), 0);
			all = all && vmha_plan_stranded_count(p) == 0;
		}
		if (!all) {
			break;
		}
		tolerated = k;
	}
	for (k = 0; k < 4; k++) {
		char policy[32];
		struct vmha_admission *a = NULL;

		snprintf(policy, sizeof(policy), "host-failures:%zu", k);
		a = check(m, policy, -1);
		assert_int_equal(vmha_admission_tolerated(a), tolerated);
		assert_int_equal(vmha_admission_satisfied(a), k <= tolerated);
		vmha_admission_free(a);
	}
	vmha_plan_free(p);
	vmha_model_free(m);
}

static void test_slots(void **state)
{
	long added;
	struct vmha_model *m = model_from(cluster, NULL, &added);
	struct vmha_admission *a = check(m, "slots:1", -1);

	/* slot = largest demand: 5000/5120; one slot per host */
	assert_int_equal(vmha_admission_slot(a, 0), 5000);
	assert_int_equal(vmha_admission_slot(a, 1), 5120);
	assert_int_equal(vmha_admission_host_slots(a, 0), 1);
	assert_int_equal(vmha_admission_used_slots(a), 3);
	assert_int_equal(vmha_admission_tolerated(a), 0);
	assert_int_equal(vmha_admission_free_slots(a), 0);
	assert_false(vmha_admission_satisfied(a));
	vmha_admission_free(a);
	a = check(m, "slots:1,cpu=1000,mem=1024", -1);
	assert_int_equal(vmha_admission_host_slots(a, 2), 8);
	/* 5 + 5 + 2 slots used of 24, 8 reserved for one host */
	assert_int_equal(vmha_admission_used_slots(a), 12);
	assert_int_equal(vmha_admission_free_slots(a), 4);
	assert_int_equal(vmha_admission_tolerated(a), 1);
	assert_true(vmha_admission_satisfied(a));
	vmha_admission_free(a);
	vmha_model_free(m);
}

static void test_percent(void **state)
{
	long added;
	struct vmha_model *m = model_from(cluster, NULL, &added);
	struct vmha_admission *a = check(m, "percent:cpu=50", -1);

	/* cpu: 24000 total, 12000 used: 50% */
	assert_int_equal(vmha_admission_failover_percent(a, 0), 50);
	/* mem: 24576 total, 12288 used: 50% */
	assert_int_equal(vmha_admission_failover_percent(a, 1), 50);
	assert_int_equal(vmha_admission_available_percent(a, 0), 0);
	assert_true(vmha_admission_has_reserve(a, 0));
	assert_false(vmha_admission_has_reserve(a, 1));
	assert_true(vmha_admission_satisfied(a));
	vmha_admission_free(a);
	a = check(m, "percent:cpu=10,mem=51", -1);
	assert_false(vmha_admission_satisfied(a));
	assert_int_equal(vmha_admission_available_percent(a, 0), 40);
	assert_string_equal(vmha_admission_reason(a), "mem: 50% free, the policy reserves 51%");
	vmha_admission_free(a);
	vmha_model_free(m);
}

static void test_failover_hosts(void **state)
{
	long added;
	struct vmha_model *m = model_from("node h1 cpu=10\nnode h2 cpu=10\nnode s cpu=6 failover\n"
	                                  "vm a on=h1 cpu=5\nvm b on=h2 cpu=7\n",
	                                  NULL, &added);
	struct vmha_admission *a = check(m, "failover-hosts", -1);

	assert_false(vmha_admission_satisfied(a));
	assert_int_equal(vmha_admission_tolerated(a), 0);
	assert_string_equal(vmha_admission_reason(a),
	                    "the failure of h2 strands b on the failover hosts");
	vmha_admission_free(a);
	vmha_model_free(m);
	m = model_from("node h1 cpu=10\nnode h2 cpu=10\nnode s cpu=8\n"
	               "vm a on=h1 cpu=5\nvm b on=h2 cpu=7\n",
	               NULL, &added);
	a = check(m, "failover-hosts:s", -1);
	assert_true(vmha_admission_satisfied(a));
	assert_int_equal(vmha_admission_tolerated(a), 1);
	vmha_admission_free(a);
	vmha_model_free(m);
}

static void test_add(void **state)
{
	long added;
	struct vmha_model *m = model_from(cluster, "vm n cpu=1000 mem=1024", &added);
	struct vmha_admission *a = NULL;

	assert_true(added >= 0);
	a = check(m, "host-failures:1", added);
	assert_true(vmha_admission_satisfied(a));
	assert_true(vmha_admission_added_host(a) >= 0);
	assert_int_equal(vmha_model_vm_host(m, (size_t)added), vmha_admission_added_host(a));
	vmha_admission_free(a);
	vmha_model_free(m);
	m = model_from(cluster, "vm n cpu=9000 mem=1", &added);
	a = check(m, "host-failures:1", added);
	assert_false(vmha_admission_satisfied(a));
	assert_int_equal(vmha_admission_added_host(a), -1);
	assert_non_null(strstr(vmha_admission_reason(a), "vm 'n' fits on no node: h1: cpu short"));
	vmha_admission_free(a);
	vmha_model_free(m);
}

static void test_policy_errors(void **state)
{
	static const struct {
		const char *policy;
		const char *err;
	} cases[] = {
	        {"host-failures", "policy: field 'host-failures': needs a count"},
	        {"host-failures:x", "policy: field 'host-failures': 'x' is not a count"},
	        {"slots", "policy: field 'slots': needs a count"},
	        {"slots:1,gpu=1", "policy: field 'gpu': no dimension 'gpu'"},
	        {"slots:1,cpu", "policy: field 'slots': 'cpu' is not DIMENSION=VALUE"},
	        {"percent:cpu=101", "policy: field 'cpu': '101' is not a percentage"},
	        {"percent:cpu=1,cpu=2", "policy: field 'cpu': dimension 'cpu' given twice"},
	        {"percent", "policy: field 'percent': needs DIM=P"},
	        {"failover-hosts:h9", "policy: field 'failover-hosts': no node 'h9'"},
	        {"failover-hosts", "policy: field 'failover-hosts': no failover host"},
	        {"nplus1", "policy: field 'policy': unknown policy 'nplus1'"},
	};
	long added;
	struct vmha_model *m = model_from(cluster, NULL, &added);
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmha_admission *a = NULL;
		char err[512] = "";
		int rc = vmha_admission_new(m, cases[i].policy, &a, err, sizeof(err));

		if (rc != -EINVAL || a != NULL || strstr(err, cases[i].err) == NULL) {
			fail_msg("policy '%s': rc %d, err '%s'", cases[i].policy, rc, err);
		}
	}
	vmha_admission_free(NULL);
	vmha_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_host_failures),
	        cmocka_unit_test(test_host_failures_brute_force),
	        cmocka_unit_test(test_slots),
	        cmocka_unit_test(test_percent),
	        cmocka_unit_test(test_failover_hosts),
	        cmocka_unit_test(test_add),
	        cmocka_unit_test(test_policy_errors),
	};

	return cmocka_run_group_tests_name("planner admission", tests, NULL, NULL);
}

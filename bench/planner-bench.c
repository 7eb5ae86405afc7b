/*
 * Planner benchmark: plan one host failure, and host-failures:2 admission
 * over every pair of hosts, on a scenario file. Times in-process with the
 * monotonic clock; prints one line per measurement.
 *
 * Usage: planner-bench SCENARIO [REPEAT]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "planner/admission.h"
#include "planner/model.h"
#include "planner/plan.h"
#include "planner/scenario.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct vmha_model *m = NULL;
	struct vmha_plan *p = NULL;
	struct vmha_admission *a = NULL;
	char err[1024];
	double t0;
	double best_one = 1e18;
	double best_pairs = 1e18;
	double t_parse;
	int repeat = argc > 2 ? atoi(argv[2]) : 5;
	unsigned int extra_flags = argc > 3 ? (unsigned int)atoi(argv[3]) : 0;
	size_t h = 0;
	size_t i;
	size_t j;
	size_t stranded = 0;
	int r;
	int rc = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: planner-bench SCENARIO [REPEAT]\n");
		return 2;
	}
	t0 = now_ms();
	m = vmha_model_new();
	if (m == NULL || vmha_scenario_parse_file(argv[1], m, err, sizeof(err)) < 0 ||
	    vmha_model_finish(m, err, sizeof(err)) < 0) {
		fprintf(stderr, "planner-bench: %s\n", err);
		goto out;
	}
	t_parse = now_ms() - t0;
	printf("model: %zu hosts, %zu vms, parsed in %.1f ms\n", vmha_model_host_count(m),
	       vmha_model_vm_count(m), t_parse);
	for (r = 0; r < repeat; r++) {
		t0 = now_ms();
		p = vmha_plan_new(m);
		if (p == NULL || vmha_plan_run(p, &h, 1, NULL, 0, 0) < 0) {
			goto out;
		}
		t0 = now_ms() - t0;
		best_one = t0 < best_one ? t0 : best_one;
		stranded = vmha_plan_stranded_count(p);
		vmha_plan_free(p);
		p = NULL;
	}
	printf("plan one host failure (setup + plan + reasons): %.2f ms (%zu displaced "
	       "stranded: %zu)\n",
	       best_one, vmha_model_vm_count(m) / vmha_model_host_count(m), stranded);
	for (r = 0; r < repeat; r++) {
		size_t pairs = 0;

		t0 = now_ms();
		p = vmha_plan_new(m);
		if (p == NULL) {
			goto out;
		}
		stranded = 0;
		for (i = 0; i < vmha_model_host_count(m); i++) {
			for (j = i + 1; j < vmha_model_host_count(m); j++) {
				size_t f[2] = {i, j};

				if (vmha_plan_run(p, f, 2, NULL, 0,
				                  VMHA_PLAN_NO_REASONS | extra_flags) < 0) {
					goto out;
				}
				stranded += vmha_plan_stranded_count(p) > 0;
				pairs++;
			}
		}
		t0 = now_ms() - t0;
		best_pairs = t0 < best_pairs ? t0 : best_pairs;
		vmha_plan_free(p);
		p = NULL;
		if (r == 0) {
			printf("pairs: %zu, with stranded vms: %zu\n", pairs, stranded);
		}
	}
	printf("plan every pair of host failures: %.1f ms\n", best_pairs);
	t0 = now_ms();
	if (vmha_admission_new(m, "host-failures:2", &a, err, sizeof(err)) < 0 ||
	    vmha_admission_check(a, -1) < 0) {
		fprintf(stderr, "planner-bench: admission failed\n");
		goto out;
	}
	printf("admission host-failures:2 (singles, pairs, triples while cheap): %.1f ms, "
	       "satisfied: %s, tolerated: %zu\n",
	       now_ms() - t0, vmha_admission_satisfied(a) ? "yes" : "no",
	       vmha_admission_tolerated(a));
	rc = 0;
out:
	vmha_admission_free(a);
	vmha_plan_free(p);
	vmha_model_free(m);
	return rc;
}

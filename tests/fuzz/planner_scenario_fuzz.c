/*
 * libFuzzer target: the planner's scenario parser, then the planner and an
 * admission check on whatever parses.
 * tests/fuzz/build.sh builds it with clang -fsanitize=fuzzer,address,undefined.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "planner/admission.h"
#include "planner/model.h"
#include "planner/plan.h"
#include "planner/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmha_model *m = vmha_model_new();
	struct vmha_plan *p = NULL;
	struct vmha_admission *a = NULL;
	char err[512];

	if (m == NULL) {
		return 0;
	}
	if (vmha_scenario_parse_buffer("fuzz", (const char *)data, size, m, err, sizeof(err)) < 0 ||
	    vmha_model_finish(m, err, sizeof(err)) < 0) {
		goto out;
	}
	p = vmha_plan_new(m);
	if (p != NULL && vmha_model_host_count(m) > 0) {
		size_t failed[2] = {0, vmha_model_host_count(m) - 1};

		vmha_plan_run(p, failed, 1, NULL, 0, VMHA_PLAN_REBALANCE);
		vmha_plan_run(p, failed, 2, NULL, 0, VMHA_PLAN_FAILOVER_ONLY);
	}
	if (vmha_model_host_count(m) <= 12 &&
	    vmha_admission_new(m, "host-failures:1", &a, err, sizeof(err)) == 0) {
		vmha_admission_check(a, -1);
	}
out:
	vmha_admission_free(a);
	vmha_plan_free(p);
	vmha_model_free(m);
	return 0;
}

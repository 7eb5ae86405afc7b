/*
 * libFuzzer target: the planner's scenario parser, then the planner (with
 * and without rebalancing, failover hosts only, a new VM) and an admission
 * check on whatever parses.
 *
 * Oracle: every plan passes plan_oracle.c, an independent feasibility check
 * (capacity per dimension, anti-affinity, allowed hosts, survivors only).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "planner/admission.h"
#include "planner/model.h"
#include "planner/plan.h"
#include "planner/scenario.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/plan_oracle.h"

static void run(const struct vmha_model *m, struct vmha_plan *p, const size_t *failed,
                size_t nfailed, const size_t *extra, size_t nextra, unsigned int flags)
{
	if (vmha_plan_run(p, failed, nfailed, extra, nextra, flags) == 0) {
		vmha_plan_oracle_check(m, p, failed, nfailed, extra, nextra, flags);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmha_model *m = vmha_model_new();
	struct vmha_plan *p = NULL;
	struct vmha_admission *a = NULL;
	char err[512];
	size_t nh;
	size_t v;

	if (m == NULL) {
		return 0;
	}
	if (vmha_scenario_parse_buffer("fuzz", (const char *)data, size, m, err, sizeof(err)) < 0 ||
	    vmha_model_finish(m, err, sizeof(err)) < 0) {
		goto out;
	}
	nh = vmha_model_host_count(m);
	p = vmha_plan_new(m);
	if (p != NULL && nh > 0) {
		size_t failed[2] = {0, nh - 1};

		run(m, p, failed, 1, NULL, 0, VMHA_PLAN_REBALANCE);
		run(m, p, failed, 2, NULL, 0, VMHA_PLAN_FAILOVER_ONLY);
		run(m, p, failed + 1, 1, NULL, 0, VMHA_PLAN_NO_REASONS);
		for (v = 0; v < vmha_model_vm_count(m); v++) {
			if (vmha_model_vm_host(m, v) < 0) {
				run(m, p, NULL, 0, &v, 1, 0);
				break;
			}
		}
	}
	if (nh <= 12 && vmha_admission_new(m, "host-failures:1", &a, err, sizeof(err)) == 0) {
		vmha_admission_check(a, -1);
	}
out:
	vmha_admission_free(a);
	vmha_plan_free(p);
	vmha_model_free(m);
	return 0;
}

/*
 * libFuzzer target: the planner's CIB reader (libxml2), then plans for the
 * failure of the first and of the last host on whatever it reads.
 *
 * Oracle: every plan passes plan_oracle.c (independent feasibility check).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "planner/cib.h"
#include "planner/model.h"
#include "planner/plan.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/plan_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmha_model *m = vmha_model_new();
	struct vmha_plan *p = NULL;
	char err[512];
	size_t i;

	if (m == NULL) {
		return 0;
	}
	if (vmha_cib_parse_buffer("fuzz.xml", (const char *)data, size, m, err, sizeof(err)) < 0 ||
	    vmha_model_finish(m, err, sizeof(err)) < 0) {
		goto out;
	}
	p = vmha_plan_new(m);
	for (i = 0; p != NULL && i < 2 && vmha_model_host_count(m) > 0; i++) {
		size_t failed = i == 0 ? 0 : vmha_model_host_count(m) - 1;

		if (vmha_plan_run(p, &failed, 1, NULL, 0, i == 0 ? 0 : VMHA_PLAN_REBALANCE) == 0) {
			vmha_plan_oracle_check(m, p, &failed, 1, NULL, 0,
			                       i == 0 ? 0 : VMHA_PLAN_REBALANCE);
		}
	}
out:
	vmha_plan_free(p);
	vmha_model_free(m);
	return 0;
}

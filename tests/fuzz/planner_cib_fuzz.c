/*
 * libFuzzer target: the planner's CIB reader (libxml2), then one plan on
 * whatever it reads. Build: see tests/integration/planner-fuzz.test.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "planner/cib.h"
#include "planner/model.h"
#include "planner/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmha_model *m = vmha_model_new();
	struct vmha_plan *p = NULL;
	char err[512];

	if (m == NULL) {
		return 0;
	}
	if (vmha_cib_parse_buffer("fuzz.xml", (const char *)data, size, m, err, sizeof(err)) < 0 ||
	    vmha_model_finish(m, err, sizeof(err)) < 0) {
		goto out;
	}
	p = vmha_plan_new(m);
	if (p != NULL && vmha_model_host_count(m) > 0) {
		size_t failed = 0;

		vmha_plan_run(p, &failed, 1, NULL, 0, 0);
	}
out:
	vmha_plan_free(p);
	vmha_model_free(m);
	return 0;
}

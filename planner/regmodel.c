/* From a registry entry to a model VM (see regmodel.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "regmodel.h"

/* Call @p add for each host of comma-separated @p list. */
static int each_host(struct vmha_model *m, size_t idx, const char *list,
                     int (*add)(struct vmha_model *, size_t, const char *))
{
	char buf[1024];
	char *save = NULL;
	char *tok = NULL;
	int rc = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); rc == 0 && tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		rc = add(m, idx, tok);
	}
	return rc;
}

int vmha_model_vm_apply_spec(struct vmha_model *m, size_t idx, size_t d_cpu, size_t d_mem,
                             const struct vmha_vm_spec *spec)
{
	int rc = 0;

	if (spec->has_vcpus) {
		rc = vmha_model_vm_set_demand(m, idx, d_cpu, spec->vcpus);
	}
	if (rc == 0 && spec->has_memory) {
		rc = vmha_model_vm_set_demand(m, idx, d_mem, spec->memory_mib);
	}
	if (rc == 0) {
		rc = vmha_model_vm_set_priority(m, idx, spec->priority);
	}
	if (rc < 0) {
		rc = -EINVAL;
		goto out;
	}
	vmha_model_vm_set_restart(m, idx, spec->restart);
	if (spec->group[0] != '\0') {
		rc = vmha_model_vm_add_group(m, idx, spec->group);
	}
	if (rc == 0) {
		rc = each_host(m, idx, spec->allowed, vmha_model_vm_add_allowed);
	}
	if (rc == 0) {
		rc = each_host(m, idx, spec->preferred, vmha_model_vm_add_preferred);
	}
out:
	return rc;
}

int vmha_registry_to_model_vm(struct vmha_model *m, size_t idx, size_t d_cpu, size_t d_mem,
                              const struct vmha_registry_vm *vm, const char *name, char *err,
                              size_t errlen)
{
	struct vmha_vm_spec spec;
	int rc = 0;

	rc = vmha_vm_spec_from_registry(vm, name, &spec, err, errlen);
	if (rc == 0) {
		rc = vmha_model_vm_apply_spec(m, idx, d_cpu, d_mem, &spec);
		if (rc == -EINVAL) {
			snprintf(err, errlen, "vm '%s': a setting the planner cannot take", name);
		}
	}
	return rc;
}

/* The typed VM spec and the priority vocabulary (see vmspec.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "vmspec.h"

static int copy_field(char *dst, size_t len, const char *value, const char *field, char *err,
                      size_t errlen)
{
	if (snprintf(dst, len, "%s", value != NULL ? value : "") >= (int)len) {
		snprintf(err, errlen, "field '%s': value too long", field);
		return -EINVAL;
	}
	return 0;
}

int vmha_vm_spec_from_registry(const struct vmha_registry_vm *vm, const char *name,
                               struct vmha_vm_spec *spec, char *err, size_t errlen)
{
	const char *v = NULL;
	uint64_t u = 0;
	int rc = 0;

	memset(spec, 0, sizeof(*spec));
	spec->restart = true;
	rc = copy_field(spec->name, sizeof(spec->name), name, "name", err, errlen);
	if (rc < 0) {
		goto out;
	}
	v = vmha_registry_vm_get(vm, VMHA_REGISTRY_PRIORITY);
	if (v != NULL && vmha_priority_parse(v, &spec->priority) < 0) {
		snprintf(err, errlen,
		         "field 'priority': '%s' is not a tier name or an integer in [%d, %d]", v,
		         VMHA_PRIORITY_MIN, VMHA_PRIORITY_MAX);
		rc = -EINVAL;
		goto out;
	}
	v = vmha_registry_vm_get(vm, VMHA_REGISTRY_RESTART);
	spec->restart = v == NULL || strcmp(v, "never") != 0;
	rc = copy_field(spec->group, sizeof(spec->group),
	                vmha_registry_vm_get(vm, VMHA_REGISTRY_ANTI_AFFINITY), "anti-affinity", err,
	                errlen);
	if (rc == 0) {
		rc = copy_field(spec->allowed, sizeof(spec->allowed),
		                vmha_registry_vm_get(vm, VMHA_REGISTRY_ALLOWED), "allowed", err,
		                errlen);
	}
	if (rc == 0) {
		rc = copy_field(spec->preferred, sizeof(spec->preferred),
		                vmha_registry_vm_get(vm, VMHA_REGISTRY_PREFERRED), "preferred", err,
		                errlen);
	}
	if (rc < 0) {
		goto out;
	}
	v = vmha_registry_vm_get(vm, VMHA_REGISTRY_CPU);
	if (v != NULL) {
		if (vmha_util_parse_u64(v, &u) < 0 || u > VMHA_VM_SPEC_MAX_VCPUS) {
			snprintf(err, errlen, "field 'cpu': '%s' is not a vCPU count in [0, %d]", v,
			         VMHA_VM_SPEC_MAX_VCPUS);
			rc = -EINVAL;
			goto out;
		}
		spec->has_vcpus = true;
		spec->vcpus = (uint32_t)u;
	}
	v = vmha_registry_vm_get(vm, VMHA_REGISTRY_MEMORY);
	if (v != NULL) {
		if (vmha_util_parse_u64(v, &u) < 0 || u > VMHA_VM_SPEC_MAX_MEMORY_MIB) {
			snprintf(err, errlen,
			         "field 'memory': '%s' is not a size in MiB up to %" PRIu64, v,
			         VMHA_VM_SPEC_MAX_MEMORY_MIB);
			rc = -EINVAL;
			goto out;
		}
		spec->has_memory = true;
		spec->memory_mib = u;
	}
out:
	return rc;
}

/* vmha vm disable|enable, and the desired state that start and stop record (see cmd_vm_int.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_vm_int.h"
#include "commands.h"
#include "deadline.h"
#include "registry.h"

int vmha_cmd_vm_set_desired(struct vmha_registry *reg, const char *name,
                            enum vmha_registry_desired desired, const char *action)
{
	struct vmha_registry_vm *vm = NULL;
	char *rerr = NULL;
	bool locked = false;
	int rc;

	rc = vmha_registry_lock(reg, vmha_deadline_in_ms(LOCK_TIMEOUT_MS));
	if (rc < 0) {
		fprintf(stderr, "vmha vm %s: cannot lock the registry: %s\n", action,
		        strerror(-rc));
		goto out;
	}
	locked = true;
	rc = vmha_registry_load(reg, name, &vm, &rerr);
	if (rc == -ENOENT) {
		goto out;
	}
	if (rc < 0) {
		fprintf(stderr, "vmha vm %s: '%s': %s\n", action, name,
		        rerr != NULL ? rerr : strerror(-rc));
		goto out;
	}
	if (vmha_registry_vm_desired(vm) == desired &&
	    vmha_registry_vm_get(vm, VMHA_REGISTRY_STATE) != NULL) {
		goto out;
	}
	rc = vmha_registry_vm_set(vm, VMHA_REGISTRY_STATE, vmha_registry_desired_name(desired));
	if (rc == 0) {
		rc = vmha_registry_add(reg, vm, true);
	}
	if (rc < 0) {
		fprintf(stderr, "vmha vm %s: cannot record the desired state of '%s': %s\n", action,
		        name, strerror(-rc));
	}
out:
	if (locked) {
		vmha_registry_unlock(reg);
	}
	free(rerr);
	vmha_registry_vm_free(vm);
	return rc;
}

int vmha_cmd_vm_enable(struct vmha_registry *reg, const char *name, bool enable)
{
	enum vmha_registry_desired d = enable ? VMHA_DESIRED_STARTED : VMHA_DESIRED_DISABLED;
	const char *action = enable ? "enable" : "disable";
	int rc = vmha_cmd_vm_set_desired(reg, name, d, action);

	if (rc == -ENOENT) {
		fprintf(stderr, "vmha vm %s: '%s' is not in the registry\n", action, name);
	}
	if (rc < 0) {
		return VMHA_EXIT_NO;
	}
	printf("'%s': desired state %s%s\n", name, vmha_registry_desired_name(d),
	       enable ? " (vmhad starts it when it runs nowhere)" : " (vmhad leaves it alone)");
	return VMHA_EXIT_OK;
}

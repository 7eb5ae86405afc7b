/*
 * libFuzzer target: a VM registry entry, the settings file NAME.ha and the
 * domain XML NAME.xml read by vmha_registry_load() (lib/registry.c). The
 * input is the .ha text, a NUL byte, then the XML.
 *
 * Oracle: a rejected entry gives -EINVAL (with a message) or -ENOENT; an
 * accepted one has the right name, an XML and a UUID, and survives being
 * saved to a second registry and loaded again unchanged.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "registry.h"
#include "tests/fuzz/fuzz_util.h"

static void check_same(const struct vmha_registry_vm *a, const struct vmha_registry_vm *b)
{
	int k;

	for (k = 0; k < VMHA_REGISTRY_N_KEYS; k++) {
		const char *x = vmha_registry_vm_get(a, (enum vmha_registry_key)k);
		const char *y = vmha_registry_vm_get(b, (enum vmha_registry_key)k);

		if ((x == NULL) != (y == NULL) || (x != NULL && strcmp(x, y) != 0)) {
			vmha_fuzz_fail("registry setting '%s' changed in a round trip",
			               vmha_registry_key_name((enum vmha_registry_key)k));
		}
	}
	if (strcmp(vmha_registry_vm_xml(a), vmha_registry_vm_xml(b)) != 0 ||
	    strcmp(vmha_registry_vm_uuid(a), vmha_registry_vm_uuid(b)) != 0) {
		vmha_fuzz_fail("registry XML or UUID changed in a round trip");
	}
}

static void round_trip(const struct vmha_registry_vm *vm)
{
	char dir[512];
	struct vmha_registry *out = NULL;
	struct vmha_registry_vm *back = NULL;
	char *err = NULL;

	snprintf(dir, sizeof(dir), "%s/out", vmha_fuzz_dir());
	out = vmha_registry_open(dir);
	if (out == NULL || vmha_registry_lock(out, vmha_deadline_in_ms(1000)) != 0) {
		vmha_fuzz_fail("cannot open or lock the second registry");
	}
	if (vmha_registry_add(out, vm, true) != 0) {
		vmha_fuzz_fail("an accepted registry entry cannot be saved");
	}
	if (vmha_registry_load(out, "vm1", &back, &err) != 0) {
		vmha_fuzz_fail("a saved registry entry does not load: %s", err != NULL ? err : "");
	}
	check_same(vm, back);
	vmha_registry_remove(out, "vm1");
	vmha_registry_unlock(out);
	vmha_registry_vm_free(back);
	vmha_registry_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t ha_len = nul != NULL ? (size_t)(nul - data) : size;
	struct vmha_registry *reg = NULL;
	struct vmha_registry_vm *vm = NULL;
	char dir[512];
	char *err = NULL;
	int rc;

	snprintf(dir, sizeof(dir), "%s/in", vmha_fuzz_dir());
	reg = vmha_registry_open(dir);
	if (reg == NULL) {
		vmha_fuzz_fail("cannot open the registry '%s'", dir);
	}
	snprintf(dir, sizeof(dir), "in/vm1.ha");
	if (vmha_fuzz_write(dir, data, ha_len) == NULL) {
		goto out;
	}
	snprintf(dir, sizeof(dir), "in/vm1.xml");
	if (vmha_fuzz_write(dir, nul != NULL ? nul + 1 : data,
	                    nul != NULL ? size - ha_len - 1 : 0) == NULL) {
		goto out;
	}
	rc = vmha_registry_load(reg, "vm1", &vm, &err);
	if (rc != 0) {
		if (rc != -EINVAL || err == NULL || err[0] == '\0' || vm != NULL) {
			vmha_fuzz_fail("registry entry rejected with rc %d and error '%s'", rc,
			               err != NULL ? err : "(none)");
		}
		goto out;
	}
	if (strcmp(vmha_registry_vm_name(vm), "vm1") != 0 || vmha_registry_vm_xml(vm) == NULL ||
	    vmha_registry_vm_uuid(vm) == NULL) {
		vmha_fuzz_fail("registry entry accepted without its name, XML or UUID");
	}
	round_trip(vm);
out:
	free(err);
	vmha_registry_vm_free(vm);
	vmha_registry_free(reg);
	return 0;
}

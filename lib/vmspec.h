/*
 * The typed spec of a protected VM as the registry gives it to the planner
 * (vmha vm add/set, vmhad's coordinator), and the priority vocabulary.
 * Built from a registry entry in one place: vmha_vm_spec_from_registry().
 */
#ifndef VMHA_VMSPEC_H
#define VMHA_VMSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "priority.h"
#include "registry.h"

/** Most vCPUs a VM spec may ask for. */
#define VMHA_VM_SPEC_MAX_VCPUS 65536
/** Most memory (MiB) a VM spec may ask for (1 PiB). */
#define VMHA_VM_SPEC_MAX_MEMORY_MIB (UINT64_C(1) << 30)

/** A VM's placement spec. Lists are comma-separated host names ("" none). */
struct vmha_vm_spec {
	char name[256];
	int64_t priority;
	bool restart;         /**< false: restart policy "never" */
	char group[256];      /**< anti-affinity group, "" none */
	char allowed[1024];   /**< hosts it may run on, "" any */
	char preferred[1024]; /**< hosts preferred for a restart */
	bool has_vcpus;       /**< false: take the domain's */
	uint32_t vcpus;
	bool has_memory; /**< false: take the domain's */
	uint64_t memory_mib;
};

/**
 * Build VM @p name's spec from its registry entry @p vm.
 *
 * @return 0, or -EINVAL with a message naming the field in @p err
 */
int vmha_vm_spec_from_registry(const struct vmha_registry_vm *vm, const char *name,
                               struct vmha_vm_spec *spec, char *err, size_t errlen);

#endif /* VMHA_VMSPEC_H */

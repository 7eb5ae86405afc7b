/*
 * From the VM registry to the planner: the one mapping of a registry entry
 * (through its typed spec, lib/vmspec.h) onto a model VM. Used by `vmha vm`
 * and by vmhad's coordinator.
 */
#ifndef VMHA_PLANNER_REGMODEL_H
#define VMHA_PLANNER_REGMODEL_H

#include <stddef.h>

#include "model.h"
#include "registry.h"
#include "vmspec.h"

/**
 * Apply @p spec to model VM @p idx (before finish): cpu and memory demand
 * (dimensions @p d_cpu, @p d_mem; only when the spec has them), priority,
 * restart policy, anti-affinity group, allowed and preferred hosts.
 *
 * @return 0, -EINVAL (a bad name or amount) or -ENOMEM
 */
int vmha_model_vm_apply_spec(struct vmha_model *m, size_t idx, size_t d_cpu, size_t d_mem,
                             const struct vmha_vm_spec *spec);

/**
 * Build the typed spec of registry entry @p vm (VM @p name) and apply it to
 * model VM @p idx: vmha_vm_spec_from_registry() then vmha_model_vm_apply_spec().
 *
 * @return 0, or -EINVAL (message naming the field in @p err) or -ENOMEM
 */
int vmha_registry_to_model_vm(struct vmha_model *m, size_t idx, size_t d_cpu, size_t d_mem,
                              const struct vmha_registry_vm *vm, const char *name, char *err,
                              size_t errlen);

#endif /* VMHA_PLANNER_REGMODEL_H */

/*
 * May an operator start, stop or migrate a VM by hand now? Read from the
 * local vmhad's status JSON (`vmha status --json`): never while this host's
 * partition is inquorate (or it fenced itself), and never while the VM is
 * in the hands of the failover (displaced, assigned, stranded, or recorded
 * as running on a host that is not online), because a start beside the
 * failover's own can run the VM twice.
 */
#ifndef VMHA_TOOLS_VM_GUARD_H
#define VMHA_TOOLS_VM_GUARD_H

#include <stddef.h>

#include <json-c/json.h>

/**
 * Check an operator's action on a VM against vmhad's status.
 *
 * @param status    the status JSON
 * @param name      the VM
 * @param why       receives a lowercase reason when refused
 * @param why_size  its size
 * @return 0 when allowed, -EBUSY when the failover holds the VM, -ENOLINK
 *         when this host is inquorate or self-fenced, -EPROTO when the
 *         status lacks the quorum
 */
int vmha_vm_guard_check(json_object *status, const char *name, char *why, size_t why_size);

#endif /* VMHA_TOOLS_VM_GUARD_H */

/*
 * Host facts: free memory, bridges, virtual networks, CPU comparison.
 * Part of the libvirt boundary: see virt.h (errors, deadlines).
 */
#ifndef VMHA_VIRT_HOST_H
#define VMHA_VIRT_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

struct vmha_virt;
struct vmha_virt_domain;

/** @return 0 and whether the host interface (e.g. a bridge) exists, or -errno */
int vmha_virt_interface_exists(struct vmha_virt *v, const char *name, uint64_t deadline_ms,
                               bool *exists);

/** @return 0 and the free memory of the host in bytes, or -errno */
int vmha_virt_node_free_memory(struct vmha_virt *v, uint64_t deadline_ms, uint64_t *free_bytes);

/** @return 0 and whether the named network exists and is active, or -errno */
int vmha_virt_network_is_active(struct vmha_virt *v, const char *name, uint64_t deadline_ms,
                                bool *active);

/** Start the named network if inactive. @return 0 or -errno */
int vmha_virt_network_ensure_active(struct vmha_virt *v, const char *name, uint64_t deadline_ms);

/**
 * Compare the domain's CPU definition (XML of a <cpu> element) with the CPU
 * the hypervisor of type virttype ("kvm", ...) can provide on v's host
 * (virConnectCompareHypervisorCPU), or with the host CPU when virttype is
 * NULL or the driver cannot compare that way.
 *
 * @return 0 when compatible, -EINVAL when incompatible, or -errno
 */
int vmha_virt_compare_cpu(struct vmha_virt *v, const char *virttype, const char *cpu_xml,
                          uint64_t deadline_ms);

#endif /* VMHA_VIRT_HOST_H */

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

/** @return 0 and the host's CPU count and memory (KiB), as libvirt reports them, or -errno */
int vmha_virt_node_info(struct vmha_virt *v, uint64_t deadline_ms, unsigned int *cpus,
                        uint64_t *memory_kib);

/** What a host's libvirt says about itself (for the migration pre-checks). */
struct vmha_virt_host_facts;

/**
 * Ask v's libvirt for its host name (virConnectGetHostname), libvirt and
 * hypervisor versions (virConnectGetLibVersion, virConnectGetVersion), the
 * hypervisor type, and the host CPU architecture and host UUID (capabilities).
 *
 * @return 0 and *out (free with vmha_virt_host_facts_free()), or -errno
 */
int vmha_virt_host_facts_get(struct vmha_virt *v, uint64_t deadline_ms,
                             struct vmha_virt_host_facts **out);

/** Free; NULL is a no-op. */
void vmha_virt_host_facts_free(struct vmha_virt_host_facts *f);

/** @return the host name libvirt reports ("" if none) */
const char *vmha_virt_host_facts_hostname(const struct vmha_virt_host_facts *f);

/** @return the libvirt version, major * 1000000 + minor * 1000 + micro */
unsigned long vmha_virt_host_facts_lib_version(const struct vmha_virt_host_facts *f);

/** @return the hypervisor (QEMU) version, encoded as the libvirt version (0: unknown) */
unsigned long vmha_virt_host_facts_hv_version(const struct vmha_virt_host_facts *f);

/** @return the hypervisor type ("QEMU", "TEST", ...; "" if unknown) */
const char *vmha_virt_host_facts_hv_type(const struct vmha_virt_host_facts *f);

/** @return the host CPU architecture ("x86_64", ...; "" if unknown) */
const char *vmha_virt_host_facts_arch(const struct vmha_virt_host_facts *f);

/** @return the host UUID ("" if the capabilities name none) */
const char *vmha_virt_host_facts_uuid(const struct vmha_virt_host_facts *f);

/**
 * Facts built from values, for tests of code that compares hosts.
 *
 * @return the facts, or NULL on ENOMEM
 */
struct vmha_virt_host_facts *vmha_virt_host_facts_new(const char *hostname,
                                                      unsigned long lib_version,
                                                      unsigned long hv_version, const char *arch,
                                                      const char *uuid);

#endif /* VMHA_VIRT_HOST_H */

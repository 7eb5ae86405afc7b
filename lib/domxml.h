/*
 * Domain XML (libvirt's <domain>) parsed with libxml2: the facts vmha
 * needs about a guest without asking libvirt.
 */
#ifndef VMHA_DOMXML_H
#define VMHA_DOMXML_H

#include <stddef.h>
#include <stdint.h>

/** A parsed domain definition. */
struct vmha_domxml;

/**
 * Parse a domain definition from a file.
 *
 * @param path   the XML file
 * @param out    the parsed definition
 * @param error  on failure, a message naming the file and line (may be NULL)
 * @param error_len  size of error
 * @return 0; -ENOENT/-EACCES/... when the file cannot be read; -EINVAL when
 *         it is not well-formed XML, not a <domain> or has no <name>
 */
int vmha_domxml_parse_file(const char *path, struct vmha_domxml **out, char *error,
                           size_t error_len);

/** As vmha_domxml_parse_file() for XML text in memory. */
int vmha_domxml_parse_string(const char *xml, struct vmha_domxml **out, char *error,
                             size_t error_len);

/** Free a definition; NULL is a no-op. */
void vmha_domxml_free(struct vmha_domxml *dx);

/** @return the domain name (never NULL) */
const char *vmha_domxml_name(const struct vmha_domxml *dx);

/** @return the UUID string, or NULL when the XML has none */
const char *vmha_domxml_uuid(const struct vmha_domxml *dx);

/** @return the domain type attribute ("kvm", "qemu", ...), or NULL */
const char *vmha_domxml_type(const struct vmha_domxml *dx);

/** @return the <emulator> path, or NULL */
const char *vmha_domxml_emulator(const struct vmha_domxml *dx);

/** @return maximum memory in KiB (0 when absent) */
uint64_t vmha_domxml_memory_kib(const struct vmha_domxml *dx);

/** @return number of vCPUs (1 when absent) */
unsigned int vmha_domxml_vcpus(const struct vmha_domxml *dx);

/** @return the serialised <cpu> element, or NULL when there is none */
const char *vmha_domxml_cpu_xml(const struct vmha_domxml *dx);

/** @return the number of disk source paths (file or block device) */
size_t vmha_domxml_disk_count(const struct vmha_domxml *dx);
/** @return disk source path i */
const char *vmha_domxml_disk(const struct vmha_domxml *dx, size_t i);

/** @return the number of distinct libvirt networks used by interfaces */
size_t vmha_domxml_network_count(const struct vmha_domxml *dx);
/** @return network name i */
const char *vmha_domxml_network(const struct vmha_domxml *dx, size_t i);

/** @return the number of distinct host bridges used by interfaces */
size_t vmha_domxml_bridge_count(const struct vmha_domxml *dx);
/** @return bridge name i */
const char *vmha_domxml_bridge(const struct vmha_domxml *dx, size_t i);

/** @return the number of distinct storage pools used by disks */
size_t vmha_domxml_pool_count(const struct vmha_domxml *dx);
/** @return pool name i */
const char *vmha_domxml_pool(const struct vmha_domxml *dx, size_t i);

/** @return the whole XML text as read */
const char *vmha_domxml_text(const struct vmha_domxml *dx);

#endif /* VMHA_DOMXML_H */

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
 *         it is not well-formed XML, not a <domain>, has no <name>, or its
 *         <memory> or <vcpu> is malformed, out of range or of an unknown unit
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

/** @return maximum memory in KiB (0 when absent; see vmha_domxml_parse_memory()) */
uint64_t vmha_domxml_memory_kib(const struct vmha_domxml *dx);

/** @return number of vCPUs (1 when absent) */
unsigned int vmha_domxml_vcpus(const struct vmha_domxml *dx);

/** @return the serialised <cpu> element, or NULL when there is none */
const char *vmha_domxml_cpu_xml(const struct vmha_domxml *dx);

/** @return the number of disk source paths (file or block device) */
size_t vmha_domxml_disk_count(const struct vmha_domxml *dx);
/** @return disk source path i */
const char *vmha_domxml_disk(const struct vmha_domxml *dx, size_t i);

/** @return the number of writable file disks (device 'disk', not readonly or shareable) */
size_t vmha_domxml_file_disk_count(const struct vmha_domxml *dx);
/** @return the source file of writable file disk i */
const char *vmha_domxml_file_disk(const struct vmha_domxml *dx, size_t i);
/** @return the target device (vda, ...) of writable file disk i */
const char *vmha_domxml_file_disk_dev(const struct vmha_domxml *dx, size_t i);

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

/**
 * Memory as libvirt reads a scaled value: a non-negative integer and a
 * unit as libvirt interprets it (case-insensitive): absent or empty = KiB;
 * b, byte, bytes = 1; k, KiB = 1024; KB = 1000; and likewise m/MiB/MB,
 * g/GiB/GB, t/TiB/TB, p/PiB/PB, e/EiB/EB. The result is in KiB, rounded up
 * (libvirt's internal unit).
 *
 * @param value   the element's text (digits only)
 * @param unit    the unit attribute, or NULL
 * @param kib     the memory in KiB
 * @param why     on failure, what is wrong, naming the value or unit
 * @param why_len size of why
 * @return 0; -EINVAL for a malformed value or an unknown unit; -ERANGE when
 *         it exceeds libvirt's limit (2^63-1 bytes)
 */
int vmha_domxml_parse_memory(const char *value, const char *unit, uint64_t *kib, char *why,
                             size_t why_len);

/**
 * A <vcpu> count: a positive 32-bit integer.
 *
 * @return 0; -EINVAL (not a positive integer) or -ERANGE (above 2^32-1),
 *         with why naming the text
 */
int vmha_domxml_parse_vcpus(const char *text, unsigned int *vcpus, char *why, size_t why_len);

#endif /* VMHA_DOMXML_H */

/*
 * Storage: pools and whether a disk exists on a host.
 * Part of the libvirt boundary: see virt.h (errors, deadlines).
 */
#ifndef VMHA_VIRT_STORAGE_H
#define VMHA_VIRT_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

struct vmha_virt;
struct vmha_virt_domain;

/** Start the named storage pool if inactive, else refresh it. @return 0 or -errno */
int vmha_virt_pool_ensure_active(struct vmha_virt *v, const char *name, uint64_t deadline_ms);

/** Whether a disk path exists on a host, as its storage pools tell. */
enum vmha_virt_disk {
	VMHA_VIRT_DISK_PRESENT = 0, /**< a volume with that path exists */
	VMHA_VIRT_DISK_MISSING,   /**< the active pool covering its directory has no such volume */
	VMHA_VIRT_DISK_UNCHECKED, /**< no active pool covers its directory: cannot tell */
};

/**
 * Check that a disk (file or block device) exists at path on v's host.
 * libvirt has no remote file probe, so the host's storage pools answer:
 * the active pool whose target path is the disk's directory is refreshed
 * and asked for a volume at path; without such a pool, a volume at path
 * in any pool (e.g. a logical volume) still counts as present.
 *
 * @param pool      the covering pool's name, or "" (may be NULL)
 * @param pool_len  size of pool
 * @param out       the answer
 * @return 0 and *out, or -errno (the pool could not be refreshed, ...)
 */
int vmha_virt_disk_check(struct vmha_virt *v, const char *path, uint64_t deadline_ms,
                         enum vmha_virt_disk *out, char *pool, size_t pool_len);

#endif /* VMHA_VIRT_STORAGE_H */

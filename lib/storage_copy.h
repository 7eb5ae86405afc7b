/*
 * The disks of a domain that a migration without shared storage copies,
 * shared by `vmha vm migrate --copy-storage`, the agent's copy_storage and
 * `vmha vm move --offline`.
 *
 * A writable file disk whose path is absent on the target (the storage
 * pool there that covers its directory has no such volume) is not shared
 * and gets copied; one present on the target is on shared storage and is
 * left alone (a present volume of another size is refused: a stale copy,
 * not shared storage). A disk whose directory no active pool covers on the
 * target cannot be created there and is refused.
 *
 *   1. vmha_storage_copy_add_disk() for each disk: source volume's size and
 *      format (raw, qcow2; a backing chain is refused), target pool;
 *   2. vmha_storage_copy_create_targets(): room in each target pool
 *      (virStoragePoolGetInfo available), then each volume created there
 *      with the same capacity and format (virStorageVolCreateXML);
 *   3a. live: libvirt copies the disks (VIR_MIGRATE_NON_SHARED_*, only the
 *      devices of vmha_storage_copy_dev());
 *   3b. cold: vmha_storage_copy_transfer() streams each image source ->
 *      target (virStorageVolDownload/Upload), SHA-256 of the source's bytes,
 *      then reads the target's copy back and compares its SHA-256;
 *   4. on failure vmha_storage_copy_remove_targets() deletes what step 2
 *      created; on success vmha_storage_copy_remove_sources() may delete
 *      the source's copies.
 * Every libvirt call runs bounded by a deadline (vmha_virt_call()).
 */
#ifndef VMHA_STORAGE_COPY_H
#define VMHA_STORAGE_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virt.h"

/** The disks of one domain to copy from one host to another. */
struct vmha_storage_copy;

/**
 * A copy from src (the source host's connection) to dst (the target's,
 * called target in messages). Both must outlive it.
 * @return the copy, or NULL on ENOMEM
 */
struct vmha_storage_copy *vmha_storage_copy_new(struct vmha_virt *src, struct vmha_virt *dst,
                                                const char *target);

/** Free; NULL is a no-op. Volumes created on the target are not removed. */
void vmha_storage_copy_free(struct vmha_storage_copy *sc);

/**
 * Examine the disk at path (device dev, e.g. "vda"): shared, or to copy.
 * @return 0; -EINVAL no pool on the target can hold it, a backing chain or
 *         a stale copy of another size there; or another -errno (reason set)
 */
int vmha_storage_copy_add_disk(struct vmha_storage_copy *sc, const char *path, const char *dev,
                               uint64_t deadline_ms);

/** @return the number of disks to copy (not shared) */
size_t vmha_storage_copy_count(const struct vmha_storage_copy *sc);
/** @return the device (vda, ...) of disk to copy i */
const char *vmha_storage_copy_dev(const struct vmha_storage_copy *sc, size_t i);
/** @return the path of disk to copy i */
const char *vmha_storage_copy_path(const struct vmha_storage_copy *sc, size_t i);
/** @return the capacity in bytes of disk to copy i */
uint64_t vmha_storage_copy_capacity_bytes(const struct vmha_storage_copy *sc, size_t i);
/** @return the format (raw, qcow2) of disk to copy i */
const char *vmha_storage_copy_format(const struct vmha_storage_copy *sc, size_t i);
/** @return the target pool of disk to copy i */
const char *vmha_storage_copy_pool(const struct vmha_storage_copy *sc, size_t i);
/** @return the SHA-256 (hex) of disk i read on the source ("" before a transfer) */
const char *vmha_storage_copy_source_sha256(const struct vmha_storage_copy *sc, size_t i);
/** @return the SHA-256 (hex) of disk i read back on the target ("" before a transfer) */
const char *vmha_storage_copy_target_sha256(const struct vmha_storage_copy *sc, size_t i);
/** @return the number of shared disks (left alone) */
size_t vmha_storage_copy_shared_count(const struct vmha_storage_copy *sc);

/**
 * Check the room in every target pool (the sum of the capacities going
 * there against its available bytes), then create each volume. On a
 * failure the volumes created so far are removed again.
 * @return 0; -ENOSPC not enough room; or another -errno (reason set)
 */
int vmha_storage_copy_create_targets(struct vmha_storage_copy *sc, uint64_t deadline_ms);

/**
 * Delete the target volumes vmha_storage_copy_create_targets() created
 * (the ones that are gone already are fine).
 * @return 0 or the first -errno (reason set); tries every volume
 */
int vmha_storage_copy_remove_targets(struct vmha_storage_copy *sc, uint64_t deadline_ms);

/** @return how many target volumes were created and are not removed */
size_t vmha_storage_copy_created_count(const struct vmha_storage_copy *sc);

/**
 * Copy disk i's image source -> target through libvirt's volume streams,
 * hashing the source's bytes, then read the target's copy back and hash it.
 * @return 0 when both SHA-256 digests match; -EILSEQ when they differ;
 *         -ETIMEDOUT at the deadline; or another -errno (reason set)
 */
int vmha_storage_copy_transfer(struct vmha_storage_copy *sc, size_t i, uint64_t deadline_ms);

/**
 * Delete the source's copy of every copied disk (after a successful move).
 * @return 0 or the first -errno (reason set); tries every volume
 */
int vmha_storage_copy_remove_sources(struct vmha_storage_copy *sc, uint64_t deadline_ms);

/** @return why the last step failed ("" if none) */
const char *vmha_storage_copy_reason(const struct vmha_storage_copy *sc);

#endif /* VMHA_STORAGE_COPY_H */

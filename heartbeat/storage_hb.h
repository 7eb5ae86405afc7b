/*
 * The storage heartbeat: each host writes its own slot file on shared
 * storage every second and reads everyone's.
 *
 * A slot is one text line, replaced atomically (write to a temporary file,
 * fdatasync, rename):
 *   vmha-slot 1 host=h1 incarnation=N seq=N mono_ms=N flags=N
 * seq grows by one per write within one incarnation (one vmhad process);
 * mono_ms is the writer's monotonic clock, for people only: hosts' clocks
 * differ, so readers compare (incarnation, seq) progress, never times.
 */
#ifndef VMHA_HEARTBEAT_STORAGE_HB_H
#define VMHA_HEARTBEAT_STORAGE_HB_H

#include <stddef.h>
#include <stdint.h>

#include "heartbeat/msg.h"

struct vmha_storage_hb;

/** One slot's content. */
struct vmha_slot_record {
	char host[VMHA_NAME_SIZE];
	uint64_t incarnation;
	uint64_t seq;
	uint64_t mono_ms;
	/** VMHA_SLOT_* flags (heartbeat/view.h) */
	unsigned int flags;
};

/**
 * @param dir          the slot directory on shared storage (must exist)
 * @param host         this host's name (its slot is dir/host.slot)
 * @param incarnation  this process's incarnation
 * @return a writer/reader, or NULL (invalid arguments, out of memory)
 */
struct vmha_storage_hb *vmha_storage_hb_new(const char *dir, const char *host,
                                            uint64_t incarnation);

/** Free; NULL is a no-op. */
void vmha_storage_hb_free(struct vmha_storage_hb *hb);

/**
 * Write this host's slot with the next sequence number.
 *
 * @return 0 or -errno
 */
int vmha_storage_hb_write(struct vmha_storage_hb *hb, uint64_t now_ms, unsigned int flags);

/** @return the sequence number of the last successful write (0 before any) */
uint64_t vmha_storage_hb_seq(const struct vmha_storage_hb *hb);

/** Called by vmha_storage_hb_scan() for each valid slot. */
typedef void (*vmha_slot_fn)(const struct vmha_slot_record *record, void *opaque);

/**
 * Read every slot in the directory; invalid slots are skipped (and counted).
 *
 * @return the number of invalid slots (>= 0), or -errno when the directory
 *         cannot be read
 */
int vmha_storage_hb_scan(struct vmha_storage_hb *hb, vmha_slot_fn fn, void *opaque);

/**
 * Format a slot line.
 *
 * @return 0, -EINVAL (invalid host), -ENOSPC (buffer too small)
 */
int vmha_storage_hb_format(const struct vmha_slot_record *record, char *buf, size_t size);

/**
 * Parse a slot's content.
 *
 * @return 0 or -EBADMSG
 */
int vmha_storage_hb_parse(const char *text, size_t len, struct vmha_slot_record *record);

#endif /* VMHA_HEARTBEAT_STORAGE_HB_H */

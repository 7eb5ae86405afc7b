/*
 * The storage heartbeat worker of vmhad: a thread that writes this host's
 * slot and reads every slot once per interval, so that a hung shared
 * filesystem never stops the main loop (CPG, quorum, IPC). The main loop
 * takes the latest readings at each tick.
 */
#ifndef VMHA_HEARTBEAT_STORAGE_WORKER_H
#define VMHA_HEARTBEAT_STORAGE_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heartbeat/storage_hb.h"

struct vmha_storage_worker;

/** What one take returns. */
struct vmha_storage_reading {
	/** the slots read in the last round (malloc'ed, caller frees), NULL when not fresh */
	struct vmha_slot_record *records;
	size_t n_records;
	/** 0, or -errno of the last write or scan */
	int rc;
	/** when the worker last finished a round (monotonic ms) */
	uint64_t last_round_ms;
};

/**
 * Start the worker on hb (not owned) with one round per interval_ms.
 *
 * @return the worker, or NULL (no memory, no thread)
 */
struct vmha_storage_worker *vmha_storage_worker_new(struct vmha_storage_hb *hb,
                                                    uint64_t interval_ms);

/** The VMHA_SLOT_* flags written from the next round on. */
void vmha_storage_worker_set_flags(struct vmha_storage_worker *w, unsigned int flags);

struct vmha_sfworker_vm;

/**
 * Have the thread write the self-fence record beside the slot on its next
 * round (vmha_sfworker_record_write()), so that a hung shared storage never
 * stalls the main loop; a record not yet written is replaced.
 *
 * @param slot_path  this host's slot file
 * @param host       this host's name
 * @param vms        the VMs of the self-fence (malloc'ed, taken over)
 * @param n          their number
 * @param complete   every VM was verified stopped
 * @return 0, -EINVAL, -ENOMEM (vms freed either way)
 */
int vmha_storage_worker_set_record(struct vmha_storage_worker *w, const char *slot_path,
                                   const char *host, struct vmha_sfworker_vm *vms, size_t n,
                                   bool complete);

/** Take the latest reading (records only when a round finished since the last take). */
void vmha_storage_worker_take(struct vmha_storage_worker *w, struct vmha_storage_reading *out);

/**
 * Stop and free the worker. A thread stuck in I/O for 3 s is left to
 * process exit (detached, with its memory).
 *
 * @return true when the thread ended (hb may be freed), false when it was left; NULL: true
 */
bool vmha_storage_worker_free(struct vmha_storage_worker *w);

#endif /* VMHA_HEARTBEAT_STORAGE_WORKER_H */

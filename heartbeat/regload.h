/*
 * The registry loader of vmhad: reads the registry of protected VMs on
 * shared storage in a worker thread, so that a hung filesystem (NFS server
 * gone, a FIFO in the directory) never stalls the main loop, which carries
 * CPG, quorum and the heartbeats. The main loop asks for a read, and takes
 * the snapshot when the loader's file descriptor becomes readable; it sees
 * how long the read in progress has been running and decides by itself how
 * long it waits for it.
 */
#ifndef VMHA_HEARTBEAT_REGLOAD_H
#define VMHA_HEARTBEAT_REGLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heartbeat/failover.h"

struct vmha_regload;

/** One complete read of the registry. */
struct vmha_regload_snapshot {
	/** 0, or -errno when the registry could not be listed (then no VM is in it) */
	int rc;
	/** why, when rc < 0 */
	char err[256];
	/** the request this read answers (see vmha_regload_request()) */
	uint64_t seq;
	/** how long the read took */
	uint64_t duration_ms;
	/** the VMs that were read, in name order */
	size_t n_vms;
	struct vmha_failover_vm *vms;
	/** the VMs listed whose files could not be read or parsed */
	size_t n_failed;
	char (*failed)[VMHA_NAME_SIZE];
	/** the first such error, for the log ("" none) */
	char failed_err[256];
};

/**
 * Start the loader thread for the registry in dir.
 *
 * @return the loader, or NULL (no memory, no thread)
 */
struct vmha_regload *vmha_regload_new(const char *dir);

/**
 * Stop the loader. A thread stuck in I/O is left behind (detached) after
 * wait_ms, with its memory; NULL is a no-op.
 */
void vmha_regload_free(struct vmha_regload *rl, uint64_t wait_ms);

/** @return the file descriptor that becomes readable when a snapshot is ready */
int vmha_regload_fd(const struct vmha_regload *rl);

/**
 * Ask for a read that starts after this call. Requests made while a read
 * runs are merged into the next one.
 *
 * @return the request's sequence number: a snapshot with seq >= it answers it
 */
uint64_t vmha_regload_request(struct vmha_regload *rl);

/**
 * Take the latest finished snapshot (older unread ones are dropped).
 *
 * @return true and *out (free with vmha_regload_snapshot_free()), false when none is ready
 */
bool vmha_regload_take(struct vmha_regload *rl, struct vmha_regload_snapshot **out);

/** @return how long the read in progress has been running, 0 when idle */
uint64_t vmha_regload_busy_ms(struct vmha_regload *rl, uint64_t now_ms);

/** Free a snapshot; NULL is a no-op. */
void vmha_regload_snapshot_free(struct vmha_regload_snapshot *s);

/**
 * Read the registry in dir now, in the calling thread (the loader's work;
 * also for tests).
 *
 * @return a snapshot (rc says whether the registry could be listed), NULL without memory
 */
struct vmha_regload_snapshot *vmha_regload_read(const char *dir);

#endif /* VMHA_HEARTBEAT_REGLOAD_H */

/*
 * The inventory worker of vmhad: a thread that collects this host's
 * inventory (libvirt) on request, so that a libvirtd that is starting up or
 * hangs never stops the main loop. A pipe wakes the main loop when a
 * collection is done.
 */
#ifndef VMHA_HEARTBEAT_INVENTORY_WORKER_H
#define VMHA_HEARTBEAT_INVENTORY_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "heartbeat/inventory.h"
#include "heartbeat/msg.h"

struct vmha_inv_worker;

/**
 * Start the worker on inv (not owned).
 *
 * @return the worker, or NULL (no memory, no pipe, no thread)
 */
struct vmha_inv_worker *vmha_inv_worker_new(struct vmha_inventory *inv);

/** @return the file descriptor that becomes readable when a collection is done */
int vmha_inv_worker_fd(const struct vmha_inv_worker *w);

/**
 * Ask for a fresh collection.
 *
 * @return how long the collection in progress has been running (ms), 0 when idle
 */
uint64_t vmha_inv_worker_request(struct vmha_inv_worker *w);

/**
 * Take the collection that is done (drains the pipe).
 *
 * @param out         the inventory (caller clears it with vmha_msg_announce_clear())
 * @param rc          0 or -errno of the collection
 * @param started_ms  when the collection began (monotonic ms)
 * @return true when one was done
 */
bool vmha_inv_worker_take(struct vmha_inv_worker *w, struct vmha_announce *out, int *rc,
                          uint64_t *started_ms);

/**
 * Stop and free the worker. A thread stuck in libvirt for 3 s is left to
 * process exit (detached, with its memory).
 *
 * @return true when the thread ended (inv may be freed), false when it was left; NULL: true
 */
bool vmha_inv_worker_free(struct vmha_inv_worker *w);

#endif /* VMHA_HEARTBEAT_INVENTORY_WORKER_H */

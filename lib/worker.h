/*
 * A worker thread with a wake-up: what vmhad's helpers that must never
 * block the main loop share (the inventory, the storage heartbeat, the
 * registry loader). One mutex guards the worker's state and its owner's
 * shared fields; one condition variable (on the monotonic clock) wakes the
 * thread; an optional pipe wakes the main loop when a result is ready.
 * Stopping waits a bounded time for the thread: one stuck in I/O is
 * detached and its worker (and what it uses) stays allocated.
 */
#ifndef VMHA_WORKER_H
#define VMHA_WORKER_H

#include <stdbool.h>
#include <stdint.h>

struct vmha_worker;

/**
 * The thread's body. It runs with the worker's lock NOT held; it takes it
 * with vmha_worker_lock() and returns when vmha_worker_stopping() says so.
 */
typedef void (*vmha_worker_fn)(struct vmha_worker *w, void *arg);

/**
 * Start a worker thread running fn(w, arg).
 *
 * @param what       what the thread does, for log messages ("inventory")
 * @param wake_pipe  whether the worker gets a pipe that wakes the main loop
 * @return the worker, or NULL (errno set; the failure is logged)
 */
struct vmha_worker *vmha_worker_new(const char *what, vmha_worker_fn fn, void *arg, bool wake_pipe);

/** Take the worker's lock. */
void vmha_worker_lock(struct vmha_worker *w);

/** Release the worker's lock. */
void vmha_worker_unlock(struct vmha_worker *w);

/** Wake the thread (call with the lock held). */
void vmha_worker_signal(struct vmha_worker *w);

/** Whether the thread must return (call with the lock held). */
bool vmha_worker_stopping(const struct vmha_worker *w);

/**
 * Wait for a signal, at most timeout_ms (UINT64_MAX: no limit), with the
 * lock held (released while waiting).
 *
 * @return true when signalled (or spuriously woken), false when the time passed
 */
bool vmha_worker_wait_ms(struct vmha_worker *w, uint64_t timeout_ms);

/** Wake the main loop (the pipe's read end turns readable); logs a failure. */
void vmha_worker_wake_loop(struct vmha_worker *w);

/** Empty the wake-up pipe (the main loop, before it takes the result). */
void vmha_worker_drain(struct vmha_worker *w);

/** @return the read end of the wake-up pipe, -1 without one (or for NULL) */
int vmha_worker_fd(const struct vmha_worker *w);

/**
 * Ask the thread to stop and wait for it at most wait_ms. NULL is a no-op.
 *
 * @return true when it returned (the worker is freed), false when it is
 *         still running (detached, logged; the worker stays allocated, and
 *         so must everything the thread uses)
 */
bool vmha_worker_stop(struct vmha_worker *w, uint64_t wait_ms);

#endif

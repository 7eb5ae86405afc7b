/*
 * Monotonic clock and deadlines.
 *
 * All liveness timing in vmha uses CLOCK_MONOTONIC, never the wall clock.
 * A deadline is an absolute point on that clock, in milliseconds; every
 * blocking call takes one and gives up when it passes.
 */
#ifndef VMHA_DEADLINE_H
#define VMHA_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

/** A deadline that never passes. */
#define VMHA_DEADLINE_NEVER UINT64_MAX

/** @return the monotonic clock, in milliseconds */
uint64_t vmha_clock_now_ms(void);

/**
 * @return the deadline timeout_ms from now (VMHA_DEADLINE_NEVER when
 *         timeout_ms is VMHA_DEADLINE_NEVER or would overflow)
 */
uint64_t vmha_deadline_in_ms(uint64_t timeout_ms);

/** @return milliseconds left until deadline_ms at time now_ms, 0 when passed */
uint64_t vmha_deadline_remaining_at_ms(uint64_t deadline_ms, uint64_t now_ms);

/** @return milliseconds left until deadline_ms, 0 when passed */
uint64_t vmha_deadline_remaining_ms(uint64_t deadline_ms);

/** @return true when deadline_ms has passed */
bool vmha_deadline_expired(uint64_t deadline_ms);

/**
 * @return the time left as a poll(2)/epoll timeout: milliseconds clamped to
 *         INT32_MAX, -1 for VMHA_DEADLINE_NEVER
 */
int vmha_deadline_poll_timeout(uint64_t deadline_ms);

/**
 * Split a budget: the earlier of deadline_ms and share_percent of the time
 * left. Used to give a phase (e.g. graceful shutdown) part of an operation's
 * timeout while keeping the rest for the next phase.
 *
 * @return the phase's deadline
 */
uint64_t vmha_deadline_share(uint64_t deadline_ms, unsigned int share_percent);

/** Called by vmha_deadline_wait(); true when the awaited condition holds. */
typedef bool (*vmha_deadline_cond_fn)(void *opaque);

/**
 * Poll cond every interval_ms until it holds or deadline_ms passes. cond is
 * always checked once more at the deadline, so a condition that became true
 * during the last sleep is not missed.
 *
 * @return 0 when cond held, -ETIMEDOUT when the deadline passed, -EINVAL
 *         for a NULL cond or a zero interval
 */
int vmha_deadline_wait(uint64_t deadline_ms, uint64_t interval_ms, vmha_deadline_cond_fn cond,
                       void *opaque);

#endif /* VMHA_DEADLINE_H */

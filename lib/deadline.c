/* Monotonic clock and deadlines. */
#include "config.h"

#include <errno.h>
#include <time.h>

#include "deadline.h"

uint64_t vmha_clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t vmha_deadline_in_ms(uint64_t timeout_ms)
{
	uint64_t now_ms = vmha_clock_now_ms();

	if (timeout_ms >= VMHA_DEADLINE_NEVER - now_ms) {
		return VMHA_DEADLINE_NEVER;
	}
	return now_ms + timeout_ms;
}

uint64_t vmha_deadline_remaining_at_ms(uint64_t deadline_ms, uint64_t now_ms)
{
	return deadline_ms > now_ms ? deadline_ms - now_ms : 0;
}

uint64_t vmha_deadline_remaining_ms(uint64_t deadline_ms)
{
	if (deadline_ms == VMHA_DEADLINE_NEVER) {
		return VMHA_DEADLINE_NEVER;
	}
	return vmha_deadline_remaining_at_ms(deadline_ms, vmha_clock_now_ms());
}

bool vmha_deadline_expired(uint64_t deadline_ms)
{
	return vmha_deadline_remaining_ms(deadline_ms) == 0;
}

int vmha_deadline_poll_timeout(uint64_t deadline_ms)
{
	uint64_t left_ms;

	if (deadline_ms == VMHA_DEADLINE_NEVER) {
		return -1;
	}
	left_ms = vmha_deadline_remaining_ms(deadline_ms);
	return left_ms > INT32_MAX ? INT32_MAX : (int)left_ms;
}

uint64_t vmha_deadline_share(uint64_t deadline_ms, unsigned int share_percent)
{
	uint64_t left_ms;

	if (share_percent >= 100 || deadline_ms == VMHA_DEADLINE_NEVER) {
		return deadline_ms;
	}
	left_ms = vmha_deadline_remaining_ms(deadline_ms);
	return vmha_deadline_in_ms(left_ms / 100 * share_percent +
	                           left_ms % 100 * share_percent / 100);
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000),
	                      .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

int vmha_deadline_wait(uint64_t deadline_ms, uint64_t interval_ms, vmha_deadline_cond_fn cond,
                       void *opaque)
{
	uint64_t left_ms;
	int rc = -ETIMEDOUT;

	if (cond == NULL || interval_ms == 0) {
		rc = -EINVAL;
		goto out;
	}
	for (;;) {
		if (cond(opaque)) {
			rc = 0;
			goto out;
		}
		left_ms = vmha_deadline_remaining_ms(deadline_ms);
		if (left_ms == 0) {
			rc = -ETIMEDOUT;
			goto out;
		}
		sleep_ms(left_ms < interval_ms ? left_ms : interval_ms);
	}
out:
	return rc;
}

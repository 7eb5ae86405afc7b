/* Unit tests of lib/deadline.c */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "deadline.h"

static void test_clock_is_monotonic(void **state)
{
	uint64_t a = vmha_clock_now_ms();
	uint64_t b = vmha_clock_now_ms();

	assert_true(b >= a);
}

static void test_remaining_at(void **state)
{
	assert_int_equal(vmha_deadline_remaining_at_ms(1000, 400), 600);
	assert_int_equal(vmha_deadline_remaining_at_ms(1000, 1000), 0);
	assert_int_equal(vmha_deadline_remaining_at_ms(1000, 5000), 0);
}

static void test_in_and_expired(void **state)
{
	uint64_t d = vmha_deadline_in_ms(60000);

	assert_false(vmha_deadline_expired(d));
	assert_true(vmha_deadline_remaining_ms(d) <= 60000);
	assert_true(vmha_deadline_remaining_ms(d) > 50000);
	assert_true(vmha_deadline_expired(vmha_deadline_in_ms(0)));
}

static void test_never(void **state)
{
	assert_int_equal(vmha_deadline_in_ms(VMHA_DEADLINE_NEVER), VMHA_DEADLINE_NEVER);
	assert_int_equal(vmha_deadline_in_ms(VMHA_DEADLINE_NEVER - 1), VMHA_DEADLINE_NEVER);
	assert_false(vmha_deadline_expired(VMHA_DEADLINE_NEVER));
	assert_int_equal(vmha_deadline_poll_timeout(VMHA_DEADLINE_NEVER), -1);
	assert_int_equal(vmha_deadline_share(VMHA_DEADLINE_NEVER, 50), VMHA_DEADLINE_NEVER);
}

static void test_poll_timeout(void **state)
{
	int t = vmha_deadline_poll_timeout(vmha_deadline_in_ms(5000));

	assert_true(t > 4000 && t <= 5000);
	assert_int_equal(vmha_deadline_poll_timeout(0), 0);
	assert_int_equal(vmha_deadline_poll_timeout(VMHA_DEADLINE_NEVER - 1), INT32_MAX);
}

static void test_share(void **state)
{
	uint64_t d = vmha_deadline_in_ms(100000);
	uint64_t half = vmha_deadline_share(d, 50);
	uint64_t left = vmha_deadline_remaining_ms(half);

	assert_true(half <= d);
	assert_true(left <= 50000 && left > 45000);
	assert_int_equal(vmha_deadline_share(d, 100), d);
	assert_int_equal(vmha_deadline_share(d, 250), d);
	assert_true(vmha_deadline_expired(vmha_deadline_share(d, 0)));
}

static bool count_to_three(void *opaque)
{
	int *calls = opaque;

	return ++*calls >= 3;
}

static bool never_true(void *opaque)
{
	int *calls = opaque;

	++*calls;
	return false;
}

static void test_wait_succeeds(void **state)
{
	int calls = 0;

	assert_int_equal(vmha_deadline_wait(vmha_deadline_in_ms(5000), 1, count_to_three, &calls),
	                 0);
	assert_int_equal(calls, 3);
}

static void test_wait_times_out_and_checks_last_time(void **state)
{
	int calls = 0;
	uint64_t start = vmha_clock_now_ms();

	assert_int_equal(vmha_deadline_wait(vmha_deadline_in_ms(50), 20, never_true, &calls),
	                 -ETIMEDOUT);
	assert_true(vmha_clock_now_ms() - start >= 50);
	/* 0, 20, 40, 50 ms: checked once more at the deadline */
	assert_true(calls >= 3);
}

static void test_wait_bad_args(void **state)
{
	int calls = 0;

	assert_int_equal(vmha_deadline_wait(vmha_deadline_in_ms(50), 0, never_true, &calls),
	                 -EINVAL);
	assert_int_equal(vmha_deadline_wait(vmha_deadline_in_ms(50), 10, NULL, NULL), -EINVAL);
	assert_int_equal(calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_clock_is_monotonic),
	        cmocka_unit_test(test_remaining_at),
	        cmocka_unit_test(test_in_and_expired),
	        cmocka_unit_test(test_never),
	        cmocka_unit_test(test_poll_timeout),
	        cmocka_unit_test(test_share),
	        cmocka_unit_test(test_wait_succeeds),
	        cmocka_unit_test(test_wait_times_out_and_checks_last_time),
	        cmocka_unit_test(test_wait_bad_args),
	};

	return cmocka_run_group_tests_name("deadline", tests, NULL, NULL);
}

/* Unit tests of agent/cmd.c: child processes bounded by a deadline. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cmd.h"
#include "deadline.h"

static void test_exit_status(void **state)
{
	char *ok[] = {"true", NULL};
	char *three[] = {"sh", "-c", "exit 3", NULL};
	char *killed[] = {"sh", "-c", "kill -9 $$", NULL};

	assert_int_equal(vmha_cmd_run(ok, vmha_deadline_in_ms(5000), NULL, 0), 0);
	assert_int_equal(vmha_cmd_run(three, vmha_deadline_in_ms(5000), NULL, 0), 3);
	assert_int_equal(vmha_cmd_run(killed, vmha_deadline_in_ms(5000), NULL, 0), 128 + 9);
}

static void test_missing_program(void **state)
{
	char *argv[] = {"/nonexistent/vmha-no-such-tool", NULL};
	char out[64];

	assert_int_equal(vmha_cmd_run(argv, vmha_deadline_in_ms(5000), out, sizeof(out)), -ENOENT);
}

static void test_capture(void **state)
{
	char *argv[] = {"sh", "-c", "echo out; echo err >&2; exit 1", NULL};
	char *big[] = {"sh", "-c", "yes x | head -c 200000; exit 0", NULL};
	char out[64];

	assert_int_equal(vmha_cmd_run(argv, vmha_deadline_in_ms(5000), out, sizeof(out)), 1);
	assert_string_equal(out, "out\nerr\n");
	/* more than fits: truncated, and the child is never blocked on a full pipe */
	assert_int_equal(vmha_cmd_run(big, vmha_deadline_in_ms(10000), out, sizeof(out)), 0);
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_int_equal(out[0], 'x');
}

static void test_deadline(void **state)
{
	char *argv[] = {"sleep", "30", NULL};
	char out[16];
	uint64_t start_ms = vmha_clock_now_ms();

	assert_int_equal(vmha_cmd_run(argv, vmha_deadline_in_ms(300), NULL, 0), -ETIMEDOUT);
	assert_int_equal(vmha_cmd_run(argv, vmha_deadline_in_ms(300), out, sizeof(out)),
	                 -ETIMEDOUT);
	assert_true(vmha_clock_now_ms() - start_ms < 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_exit_status),
	        cmocka_unit_test(test_missing_program),
	        cmocka_unit_test(test_capture),
	        cmocka_unit_test(test_deadline),
	};

	return cmocka_run_group_tests_name("agent cmd", tests, NULL, NULL);
}

/* Unit tests of lib/util.c */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util.h"

static void test_parse_bool(void **state)
{
	static const char *const yes[] = {"yes", "YES", "true", "True", "on", "1", "y"};
	static const char *const no[] = {"no", "false", "FALSE", "off", "0", "n"};
	static const char *const bad[] = {"", "2", "yess", " yes", "ja", "nope"};
	bool v;
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		v = false;
		assert_int_equal(vmha_util_parse_bool(yes[i], &v), 0);
		assert_true(v);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		v = true;
		assert_int_equal(vmha_util_parse_bool(no[i], &v), 0);
		assert_false(v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(vmha_util_parse_bool(bad[i], &v), -EINVAL);
	}
	assert_int_equal(vmha_util_parse_bool(NULL, &v), -EINVAL);
}

static void test_parse_u64(void **state)
{
	uint64_t v = 0;

	assert_int_equal(vmha_util_parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(vmha_util_parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(vmha_util_parse_u64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(vmha_util_parse_u64("", &v), -EINVAL);
	assert_int_equal(vmha_util_parse_u64("-1", &v), -EINVAL);
	assert_int_equal(vmha_util_parse_u64("+1", &v), -EINVAL);
	assert_int_equal(vmha_util_parse_u64("10x", &v), -EINVAL);
	assert_int_equal(vmha_util_parse_u64(" 10", &v), -EINVAL);
}

static void test_parse_i64(void **state)
{
	int64_t v = 0;

	assert_int_equal(vmha_util_parse_i64("-42", &v), 0);
	assert_int_equal(v, -42);
	assert_int_equal(vmha_util_parse_i64("9223372036854775807", &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(vmha_util_parse_i64("-9223372036854775808", &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(vmha_util_parse_i64("9223372036854775808", &v), -ERANGE);
	assert_int_equal(vmha_util_parse_i64("-9223372036854775809", &v), -ERANGE);
	assert_int_equal(vmha_util_parse_i64("-", &v), -EINVAL);
	assert_int_equal(vmha_util_parse_i64("--1", &v), -EINVAL);
}

static void test_parse_duration(void **state)
{
	uint64_t ms = 0;

	assert_int_equal(vmha_util_parse_duration_ms("90", &ms), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(vmha_util_parse_duration_ms("90s", &ms), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(vmha_util_parse_duration_ms("1500ms", &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(vmha_util_parse_duration_ms("2m", &ms), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(vmha_util_parse_duration_ms("2min", &ms), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(vmha_util_parse_duration_ms("1h", &ms), 0);
	assert_int_equal(ms, 3600000);
	assert_int_equal(vmha_util_parse_duration_ms("1m30s", &ms), -EINVAL);
	assert_int_equal(vmha_util_parse_duration_ms("s", &ms), -EINVAL);
	assert_int_equal(vmha_util_parse_duration_ms("5d", &ms), -EINVAL);
	assert_int_equal(vmha_util_parse_duration_ms("18446744073709551615s", &ms), -ERANGE);
}

static void test_name_is_valid(void **state)
{
	assert_true(vmha_util_name_is_valid("web-1"));
	assert_true(vmha_util_name_is_valid("node1.example_a"));
	assert_false(vmha_util_name_is_valid(""));
	assert_false(vmha_util_name_is_valid(NULL));
	assert_false(vmha_util_name_is_valid(".hidden"));
	assert_false(vmha_util_name_is_valid("a/b"));
	assert_false(vmha_util_name_is_valid("a b"));
	assert_false(vmha_util_name_is_valid(
	        "0123456789012345678901234567890123456789012345678901234567890123x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse_bool),    cmocka_unit_test(test_parse_u64),
	        cmocka_unit_test(test_parse_i64),     cmocka_unit_test(test_parse_duration),
	        cmocka_unit_test(test_name_is_valid),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}

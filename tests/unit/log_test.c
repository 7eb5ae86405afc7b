/* Unit tests of lib/log.c: level parsing, level from the environment, filtering. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

static void test_level_parse(void **state)
{
	int level = -1;

	assert_int_equal(vmha_log_level_parse("debug", &level), 0);
	assert_int_equal(level, LOG_DEBUG);
	assert_int_equal(vmha_log_level_parse("WARNING", &level), 0);
	assert_int_equal(level, LOG_WARNING);
	assert_int_equal(vmha_log_level_parse("error", &level), 0);
	assert_int_equal(level, LOG_ERR);
	assert_int_equal(vmha_log_level_parse("trace", &level), 0);
	assert_int_equal(level, LOG_TRACE);
	assert_int_equal(vmha_log_level_parse("loud", &level), -EINVAL);
	assert_int_equal(vmha_log_level_parse(NULL, &level), -EINVAL);
}

static void test_level_from_env(void **state)
{
	unsetenv("HA_debug");
	setenv("VMHA_LOG_LEVEL", "info", 1);
	assert_int_equal(vmha_log_init("log_test", 0), 0);
	assert_int_equal(vmha_log_get_level(), LOG_INFO);

	setenv("VMHA_LOG_LEVEL", "bogus", 1);
	assert_int_equal(vmha_log_init("log_test", 0), -EINVAL);
	assert_int_equal(vmha_log_get_level(), LOG_NOTICE);

	unsetenv("VMHA_LOG_LEVEL");
	setenv("HA_debug", "1", 1);
	assert_int_equal(vmha_log_init("log_test", 0), 0);
	assert_int_equal(vmha_log_get_level(), LOG_DEBUG);

	unsetenv("HA_debug");
	assert_int_equal(vmha_log_init("log_test", 0), 0);
	assert_int_equal(vmha_log_get_level(), LOG_NOTICE);
	vmha_log_fini();
}

static void test_set_level_range(void **state)
{
	assert_int_equal(vmha_log_set_level(LOG_DEBUG), 0);
	assert_int_equal(vmha_log_set_level(-1), -EINVAL);
	assert_int_equal(vmha_log_set_level(LOG_TRACE + 1), -EINVAL);
	assert_int_equal(vmha_log_get_level(), LOG_DEBUG);
}

/* Log to stderr redirected into a file; return what was written. */
static char *capture_stderr(void (*emit)(void))
{
	char path[] = "/tmp/vmha-log-test-XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(STDERR_FILENO);
	char *buf = calloc(1, 4096);
	FILE *f;

	assert_true(fd >= 0 && saved >= 0 && buf != NULL);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	emit();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	f = fdopen(fd, "r");
	rewind(f);
	assert_true(fread(buf, 1, 4095, f) < 4095);
	fclose(f);
	unlink(path);
	return buf;
}

static void emit_at_info(void)
{
	unsetenv("HA_debug");
	setenv("VMHA_LOG_LEVEL", "info", 1);
	vmha_log_init("log_test", VMHA_LOG_TO_STDERR);
	vmha_debug("hidden debug '%s'", "d1");
	vmha_info("shown info '%s'", "i1");
	vmha_err("shown error '%s'", "e1");
	vmha_log_fini();
}

static void test_filtering_on_stderr(void **state)
{
	char *out = capture_stderr(emit_at_info);

	assert_non_null(strstr(out, "shown info 'i1'"));
	assert_non_null(strstr(out, "shown error 'e1'"));
	assert_null(strstr(out, "hidden debug"));
	assert_non_null(strstr(out, "log_test"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_level_parse),
	        cmocka_unit_test(test_level_from_env),
	        cmocka_unit_test(test_set_level_range),
	        cmocka_unit_test(test_filtering_on_stderr),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}

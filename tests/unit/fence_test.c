/* Unit tests of fencing/fence.c: the procedure with a real (test) fence agent. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "deadline.h"
#include "fence.h"
#include "fence_config.h"
#include "log.h"

#define TEST_AGENT VMHA_TOP_SRCDIR "/tests/integration/fence_vmhatest"

static char dir[] = "/tmp/vmha-fence-test-XXXXXX";

/* Build and validate a configuration; @A@ is the test agent, @D@ the temp dir. */
static struct vmha_fence_config *config(const char *text)
{
	struct vmha_fence_config *cfg = NULL;
	char buf[4096];
	char err[512];
	const char *p;
	size_t o = 0;

	for (p = text; *p != '\0' && o < sizeof(buf) - 300; p++) {
		if (strncmp(p, "@A@", 3) == 0) {
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s", TEST_AGENT);
			p += 2;
		} else if (strncmp(p, "@D@", 3) == 0) {
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s", dir);
			p += 2;
		} else {
			buf[o++] = *p;
		}
	}
	buf[o] = '\0';
	if (vmha_fence_config_parse(buf, "test.conf", &cfg, err, sizeof(err)) != 0 ||
	    vmha_fence_config_validate(cfg, vmha_deadline_in_ms(10000), err, sizeof(err)) != 0) {
		fail_msg("configuration: %s", err);
	}
	return cfg;
}

static void set_state(const char *name, const char *value)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(value, f);
	fputc('\n', f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s.log", dir, name);
	unlink(path);
}

static void assert_state(const char *name, const char *value)
{
	char path[300];
	char line[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	assert_string_equal(line, value);
}

/* The calls the agent saw, as "action plug" lines joined by '|'. */
static char *calls(const char *name)
{
	static char out[2048];
	char path[300];
	char line[128];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s.log", dir, name);
	f = fopen(path, "re");
	if (f == NULL) {
		return out;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (out[0] != '\0') {
			strncat(out, "|", sizeof(out) - strlen(out) - 1);
		}
		strncat(out, line, sizeof(out) - strlen(out) - 1);
	}
	fclose(f);
	return out;
}

static struct vmha_fence_result *fence(const struct vmha_fence_config *cfg, const char *node,
                                       enum vmha_fence_action action)
{
	struct vmha_fence_result *res = NULL;

	assert_int_equal(vmha_fence_run(cfg, node, action, vmha_deadline_in_ms(30000), &res), 0);
	assert_non_null(res);
	return res;
}

static void test_off_verified(void **state)
{
	struct vmha_fence_config *cfg =
	        config("mode agents\ndevice d @A@ state=@D@/p\nhost h1 d=outlet-1\n");
	struct vmha_fence_result *res = NULL;

	set_state("p", "on");
	res = fence(cfg, "h1", VMHA_FENCE_OFF);
	assert_true(vmha_fence_result_ok(res));
	assert_string_equal(vmha_fence_result_via(res), "agents");
	assert_int_equal(vmha_fence_result_power(res), VMHA_FENCE_POWER_OFF);
	assert_int_equal(vmha_fence_result_level(res), 1);
	assert_int_equal(vmha_fence_result_attempt_count(res), 2);
	assert_string_equal(vmha_fence_result_attempt_action(res, 0), "off");
	assert_string_equal(vmha_fence_result_attempt_action(res, 1), "status");
	assert_string_equal(vmha_fence_result_attempt_outcome(res, 1), "off");
	assert_int_equal(vmha_fence_result_attempt_exit_code(res, 1), 2);
	assert_string_equal(calls("p"), "off outlet-1|status outlet-1");
	assert_state("p", "off");
	vmha_fence_result_free(res);
	vmha_fence_config_free(cfg);
}

static void test_on_reboot_status(void **state)
{
	struct vmha_fence_config *cfg =
	        config("device d @A@ state=@D@/p\nlevel * 1 d\nmode agents\n");
	struct vmha_fence_result *res = NULL;

	set_state("p", "off");
	res = fence(cfg, "h2", VMHA_FENCE_STATUS);
	assert_true(vmha_fence_result_ok(res));
	assert_int_equal(vmha_fence_result_power(res), VMHA_FENCE_POWER_OFF);
	vmha_fence_result_free(res);

	res = fence(cfg, "h2", VMHA_FENCE_ON);
	assert_true(vmha_fence_result_ok(res));
	assert_int_equal(vmha_fence_result_power(res), VMHA_FENCE_POWER_ON);
	assert_state("p", "on");
	vmha_fence_result_free(res);

	set_state("p", "on");
	res = fence(cfg, "h2", VMHA_FENCE_REBOOT);
	assert_true(vmha_fence_result_ok(res));
	assert_string_equal(calls("p"), "off h2|status h2|on h2|status h2");
	assert_state("p", "on");
	assert_non_null(strstr(vmha_fence_result_message(res), "on again"));
	vmha_fence_result_free(res);

	res = fence(cfg, "h2", VMHA_FENCE_STATUS);
	assert_int_equal(vmha_fence_result_power(res), VMHA_FENCE_POWER_ON);
	assert_string_equal(vmha_fence_power_name(vmha_fence_result_power(res)), "on");
	vmha_fence_result_free(res);
	vmha_fence_config_free(cfg);
}

static void test_liar_is_a_failure_then_level_2(void **state)
{
	struct vmha_fence_config *cfg = config("mode agents\n"
	                                       "device liar @A@ state=@D@/l mode=lie retries=1\n"
	                                       "device good @A@ state=@D@/g\n"
	                                       "level h1 1 liar\n"
	                                       "level h1 2 good\n");
	struct vmha_fence_result *res = NULL;

	set_state("l", "on");
	set_state("g", "on");
	res = fence(cfg, "h1", VMHA_FENCE_OFF);
	assert_true(vmha_fence_result_ok(res));
	assert_int_equal(vmha_fence_result_level(res), 2);
	/* liar: off "succeeds", status says on, twice (retries=1); then good. */
	assert_string_equal(calls("l"), "off h1|status h1|off h1|status h1");
	assert_string_equal(calls("g"), "off h1|status h1");
	assert_int_equal(vmha_fence_result_attempt_count(res), 6);
	assert_true(vmha_fence_result_attempt_ok(res, 0));
	assert_false(vmha_fence_result_attempt_ok(res, 1));
	assert_string_equal(vmha_fence_result_attempt_message(res, 1),
	                    "agent reported success but status says on");
	assert_int_equal(vmha_fence_result_attempt_try(res, 3), 2);
	assert_int_equal(vmha_fence_result_attempt_level(res, 4), 2);
	vmha_fence_result_free(res);
	vmha_fence_config_free(cfg);
}

static void test_liar_alone_fails(void **state)
{
	struct vmha_fence_config *cfg =
	        config("device liar @A@ state=@D@/l mode=lie retries=0\nlevel h1 1 liar\n"
	               "mode agents\n");
	struct vmha_fence_result *res = NULL;

	set_state("l", "on");
	res = fence(cfg, "h1", VMHA_FENCE_OFF);
	assert_false(vmha_fence_result_ok(res));
	assert_int_equal(vmha_fence_result_level(res), 0);
	assert_int_equal(vmha_fence_result_power(res), VMHA_FENCE_POWER_ON);
	assert_non_null(strstr(vmha_fence_result_message(res), "failed on every level"));
	vmha_fence_result_free(res);
	vmha_fence_config_free(cfg);
}

static void test_hang_killed_at_deadline(void **state)
{
	struct vmha_fence_config *cfg =
	        config("mode agents\n"
	               "device hang @A@ state=@D@/h mode=hang timeout=300ms retries=0\n"
	               "device good @A@ state=@D@/g\n"
	               "level h1 1 hang\nlevel h1 2 good\n");
	struct vmha_fence_result *res = NULL;
	uint64_t start = vmha_clock_now_ms();

	set_state("h", "on");
	set_state("g", "on");
	res = fence(cfg, "h1", VMHA_FENCE_OFF);
	assert_true(vmha_clock_now_ms() - start < 300 + 1000 + 2000);
	assert_true(vmha_fence_result_ok(res));
	assert_int_equal(vmha_fence_result_level(res), 2);
	assert_false(vmha_fence_result_attempt_ok(res, 0));
	assert_string_equal(vmha_fence_result_attempt_outcome(res, 0), "timeout");
	/* the 300 ms budget starts before the agent does: slow runs (valgrind) report a bit less */
	assert_non_null(strstr(vmha_fence_result_attempt_message(res, 0), "timed out after "));
	assert_non_null(strstr(vmha_fence_result_attempt_message(res, 0), " ms, killed"));
	assert_state("h", "on");
	vmha_fence_result_free(res);
	vmha_fence_config_free(cfg);
}

static void test_failing_device_retries(void **state)
{
	struct vmha_fence_config *cfg = config("mode agents\nretries 2\n"
	                                       "device bad @A@ state=@D@/b mode=fail\n"
	                                       "level h1 1 bad\n");
	struct vmha_fence_result *res = NULL;

	set_state("b", "on");
	res = fence(cfg, "h1", VMHA_FENCE_OFF);
	assert_false(vmha_fence_result_ok(res));
	assert_string_equal(calls("b"), "off h1|off h1|off h1");
	assert_int_equal(vmha_fence_result_attempt_count(res), 3);
	assert_string_equal(vmha_fence_result_attempt_message(res, 2),
	                    "exit 1: fence_vmhatest: failing on purpose");
	vmha_fence_result_free(res);
	vmha_fence_config_free(cfg);
}

static void test_all_devices_of_a_level(void **state)
{
	struct vmha_fence_config *cfg = config("mode agents\n"
	                                       "device psu1 @A@ state=@D@/p1 retries=0\n"
	                                       "device psu2 @A@ state=@D@/p2 mode=fail retries=0\n"
	                                       "device ipmi @A@ state=@D@/i\n"
	                                       "level h1 1 psu1,psu2\nlevel h1 2 ipmi\n");
	struct vmha_fence_result *res = NULL;

	set_state("p1", "on");
	set_state("p2", "on");
	set_state("i", "on");
	res = fence(cfg, "h1", VMHA_FENCE_OFF);
	assert_true(vmha_fence_result_ok(res));
	assert_int_equal(vmha_fence_result_level(res), 2);
	assert_string_equal(calls("p1"), "off h1|status h1");
	assert_string_equal(calls("p2"), "off h1");
	assert_string_equal(calls("i"), "off h1|status h1");
	vmha_fence_result_free(res);
	vmha_fence_config_free(cfg);
}

static void test_deadline_and_errors(void **state)
{
	struct vmha_fence_config *cfg =
	        config("mode agents\ndevice d @A@ state=@D@/p\nhost h1 d=1\n");
	struct vmha_fence_config *unvalidated = NULL;
	struct vmha_fence_result *res = NULL;
	char err[256];

	set_state("p", "on");
	assert_int_equal(vmha_fence_run(cfg, "h1", VMHA_FENCE_OFF, vmha_clock_now_ms(), &res), 0);
	assert_false(vmha_fence_result_ok(res));
	assert_string_equal(calls("p"), "");
	assert_non_null(strstr(vmha_fence_result_attempt_message(res, 0), "deadline"));
	vmha_fence_result_free(res);

	assert_int_equal(vmha_fence_run(cfg, "h9", VMHA_FENCE_OFF, VMHA_DEADLINE_NEVER, &res),
	                 -ENOENT);
	assert_null(res);
	assert_int_equal(vmha_fence_run(cfg, "../h1", VMHA_FENCE_OFF, VMHA_DEADLINE_NEVER, &res),
	                 -EINVAL);
	assert_int_equal(
	        vmha_fence_config_parse("mode agents\n", "x", &unvalidated, err, sizeof(err)), 0);
	assert_int_equal(
	        vmha_fence_run(unvalidated, "h1", VMHA_FENCE_OFF, VMHA_DEADLINE_NEVER, &res),
	        -EINVAL);
	vmha_fence_config_free(unvalidated);
	vmha_fence_config_free(cfg);
	vmha_fence_result_free(NULL);
}

static void test_action_names(void **state)
{
	enum vmha_fence_action a;

	assert_int_equal(vmha_fence_action_parse("reboot", &a), 0);
	assert_int_equal(a, VMHA_FENCE_REBOOT);
	assert_string_equal(vmha_fence_action_name(VMHA_FENCE_STATUS), "status");
	assert_int_equal(vmha_fence_action_parse("cycle", &a), -EINVAL);
	assert_int_equal(vmha_fence_action_parse(NULL, &a), -EINVAL);
}

static int setup(void **state)
{
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_off_verified),
	        cmocka_unit_test(test_on_reboot_status),
	        cmocka_unit_test(test_liar_is_a_failure_then_level_2),
	        cmocka_unit_test(test_liar_alone_fails),
	        cmocka_unit_test(test_hang_killed_at_deadline),
	        cmocka_unit_test(test_failing_device_retries),
	        cmocka_unit_test(test_all_devices_of_a_level),
	        cmocka_unit_test(test_deadline_and_errors),
	        cmocka_unit_test(test_action_names),
	};
	int rc;

	vmha_log_init("fence_test", 0);
	rc = cmocka_run_group_tests_name("fence", tests, setup, teardown);
	vmha_log_fini();
	return rc;
}

/*
 * Unit tests of fencing/pcmk.c and the Pacemaker path of fencing/fence.c:
 * time formats, history documents (the fence_pcmk XML files), and fencing through a
 * stand-in stonith_admin that replays them.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "deadline.h"
#include "fence.h"
#include "fence_config.h"
#include "log.h"
#include "pcmk.h"

#define DATA_DIR   VMHA_TOP_SRCDIR "/tests/unit/fence_pcmk"
#define FAKE_ADMIN DATA_DIR "/stonith_admin"
#define TEST_AGENT VMHA_TOP_SRCDIR "/tests/integration/fence_vmhatest"

static char dir[] = "/tmp/vmha-pcmk-test-XXXXXX";

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	FILE *m = NULL;
	int c;

	assert_non_null(f);
	m = open_memstream(&text, len);
	while ((c = fgetc(f)) != EOF) {
		fputc(c, m);
	}
	fclose(m);
	fclose(f);
	return text;
}

/* A history document with @NOW@ replaced by the current time. */
static char *history(const char *name, size_t *len)
{
	char path[512];
	char now[64];
	char *raw = NULL;
	char *out = NULL;
	char *hit;
	size_t rawlen = 0;
	time_t t = time(NULL);
	FILE *m = NULL;
	const char *p;

	snprintf(path, sizeof(path), "%s/%s", DATA_DIR, name);
	raw = slurp(path, &rawlen);
	strftime(now, sizeof(now), "%Y-%m-%d %H:%M:%SZ", gmtime(&t));
	m = open_memstream(&out, len);
	for (p = raw; (hit = strstr(p, "@NOW@")) != NULL; p = hit + 5) {
		fwrite(p, 1, (size_t)(hit - p), m);
		fputs(now, m);
	}
	fputs(p, m);
	fclose(m);
	free(raw);
	return out;
}

static void test_time_parse(void **state)
{
	int64_t t = 0;

	assert_int_equal(vmha_pcmk_time_parse("2024-05-01 10:00:00Z", &t), 0);
	assert_int_equal(t, 1714557600);
	assert_int_equal(vmha_pcmk_time_parse("2024-05-01 12:00:00 +02:00", &t), 0);
	assert_int_equal(t, 1714557600);
	assert_int_equal(vmha_pcmk_time_parse("2024-05-01 05:00:00.123456 -0500", &t), 0);
	assert_int_equal(t, 1714557600);
	assert_int_equal(vmha_pcmk_time_parse("2024-05-01 10:00:00", &t), 0);
	assert_int_equal(t, 1714557600);
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(vmha_pcmk_time_parse("Wed May  1 10:00:00 2024", &t), 0);
	assert_int_equal(t, 1714557600);
	assert_int_equal(vmha_pcmk_time_parse("yesterday", &t), -EINVAL);
	assert_int_equal(vmha_pcmk_time_parse("2024-05-01 10:00:00 CEST", &t), -EINVAL);
	assert_int_equal(vmha_pcmk_time_parse(NULL, &t), -EINVAL);
}

static int find(const char *file, const char *node, const char *action, int64_t since, char *msg,
                size_t msglen)
{
	size_t len = 0;
	char *xml = history(file, &len);
	int64_t when = 0;
	int rc = vmha_pcmk_history_find(xml, len, node, action, since, &when, msg, msglen);

	free(xml);
	return rc;
}

static void test_history_find(void **state)
{
	int64_t recent = (int64_t)time(NULL) - 60;
	char msg[400];

	assert_int_equal(find("success.xml", "h1", "off", recent, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "off of 'h1' succeeded by h3"));
	/* Old events do not confirm a new request. */
	assert_int_equal(find("old-success.xml", "h1", "off", recent, msg, sizeof(msg)), -ENOENT);
	assert_int_equal(find("old-success.xml", "h1", "off", 0, msg, sizeof(msg)), 0);
	/* The action must match: a reboot of h2 is not an off of h1. */
	assert_int_equal(find("success.xml", "h1", "reboot", recent, msg, sizeof(msg)), -ENOENT);
	assert_int_equal(find("success.xml", "h2", "reboot", recent, msg, sizeof(msg)), 0);
	assert_int_equal(find("success.xml", "h3", "off", 0, msg, sizeof(msg)), -ENOENT);
	/* The latest event wins: a recent failure after an old success. */
	assert_int_equal(find("failed.xml", "h1", "off", 0, msg, sizeof(msg)), -ECANCELED);
	assert_non_null(strstr(msg, "No fence device"));
	assert_int_equal(find("pending.xml", "h1", "off", 0, msg, sizeof(msg)), -EINPROGRESS);
	assert_int_equal(find("empty.xml", "h1", "off", 0, msg, sizeof(msg)), -ENOENT);
	assert_int_equal(find("not-connected.xml", "h1", "off", 0, msg, sizeof(msg)), -EPROTO);
	assert_non_null(strstr(msg, "code 102 (Not connected)"));
	assert_int_equal(find("README", "h1", "off", 0, msg, sizeof(msg)), -EPROTO);
	/* Recorded from a live fencer. */
	assert_int_equal(find("recorded-2.1.5.xml", "ghost", "off", 1795321860, msg, sizeof(msg)),
	                 0);
	assert_string_equal(msg, "fencer history: off of 'ghost' succeeded by pmnode at "
	                         "2026-11-22 04:31:00Z");
	assert_int_equal(find("recorded-2.1.5.xml", "ghost", "off", 1795321861, msg, sizeof(msg)),
	                 -ENOENT);
}

static void put(const char *name, const char *text)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void use_history(const char *file)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "cp '%s/%s' '%s/history.xml'", DATA_DIR, file, dir);
	assert_int_equal(system(cmd), 0);
}

static void reset(void)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/calls", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/running", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/fence_rc", dir);
	unlink(path);
}

static char *calls(void)
{
	static char text[2048];
	char path[300];
	size_t len = 0;
	char *raw;

	snprintf(path, sizeof(path), "%s/calls", dir);
	if (access(path, F_OK) != 0) {
		return strcpy(text, "");
	}
	raw = slurp(path, &len);
	snprintf(text, sizeof(text), "%s", raw);
	free(raw);
	return text;
}

static struct vmha_fence_config *config(const char *mode)
{
	struct vmha_fence_config *cfg = NULL;
	char text[1024];
	char err[512];

	snprintf(text, sizeof(text),
	         "mode %s\nstonith_admin %s\ndevice d %s state=%s/agent\nlevel * 1 d\n", mode,
	         FAKE_ADMIN, TEST_AGENT, dir);
	assert_int_equal(vmha_fence_config_parse(text, "pcmk.conf", &cfg, err, sizeof(err)), 0);
	assert_int_equal(
	        vmha_fence_config_validate(cfg, vmha_deadline_in_ms(10000), err, sizeof(err)), 0);
	return cfg;
}

static void test_fence_through_pacemaker(void **state)
{
	struct vmha_fence_config *cfg = config("pacemaker");
	struct vmha_fence_result *res = NULL;

	/* Not reachable: a clear failure, no request, and never the agents. */
	reset();
	put("agent", "on\n");
	assert_int_equal(
	        vmha_fence_run(cfg, "h1", VMHA_FENCE_OFF, vmha_deadline_in_ms(30000), &res), 0);
	assert_false(vmha_fence_result_ok(res));
	assert_string_equal(vmha_fence_result_via(res), "pacemaker");
	assert_string_equal(vmha_fence_result_attempt_action(res, 0), "probe");
	assert_non_null(strstr(vmha_fence_result_message(res), "not reachable"));
	assert_null(strstr(calls(), "--fence"));
	assert_int_equal(system("grep -qx on \"$VMHA_FAKE_PCMK_DIR/agent\""), 0);
	vmha_fence_result_free(res);

	reset();
	put("running", "");
	use_history("success.xml");
	assert_int_equal(
	        vmha_fence_run(cfg, "h1", VMHA_FENCE_OFF, vmha_deadline_in_ms(30000), &res), 0);
	assert_true(vmha_fence_result_ok(res));
	assert_string_equal(vmha_fence_result_via(res), "pacemaker");
	assert_int_equal(vmha_fence_result_power(res), VMHA_FENCE_POWER_OFF);
	assert_int_equal(vmha_fence_result_attempt_count(res), 2);
	assert_string_equal(vmha_fence_result_attempt_action(res, 0), "off");
	assert_string_equal(vmha_fence_result_attempt_action(res, 1), "history");
	assert_non_null(strstr(calls(), "--fence h1 --timeout "));
	assert_non_null(strstr(calls(), "--tag vmha\n--history h1 --verbose --output-as=xml"));
	assert_non_null(strstr(vmha_fence_result_message(res), "confirmed by pacemaker"));
	vmha_fence_result_free(res);
	vmha_fence_config_free(cfg);
}

static void test_success_without_history_is_a_failure(void **state)
{
	struct vmha_fence_config *cfg = config("pacemaker");
	struct vmha_fence_result *res = NULL;

	reset();
	put("running", "");
	use_history("old-success.xml");
	assert_int_equal(
	        vmha_fence_run(cfg, "h1", VMHA_FENCE_OFF, vmha_deadline_in_ms(30000), &res), 0);
	assert_false(vmha_fence_result_ok(res));
	assert_true(vmha_fence_result_attempt_ok(res, 0));
	assert_false(vmha_fence_result_attempt_ok(res, 1));
	assert_non_null(
	        strstr(vmha_fence_result_message(res), "stonith_admin reported success but"));
	vmha_fence_result_free(res);

	/* The fencer's failure is a failure even with an old success in the history. */
	reset();
	put("running", "");
	put("fence_rc", "1\n");
	use_history("failed.xml");
	assert_int_equal(
	        vmha_fence_run(cfg, "h1", VMHA_FENCE_REBOOT, vmha_deadline_in_ms(30000), &res), 0);
	assert_false(vmha_fence_result_ok(res));
	assert_non_null(strstr(calls(), "--reboot h1"));
	vmha_fence_result_free(res);
	vmha_fence_config_free(cfg);
}

static void test_auto_mode(void **state)
{
	struct vmha_fence_config *cfg = config("auto");
	struct vmha_fence_result *res = NULL;

	/* No fencer: the agents. */
	reset();
	put("agent", "on\n");
	assert_false(vmha_pcmk_fencer_running(FAKE_ADMIN, vmha_deadline_in_ms(5000)));
	assert_int_equal(
	        vmha_fence_run(cfg, "h1", VMHA_FENCE_OFF, vmha_deadline_in_ms(30000), &res), 0);
	assert_true(vmha_fence_result_ok(res));
	assert_string_equal(vmha_fence_result_via(res), "agents");
	vmha_fence_result_free(res);

	/* A running fencer: never behind its back. */
	reset();
	put("running", "");
	put("agent", "on\n");
	use_history("success.xml");
	assert_true(vmha_pcmk_fencer_running(FAKE_ADMIN, vmha_deadline_in_ms(5000)));
	assert_int_equal(
	        vmha_fence_run(cfg, "h1", VMHA_FENCE_OFF, vmha_deadline_in_ms(30000), &res), 0);
	assert_true(vmha_fence_result_ok(res));
	assert_string_equal(vmha_fence_result_via(res), "pacemaker");
	vmha_fence_result_free(res);
	assert_int_equal(system("grep -qx on \"$VMHA_FAKE_PCMK_DIR/agent\""), 0);
	vmha_fence_config_free(cfg);
}

static void test_status_through_pacemaker(void **state)
{
	struct vmha_fence_config *cfg = config("pacemaker");
	struct vmha_fence_result *res = NULL;

	reset();
	put("running", "");
	use_history("success.xml");
	assert_int_equal(
	        vmha_fence_run(cfg, "h1", VMHA_FENCE_STATUS, vmha_deadline_in_ms(30000), &res), 0);
	assert_true(vmha_fence_result_ok(res));
	assert_non_null(strstr(vmha_fence_result_message(res), "off of 'h1' succeeded"));
	assert_null(strstr(calls(), "--fence"));
	vmha_fence_result_free(res);

	reset();
	put("running", "");
	use_history("empty.xml");
	assert_int_equal(
	        vmha_fence_run(cfg, "h1", VMHA_FENCE_STATUS, vmha_deadline_in_ms(30000), &res), 0);
	assert_true(vmha_fence_result_ok(res));
	assert_non_null(strstr(vmha_fence_result_message(res), "never fenced"));
	vmha_fence_result_free(res);
	vmha_fence_config_free(cfg);
}

static void test_request_arguments(void **state)
{
	struct vmha_agent_result *res = NULL;

	assert_int_equal(vmha_pcmk_request(FAKE_ADMIN, "h1", "cycle", VMHA_DEADLINE_NEVER, &res),
	                 -EINVAL);
	assert_int_equal(vmha_pcmk_request(FAKE_ADMIN, "-rf", "off", VMHA_DEADLINE_NEVER, &res),
	                 -EINVAL);
	assert_int_equal(vmha_pcmk_history(FAKE_ADMIN, "a b", VMHA_DEADLINE_NEVER, &res), -EINVAL);
	reset();
	assert_int_equal(
	        vmha_pcmk_request(FAKE_ADMIN, "h1", "on", vmha_deadline_in_ms(20000), &res), 0);
	assert_int_equal(vmha_agent_result_outcome(res), VMHA_AGENT_SUCCESS);
	assert_non_null(strstr(calls(), "--unfence h1 --timeout 1"));
	vmha_agent_result_free(res);
}

static int setup(void **state)
{
	if (mkdtemp(dir) == NULL) {
		return -1;
	}
	setenv("VMHA_FAKE_PCMK_DIR", dir, 1);
	return 0;
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
	        cmocka_unit_test(test_time_parse),
	        cmocka_unit_test(test_history_find),
	        cmocka_unit_test(test_fence_through_pacemaker),
	        cmocka_unit_test(test_success_without_history_is_a_failure),
	        cmocka_unit_test(test_auto_mode),
	        cmocka_unit_test(test_status_through_pacemaker),
	        cmocka_unit_test(test_request_arguments),
	};
	int rc;

	vmha_log_init("pcmk_test", 0);
	rc = cmocka_run_group_tests_name("pcmk", tests, setup, teardown);
	vmha_log_fini();
	return rc;
}

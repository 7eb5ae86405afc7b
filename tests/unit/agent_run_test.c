/* Unit tests of fencing/agent_run.c: stdin protocol, exit codes, deadlines, masking. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent_run.h"
#include "deadline.h"
#include "log.h"

static char dir[] = "/tmp/vmha-agent-run-XXXXXX";

/* Write an executable shell script NAME with BODY; return its path (static buffer per call). */
static const char *script(const char *name, const char *body)
{
	static char path[8][256];
	static int slot;
	char *p = path[slot++ % 8];
	FILE *f;

	snprintf(p, 256, "%s/%s", dir, name);
	f = fopen(p, "we");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(p, 0755), 0);
	return p;
}

static struct vmha_agent_args *some_args(void)
{
	struct vmha_agent_args *args = vmha_agent_args_new();

	assert_non_null(args);
	assert_int_equal(vmha_agent_args_set(args, "action", "off", false), 0);
	assert_int_equal(vmha_agent_args_set(args, "plug", "3", false), 0);
	assert_int_equal(vmha_agent_args_set(args, "password", "hunter2 secret", false), 0);
	return args;
}

static bool process_gone(pid_t pid)
{
	char path[64];
	char line[512];
	FILE *f;
	bool gone = true;

	if (kill(pid, 0) != 0) {
		return true;
	}
	/* Still there: only acceptable as a zombie waiting for its new parent. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f != NULL) {
		if (fgets(line, sizeof(line), f) != NULL) {
			char *close_paren = strrchr(line, ')');
			gone = close_paren != NULL && close_paren[2] == 'Z';
		}
		fclose(f);
	}
	return gone;
}

static void test_stdin_and_masking(void **state)
{
	const char *agent = script("echo", "cat; echo 'oops hunter2 secret leaked' >&2; exit 0");
	struct vmha_agent_args *args = some_args();
	struct vmha_agent_result *res = NULL;

	assert_int_equal(vmha_agent_run(agent, NULL, args, vmha_deadline_in_ms(5000), &res), 0);
	assert_int_equal(vmha_agent_result_outcome(res), VMHA_AGENT_SUCCESS);
	assert_int_equal(vmha_agent_result_exit_code(res), 0);
	assert_string_equal(vmha_agent_result_stdout(res), "action=off\nplug=3\npassword=*****\n");
	assert_string_equal(vmha_agent_result_stderr(res), "oops ***** leaked\n");
	assert_null(strstr(vmha_agent_result_summary(res), "hunter2"));
	vmha_agent_result_free(res);
	vmha_agent_args_free(args);
}

static void test_exit_codes(void **state)
{
	struct vmha_agent_result *res = NULL;

	assert_int_equal(vmha_agent_run(script("off", "echo 'Status: OFF'; exit 2"), NULL, NULL,
	                                vmha_deadline_in_ms(5000), &res),
	                 0);
	assert_int_equal(vmha_agent_result_outcome(res), VMHA_AGENT_OFF);
	assert_int_equal(vmha_agent_result_exit_code(res), 2);
	vmha_agent_result_free(res);

	assert_int_equal(
	        vmha_agent_run(script("fail", "echo first >&2; echo 'no route' >&2; exit 1"), NULL,
	                       NULL, vmha_deadline_in_ms(5000), &res),
	        0);
	assert_int_equal(vmha_agent_result_outcome(res), VMHA_AGENT_FAILED);
	assert_string_equal(vmha_agent_result_summary(res), "exit 1: no route");
	vmha_agent_result_free(res);

	assert_int_equal(vmha_agent_run(script("sig", "kill -9 $$"), NULL, NULL,
	                                vmha_deadline_in_ms(5000), &res),
	                 0);
	assert_int_equal(vmha_agent_result_outcome(res), VMHA_AGENT_SIGNALED);
	assert_int_equal(vmha_agent_result_exit_code(res), -1);
	assert_non_null(strstr(vmha_agent_result_summary(res), "signal 9"));
	vmha_agent_result_free(res);
}

static void test_extra_argv(void **state)
{
	static const char *const argv[] = {"-o", "metadata", NULL};
	struct vmha_agent_result *res = NULL;

	assert_int_equal(vmha_agent_run(script("argv", "echo \"$1 $2 $#\""), argv, NULL,
	                                vmha_deadline_in_ms(5000), &res),
	                 0);
	assert_string_equal(vmha_agent_result_stdout(res), "-o metadata 2\n");
	vmha_agent_result_free(res);
}

static void test_timeout_kills_group(void **state)
{
	char pidfile[300];
	char cmd[600];
	struct vmha_agent_result *res = NULL;
	uint64_t start = vmha_clock_now_ms();
	FILE *f;
	int child = 0;

	snprintf(pidfile, sizeof(pidfile), "%s/hang.pid", dir);
	snprintf(cmd, sizeof(cmd), "sleep 30 & echo $! > %s; wait", pidfile);
	assert_int_equal(
	        vmha_agent_run(script("hang", cmd), NULL, NULL, vmha_deadline_in_ms(300), &res), 0);
	assert_int_equal(vmha_agent_result_outcome(res), VMHA_AGENT_TIMEOUT);
	assert_true(vmha_clock_now_ms() - start < 300 + VMHA_AGENT_KILL_GRACE_MS + 700);
	assert_non_null(strstr(vmha_agent_result_summary(res), "timed out"));
	f = fopen(pidfile, "re");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &child), 1);
	fclose(f);
	usleep(100 * 1000);
	assert_true(process_gone(child));
	vmha_agent_result_free(res);
}

static void test_term_ignored_gets_kill(void **state)
{
	struct vmha_agent_result *res = NULL;
	uint64_t start = vmha_clock_now_ms();
	uint64_t took;

	assert_int_equal(vmha_agent_run(script("stubborn", "trap '' TERM; sleep 30"), NULL, NULL,
	                                vmha_deadline_in_ms(200), &res),
	                 0);
	took = vmha_clock_now_ms() - start;
	assert_int_equal(vmha_agent_result_outcome(res), VMHA_AGENT_TIMEOUT);
	assert_true(took >= 200 + VMHA_AGENT_KILL_GRACE_MS - 50);
	assert_true(took < 200 + VMHA_AGENT_KILL_GRACE_MS + 700);
	vmha_agent_result_free(res);
}

static void test_leftover_child_holding_pipes(void **state)
{
	struct vmha_agent_result *res = NULL;
	uint64_t start = vmha_clock_now_ms();

	assert_int_equal(vmha_agent_run(script("bg", "sleep 30 & echo done; exit 0"), NULL, NULL,
	                                vmha_deadline_in_ms(10000), &res),
	                 0);
	assert_int_equal(vmha_agent_result_outcome(res), VMHA_AGENT_SUCCESS);
	assert_string_equal(vmha_agent_result_stdout(res), "done\n");
	assert_true(vmha_clock_now_ms() - start < 2000);
	vmha_agent_result_free(res);
}

static void test_exec_failure(void **state)
{
	struct vmha_agent_result *res = NULL;
	char path[300];

	snprintf(path, sizeof(path), "%s/no-such-agent", dir);
	assert_int_equal(vmha_agent_run(path, NULL, NULL, vmha_deadline_in_ms(5000), &res), 0);
	assert_int_equal(vmha_agent_result_outcome(res), VMHA_AGENT_EXEC_FAILED);
	assert_non_null(strstr(vmha_agent_result_summary(res), "No such file"));
	vmha_agent_result_free(res);
	assert_int_equal(vmha_agent_run(NULL, NULL, NULL, 0, &res), -EINVAL);
}

static void test_output_capped(void **state)
{
	struct vmha_agent_result *res = NULL;

	assert_int_equal(vmha_agent_run(script("big", "head -c 300000 /dev/zero | tr '\\0' x"),
	                                NULL, NULL, vmha_deadline_in_ms(10000), &res),
	                 0);
	assert_int_equal(vmha_agent_result_outcome(res), VMHA_AGENT_SUCCESS);
	assert_int_equal(vmha_agent_result_stdout_len(res), 64 * 1024);
	vmha_agent_result_free(res);
}

static void test_agent_ignores_stdin(void **state)
{
	struct vmha_agent_args *args = vmha_agent_args_new();
	struct vmha_agent_result *res = NULL;
	char big[3000];
	int i;

	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < 100; i++) {
		char key[16];
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(vmha_agent_args_set(args, key, big, false), 0);
	}
	/* 300 KB of input to an agent that exits at once: no SIGPIPE, no hang. */
	assert_int_equal(vmha_agent_run(script("deaf", "exit 0"), NULL, args,
	                                vmha_deadline_in_ms(5000), &res),
	                 0);
	assert_int_equal(vmha_agent_result_outcome(res), VMHA_AGENT_SUCCESS);
	vmha_agent_result_free(res);
	vmha_agent_args_free(args);
}

static void test_args(void **state)
{
	struct vmha_agent_args *args = vmha_agent_args_new();
	struct vmha_agent_args *copy = NULL;
	char *shown = NULL;

	assert_int_equal(vmha_agent_args_set(args, "Bad Key", "x", false), -EINVAL);
	assert_int_equal(vmha_agent_args_set(args, "", "x", false), -EINVAL);
	assert_int_equal(vmha_agent_args_set(args, "ip", "a\nb", false), -EINVAL);
	assert_int_equal(vmha_agent_args_set(args, "ip", "10.0.0.1", false), 0);
	assert_int_equal(vmha_agent_args_set(args, "login", "admin", true), 0);
	assert_int_equal(vmha_agent_args_set(args, "passwd", "pw", false), 0);
	assert_int_equal(vmha_agent_args_set(args, "ip", "10.0.0.2", false), 0);
	assert_string_equal(vmha_agent_args_get(args, "ip"), "10.0.0.2");
	assert_null(vmha_agent_args_get(args, "nope"));
	copy = vmha_agent_args_dup(args);
	shown = vmha_agent_args_format(copy);
	assert_string_equal(shown, "ip=10.0.0.2 login=***** passwd=*****");
	free(shown);
	vmha_agent_args_free(copy);
	vmha_agent_args_free(args);
	vmha_agent_args_free(NULL);
	vmha_agent_result_free(NULL);
}

static void test_secret_names(void **state)
{
	assert_true(vmha_agent_param_is_secret("password"));
	assert_true(vmha_agent_param_is_secret("passwd"));
	assert_true(vmha_agent_param_is_secret("snmp_priv_passwd"));
	assert_true(vmha_agent_param_is_secret("community"));
	assert_true(vmha_agent_param_is_secret("secret_key"));
	assert_true(vmha_agent_param_is_secret("access_key"));
	assert_true(vmha_agent_param_is_secret("hexadecimal_kg"));
	assert_true(vmha_agent_param_is_secret("token"));
	assert_false(vmha_agent_param_is_secret("password_script"));
	assert_false(vmha_agent_param_is_secret("ip"));
	assert_false(vmha_agent_param_is_secret("keyring"));
	assert_false(vmha_agent_param_is_secret(NULL));
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
	        cmocka_unit_test(test_stdin_and_masking),
	        cmocka_unit_test(test_exit_codes),
	        cmocka_unit_test(test_extra_argv),
	        cmocka_unit_test(test_timeout_kills_group),
	        cmocka_unit_test(test_term_ignored_gets_kill),
	        cmocka_unit_test(test_leftover_child_holding_pipes),
	        cmocka_unit_test(test_exec_failure),
	        cmocka_unit_test(test_output_capped),
	        cmocka_unit_test(test_agent_ignores_stdin),
	        cmocka_unit_test(test_args),
	        cmocka_unit_test(test_secret_names),
	};
	int rc;

	vmha_log_init("agent_run_test", 0);
	rc = cmocka_run_group_tests_name("agent_run", tests, setup, teardown);
	vmha_log_fini();
	return rc;
}

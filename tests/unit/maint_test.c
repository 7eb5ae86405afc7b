/*
 * Unit tests of heartbeat/maint.c: the standby flag of `vmha host
 * standby|online` — the IPC command turned into the CPG message, its
 * delivery (only from a vmhad, only about this host changes it), the flag
 * kept across a restart (a new object on the same directory), a bad file.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "heartbeat/failover_msg.h"
#include "heartbeat/maint.h"

static char dir[] = "/tmp/vmha-maint-test-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n = 0;

	buf[0] = '\0';
	if (f != NULL) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/* The message of command text (asserted to be accepted). */
static char *request(const char *text, size_t *len)
{
	char err[128] = "";
	char *buf = NULL;

	assert_int_equal(vmha_maint_request(text, &buf, len, err, sizeof(err)), 0);
	return buf;
}

/* Commands: accepted ones decode to the message, the others name the problem. */
static void test_request(void **state)
{
	static const struct {
		const char *text;
		int rc;
		const char *host;
		bool standby;
		const char *err;
	} cases[] = {
	        {"standby node2", 0, "node2", true, ""},
	        {"online node2", 0, "node2", false, ""},
	        {"standby ", -EINVAL, NULL, false, "invalid host name ''"},
	        {"standby a/b", -EINVAL, NULL, false, "invalid host name 'a/b'"},
	        {"online node2 node3", -EINVAL, NULL, false, "invalid host name 'node2 node3'"},
	        {"drain node2", -EINVAL, NULL, false, "unknown command"},
	        {"", -EINVAL, NULL, false, "unknown command"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmha_failover_msg m;
		char err[128] = "";
		char derr[128] = "";
		char *buf = NULL;
		size_t len = 0;
		int rc = vmha_maint_request(cases[i].text, &buf, &len, err, sizeof(err));

		if (rc != cases[i].rc || strstr(err, cases[i].err) == NULL) {
			fail_msg("'%s': rc %d err '%s', expected %d '%s'", cases[i].text, rc, err,
			         cases[i].rc, cases[i].err);
		}
		if (rc == 0) {
			assert_int_equal(vmha_failover_msg_decode(buf, len, &m, derr, sizeof(derr)),
			                 0);
			assert_string_equal(m.type, "standby");
			assert_string_equal(m.host, cases[i].host);
			assert_int_equal(m.ok, cases[i].standby);
			assert_false(vmha_failover_msg_is_decision(m.type));
		} else {
			assert_null(buf);
		}
		free(buf);
	}
}

static void test_deliver_and_restart(void **state)
{
	struct vmha_maint *m = NULL;
	char path[128];
	char text[64];
	size_t len = 0;
	char *standby = request("standby node1", &len);
	size_t olen = 0;
	char *online = request("online node1", &olen);
	size_t xlen = 0;
	char *other = request("standby node2", &xlen);
	bool changed = true;

	(void)state;
	snprintf(path, sizeof(path), "%s/standby", dir);
	assert_int_equal(vmha_maint_new(dir, "node1", &m), 0);
	assert_false(vmha_maint_standby(m));
	/* from a process that is not vmhad: dropped */
	assert_int_equal(vmha_maint_deliver(m, NULL, standby, len, &changed), -EPERM);
	assert_false(changed);
	assert_false(vmha_maint_standby(m));
	assert_int_equal(access(path, F_OK), -1);
	/* about another host: nothing changes here */
	assert_int_equal(vmha_maint_deliver(m, "node3", other, xlen, &changed), 0);
	assert_false(changed);
	assert_false(vmha_maint_standby(m));
	/* an announcement or another failover message is someone else's */
	assert_int_equal(vmha_maint_deliver(m, "node3", "{\"v\":1}", 8, &changed), -ENOMSG);
	/* this host, from any vmhad: standby, kept in the file */
	assert_int_equal(vmha_maint_deliver(m, "node3", standby, len, &changed), 0);
	assert_true(changed);
	assert_true(vmha_maint_standby(m));
	slurp(path, text, sizeof(text));
	assert_string_equal(text, "standby\n");
	/* again: no change */
	assert_int_equal(vmha_maint_deliver(m, "node1", standby, len, &changed), 0);
	assert_false(changed);
	vmha_maint_free(m);
	/* vmhad restarts: still standby */
	assert_int_equal(vmha_maint_new(dir, "node1", &m), 0);
	assert_true(vmha_maint_standby(m));
	assert_int_equal(vmha_maint_deliver(m, "node2", online, olen, &changed), 0);
	assert_true(changed);
	assert_false(vmha_maint_standby(m));
	vmha_maint_free(m);
	assert_int_equal(vmha_maint_new(dir, "node1", &m), 0);
	assert_false(vmha_maint_standby(m));
	slurp(path, text, sizeof(text));
	assert_string_equal(text, "online\n");
	vmha_maint_free(m);
	vmha_maint_free(NULL);
	free(standby);
	free(online);
	free(other);
}

static int sent;

static int fake_send(void *opaque, const void *buf, size_t len)
{
	struct vmha_failover_msg m;
	char err[128];

	sent++;
	assert_int_equal(vmha_failover_msg_decode(buf, len, &m, err, sizeof(err)), 0);
	assert_string_equal(m.type, "standby");
	return opaque != NULL ? -EAGAIN : 0;
}

/* The IPC command: published through send, or why not. */
static void test_command(void **state)
{
	char reply[128] = "";

	(void)state;
	sent = 0;
	assert_int_equal(vmha_maint_command("standby node2", fake_send, NULL, reply, sizeof(reply)),
	                 0);
	assert_string_equal(reply, "published to the group");
	assert_int_equal(vmha_maint_command("online node2", fake_send, reply, reply, sizeof(reply)),
	                 -EAGAIN);
	assert_string_equal(reply, "cannot publish to the group");
	assert_int_equal(vmha_maint_command("halt node2", fake_send, NULL, reply, sizeof(reply)),
	                 -EINVAL);
	assert_non_null(strstr(reply, "unknown command"));
	assert_int_equal(sent, 2);
}

/* A file that says neither: standby (takes VMs only when clearly online). */
static void test_bad_file(void **state)
{
	struct vmha_maint *m = NULL;
	char path[128];
	FILE *f = NULL;

	(void)state;
	snprintf(path, sizeof(path), "%s/standby", dir);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs("maybe\n", f);
	fclose(f);
	assert_int_equal(vmha_maint_new(dir, "node1", &m), 0);
	assert_true(vmha_maint_standby(m));
	vmha_maint_free(m);
	unlink(path);
	assert_int_equal(vmha_maint_new("relative", "node1", &m), -EINVAL);
	assert_null(m);
	assert_int_equal(vmha_maint_new(dir, "bad/name", &m), -EINVAL);
}

/* The state directory does not exist yet: created on the first change. */
static void test_missing_dir(void **state)
{
	struct vmha_maint *m = NULL;
	char sub[128];
	size_t len = 0;
	char *standby = request("standby node1", &len);
	bool changed = false;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/state", dir);
	assert_int_equal(vmha_maint_new(sub, "node1", &m), 0);
	assert_int_equal(vmha_maint_deliver(m, "node1", standby, len, &changed), 0);
	assert_true(changed);
	vmha_maint_free(m);
	assert_int_equal(vmha_maint_new(sub, "node1", &m), 0);
	assert_true(vmha_maint_standby(m));
	vmha_maint_free(m);
	free(standby);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_request),     cmocka_unit_test(test_deliver_and_restart),
	        cmocka_unit_test(test_command),     cmocka_unit_test(test_bad_file),
	        cmocka_unit_test(test_missing_dir),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

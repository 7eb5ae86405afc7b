/* Unit tests of agent/unblock.c: the fence history and node state parsers,
 * and the watcher against stand-ins for stonith_admin, crm_mon and
 * crm_resource. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "deadline.h"
#include "unblock.h"

#define EV(t, s) "<fence_event action=\"reboot\" target=\"" t "\" status=\"" s "\"/>"

/* input xml, target, expected count */
static const struct {
	const char *xml;
	const char *target;
	int count;
} fence_cases[] = {
        {"<pacemaker-result><fence_history/></pacemaker-result>", "node3", 0},
        {"<pacemaker-result><fence_history>" EV("node3",
                                                "success") "</fence_history></pacemaker-result>",
         "node3", 1},
        {"<pacemaker-result><fence_history>" EV("node3", "success") EV("node2", "success")
                 EV("node3", "failed") EV("node3", "pending")
                         EV("node3", "success") "</fence_history>"
                                                "</pacemaker-result>",
         "node3", 2},
        {"<pacemaker-result><fence_history>" EV("node33",
                                                "success") "</fence_history></pacemaker-result>",
         "node3", 0},
        {"<pacemaker-result><fence_history>", "node3", -EINVAL},
        {"", "node3", -EINVAL},
};

static void test_fence_count(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(fence_cases) / sizeof(fence_cases[0]); i++) {
		int n = vmha_unblock_fence_count(fence_cases[i].xml, fence_cases[i].target);

		if (n != fence_cases[i].count) {
			fail_msg("case %zu: %d, expected %d", i, n, fence_cases[i].count);
		}
	}
}

#define NODE(n, on, uc) "<node name=\"" n "\" online=\"" on "\" unclean=\"" uc "\"/>"

/* input xml, node, expected rc, online, unclean */
static const struct {
	const char *xml;
	const char *node;
	int rc;
	bool online;
	bool unclean;
} node_cases[] = {
        {"<pacemaker-result><nodes>" NODE("node1", "true", "false")
                 NODE("node3", "false", "true") "</nodes></pacemaker-result>",
         "node3", 0, false, true},
        {"<pacemaker-result><nodes>" NODE("node3", "false", "false") "</nodes></pacemaker-result>",
         "node3", 0, false, false},
        {"<pacemaker-result><nodes>" NODE("node3", "true", "false") "</nodes></pacemaker-result>",
         "node3", 0, true, false},
        {"<pacemaker-result><nodes>" NODE("node1", "true", "false") "</nodes></pacemaker-result>",
         "node3", -ENOENT, false, false},
        {"<pacemaker-result><nodes><node name=\"node3\" "
         "online=\"true\"/></nodes></pacemaker-result>",
         "node3", -EINVAL, false, false},
        {"not xml", "node3", -EINVAL, false, false},
};

static void test_node_state(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(node_cases) / sizeof(node_cases[0]); i++) {
		bool online = false;
		bool unclean = false;
		int rc = vmha_unblock_node_state(node_cases[i].xml, node_cases[i].node, &online,
		                                 &unclean);

		if (rc != node_cases[i].rc || (rc == 0 && (online != node_cases[i].online ||
		                                           unclean != node_cases[i].unclean))) {
			fail_msg("case %zu: rc %d online %d unclean %d, expected %d %d %d", i, rc,
			         online, unclean, node_cases[i].rc, node_cases[i].online,
			         node_cases[i].unclean);
		}
	}
}

static char dir[] = "/tmp/vmha-unblock-test.XXXXXX";
static char *old_path;

static void write_tool(const char *name, const char *body)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\nd=%s\n%s\n", dir, body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

/* stonith_admin: FENCED_AFTER calls print no event, the later ones one
 * successful reboot of node3; crm_mon: the node line from $d/node;
 * crm_resource: its arguments into $d/cleanup, exit $d/cleanup-rc */
static void tools(int fenced_after, const char *node_line, int cleanup_rc)
{
	char body[1024];
	char path[256];
	FILE *f;

	snprintf(body, sizeof(body),
	         "n=$(cat $d/calls 2>/dev/null || echo 0); echo $((n + 1)) >$d/calls\n"
	         "echo '<pacemaker-result><fence_history>'\n"
	         "[ $n -ge %d ] && echo '" EV(
	                 "node3", "success") "'\n"
	                                     "echo '</fence_history></pacemaker-result>'",
	         fenced_after);
	write_tool("stonith_admin", body);
	write_tool("crm_mon", "echo '<pacemaker-result><nodes>'; cat $d/node; echo "
	                      "'</nodes></pacemaker-result>'");
	snprintf(body, sizeof(body), "echo \"$*\" >$d/cleanup; exit %d", cleanup_rc);
	write_tool("crm_resource", body);
	snprintf(path, sizeof(path), "%s/node", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", node_line);
	fclose(f);
	snprintf(path, sizeof(path), "%s/calls", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/cleanup", dir);
	unlink(path);
}

static void cleanup_args(char *out, size_t len)
{
	char path[256];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/cleanup", dir);
	f = fopen(path, "r");
	if (f == NULL) {
		return;
	}
	if (fgets(out, (int)len, f) == NULL) {
		out[0] = '\0';
	}
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
}

static int setup(void **state)
{
	char path[4096];

	if (mkdtemp(dir) == NULL) {
		return -1;
	}
	old_path = strdup(getenv("PATH") != NULL ? getenv("PATH") : "/usr/bin:/bin");
	snprintf(path, sizeof(path), "%s:%s", dir, old_path);
	setenv("PATH", path, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	setenv("PATH", old_path, 1);
	free(old_path);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_watch_fenced(void **state)
{
	char args[256];

	/* baseline: no event; first poll: still none, node3 unclean; second: fenced */
	tools(2, NODE("node3", "false", "true"), 0);
	assert_int_equal(
	        vmha_unblock_watch("vm1", "node2", "node3", 60000, vmha_deadline_in_ms(30000)), 0);
	cleanup_args(args, sizeof(args));
	assert_string_equal(args, "--cleanup --resource vm1 --node node2");
}

static void test_watch_offline_clean(void **state)
{
	char args[256];

	tools(1000, NODE("node3", "false", "false"), 0);
	assert_int_equal(
	        vmha_unblock_watch("vm1", "node2", "node3", 60000, vmha_deadline_in_ms(30000)), 0);
	cleanup_args(args, sizeof(args));
	assert_string_equal(args, "--cleanup --resource vm1 --node node2");
}

static void test_watch_not_lost(void **state)
{
	char args[256];

	/* a clean member, never fenced: nothing is cleared */
	tools(1000, NODE("node3", "true", "false"), 0);
	assert_int_equal(vmha_unblock_watch("vm1", "node2", "node3", 1, vmha_deadline_in_ms(30000)),
	                 -EALREADY);
	cleanup_args(args, sizeof(args));
	assert_string_equal(args, "");
	/* unclean, never fenced before the deadline: nothing is cleared */
	tools(1000, NODE("node3", "false", "true"), 0);
	assert_int_equal(vmha_unblock_watch("vm1", "node2", "node3", 1, vmha_deadline_in_ms(0)),
	                 -ETIMEDOUT);
	cleanup_args(args, sizeof(args));
	assert_string_equal(args, "");
}

static void test_watch_errors(void **state)
{
	tools(1000, NODE("node3", "false", "false"), 1);
	assert_int_equal(
	        vmha_unblock_watch("vm1", "node2", "node3", 60000, vmha_deadline_in_ms(30000)),
	        -EIO);
	assert_int_equal(
	        vmha_unblock_watch(NULL, "node2", "node3", 60000, vmha_deadline_in_ms(30000)),
	        -EINVAL);
}

static void test_spawn(void **state)
{
	char exe[256];
	char marker[256];
	char body[512];
	char line[256] = "";
	uint64_t start_ms = vmha_clock_now_ms();
	FILE *f = NULL;
	int i;

	/* the watcher runs detached: spawn returns while it still sleeps */
	snprintf(marker, sizeof(marker), "%s/spawned", dir);
	snprintf(body, sizeof(body),
	         "sleep 1; echo \"$1 $VMHA_UNBLOCK_TEST $(ps -o sid= -p $$ | tr -d ' ')=$$\" >%s",
	         marker);
	write_tool("watcher", body);
	snprintf(exe, sizeof(exe), "%s/watcher", dir);
	setenv("VMHA_UNBLOCK_TEST", "inherited", 1);
	assert_int_equal(vmha_unblock_spawn(exe), 0);
	assert_true(vmha_clock_now_ms() - start_ms < 900);
	for (i = 0; i < 100 && f == NULL; i++) {
		usleep(100 * 1000);
		f = fopen(marker, "r");
		if (f != NULL &&
		    (fgets(line, sizeof(line), f) == NULL || strchr(line, '\n') == NULL)) {
			fclose(f);
			f = NULL;
		}
	}
	assert_non_null(f);
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	/* its argument, the environment, and a session other than ours */
	assert_non_null(strstr(line, VMHA_UNBLOCK_ACTION " inherited "));
	{
		char *sid = strrchr(line, ' ');
		char ours[32];

		assert_non_null(sid);
		*strchr(sid, '=') = '\0';
		snprintf(ours, sizeof(ours), "%d", (int)getsid(0));
		assert_string_not_equal(sid + 1, ours);
		assert_string_not_equal(sid + 1, "");
	}
	assert_int_equal(vmha_unblock_spawn("/nonexistent/vmha-no-such-watcher"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fence_count),    cmocka_unit_test(test_node_state),
	        cmocka_unit_test(test_watch_fenced),   cmocka_unit_test(test_watch_offline_clean),
	        cmocka_unit_test(test_watch_not_lost), cmocka_unit_test(test_watch_errors),
	        cmocka_unit_test(test_spawn),
	};

	return cmocka_run_group_tests_name("agent unblock", tests, setup, teardown);
}

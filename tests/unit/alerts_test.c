/*
 * Unit tests of heartbeat/alerts.c with real agents (shell scripts in a
 * temporary directory): the environment each kind of event gives an agent
 * (one case per line: event, expected CRM_alert_* variables), the
 * timestamps and sequence numbers, a hanging agent killed with its process
 * group at the deadline while the caller is never blocked, a failing agent,
 * a full queue, and the mapping of vmhad's decisions to alerts.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "deadline.h"
#include "heartbeat/alerts.h"

static char dir[] = "/tmp/vmha-alerts-test-XXXXXX";
static char env_agent[256];
static char hang_agent[256];
static char fail_agent[256];

static void write_script(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
}

static int setup(void **state)
{
	char body[512];

	(void)state;
	if (mkdtemp(dir) == NULL) {
		return -1;
	}
	snprintf(env_agent, sizeof(env_agent), "%s/env-agent", dir);
	snprintf(hang_agent, sizeof(hang_agent), "%s/hang-agent", dir);
	snprintf(fail_agent, sizeof(fail_agent), "%s/fail-agent", dir);
	/* writes its CRM_ environment, sorted, to one file per event */
	snprintf(body, sizeof(body),
	         "env | grep '^CRM_' | LC_ALL=C sort > %s/env.tmp.$$ && "
	         "mv %s/env.tmp.$$ %s/env.$CRM_alert_node_sequence",
	         dir, dir, dir);
	write_script(env_agent, body);
	/* records its pid and its child's, then hangs */
	snprintf(body, sizeof(body), "sleep 60 & echo \"$$ $!\" > %s/hang.pids; wait", dir);
	write_script(hang_agent, body);
	write_script(fail_agent, "exit 3");
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0;

	if (f == NULL) {
		return NULL;
	}
	buf = calloc(1, 8192);
	assert_non_null(buf);
	n = fread(buf, 1, 8191, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The variables whose values do not depend on the clock, CRM_alert_ only. */
static void stable_lines(const char *env, char *out, size_t size)
{
	const char *line = env;

	out[0] = '\0';
	while (line != NULL && *line != '\0') {
		const char *nl = strchr(line, '\n');
		size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);

		if (strncmp(line, "CRM_alert_", 10) == 0 &&
		    strncmp(line, "CRM_alert_timestamp", 19) != 0 &&
		    strncmp(line, "CRM_alert_version", 17) != 0 &&
		    strncmp(line, "CRM_alert_node_sequence", 23) != 0) {
			snprintf(out + strlen(out), size - strlen(out), "%.*s;", (int)len, line);
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
}

enum builder {
	B_FENCE_OK,
	B_FENCE_FAIL,
	B_START_OK,
	B_START_FAIL,
	B_START_TIMEOUT,
	B_QUORUM,
	B_HEALTH,
};

struct env_case {
	enum builder b;
	const char *expect;
};

static const struct env_case env_cases[] = {
        {B_FENCE_OK,
         "CRM_alert_desc=Operation reboot of h3 by h1 for vmhad: OK (ipmi ok);"
         "CRM_alert_kind=fencing;CRM_alert_node=h3;CRM_alert_rc=0;CRM_alert_recipient=ops@x;"
         "CRM_alert_task=reboot;"},
        {B_FENCE_FAIL,
         "CRM_alert_desc=Operation reboot of h3 by h1 for vmhad: Error (timed out);"
         "CRM_alert_kind=fencing;CRM_alert_node=h3;CRM_alert_rc=1;CRM_alert_recipient=ops@x;"
         "CRM_alert_task=reboot;"},
        {B_START_OK,
         "CRM_alert_desc=ok;CRM_alert_interval=0;CRM_alert_kind=resource;CRM_alert_node=h1;"
         "CRM_alert_rc=0;CRM_alert_recipient=ops@x;CRM_alert_rsc=web1;CRM_alert_status=0;"
         "CRM_alert_target_rc=0;CRM_alert_task=start;"},
        {B_START_FAIL,
         "CRM_alert_desc=error: no disk;CRM_alert_interval=0;CRM_alert_kind=resource;"
         "CRM_alert_node=h1;CRM_alert_rc=1;CRM_alert_recipient=ops@x;CRM_alert_rsc=web1;"
         "CRM_alert_status=4;CRM_alert_target_rc=0;CRM_alert_task=start;"},
        {B_START_TIMEOUT,
         "CRM_alert_desc=Timed Out;CRM_alert_interval=0;CRM_alert_kind=resource;"
         "CRM_alert_node=h1;CRM_alert_rc=1;CRM_alert_recipient=ops@x;CRM_alert_rsc=web1;"
         "CRM_alert_status=2;CRM_alert_target_rc=0;CRM_alert_task=start;"},
        {B_QUORUM, "CRM_alert_attribute_name=vmha-quorate;CRM_alert_attribute_value=false;"
                   "CRM_alert_desc=vmha-quorate=false;CRM_alert_kind=attribute;CRM_alert_node=h2;"
                   "CRM_alert_recipient=ops@x;"},
        {B_HEALTH, "CRM_alert_desc=guest agent did not answer 3 pings: destroyed;"
                   "CRM_alert_interval=0;CRM_alert_kind=resource;CRM_alert_node=h1;"
                   "CRM_alert_rc=1;CRM_alert_recipient=ops@x;CRM_alert_rsc=web1;"
                   "CRM_alert_status=0;CRM_alert_target_rc=0;CRM_alert_task=monitor;"},
};

static void build(enum builder b, struct vmha_alert_event *ev)
{
	switch (b) {
	case B_FENCE_OK:
		vmha_alerts_fence_event(ev, "h3", "h1", true, "ipmi ok");
		break;
	case B_FENCE_FAIL:
		vmha_alerts_fence_event(ev, "h3", "h1", false, "timed out");
		break;
	case B_START_OK:
		vmha_alerts_start_event(ev, "web1", "h1", true, false, "");
		break;
	case B_START_FAIL:
		vmha_alerts_start_event(ev, "web1", "h1", false, false, "no disk");
		break;
	case B_START_TIMEOUT:
		vmha_alerts_start_event(ev, "web1", "h1", false, true, "");
		break;
	case B_QUORUM:
		vmha_alerts_attribute_event(ev, "h2", "vmha-quorate", "false");
		break;
	case B_HEALTH:
		vmha_alerts_health_event(ev, "web1", "h1",
		                         "guest agent did not answer 3 pings: destroyed");
		break;
	}
}

static struct vmha_alerts *make(const char *path, uint64_t timeout_ms, size_t queue_max)
{
	struct vmha_alerts_opts o;
	struct vmha_alerts *al = NULL;

	memset(&o, 0, sizeof(o));
	o.paths[0] = path;
	o.n_paths = 1;
	o.recipient = "ops@x";
	o.timeout_ms = timeout_ms;
	o.queue_max = queue_max;
	o.version = "9.9";
	assert_int_equal(vmha_alerts_new(&o, &al), 0);
	return al;
}

static void test_env(void **state)
{
	struct vmha_alerts *al = make(env_agent, 5000, 0);
	struct vmha_alerts_stats st;
	size_t n = sizeof(env_cases) / sizeof(env_cases[0]);
	int failures = 0;
	size_t i;

	(void)state;
	for (i = 0; i < n; i++) {
		struct vmha_alert_event ev;

		build(env_cases[i].b, &ev);
		assert_int_equal(vmha_alerts_send(al, &ev), 0);
	}
	assert_int_equal(vmha_alerts_drain(al, 10000), 0);
	vmha_alerts_stats(al, &st);
	assert_int_equal(st.ok, n);
	for (i = 0; i < n; i++) {
		char path[512];
		char got[4096];
		char *env = NULL;

		snprintf(path, sizeof(path), "%s/env.%zu", dir, i + 1);
		env = read_file(path);
		assert_non_null(env);
		stable_lines(env, got, sizeof(got));
		if (strcmp(got, env_cases[i].expect) != 0) {
			fprintf(stderr, "case %zu:\n-%s\n+%s\n", i + 1, env_cases[i].expect, got);
			failures++;
		}
		/* the ClusterMon-era twins are there too */
		if (env_cases[i].b == B_START_OK) {
			assert_non_null(strstr(env, "CRM_notify_rsc=web1\n"));
			assert_non_null(strstr(env, "CRM_alert_version=9.9\n"));
		}
		free(env);
	}
	vmha_alerts_free(al);
	assert_int_equal(failures, 0);
}

static void test_timestamps(void **state)
{
	struct vmha_alerts *al = make(env_agent, 5000, 0);
	struct vmha_alert_event ev;
	struct timeval before;
	char path[512];
	char *env = NULL;
	const char *p = NULL;
	long long epoch = 0;
	unsigned int hh = 0;
	unsigned int mm = 0;
	unsigned int ss = 0;
	unsigned int us = 0;
	char usec[16] = "";

	(void)state;
	gettimeofday(&before, NULL);
	vmha_alerts_attribute_event(&ev, "h1", "vmha-watchdog", "armed");
	assert_int_equal(vmha_alerts_send(al, &ev), 0);
	vmha_alerts_attribute_event(&ev, "h1", "vmha-watchdog", "disarmed");
	assert_int_equal(vmha_alerts_send(al, &ev), 0);
	assert_int_equal(vmha_alerts_drain(al, 10000), 0);
	vmha_alerts_free(al);
	snprintf(path, sizeof(path), "%s/env.2", dir);
	env = read_file(path);
	assert_non_null(env);
	assert_non_null(strstr(env, "CRM_alert_node_sequence=2\n"));
	assert_non_null(strstr(env, "CRM_alert_attribute_value=disarmed\n"));
	p = strstr(env, "CRM_alert_timestamp_epoch=");
	assert_non_null(p);
	epoch = atoll(p + strlen("CRM_alert_timestamp_epoch="));
	assert_true(epoch >= before.tv_sec && epoch <= before.tv_sec + 5);
	p = strstr(env, "CRM_alert_timestamp_usec=");
	assert_non_null(p);
	assert_int_equal(sscanf(p, "CRM_alert_timestamp_usec=%15[0-9]\n", usec), 1);
	assert_int_equal(strlen(usec), 6);
	p = strstr(env, "CRM_alert_timestamp=");
	assert_non_null(p);
	assert_int_equal(sscanf(p, "CRM_alert_timestamp=%2u:%2u:%2u.%6u", &hh, &mm, &ss, &us), 4);
	assert_true(hh < 24 && mm < 60 && ss < 61);
	assert_int_equal(us, (unsigned int)atoi(usec));
	free(env);
}

/* Running, not gone or a zombie (an orphan waits for a reaper that may be slow). */
static bool alive(long pid)
{
	char path[64];
	char *stat = NULL;
	const char *p = NULL;
	bool running = false;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	stat = read_file(path);
	if (stat == NULL) {
		return false;
	}
	p = strrchr(stat, ')');
	running = p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
	free(stat);
	return running;
}

/* Whether pid is no longer running within timeout_ms. */
static bool gone_within(long pid, uint64_t timeout_ms)
{
	uint64_t until = vmha_clock_now_ms() + timeout_ms;

	while (alive(pid)) {
		if (vmha_clock_now_ms() >= until) {
			return false;
		}
		usleep(10 * 1000);
	}
	return true;
}

static void test_hanging_agent(void **state)
{
	struct vmha_alerts *al = make(hang_agent, 400, 0);
	struct vmha_alerts_stats st;
	struct vmha_alert_event ev;
	char path[512];
	char *pids = NULL;
	long leader = 0;
	long child = 0;
	uint64_t t0 = 0;
	uint64_t sent_ms = 0;
	uint64_t drained_ms = 0;

	(void)state;
	vmha_alerts_fence_event(&ev, "h3", "h1", true, "ok");
	t0 = vmha_clock_now_ms();
	assert_int_equal(vmha_alerts_send(al, &ev), 0);
	assert_int_equal(vmha_alerts_send(al, &ev), 0);
	sent_ms = vmha_clock_now_ms() - t0;
	/* the caller is never blocked by the agent */
	assert_true(sent_ms < 50);
	assert_int_equal(vmha_alerts_drain(al, 5000), 0);
	drained_ms = vmha_clock_now_ms() - t0;
	/* two events, each killed at its 400 ms deadline */
	assert_true(drained_ms >= 800);
	assert_true(drained_ms < 2500);
	vmha_alerts_stats(al, &st);
	assert_int_equal(st.timed_out, 2);
	assert_int_equal(st.ok, 0);
	snprintf(path, sizeof(path), "%s/hang.pids", dir);
	pids = read_file(path);
	assert_non_null(pids);
	assert_int_equal(sscanf(pids, "%ld %ld", &leader, &child), 2);
	/* the agent and what it started are gone (reaped or killed with the group;
	 * a SIGKILL'd process may take a moment to leave on a loaded machine) */
	assert_true(gone_within(leader, 2000));
	assert_true(gone_within(child, 2000));
	free(pids);
	vmha_alerts_free(al);
}

/* Each agent has its own worker: a hanging one delays only its own events. */
static void test_independent_agents(void **state)
{
	struct vmha_alerts_opts o;
	struct vmha_alerts *al = NULL;
	struct vmha_alert_event ev;
	char cmd[512];
	char path[512];
	uint64_t end = 0;
	int i;

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -f '%s'/env.*", dir);
	assert_int_equal(system(cmd), 0);
	memset(&o, 0, sizeof(o));
	o.paths[0] = hang_agent;
	o.paths[1] = env_agent;
	o.n_paths = 2;
	o.timeout_ms = 1500;
	assert_int_equal(vmha_alerts_new(&o, &al), 0);
	for (i = 0; i < 3; i++) {
		vmha_alerts_start_event(&ev, "web1", "h1", true, false, "");
		assert_int_equal(vmha_alerts_send(al, &ev), 0);
	}
	snprintf(path, sizeof(path), "%s/env.3", dir);
	end = vmha_clock_now_ms() + 1000;
	while (access(path, F_OK) != 0 && vmha_clock_now_ms() < end) {
		usleep(10000);
	}
	/* all three reached the second agent long before the first one's deadline */
	assert_int_equal(access(path, F_OK), 0);
	/* stopping kills the agent that still hangs: no wait for its deadline */
	end = vmha_clock_now_ms();
	vmha_alerts_free(al);
	assert_true(vmha_clock_now_ms() - end < 500);
}

static void test_failing_and_full(void **state)
{
	struct vmha_alerts_opts o;
	struct vmha_alerts *al = NULL;
	struct vmha_alerts_stats st;
	struct vmha_alert_event ev;
	char missing[300];
	int full = 0;
	int i;

	(void)state;
	snprintf(missing, sizeof(missing), "%s/no-such-agent", dir);
	memset(&o, 0, sizeof(o));
	o.paths[0] = fail_agent;
	o.paths[1] = missing;
	o.n_paths = 2;
	o.timeout_ms = 2000;
	assert_int_equal(vmha_alerts_new(&o, &al), 0);
	vmha_alerts_attribute_event(&ev, "h1", "vmha-quorate", "true");
	assert_int_equal(vmha_alerts_send(al, &ev), 0);
	assert_int_equal(vmha_alerts_drain(al, 5000), 0);
	vmha_alerts_stats(al, &st);
	assert_int_equal(st.failed, 2);
	vmha_alerts_free(al);

	/* a queue of two behind a hanging agent: the rest is dropped, and counted */
	al = make(hang_agent, 300, 2);
	for (i = 0; i < 6; i++) {
		if (vmha_alerts_send(al, &ev) == -ENOSPC) {
			full++;
		}
	}
	assert_true(full >= 3);
	vmha_alerts_stats(al, &st);
	assert_int_equal(st.dropped, (uint64_t)full);
	/* shutdown does not wait for the queue: at most the running event's deadline */
	vmha_alerts_free(al);

	/* bad settings */
	memset(&o, 0, sizeof(o));
	assert_int_equal(vmha_alerts_new(&o, &al), -EINVAL);
	o.paths[0] = "relative/agent";
	o.n_paths = 1;
	assert_int_equal(vmha_alerts_new(&o, &al), -EINVAL);
	assert_null(al);
	vmha_alerts_free(NULL);
	assert_int_equal(vmha_alerts_send(NULL, &ev), -EINVAL);
}

/* Pacemaker's own sample agent, unchanged, when Pacemaker is installed here. */
static void test_pacemaker_sample(void **state)
{
	static const char *const sample = "/usr/share/pacemaker/alerts/alert_file.sh.sample";
	static const char *const want[] = {
	        ": Node 'h3' is now 'lost'\n",
	        ": Fencing Operation reboot of h3 by h1 for vmhad: OK (ipmi ok)\n",
	        ": Resource operation 'start' for 'web1' on 'h1': ok\n",
	        ": Attribute 'vmha-quorate' on node 'h2' was updated to 'false'\n",
	};
	struct vmha_alerts_opts o;
	struct vmha_alerts *al = NULL;
	struct vmha_alerts_stats st;
	struct vmha_alert_event ev;
	char agent[300];
	char log[300];
	char cmd[1024];
	char *text = NULL;
	size_t i;

	(void)state;
	if (access(sample, R_OK) != 0) {
		fprintf(stderr, "skip: %s not installed (package pacemaker)\n", sample);
		skip();
	}
	snprintf(agent, sizeof(agent), "%s/alert_file.sh", dir);
	snprintf(log, sizeof(log), "%s/pcmk-alerts.log", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && chmod 755 '%s'", sample, agent, agent);
	assert_int_equal(system(cmd), 0);
	memset(&o, 0, sizeof(o));
	o.paths[0] = agent;
	o.n_paths = 1;
	o.recipient = log;
	o.timeout_ms = 5000;
	assert_int_equal(vmha_alerts_new(&o, &al), 0);
	assert_true(vmha_alerts_from_decision("host_down", "h3", "host 'h3' is down", &ev));
	assert_int_equal(vmha_alerts_send(al, &ev), 0);
	vmha_alerts_fence_event(&ev, "h3", "h1", true, "ipmi ok");
	assert_int_equal(vmha_alerts_send(al, &ev), 0);
	vmha_alerts_start_event(&ev, "web1", "h1", true, false, "");
	assert_int_equal(vmha_alerts_send(al, &ev), 0);
	vmha_alerts_attribute_event(&ev, "h2", "vmha-quorate", "false");
	assert_int_equal(vmha_alerts_send(al, &ev), 0);
	assert_int_equal(vmha_alerts_drain(al, 10000), 0);
	vmha_alerts_stats(al, &st);
	vmha_alerts_free(al);
	assert_int_equal(st.ok, 4);
	text = read_file(log);
	assert_non_null(text);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (strstr(text, want[i]) == NULL) {
			fail_msg("the sample agent's log lacks '%s':\n%s", want[i], text);
		}
	}
	free(text);
}

struct decision_case {
	const char *kind;
	const char *host;
	const char *text;
	/* "" = no alert; else "kind node rsc task rc desc" */
	const char *expect;
};

static const struct decision_case decision_cases[] = {
        {"host_down", "h3", "host 'h3' is down", "node h3 - - 0 lost"},
        {"fenced", "h3", "fenced by fence_ipmilan",
         "fencing h3 - reboot 0 fenced by fence_ipmilan"},
        {"self_fenced", "h2", "protected vms stopped", "fencing h2 - off 0 protected vms stopped"},
        {"stranded", "web1", "no host has room", "resource - web1 start 1 no host has room"},
        {"assign", "web1", "web1 -> h1", "resource - web1 assign 0 web1 -> h1"},
        {"start_unknown", "db", "start result lost", "resource - db start 1 start result lost"},
        {"quorum_lost", "h1", "quorum lost", "attribute h1 - - 0 quorum lost"},
        {"quorum_regained", "h1", "quorum regained", "attribute h1 - - 0 quorum regained"},
        {"alarm", "h3", "slot still advances", "attribute h3 - - 0 vmha-alarm=slot still advances"},
        {"watchdog", "h1", "armed", "attribute h1 - - 0 vmha-watchdog=armed"},
        {"nonsense", "h1", "x", ""},
};

static void test_from_decision(void **state)
{
	size_t i;
	int failures = 0;
	struct vmha_alert_event ev;
	static const char *const kinds[] = {"node", "fencing", "resource", "attribute"};

	(void)state;
	for (i = 0; i < sizeof(decision_cases) / sizeof(decision_cases[0]); i++) {
		const struct decision_case *c = &decision_cases[i];
		char got[512] = "";

		if (vmha_alerts_from_decision(c->kind, c->host, c->text, &ev)) {
			snprintf(got, sizeof(got), "%s %s %s %s %d %s", kinds[ev.kind],
			         ev.node[0] ? ev.node : "-", ev.rsc[0] ? ev.rsc : "-",
			         ev.task[0] ? ev.task : "-", ev.rc, ev.desc);
		}
		if (strcmp(got, c->expect) != 0) {
			fprintf(stderr, "decision %s:\n-%s\n+%s\n", c->kind, c->expect, got);
			failures++;
		}
	}
	assert_true(vmha_alerts_from_decision("quorum_lost", "h1", "q", &ev));
	assert_string_equal(ev.attribute_value, "false");
	assert_true(vmha_alerts_from_decision("quorum_regained", "h1", "q", &ev));
	assert_string_equal(ev.attribute_value, "true");
	assert_false(vmha_alerts_from_decision(NULL, "h1", "q", &ev));
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_env),
	        cmocka_unit_test(test_timestamps),
	        cmocka_unit_test(test_hanging_agent),
	        cmocka_unit_test(test_independent_agents),
	        cmocka_unit_test(test_failing_and_full),
	        cmocka_unit_test(test_from_decision),
	        cmocka_unit_test(test_pacemaker_sample),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

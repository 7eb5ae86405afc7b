/*
 * Unit tests of heartbeat/vmhealth_worker.c against libvirt's test driver
 * (test:///default: one running domain "test"), which has no guest agent:
 * the agent call is a scripted guest (answers, then stops answering). The
 * worker pings only the VMs it is given, judges a VM only after a first
 * answer, destroys an unhealthy one through libvirt and tells the main
 * loop, and reports each VM's health.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
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
#include "heartbeat/vmhealth_worker.h"

/* the scripted guest: how many pings it answers, then errors; every call counted */
static int answers;
static int calls;
static char last_cmd[128];

static int scripted_agent(struct vmha_virt_domain *d, const char *cmd, unsigned int timeout_s,
                          uint64_t deadline_ms, char **result)
{
	(void)d;
	(void)deadline_ms;
	assert_int_equal(timeout_s, 1);
	snprintf(last_cmd, sizeof(last_cmd), "%s", cmd);
	calls++;
	if (answers > 0) {
		answers--;
		*result = strdup("{\"return\":{}}");
		return 0;
	}
	*result = NULL;
	return answers < 0 ? -ENOTCONN : -ETIMEDOUT;
}

static struct vmha_vmhealth_worker *start(void)
{
	struct vmha_vmhealth_worker_opts o = {
	        .uri = "test:///default",
	        .interval_ms = 50,
	        .timeout_ms = 300,
	        .failures = 2,
	        .agent_call = scripted_agent,
	};

	return vmha_vmhealth_worker_new(&o);
}

/* The health of vm in the worker's status, "" when it is not listed. */
static const char *health(struct vmha_vmhealth_worker *w, const char *vm, unsigned int *failed)
{
	static struct vmha_vmhealth_status st[8];
	size_t n = vmha_vmhealth_worker_status(w, st, 8);
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(st[i].vm, vm) == 0) {
			*failed = st[i].failed;
			return vmha_vmhealth_state_name(st[i].state);
		}
	}
	return "";
}

/* Wait until vm's state is want (5 s at most). */
static bool wait_state(struct vmha_vmhealth_worker *w, const char *vm, const char *want)
{
	uint64_t end = vmha_clock_now_ms() + 5000;
	unsigned int failed = 0;

	while (vmha_clock_now_ms() < end) {
		if (strcmp(health(w, vm, &failed), want) == 0) {
			return true;
		}
		usleep(10000);
	}
	return false;
}

static const char names[2][VMHA_NAME_SIZE] = {"test", "absent"};

/* Answers, then two failures: destroyed once, on this host, and reported. */
static void test_unhealthy_destroyed(void **state)
{
	struct vmha_vmhealth_worker *w = NULL;
	struct vmha_vmhealth_event ev;
	struct pollfd pfd;
	unsigned int failed = 9;

	(void)state;
	answers = 3;
	calls = 0;
	w = start();
	assert_non_null(w);
	/* nothing given: nothing pinged, nothing reported */
	usleep(200000);
	assert_int_equal(calls, 0);
	assert_string_equal(health(w, "test", &failed), "");
	assert_int_equal(vmha_vmhealth_worker_set_vms(w, names, 2), 0);
	assert_true(wait_state(w, "test", "healthy"));
	assert_string_equal(last_cmd, "{\"execute\":\"guest-ping\"}");
	/* a VM that does not run here is stopped, never pinged */
	assert_string_equal(health(w, "absent", &failed), "stopped");
	/* the answers run out: destroyed after 2 failures */
	pfd.fd = vmha_vmhealth_worker_fd(w);
	pfd.events = POLLIN;
	assert_true(pfd.fd >= 0);
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_true(vmha_vmhealth_worker_take(w, &ev));
	assert_string_equal(ev.vm, "test");
	assert_int_equal(ev.rc, 0);
	assert_int_equal(ev.failed, 2);
	assert_true(ev.first);
	assert_true(ev.why[0] != '\0');
	/* gone from libvirt: the next round sees it stopped; no second destroy */
	assert_true(wait_state(w, "test", "stopped"));
	assert_false(vmha_vmhealth_worker_take(w, &ev));
	assert_int_equal(poll(&pfd, 1, 0), 0);
	vmha_vmhealth_worker_free(w);
}

/* An agent that never answers (not connected): never judged, never destroyed. */
static void test_never_answered(void **state)
{
	struct vmha_vmhealth_worker *w = NULL;
	struct vmha_vmhealth_event ev;
	unsigned int failed = 9;
	int before = 0;

	(void)state;
	answers = -1;
	calls = 0;
	w = start();
	assert_non_null(w);
	assert_int_equal(vmha_vmhealth_worker_set_vms(w, names, 1), 0);
	for (before = 0; calls < 6 && before < 500; before++) {
		usleep(10000);
	}
	assert_true(calls >= 6);
	assert_string_equal(health(w, "test", &failed), "waiting");
	assert_int_equal(failed, 0);
	assert_false(vmha_vmhealth_worker_take(w, &ev));
	/* opted out: no longer pinged, forgotten */
	assert_int_equal(vmha_vmhealth_worker_set_vms(w, names, 0), 0);
	assert_true(wait_state(w, "test", ""));
	before = calls;
	usleep(200000);
	assert_int_equal(calls, before);
	vmha_vmhealth_worker_free(w);
}

static void test_bad_settings(void **state)
{
	struct vmha_vmhealth_worker_opts o = {.uri = "test:///default", .interval_ms = 1000};

	(void)state;
	assert_null(vmha_vmhealth_worker_new(NULL));
	assert_null(vmha_vmhealth_worker_new(&o));
	o.timeout_ms = 1000;
	assert_null(vmha_vmhealth_worker_new(&o));
	vmha_vmhealth_worker_free(NULL);
	assert_int_equal(vmha_vmhealth_worker_fd(NULL), -1);
	assert_false(vmha_vmhealth_worker_take(NULL, NULL));
	assert_int_equal(vmha_vmhealth_worker_status(NULL, NULL, 0), 0);
	assert_int_equal(vmha_vmhealth_worker_set_vms(NULL, names, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        /* test:///default is shared by the process: the destroy comes last */
	        cmocka_unit_test(test_never_answered),
	        cmocka_unit_test(test_unhealthy_destroyed),
	        cmocka_unit_test(test_bad_settings),
	};

	return cmocka_run_group_tests_name("vmhealth_worker", tests, NULL, NULL);
}

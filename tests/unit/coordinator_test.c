/*
 * Unit tests of heartbeat/coordinator.c, the failover I/O layer: the outbox
 * keeps what corosync refuses and sends it later in order (never drops), a
 * FENCE action reaches ops->fence and its result is announced, a START
 * reaches ops->start, forged messages are dropped before the state machine.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "heartbeat/coordinator.h"
#include "heartbeat/failover_msg.h"

#define MAX_SENT 64

struct fake {
	/* send returns -EAGAIN while busy */
	bool busy;
	size_t n_sent;
	struct vmha_failover_msg sent[MAX_SENT];
	char fenced_host[VMHA_NAME_SIZE];
	char started_vm[VMHA_NAME_SIZE];
	/* what send (when not busy), fence and start return */
	int send_rc;
	int fence_rc;
	int start_rc;
};

static int fake_send(void *opaque, const void *buf, size_t len)
{
	struct fake *f = opaque;
	char err[128];

	if (f->busy) {
		return -EAGAIN;
	}
	if (f->send_rc < 0) {
		return f->send_rc;
	}
	assert_true(f->n_sent < MAX_SENT);
	assert_int_equal(vmha_failover_msg_decode(buf, len, &f->sent[f->n_sent], err, sizeof(err)),
	                 0);
	f->n_sent++;
	return 0;
}

static int fake_start(void *opaque, const char *vm)
{
	struct fake *f = opaque;

	snprintf(f->started_vm, sizeof(f->started_vm), "%s", vm);
	return f->start_rc;
}

static int fake_fence(void *opaque, const char *host)
{
	struct fake *f = opaque;

	snprintf(f->fenced_host, sizeof(f->fenced_host), "%s", host);
	return f->fence_rc;
}

static void announce(struct vmha_coordinator *c, const char *host, const char *vm)
{
	struct vmha_announce a = {0};
	struct vmha_vm_info vi = {0};

	snprintf(a.host, sizeof(a.host), "%s", host);
	a.cpus = 4;
	a.memory_kib = 4 << 20;
	if (vm != NULL) {
		snprintf(vi.name, sizeof(vi.name), "%s", vm);
		vi.state = VMHA_VM_RUNNING;
		vi.vcpus = 1;
		vi.memory_kib = 256 << 10;
		a.vms = &vi;
		a.n_vms = 1;
	}
	vmha_coordinator_announce(c, 0, &a);
	vmha_failover_host_online(vmha_coordinator_failover(c), host, true);
}

/* deliver what the fake sent (as CPG would, back to this member) from h1 */
static void loop_back(struct vmha_coordinator *c, struct fake *f, size_t from)
{
	size_t i;
	char *buf = NULL;
	size_t len = 0;

	for (i = from; i < f->n_sent; i++) {
		assert_int_equal(vmha_failover_msg_encode(&f->sent[i], &buf, &len), 0);
		vmha_coordinator_deliver(c, 0, "h1", buf, len, NULL);
		free(buf);
	}
}

static struct vmha_coordinator *setup_c(struct fake *f)
{
	struct vmha_failover_config fc = {.self_name = "h1", .fence_device = true};
	struct vmha_coordinator_ops ops = {
	        .opaque = f, .send = fake_send, .start = fake_start, .fence = fake_fence};
	struct vmha_failover_vm v = {
	        .name = "web1", .restart = true, .vcpus = 1, .memory_mib = 256};
	struct vmha_coordinator *c = vmha_coordinator_new(&fc, &ops);

	assert_non_null(c);
	vmha_coordinator_set_quorum(c, 0, true);
	assert_int_equal(vmha_failover_protect(vmha_coordinator_failover(c), &v), 0);
	announce(c, "h1", NULL);
	announce(c, "h2", NULL);
	announce(c, "h3", "web1");
	return c;
}

static void test_outbox_keeps_order(void **state)
{
	struct fake f = {0};
	struct vmha_coordinator *c = setup_c(&f);

	(void)state;
	f.busy = true;
	vmha_failover_host_online(vmha_coordinator_failover(c), "h3", false);
	vmha_coordinator_host_down(c, 0, "h3");
	vmha_coordinator_start_done(c, 0, "web9", false, false, "no such vm");
	assert_int_equal(vmha_coordinator_outbox_count(c), 2);
	/* corosync refuses for a while: nothing is dropped */
	vmha_coordinator_tick(c, 100);
	vmha_coordinator_tick(c, 200);
	assert_int_equal(f.n_sent, 0);
	f.busy = false;
	vmha_coordinator_tick(c, 300);
	assert_int_equal(vmha_coordinator_outbox_count(c), 0);
	assert_int_equal(f.n_sent, 2);
	assert_string_equal(f.sent[0].type, "down");
	assert_string_equal(f.sent[1].type, "start");
	vmha_coordinator_free(c);
}

static void test_fence_then_start(void **state)
{
	struct fake f = {0};
	struct vmha_coordinator *c = setup_c(&f);
	size_t mark;

	(void)state;
	vmha_failover_host_online(vmha_coordinator_failover(c), "h3", false);
	vmha_coordinator_host_down(c, 0, "h3");
	assert_int_equal(f.n_sent, 1);
	loop_back(c, &f, 0);
	/* the delivered "down" is the one fencing trigger */
	assert_string_equal(f.fenced_host, "h3");
	mark = f.n_sent;
	vmha_coordinator_fence_done(c, 10, "h3", true, "agents");
	assert_int_equal(f.n_sent, mark + 1);
	assert_string_equal(f.sent[mark].type, "fenced");
	loop_back(c, &f, mark);
	/* the plan went out as one assignment; its delivery starts the VM here */
	assert_true(f.n_sent >= mark + 2);
	assert_string_equal(f.sent[mark + 1].type, "assign");
	loop_back(c, &f, mark + 1);
	assert_string_equal(f.started_vm, "web1");
	vmha_coordinator_free(c);
}

static void test_send_error_keeps_message(void **state)
{
	struct fake f = {.send_rc = -EIO};
	struct vmha_coordinator *c = setup_c(&f);

	(void)state;
	vmha_failover_host_online(vmha_coordinator_failover(c), "h3", false);
	vmha_coordinator_host_down(c, 0, "h3");
	/* an error other than "try again": kept for the next tick, not dropped */
	assert_int_equal(vmha_coordinator_outbox_count(c), 1);
	vmha_coordinator_tick(c, 100);
	assert_int_equal(vmha_coordinator_outbox_count(c), 1);
	assert_int_equal(f.n_sent, 0);
	f.send_rc = 0;
	vmha_coordinator_tick(c, 200);
	assert_int_equal(vmha_coordinator_outbox_count(c), 0);
	assert_int_equal(f.n_sent, 1);
	assert_string_equal(f.sent[0].type, "down");
	vmha_coordinator_free(c);
}

static void test_fence_cannot_start(void **state)
{
	struct fake f = {.fence_rc = -EAGAIN};
	struct vmha_coordinator *c = setup_c(&f);
	size_t i;

	(void)state;
	vmha_failover_host_online(vmha_coordinator_failover(c), "h3", false);
	vmha_coordinator_host_down(c, 0, "h3");
	loop_back(c, &f, 0);
	assert_string_equal(f.fenced_host, "h3");
	/* a fence that cannot even start is a failed fence: never "fenced", nothing planned */
	for (i = 0; i < f.n_sent; i++) {
		assert_string_not_equal(f.sent[i].type, "fenced");
		assert_string_not_equal(f.sent[i].type, "assign");
	}
	assert_string_equal(f.started_vm, "");
	/* and it is retried later (a fence still "running" would never be) */
	f.fenced_host[0] = '\0';
	f.fence_rc = 0;
	vmha_coordinator_tick(c, 10 * 60 * 1000);
	assert_string_equal(f.fenced_host, "h3");
	vmha_coordinator_free(c);
}

static void test_start_cannot_start(void **state)
{
	struct fake f = {.start_rc = -EAGAIN};
	struct vmha_coordinator *c = setup_c(&f);
	size_t mark;
	size_t i;

	(void)state;
	vmha_failover_host_online(vmha_coordinator_failover(c), "h3", false);
	vmha_coordinator_host_down(c, 0, "h3");
	loop_back(c, &f, 0);
	mark = f.n_sent;
	vmha_coordinator_fence_done(c, 10, "h3", true, "agents");
	loop_back(c, &f, mark);
	assert_true(f.n_sent >= mark + 2);
	assert_string_equal(f.sent[mark + 1].type, "assign");
	/* (loop_back delivered the assignment too: the start was asked for) */
	assert_string_equal(f.started_vm, "web1");
	/* the worker did not start: a failed start result goes out at once */
	for (i = mark + 2; i < f.n_sent && strcmp(f.sent[i].type, "start") != 0; i++) {
	}
	assert_true(i < f.n_sent);
	assert_string_equal(f.sent[i].vm, "web1");
	assert_false(f.sent[i].ok);
	assert_non_null(strstr(f.sent[i].text, "cannot start a worker"));
	vmha_coordinator_free(c);
}

/* Q12: after a ring change nothing acts until the quorum of that ring is reported. */
static void test_quorum_unknown_until_its_ring(void **state)
{
	struct fake f = {0};
	struct vmha_coordinator *c = setup_c(&f);
	size_t mark;

	(void)state;
	vmha_coordinator_set_quorum_ring(c, 0, true, 4);
	vmha_failover_host_online(vmha_coordinator_failover(c), "h3", false);
	vmha_coordinator_host_down(c, 0, "h3");
	loop_back(c, &f, 0);
	assert_string_equal(f.fenced_host, "h3");
	/* ring 8 forms; a late report of ring 4 does not count */
	vmha_coordinator_await_quorum(c, 8);
	assert_false(vmha_coordinator_quorum_known(c));
	vmha_coordinator_set_quorum_ring(c, 5, true, 4);
	assert_false(vmha_coordinator_quorum_known(c));
	mark = f.n_sent;
	vmha_coordinator_fence_done(c, 10, "h3", true, "agents");
	vmha_coordinator_tick(c, 5000);
	assert_int_equal(f.n_sent, mark);
	/* a ring already reported on holds nothing back */
	vmha_coordinator_set_quorum_ring(c, 20, true, 8);
	assert_true(vmha_coordinator_quorum_known(c));
	vmha_coordinator_await_quorum(c, 8);
	assert_true(vmha_coordinator_quorum_known(c));
	/* the next ring: unknown again; a report without a ring id counts */
	vmha_coordinator_await_quorum(c, 12);
	assert_false(vmha_coordinator_quorum_known(c));
	vmha_coordinator_set_quorum(c, 30, true);
	assert_true(vmha_coordinator_quorum_known(c));
	assert_string_equal(f.started_vm, "");
	vmha_coordinator_free(c);
}

static void test_forged_dropped(void **state)
{
	struct fake f = {0};
	struct vmha_coordinator *c = setup_c(&f);
	const char *forged = "{\"vmha_failover\":1,\"type\":\"assign\",\"host\":\"h1\",\"vm\":"
	                     "\"web1\",\"priority\":0,\"gen\":1,\"text\":\"forged\"}";
	const char *garbage = "{\"vmha_failover\":1,\"type\":\"fenced\",\"host\":\"h3\",\"x\":1}";

	(void)state;
	assert_int_equal(vmha_coordinator_deliver(c, 0, NULL, forged, strlen(forged), NULL),
	                 -EINVAL);
	assert_int_equal(vmha_coordinator_deliver(c, 0, "h2", forged, strlen(forged), NULL),
	                 -EINVAL);
	assert_int_equal(vmha_coordinator_deliver(c, 0, "h1", garbage, strlen(garbage), NULL),
	                 -EINVAL);
	assert_int_equal(vmha_coordinator_deliver(c, 0, "h1", "{\"v\":1}", 7, NULL), -ENOMSG);
	assert_string_equal(f.started_vm, "");
	assert_string_equal(f.fenced_host, "");
	vmha_coordinator_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_outbox_keeps_order),
	        cmocka_unit_test(test_fence_then_start),
	        cmocka_unit_test(test_send_error_keeps_message),
	        cmocka_unit_test(test_fence_cannot_start),
	        cmocka_unit_test(test_start_cannot_start),
	        cmocka_unit_test(test_forged_dropped),
	        cmocka_unit_test(test_quorum_unknown_until_its_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of heartbeat/inventory_worker.c: the thread that collects this
 * host's inventory on request and wakes the main loop through a pipe, here
 * against libvirt's test driver (test:///default: one running domain
 * "test") and the fake inventory.
 */
#include "config.h"

#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "deadline.h"
#include "heartbeat/inventory.h"
#include "heartbeat/inventory_worker.h"
#include "heartbeat/msg.h"

/* Wait until the worker's pipe is readable (a collection done), 5 s at most. */
static void wait_done(struct vmha_inv_worker *w)
{
	struct pollfd pfd = {.fd = vmha_inv_worker_fd(w), .events = POLLIN};

	assert_true(pfd.fd >= 0);
	assert_int_equal(poll(&pfd, 1, 5000), 1);
}

static void test_collect_on_request(void **state)
{
	struct vmha_inventory *inv = vmha_inventory_new("test:///default", 0);
	struct vmha_inv_worker *w;
	struct vmha_announce a;
	struct pollfd pfd;
	uint64_t before = vmha_clock_now_ms();
	uint64_t started = 0;
	int rc = -1;

	(void)state;
	assert_non_null(inv);
	w = vmha_inv_worker_new(inv);
	assert_non_null(w);
	/* nothing asked: nothing collected, the pipe stays quiet */
	pfd.fd = vmha_inv_worker_fd(w);
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 100), 0);
	assert_false(vmha_inv_worker_take(w, &a, &rc, &started));
	assert_int_equal(a.n_vms, 0);

	/* idle when asked: no collection was running */
	assert_int_equal(vmha_inv_worker_request(w), 0);
	wait_done(w);
	assert_true(vmha_inv_worker_take(w, &a, &rc, &started));
	assert_int_equal(rc, 0);
	assert_true(started >= before);
	assert_true(started <= vmha_clock_now_ms());
	assert_int_equal(a.n_vms, 1);
	assert_string_equal(a.vms[0].name, "test");
	assert_int_equal(a.vms[0].state, VMHA_VM_RUNNING);
	assert_true(a.cpus > 0);
	vmha_msg_announce_clear(&a);
	/* taken once: the pipe is drained and the result gone */
	assert_int_equal(poll(&pfd, 1, 0), 0);
	assert_false(vmha_inv_worker_take(w, &a, &rc, &started));
	assert_int_equal(a.n_vms, 0);
	assert_null(a.vms);

	/* a second request collects again */
	vmha_inv_worker_request(w);
	wait_done(w);
	assert_true(vmha_inv_worker_take(w, &a, &rc, &started));
	assert_int_equal(a.n_vms, 1);
	vmha_msg_announce_clear(&a);

	assert_true(vmha_inv_worker_free(w));
	vmha_inventory_free(inv);
}

static void test_fake_inventory(void **state)
{
	struct vmha_inventory *inv = vmha_inventory_new("test:///default", 4);
	struct vmha_inv_worker *w;
	struct vmha_announce a;
	uint64_t started = 0;
	int rc = -1;

	(void)state;
	assert_non_null(inv);
	w = vmha_inv_worker_new(inv);
	assert_non_null(w);
	vmha_inv_worker_request(w);
	wait_done(w);
	assert_true(vmha_inv_worker_take(w, &a, &rc, &started));
	assert_int_equal(rc, 0);
	assert_int_equal(a.n_vms, 4);
	assert_string_equal(a.vms[3].name, "fake-vm-0003");
	vmha_msg_announce_clear(&a);
	/* a result never taken is freed with the worker */
	vmha_inv_worker_request(w);
	wait_done(w);
	assert_true(vmha_inv_worker_free(w));
	vmha_inventory_free(inv);
}

static void test_null(void **state)
{
	(void)state;
	assert_int_equal(vmha_inv_worker_fd(NULL), -1);
	assert_true(vmha_inv_worker_free(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_collect_on_request),
	        cmocka_unit_test(test_fake_inventory),
	        cmocka_unit_test(test_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

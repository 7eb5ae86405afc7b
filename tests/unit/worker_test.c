/* Unit tests of lib/worker.c */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "deadline.h"
#include "worker.h"

/* a worker that counts the requests it served and wakes the main loop */
struct counter {
	unsigned int requested;
	unsigned int served;
	bool returned;
};

static void count_thread(struct vmha_worker *t, void *arg)
{
	struct counter *c = arg;

	vmha_worker_lock(t);
	while (!vmha_worker_stopping(t)) {
		if (c->requested == c->served) {
			(void)vmha_worker_wait_ms(t, UINT64_MAX);
			continue;
		}
		c->served = c->requested;
		vmha_worker_wake_loop(t);
	}
	c->returned = true;
	vmha_worker_unlock(t);
}

static bool readable(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN) != 0;
}

static void test_request_wakes_thread_and_loop(void **state)
{
	struct counter c = {0};
	struct vmha_worker *w = vmha_worker_new("counter", count_thread, &c, true);
	int fd;

	(void)state;
	assert_non_null(w);
	fd = vmha_worker_fd(w);
	assert_true(fd >= 0);
	assert_false(readable(fd, 0));
	vmha_worker_lock(w);
	c.requested = 1;
	vmha_worker_signal(w);
	vmha_worker_unlock(w);
	assert_true(readable(fd, 5000));
	vmha_worker_drain(w);
	assert_false(readable(fd, 0));
	vmha_worker_lock(w);
	assert_int_equal(c.served, 1);
	vmha_worker_unlock(w);
	assert_true(vmha_worker_stop(w, 3000));
	assert_true(c.returned);
}

static void test_no_pipe(void **state)
{
	struct counter c = {0};
	struct vmha_worker *w = vmha_worker_new("counter", count_thread, &c, false);

	(void)state;
	assert_non_null(w);
	assert_int_equal(vmha_worker_fd(w), -1);
	assert_int_equal(vmha_worker_fd(NULL), -1);
	/* without a pipe, waking the loop and draining are no-ops */
	vmha_worker_wake_loop(w);
	vmha_worker_drain(w);
	assert_true(vmha_worker_stop(w, 3000));
	assert_true(c.returned);
}

/* a timed wait returns false once its time passed, and not much earlier */
static void wait_thread(struct vmha_worker *t, void *arg)
{
	uint64_t *waited_ms = arg;
	uint64_t t0 = vmha_clock_now_ms();
	bool signalled;

	vmha_worker_lock(t);
	signalled = vmha_worker_wait_ms(t, 200);
	*waited_ms = signalled ? 0 : vmha_clock_now_ms() - t0;
	while (!vmha_worker_stopping(t)) {
		(void)vmha_worker_wait_ms(t, UINT64_MAX);
	}
	vmha_worker_unlock(t);
}

static void test_timed_wait(void **state)
{
	uint64_t waited_ms = 0;
	struct vmha_worker *w = vmha_worker_new("waiter", wait_thread, &waited_ms, false);

	(void)state;
	assert_non_null(w);
	usleep(400 * 1000);
	assert_true(vmha_worker_stop(w, 3000));
	assert_true(waited_ms >= 190);
	assert_true(waited_ms < 2000);
}

/* a thread stuck (here: on a semaphore) is detached after the bounded wait */
static sem_t release;
static struct vmha_worker *stuck_worker;

static void stuck_thread(struct vmha_worker *t, void *arg)
{
	(void)t;
	(void)arg;
	while (sem_wait(&release) < 0 && errno == EINTR) {
	}
}

static void test_stuck_thread_detached(void **state)
{
	uint64_t t0;

	(void)state;
	assert_int_equal(sem_init(&release, 0, 0), 0);
	stuck_worker = vmha_worker_new("stuck", stuck_thread, NULL, true);
	assert_non_null(stuck_worker);
	t0 = vmha_clock_now_ms();
	assert_false(vmha_worker_stop(stuck_worker, 300));
	assert_true(vmha_clock_now_ms() - t0 >= 290);
	assert_true(vmha_clock_now_ms() - t0 < 3000);
	/* the worker stays allocated: the thread may still use it */
	assert_true(vmha_worker_fd(stuck_worker) >= 0);
	sem_post(&release);
	usleep(100 * 1000);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	assert_null(vmha_worker_new(NULL, count_thread, NULL, false));
	assert_int_equal(errno, EINVAL);
	assert_null(vmha_worker_new("x", NULL, NULL, false));
	assert_true(vmha_worker_stop(NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_request_wakes_thread_and_loop),
	        cmocka_unit_test(test_no_pipe),
	        cmocka_unit_test(test_timed_wait),
	        cmocka_unit_test(test_stuck_thread_detached),
	        cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

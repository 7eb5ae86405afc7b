/*
 * Worker threads (see worker.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

struct vmha_worker {
	char what[48];
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int fds[2];
	bool stop;
	vmha_worker_fn fn;
	void *arg;
};

static void *worker_main(void *p)
{
	struct vmha_worker *w = p;

	w->fn(w, w->arg);
	return NULL;
}

/* now + ms on clock, as a timespec */
static void timespec_in(struct timespec *ts, clockid_t clock, uint64_t ms)
{
	clock_gettime(clock, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void worker_destroy(struct vmha_worker *w)
{
	if (w->fds[0] >= 0) {
		close(w->fds[0]);
		close(w->fds[1]);
	}
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

struct vmha_worker *vmha_worker_new(const char *what, vmha_worker_fn fn, void *arg, bool wake_pipe)
{
	struct vmha_worker *w = NULL;
	pthread_condattr_t attr;
	int rc;

	if (what == NULL || fn == NULL) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		return NULL;
	}
	snprintf(w->what, sizeof(w->what), "%s", what);
	w->fn = fn;
	w->arg = arg;
	w->fds[0] = w->fds[1] = -1;
	if (wake_pipe && pipe2(w->fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		rc = errno;
		vmha_err("cannot create the wake-up pipe of the %s thread: %s", w->what,
		         strerror(rc));
		free(w);
		errno = rc;
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &attr);
	pthread_condattr_destroy(&attr);
	rc = pthread_create(&w->tid, NULL, worker_main, w);
	if (rc != 0) {
		vmha_err("cannot start the %s thread: %s", w->what, strerror(rc));
		worker_destroy(w);
		errno = rc;
		return NULL;
	}
	return w;
}

void vmha_worker_lock(struct vmha_worker *w)
{
	pthread_mutex_lock(&w->lock);
}

void vmha_worker_unlock(struct vmha_worker *w)
{
	pthread_mutex_unlock(&w->lock);
}

void vmha_worker_signal(struct vmha_worker *w)
{
	pthread_cond_signal(&w->wake);
}

bool vmha_worker_stopping(const struct vmha_worker *w)
{
	return w->stop;
}

bool vmha_worker_wait_ms(struct vmha_worker *w, uint64_t timeout_ms)
{
	struct timespec until;

	if (timeout_ms == UINT64_MAX) {
		pthread_cond_wait(&w->wake, &w->lock);
		return true;
	}
	timespec_in(&until, CLOCK_MONOTONIC, timeout_ms);
	return pthread_cond_timedwait(&w->wake, &w->lock, &until) == 0;
}

void vmha_worker_wake_loop(struct vmha_worker *w)
{
	char byte = 1;

	if (w->fds[1] >= 0 && write(w->fds[1], &byte, 1) < 0 && errno != EAGAIN) {
		vmha_err("cannot wake the main loop after the %s thread's work: %s", w->what,
		         strerror(errno));
	}
}

void vmha_worker_drain(struct vmha_worker *w)
{
	char buf[64];

	while (w->fds[0] >= 0 && read(w->fds[0], buf, sizeof(buf)) > 0) {
	}
}

int vmha_worker_fd(const struct vmha_worker *w)
{
	return w != NULL ? w->fds[0] : -1;
}

bool vmha_worker_stop(struct vmha_worker *w, uint64_t wait_ms)
{
	struct timespec until;

	if (w == NULL) {
		return true;
	}
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	/* pthread_timedjoin_np takes the realtime clock */
	timespec_in(&until, CLOCK_REALTIME, wait_ms);
	if (pthread_timedjoin_np(w->tid, NULL, &until) != 0) {
		vmha_warn("the %s thread is stuck: not waiting for it", w->what);
		pthread_detach(w->tid);
		return false;
	}
	worker_destroy(w);
	return true;
}

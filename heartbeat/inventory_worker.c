/*
 * The inventory worker (see inventory_worker.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "heartbeat/inventory_worker.h"
#include "log.h"
#include "util.h"

struct vmha_inv_worker {
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int fds[2];
	struct vmha_inventory *inv;
	bool stop;
	/* requests asked by the main loop, and the one served last */
	uint64_t requested;
	uint64_t served;
	/* set by the worker */
	bool ready;
	int result_rc;
	struct vmha_announce result;
	uint64_t result_started_ms;
	uint64_t busy_since_ms;
};

static void *inventory_thread(void *arg)
{
	struct vmha_inv_worker *w = arg;
	struct vmha_announce a = {0};
	uint64_t seq;
	uint64_t t0;
	int rc;
	char byte = 1;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		if (w->requested == w->served) {
			pthread_cond_wait(&w->wake, &w->lock);
			continue;
		}
		seq = w->requested;
		t0 = vmha_clock_now_ms();
		w->busy_since_ms = t0;
		pthread_mutex_unlock(&w->lock);
		memset(&a, 0, sizeof(a));
		rc = vmha_inventory_collect(w->inv, &a);
		pthread_mutex_lock(&w->lock);
		w->busy_since_ms = 0;
		w->served = seq;
		vmha_msg_announce_clear(&w->result);
		w->result = a;
		w->result_rc = rc;
		w->result_started_ms = t0;
		w->ready = true;
		if (write(w->fds[1], &byte, 1) < 0 && errno != EAGAIN) {
			vmha_err("cannot wake the main loop after an inventory: %s",
			         strerror(errno));
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct vmha_inv_worker *vmha_inv_worker_new(struct vmha_inventory *inv)
{
	struct vmha_inv_worker *w = calloc(1, sizeof(*w));
	int rc;

	if (w == NULL) {
		return NULL;
	}
	w->inv = inv;
	if (pipe2(w->fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	rc = -pthread_create(&w->tid, NULL, inventory_thread, w);
	if (rc < 0) {
		vmha_err("cannot start the inventory thread: %s", strerror(-rc));
		close(w->fds[0]);
		close(w->fds[1]);
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	return w;
}

int vmha_inv_worker_fd(const struct vmha_inv_worker *w)
{
	return w != NULL ? w->fds[0] : -1;
}

uint64_t vmha_inv_worker_request(struct vmha_inv_worker *w)
{
	uint64_t busy;

	pthread_mutex_lock(&w->lock);
	w->requested++;
	pthread_cond_signal(&w->wake);
	busy = w->busy_since_ms != 0 ? vmha_clock_now_ms() - w->busy_since_ms : 0;
	pthread_mutex_unlock(&w->lock);
	return busy;
}

bool vmha_inv_worker_take(struct vmha_inv_worker *w, struct vmha_announce *out, int *rc,
                          uint64_t *started_ms)
{
	char buf[64];
	bool ready;

	memset(out, 0, sizeof(*out));
	while (read(w->fds[0], buf, sizeof(buf)) > 0) {
	}
	pthread_mutex_lock(&w->lock);
	ready = w->ready;
	*out = w->result;
	memset(&w->result, 0, sizeof(w->result));
	w->ready = false;
	*rc = w->result_rc;
	*started_ms = w->result_started_ms;
	pthread_mutex_unlock(&w->lock);
	return ready;
}

bool vmha_inv_worker_free(struct vmha_inv_worker *w)
{
	struct timespec until;

	if (w == NULL) {
		return true;
	}
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 3;
	if (pthread_timedjoin_np(w->tid, NULL, &until) != 0) {
		vmha_warn("the inventory thread is stuck in libvirt: not waiting for it");
		pthread_detach(w->tid);
		return false;
	}
	vmha_msg_announce_clear(&w->result);
	close(w->fds[0]);
	close(w->fds[1]);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return true;
}

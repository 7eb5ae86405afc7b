/*
 * The inventory worker (see inventory_worker.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "heartbeat/inventory_worker.h"
#include "log.h"
#include "util.h"
#include "worker.h"

struct vmha_inv_worker {
	struct vmha_worker *thread;
	struct vmha_inventory *inv;
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

static void inventory_thread(struct vmha_worker *t, void *arg)
{
	struct vmha_inv_worker *w = arg;
	struct vmha_announce a = {0};
	uint64_t seq;
	uint64_t t0;
	int rc;

	vmha_worker_lock(t);
	while (!vmha_worker_stopping(t)) {
		if (w->requested == w->served) {
			(void)vmha_worker_wait_ms(t, UINT64_MAX);
			continue;
		}
		seq = w->requested;
		t0 = vmha_clock_now_ms();
		w->busy_since_ms = t0;
		vmha_worker_unlock(t);
		memset(&a, 0, sizeof(a));
		rc = vmha_inventory_collect(w->inv, &a);
		vmha_worker_lock(t);
		w->busy_since_ms = 0;
		w->served = seq;
		vmha_msg_announce_clear(&w->result);
		w->result = a;
		w->result_rc = rc;
		w->result_started_ms = t0;
		w->ready = true;
		vmha_worker_wake_loop(t);
	}
	vmha_worker_unlock(t);
}

struct vmha_inv_worker *vmha_inv_worker_new(struct vmha_inventory *inv)
{
	struct vmha_inv_worker *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		return NULL;
	}
	w->inv = inv;
	w->thread = vmha_worker_new("inventory", inventory_thread, w, true);
	if (w->thread == NULL) {
		free(w);
		return NULL;
	}
	return w;
}

int vmha_inv_worker_fd(const struct vmha_inv_worker *w)
{
	return w != NULL ? vmha_worker_fd(w->thread) : -1;
}

uint64_t vmha_inv_worker_request(struct vmha_inv_worker *w)
{
	uint64_t busy;

	vmha_worker_lock(w->thread);
	w->requested++;
	vmha_worker_signal(w->thread);
	busy = w->busy_since_ms != 0 ? vmha_clock_now_ms() - w->busy_since_ms : 0;
	vmha_worker_unlock(w->thread);
	return busy;
}

bool vmha_inv_worker_take(struct vmha_inv_worker *w, struct vmha_announce *out, int *rc,
                          uint64_t *started_ms)
{
	bool ready;

	memset(out, 0, sizeof(*out));
	vmha_worker_drain(w->thread);
	vmha_worker_lock(w->thread);
	ready = w->ready;
	*out = w->result;
	memset(&w->result, 0, sizeof(w->result));
	w->ready = false;
	*rc = w->result_rc;
	*started_ms = w->result_started_ms;
	vmha_worker_unlock(w->thread);
	return ready;
}

bool vmha_inv_worker_free(struct vmha_inv_worker *w)
{
	if (w == NULL) {
		return true;
	}
	if (!vmha_worker_stop(w->thread, 3000)) {
		/* stuck in libvirt: the thread still uses w */
		return false;
	}
	vmha_msg_announce_clear(&w->result);
	free(w);
	return true;
}

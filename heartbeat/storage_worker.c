/*
 * The storage heartbeat worker (see storage_worker.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deadline.h"
#include "fencing/sfworker.h"
#include "heartbeat/storage_worker.h"
#include "log.h"
#include "util.h"

struct vmha_storage_worker {
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct vmha_storage_hb *hb;
	uint64_t interval_ms;
	/* set by the main loop */
	unsigned int flags;
	bool stop;
	/* the self-fence record to write beside the slot (heartbeat/selfguard.h) */
	char *record_slot;
	char *record_host;
	struct vmha_sfworker_vm *record_vms;
	size_t record_n;
	bool record_complete;
	bool record_pending;
	/* set by the worker */
	struct vmha_slot_record *records;
	size_t n_records;
	bool fresh;
	int write_rc;
	uint64_t last_round_ms;
};

struct scan_buf {
	struct vmha_slot_record *records;
	size_t n;
	size_t cap;
};

static void collect_slot(const struct vmha_slot_record *r, void *opaque)
{
	struct scan_buf *b = opaque;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct vmha_slot_record *p = realloc(b->records, cap * sizeof(*p));

		if (p == NULL) {
			return;
		}
		b->records = p;
		b->cap = cap;
	}
	b->records[b->n++] = *r;
}

static void *storage_thread(void *arg)
{
	struct vmha_storage_worker *w = arg;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		unsigned int flags = w->flags;
		struct scan_buf b = {0};
		struct timespec until;
		int wrc;
		int invalid;

		struct vmha_sfworker_vm *rec = w->record_pending ? w->record_vms : NULL;
		size_t rec_n = w->record_n;
		bool rec_complete = w->record_complete;
		bool rec_pending = w->record_pending;

		w->record_vms = NULL;
		w->record_pending = false;
		pthread_mutex_unlock(&w->lock);
		if (rec_pending) {
			/* the self-fence record: written here, never on the main loop */
			(void)vmha_sfworker_record_write(w->record_slot, w->record_host, rec, rec_n,
			                                 rec_complete);
		}
		free(rec);
		wrc = vmha_storage_hb_write(w->hb, vmha_clock_now_ms(), flags);
		invalid = vmha_storage_hb_scan(w->hb, collect_slot, &b);
		pthread_mutex_lock(&w->lock);
		free(w->records);
		w->records = b.records;
		w->n_records = b.n;
		w->fresh = true;
		w->write_rc = wrc < 0 ? wrc : (invalid < 0 ? invalid : 0);
		w->last_round_ms = vmha_clock_now_ms();
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += (time_t)(w->interval_ms / 1000);
		until.tv_nsec += (long)(w->interval_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!w->stop && pthread_cond_timedwait(&w->wake, &w->lock, &until) == 0) {
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct vmha_storage_worker *vmha_storage_worker_new(struct vmha_storage_hb *hb,
                                                    uint64_t interval_ms)
{
	struct vmha_storage_worker *w = NULL;
	pthread_condattr_t attr;
	int rc;

	if (hb == NULL) {
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		return NULL;
	}
	w->hb = hb;
	w->interval_ms = interval_ms;
	w->last_round_ms = vmha_clock_now_ms();
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &attr);
	pthread_condattr_destroy(&attr);
	rc = -pthread_create(&w->tid, NULL, storage_thread, w);
	if (rc < 0) {
		vmha_err("cannot start the storage heartbeat thread: %s", strerror(-rc));
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	return w;
}

void vmha_storage_worker_set_flags(struct vmha_storage_worker *w, unsigned int flags)
{
	if (w == NULL) {
		return;
	}
	pthread_mutex_lock(&w->lock);
	w->flags = flags;
	pthread_mutex_unlock(&w->lock);
}

int vmha_storage_worker_set_record(struct vmha_storage_worker *w, const char *slot_path,
                                   const char *host, struct vmha_sfworker_vm *vms, size_t n,
                                   bool complete)
{
	char *slot = NULL;
	char *name = NULL;

	if (w == NULL || slot_path == NULL || host == NULL) {
		free(vms);
		return -EINVAL;
	}
	slot = strdup(slot_path);
	name = strdup(host);
	if (slot == NULL || name == NULL) {
		free(slot);
		free(name);
		free(vms);
		return -ENOMEM;
	}
	pthread_mutex_lock(&w->lock);
	free(w->record_slot);
	free(w->record_host);
	free(w->record_vms);
	w->record_slot = slot;
	w->record_host = name;
	w->record_vms = vms;
	w->record_n = n;
	w->record_complete = complete;
	w->record_pending = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void vmha_storage_worker_take(struct vmha_storage_worker *w, struct vmha_storage_reading *out)
{
	memset(out, 0, sizeof(*out));
	if (w == NULL) {
		return;
	}
	pthread_mutex_lock(&w->lock);
	if (w->fresh) {
		out->records = w->records;
		out->n_records = w->n_records;
		w->records = NULL;
		w->n_records = 0;
		w->fresh = false;
	}
	out->rc = w->write_rc;
	out->last_round_ms = w->last_round_ms;
	pthread_mutex_unlock(&w->lock);
}

bool vmha_storage_worker_free(struct vmha_storage_worker *w)
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
		vmha_warn("the storage heartbeat thread is stuck in i/o: not waiting for it");
		pthread_detach(w->tid);
		return false;
	}
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w->records);
	free(w->record_slot);
	free(w->record_host);
	free(w->record_vms);
	free(w);
	return true;
}

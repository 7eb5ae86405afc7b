/*
 * The storage heartbeat worker (see storage_worker.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "fencing/sfworker.h"
#include "heartbeat/storage_worker.h"
#include "log.h"
#include "util.h"
#include "worker.h"

struct vmha_storage_worker {
	struct vmha_worker *thread;
	struct vmha_storage_hb *hb;
	uint64_t interval_ms;
	/* set by the main loop */
	unsigned int flags;
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

static void storage_thread(struct vmha_worker *t, void *arg)
{
	struct vmha_storage_worker *w = arg;

	vmha_worker_lock(t);
	while (!vmha_worker_stopping(t)) {
		unsigned int flags = w->flags;
		struct scan_buf b = {0};
		uint64_t next_ms;
		uint64_t now_ms;
		int wrc;
		int invalid;

		struct vmha_sfworker_vm *rec = w->record_pending ? w->record_vms : NULL;
		size_t rec_n = w->record_n;
		bool rec_complete = w->record_complete;
		bool rec_pending = w->record_pending;

		w->record_vms = NULL;
		w->record_pending = false;
		vmha_worker_unlock(t);
		if (rec_pending) {
			/* the self-fence record: written here, never on the main loop */
			(void)vmha_sfworker_record_write(w->record_slot, w->record_host, rec, rec_n,
			                                 rec_complete);
		}
		free(rec);
		wrc = vmha_storage_hb_write(w->hb, vmha_clock_now_ms(), flags);
		invalid = vmha_storage_hb_scan(w->hb, collect_slot, &b);
		vmha_worker_lock(t);
		free(w->records);
		w->records = b.records;
		w->n_records = b.n;
		w->fresh = true;
		w->write_rc = wrc < 0 ? wrc : (invalid < 0 ? invalid : 0);
		w->last_round_ms = vmha_clock_now_ms();
		/* the next round after interval_ms: only a stop cuts the wait short */
		next_ms = w->last_round_ms + w->interval_ms;
		while (!vmha_worker_stopping(t) && (now_ms = vmha_clock_now_ms()) < next_ms) {
			(void)vmha_worker_wait_ms(t, next_ms - now_ms);
		}
	}
	vmha_worker_unlock(t);
}

struct vmha_storage_worker *vmha_storage_worker_new(struct vmha_storage_hb *hb,
                                                    uint64_t interval_ms)
{
	struct vmha_storage_worker *w = NULL;

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
	w->thread = vmha_worker_new("storage heartbeat", storage_thread, w, false);
	if (w->thread == NULL) {
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
	vmha_worker_lock(w->thread);
	w->flags = flags;
	vmha_worker_unlock(w->thread);
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
	vmha_worker_lock(w->thread);
	free(w->record_slot);
	free(w->record_host);
	free(w->record_vms);
	w->record_slot = slot;
	w->record_host = name;
	w->record_vms = vms;
	w->record_n = n;
	w->record_complete = complete;
	w->record_pending = true;
	vmha_worker_signal(w->thread);
	vmha_worker_unlock(w->thread);
	return 0;
}

void vmha_storage_worker_take(struct vmha_storage_worker *w, struct vmha_storage_reading *out)
{
	memset(out, 0, sizeof(*out));
	if (w == NULL) {
		return;
	}
	vmha_worker_lock(w->thread);
	if (w->fresh) {
		out->records = w->records;
		out->n_records = w->n_records;
		w->records = NULL;
		w->n_records = 0;
		w->fresh = false;
	}
	out->rc = w->write_rc;
	out->last_round_ms = w->last_round_ms;
	vmha_worker_unlock(w->thread);
}

bool vmha_storage_worker_free(struct vmha_storage_worker *w)
{
	if (w == NULL) {
		return true;
	}
	if (!vmha_worker_stop(w->thread, 3000)) {
		/* stuck in i/o: the thread still uses w */
		return false;
	}
	free(w->records);
	free(w->record_slot);
	free(w->record_host);
	free(w->record_vms);
	free(w);
	return true;
}

/*
 * Unit tests of heartbeat/storage_worker.c: the thread that writes this
 * host's slot and reads every slot once per interval, and writes the
 * self-fence record beside the slot, off the main loop.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fencing/selffence.h"
#include "fencing/sfworker.h"
#include "heartbeat/storage_hb.h"
#include "heartbeat/storage_worker.h"
#include "heartbeat/view.h"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Take readings until one has records (a round finished), for at most 5 s. */
static void wait_round(struct vmha_storage_worker *w, struct vmha_storage_reading *r)
{
	int i;

	for (i = 0; i < 500; i++) {
		vmha_storage_worker_take(w, r);
		if (r->records != NULL) {
			return;
		}
		sleep_ms(10);
	}
	fail_msg("the storage worker finished no round in 5 s");
}

static const struct vmha_slot_record *find(const struct vmha_storage_reading *r, const char *host)
{
	size_t i;

	for (i = 0; i < r->n_records; i++) {
		if (strcmp(r->records[i].host, host) == 0) {
			return &r->records[i];
		}
	}
	return NULL;
}

static void test_rounds_flags_and_record(void **state)
{
	char dir[] = "/tmp/vmha-storage-worker-XXXXXX";
	char slot[256];
	char record[300];
	struct vmha_storage_hb *hb;
	struct vmha_storage_hb *peer;
	struct vmha_storage_worker *w;
	struct vmha_storage_reading r;
	struct vmha_sfworker_vm *vms;
	const struct vmha_slot_record *mine;
	int64_t when = 0;
	bool complete = false;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(slot, sizeof(slot), "%s/h1.slot", dir);
	snprintf(record, sizeof(record), "%s.selffence", slot);
	hb = vmha_storage_hb_new(dir, "h1", 7);
	peer = vmha_storage_hb_new(dir, "h2", 9);
	assert_non_null(hb);
	assert_non_null(peer);
	assert_int_equal(vmha_storage_hb_write(peer, 1000, 0), 0);

	w = vmha_storage_worker_new(hb, 200);
	assert_non_null(w);
	/* the first round runs at once: this host's slot written, both read */
	wait_round(w, &r);
	assert_int_equal(r.rc, 0);
	assert_true(r.last_round_ms > 0);
	assert_int_equal(r.n_records, 2);
	mine = find(&r, "h1");
	assert_non_null(mine);
	assert_int_equal(mine->incarnation, 7);
	assert_int_equal(mine->flags, 0);
	assert_non_null(find(&r, "h2"));
	assert_int_equal(find(&r, "h2")->incarnation, 9);
	free(r.records);
	/* taken: nothing fresh until the next round */
	vmha_storage_worker_take(w, &r);
	assert_null(r.records);
	assert_int_equal(r.n_records, 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(access(record, F_OK), -1);

	/* flags and the self-fence record go out with a later round */
	vmha_storage_worker_set_flags(w, VMHA_SLOT_SELF_FENCED);
	vms = calloc(1, sizeof(*vms));
	assert_non_null(vms);
	snprintf(vms->name, sizeof(vms->name), "web1");
	assert_int_equal(vmha_storage_worker_set_record(w, slot, "h1", vms, 1, true), 0);
	for (i = 0; i < 500; i++) {
		wait_round(w, &r);
		mine = find(&r, "h1");
		assert_non_null(mine);
		if (mine->flags == VMHA_SLOT_SELF_FENCED) {
			break;
		}
		free(r.records);
		r.records = NULL;
	}
	assert_non_null(mine);
	assert_int_equal(mine->flags, VMHA_SLOT_SELF_FENCED);
	free(r.records);
	assert_int_equal(vmha_selffence_record_read(slot, &when, &complete), 0);
	assert_true(complete);
	assert_true(when > 0);

	assert_true(vmha_storage_worker_free(w));
	vmha_storage_hb_free(hb);
	vmha_storage_hb_free(peer);
	unlink(record);
	unlink(slot);
	snprintf(slot, sizeof(slot), "%s/h2.slot", dir);
	unlink(slot);
	assert_int_equal(rmdir(dir), 0);
}

static void test_storage_gone(void **state)
{
	char dir[] = "/tmp/vmha-storage-worker-XXXXXX";
	struct vmha_storage_hb *hb;
	struct vmha_storage_worker *w;
	struct vmha_storage_reading r;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	hb = vmha_storage_hb_new(dir, "h1", 1);
	assert_non_null(hb);
	/* the shared directory vanished: every round reports the error */
	assert_int_equal(rmdir(dir), 0);
	w = vmha_storage_worker_new(hb, 50);
	assert_non_null(w);
	for (i = 0; i < 500; i++) {
		vmha_storage_worker_take(w, &r);
		assert_null(r.records);
		if (r.rc < 0) {
			break;
		}
		sleep_ms(10);
	}
	assert_int_equal(r.rc, -ENOENT);
	assert_true(vmha_storage_worker_free(w));
	vmha_storage_hb_free(hb);
}

static void test_bad_arguments(void **state)
{
	struct vmha_storage_reading r;
	struct vmha_sfworker_vm *vms = calloc(1, sizeof(*vms));

	(void)state;
	assert_null(vmha_storage_worker_new(NULL, 100));
	vmha_storage_worker_set_flags(NULL, 1);
	/* the VMs are taken over (freed) even when refused */
	assert_int_equal(vmha_storage_worker_set_record(NULL, "/x.slot", "h1", vms, 1, true),
	                 -EINVAL);
	memset(&r, 0x5a, sizeof(r));
	vmha_storage_worker_take(NULL, &r);
	assert_null(r.records);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.last_round_ms, 0);
	assert_true(vmha_storage_worker_free(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rounds_flags_and_record),
	        cmocka_unit_test(test_storage_gone),
	        cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

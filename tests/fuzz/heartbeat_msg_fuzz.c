/*
 * libFuzzer target for vmhad's message codec (heartbeat/msg.c) and the
 * view's message path (heartbeat/view.c).
 *
 * Oracle: a rejected message leaves nothing behind and gives a known error
 * code; an accepted message is valid (names, UUIDs, ranges) and survives an
 * encode/decode round trip unchanged. Any other outcome aborts.
 * Built by configure --enable-fuzzing, run by scripts/fuzz-all; make check
 * replays its kept corpus (heartbeat_msg_corpus/).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heartbeat/msg.h"
#include "heartbeat/view.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vmha_view *view;

static void check_valid(const struct vmha_announce *a)
{
	size_t i;

	if (!vmha_util_name_is_valid(a->host) || a->memory_free_kib > a->memory_kib ||
	    a->n_vms > VMHA_MSG_MAX_VMS || (a->n_vms > 0) != (a->vms != NULL)) {
		abort();
	}
	for (i = 0; i < a->n_vms; i++) {
		if (!vmha_util_name_is_valid(a->vms[i].name) ||
		    !vmha_msg_uuid_is_valid(a->vms[i].uuid)) {
			abort();
		}
	}
}

static void same(const struct vmha_announce *a, const struct vmha_announce *b)
{
	if (strcmp(a->host, b->host) != 0 || a->incarnation != b->incarnation || a->seq != b->seq ||
	    a->cpus != b->cpus || a->memory_kib != b->memory_kib ||
	    a->memory_free_kib != b->memory_free_kib || a->health != b->health ||
	    a->standby != b->standby || a->n_vms != b->n_vms ||
	    (a->n_vms > 0 && memcmp(a->vms, b->vms, a->n_vms * sizeof(*a->vms)) != 0)) {
		abort();
	}
}

static void feed_view(const uint8_t *data, size_t size)
{
	static const struct vmha_member members[] = {{1, 1001, VMHA_REASON_JOIN},
	                                             {2, 1002, VMHA_REASON_JOIN}};
	struct vmha_view_action action;

	if (view == NULL) {
		struct vmha_view_config c = {.self_name = "h1",
		                             .storage_enabled = true,
		                             .storage_timeout_ms = 3000,
		                             .silence_timeout_ms = 5000};

		view = vmha_view_new(&c);
		if (view == NULL) {
			abort();
		}
		vmha_view_set_self_nodeid(view, 1);
		vmha_view_confchg(view, 0, members, 2, NULL, 0, members, 2);
	}
	vmha_view_message(view, 1, 2, 1002, data, size);
	while (vmha_view_next_action(view, &action)) {
		if (strlen(action.text) >= sizeof(action.text)) {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmha_announce a;
	struct vmha_announce b;
	char err[160];
	char *buf = NULL;
	size_t len = 0;
	int rc = vmha_msg_decode(data, size, &a, err, sizeof(err));

	if (rc < 0) {
		if ((rc != -EBADMSG && rc != -EPROTONOSUPPORT && rc != -ENOMEM) || a.vms != NULL ||
		    a.n_vms != 0 || err[0] == '\0') {
			abort();
		}
	} else {
		check_valid(&a);
		if (vmha_msg_encode(&a, &buf, &len) != 0 ||
		    vmha_msg_decode(buf, len, &b, err, sizeof(err)) != 0) {
			abort();
		}
		same(&a, &b);
		vmha_msg_announce_clear(&b);
		free(buf);
	}
	vmha_msg_announce_clear(&a);
	feed_view(data, size);
	return 0;
}

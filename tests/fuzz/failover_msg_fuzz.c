/*
 * libFuzzer target: the failover message decoder, vmha_failover_msg_decode()
 * (heartbeat/failover.c today; it moves with the coordinator rewrite, keep
 * this target on the decoder wherever it lives).
 *
 * Oracle: a rejected message gives -ENOMSG (not a failover message) or
 * -EINVAL with a reason; an accepted one has a known type, valid names and
 * survives an encode/decode round trip unchanged.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "heartbeat/failover.h"
#include "tests/fuzz/fuzz_util.h"
#include "util.h"

static void check_same(const struct vmha_failover_msg *a, const struct vmha_failover_msg *b)
{
	if (strcmp(a->type, b->type) != 0 || strcmp(a->host, b->host) != 0 ||
	    strcmp(a->vm, b->vm) != 0 || strcmp(a->text, b->text) != 0 ||
	    (strcmp(a->type, "start") == 0 && a->ok != b->ok)) {
		vmha_fuzz_fail("failover message changed in a round trip: '%s' '%s'", a->type,
		               b->type);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmha_failover_msg m;
	struct vmha_failover_msg back;
	char err[256];
	char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = vmha_failover_msg_decode(data, size, &m, err, sizeof(err));
	if (rc == -ENOMSG) {
		return 0;
	}
	if (rc == -EINVAL) {
		if (err[0] == '\0') {
			vmha_fuzz_fail("failover message rejected without a reason");
		}
		return 0;
	}
	if (rc != 0) {
		vmha_fuzz_fail("failover message decode: unexpected rc %d", rc);
	}
	if ((strcmp(m.type, "fenced") != 0 && strcmp(m.type, "start") != 0 &&
	     strcmp(m.type, "assign") != 0) ||
	    !vmha_util_name_is_valid(m.host) ||
	    (strcmp(m.type, "fenced") != 0 && !vmha_util_name_is_valid(m.vm))) {
		vmha_fuzz_fail("failover message accepted with type '%.16s' host '%.64s'", m.type,
		               m.host);
	}
	if (vmha_failover_msg_encode(&m, &buf, &len) != 0) {
		vmha_fuzz_fail("an accepted failover message does not encode");
	}
	if (vmha_failover_msg_decode(buf, len, &back, err, sizeof(err)) != 0) {
		vmha_fuzz_fail("a re-encoded failover message does not decode: %s", err);
	}
	check_same(&m, &back);
	free(buf);
	return 0;
}

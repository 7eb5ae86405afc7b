/*
 * libFuzzer target: the storage-heartbeat slot parser,
 * vmha_storage_hb_parse() (heartbeat/storage_hb.c).
 *
 * Oracle: an accepted slot has a valid host name and survives a
 * format/parse round trip unchanged; a rejected one gives -EBADMSG.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "heartbeat/storage_hb.h"
#include "tests/fuzz/fuzz_util.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmha_slot_record r;
	struct vmha_slot_record back;
	char buf[512];
	int rc;

	memset(&r, 0, sizeof(r));
	rc = vmha_storage_hb_parse((const char *)data, size, &r);
	if (rc == -EBADMSG) {
		return 0;
	}
	if (rc != 0) {
		vmha_fuzz_fail("slot parse: unexpected rc %d", rc);
	}
	if (!vmha_util_name_is_valid(r.host)) {
		vmha_fuzz_fail("slot accepted with an invalid host name");
	}
	if (vmha_storage_hb_format(&r, buf, sizeof(buf)) != 0) {
		vmha_fuzz_fail("an accepted slot does not format");
	}
	memset(&back, 0, sizeof(back));
	if (vmha_storage_hb_parse(buf, strlen(buf), &back) != 0) {
		vmha_fuzz_fail("a formatted slot does not parse: '%s'", buf);
	}
	if (strcmp(r.host, back.host) != 0 || r.incarnation != back.incarnation ||
	    r.seq != back.seq || r.mono_ms != back.mono_ms || r.flags != back.flags) {
		vmha_fuzz_fail("slot changed in a round trip: '%s'", buf);
	}
	return 0;
}

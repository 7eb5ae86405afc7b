/*
 * libFuzzer target: the self-fence record a host leaves beside its
 * storage-heartbeat slot, vmha_selffence_record_read() (fencing/selffence.c).
 *
 * Oracle: 0 or -EINVAL only; a record is accepted only when it holds a time
 * and a result line, and a record written by vmha_selffence_record_write()
 * reads back as written.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fencing/selffence.h"
#include "tests/fuzz/fuzz_util.h"

/* Once per process: what record_write() writes, record_read() reads back. */
static void check_round_trip(const char *slot)
{
	static const char *const vms[] = {"web1", "db1"};
	static bool done;
	int64_t when = 0;
	bool complete = false;

	if (done) {
		return;
	}
	done = true;
	if (vmha_selffence_record_write(slot, "h1", vms, 2, true) != 0 ||
	    vmha_selffence_record_read(slot, &when, &complete) != 0 || !complete || when <= 0) {
		vmha_fuzz_fail("a written self-fence record does not read back complete");
	}
	if (vmha_selffence_record_write(slot, "h1", vms, 1, false) != 0 ||
	    vmha_selffence_record_read(slot, &when, &complete) != 0 || complete) {
		vmha_fuzz_fail("a written self-fence record does not read back incomplete");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char slot[512];
	int64_t when = 0;
	bool complete = false;
	int rc;

	snprintf(slot, sizeof(slot), "%s/h1.slot", vmha_fuzz_dir());
	check_round_trip(slot);
	if (vmha_fuzz_write("h1.slot.selffence", data, size) == NULL) {
		return 0;
	}
	rc = vmha_selffence_record_read(slot, &when, &complete);
	if (rc != 0 && rc != -EINVAL) {
		vmha_fuzz_fail("self-fence record: unexpected rc %d", rc);
	}
	if (rc == 0 &&
	    (memmem(data, size, "time=", 5) == NULL || memmem(data, size, "result=", 7) == NULL)) {
		vmha_fuzz_fail("self-fence record accepted without a time and a result");
	}
	return 0;
}

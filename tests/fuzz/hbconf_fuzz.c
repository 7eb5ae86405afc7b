/*
 * libFuzzer target: vmhad's configuration file, vmha_hbconf_load()
 * (heartbeat/hbconf.c).
 *
 * Oracle: a bad file gives -EINVAL and an error naming the file (and a line
 * when one is at fault) and leaves the caller's configuration untouched; a
 * good one gives a known mode.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "heartbeat/hbconf.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmha_hbconf conf;
	struct vmha_hbconf before;
	char err[512];
	const char *path;
	int rc;

	path = vmha_fuzz_write("vmhad.conf", data, size);
	if (path == NULL) {
		return 0;
	}
	memset(&conf, 0xa5, sizeof(conf));
	memcpy(&before, &conf, sizeof(conf));
	err[0] = '\0';
	rc = vmha_hbconf_load(path, &conf, err, sizeof(err));
	if (rc == 0) {
		if (conf.mode != VMHA_HB_MODE_MONITOR && conf.mode != VMHA_HB_MODE_STANDALONE) {
			vmha_fuzz_fail("configuration accepted with an unknown mode");
		}
		return 0;
	}
	if (rc != -EINVAL) {
		vmha_fuzz_fail("configuration load: unexpected rc %d (%s)", rc, err);
	}
	if (strncmp(err, path, strlen(path)) != 0) {
		vmha_fuzz_fail("configuration error does not name the file: '%s'", err);
	}
	if (memcmp(&conf, &before, sizeof(conf)) != 0) {
		vmha_fuzz_fail("a rejected configuration changed the caller's: '%s'", err);
	}
	return 0;
}

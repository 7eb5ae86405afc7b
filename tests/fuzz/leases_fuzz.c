/*
 * libFuzzer target: the disk-lease check's reading of libvirt's
 * configuration, vmha_leases_probe() (heartbeat/leases.c). The input is
 * written as qemu.conf and as qemu-lockd.conf and qemu-sanlock.conf.
 *
 * Oracle: an error names a file of the directory; a success gives a known
 * manager, and a reason exactly when the disks are not covered.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "heartbeat/leases.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmha_leases_info info;
	const char *dir = vmha_fuzz_dir();
	char err[512];
	int rc;

	if (vmha_fuzz_write("qemu.conf", data, size) == NULL ||
	    vmha_fuzz_write("qemu-lockd.conf", data, size) == NULL ||
	    vmha_fuzz_write("qemu-sanlock.conf", data, size) == NULL) {
		return 0;
	}
	err[0] = '\0';
	rc = vmha_leases_probe(dir, &info, err, sizeof(err));
	if (rc < 0) {
		if (rc != -EINVAL || strncmp(err, dir, strlen(dir)) != 0) {
			vmha_fuzz_fail("lease probe: rc %d, error not naming a file: '%s'", rc,
			               err);
		}
		return 0;
	}
	if (strcmp(info.manager, "none") != 0 && strcmp(info.manager, "lockd") != 0 &&
	    strcmp(info.manager, "sanlock") != 0) {
		vmha_fuzz_fail("lease probe: unknown manager '%s'", info.manager);
	}
	if (vmha_leases_cover_disks(&info) == (info.why[0] != '\0')) {
		vmha_fuzz_fail("lease probe: covered %d but reason '%s'",
		               vmha_leases_cover_disks(&info), info.why);
	}
	return 0;
}

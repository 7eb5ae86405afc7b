/*
 * libFuzzer target: the fencing configuration, vmha_fence_config_parse()
 * (fencing/fence_config.c).
 *
 * Oracle: a rejected file gives -EINVAL and an error naming the file; an
 * accepted one describes itself, every device has a name and an agent, and
 * every level view of a node lists only configured devices.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fencing/fence_config.h"
#include "tests/fuzz/fuzz_util.h"

static void check_levels(const struct vmha_fence_config *cfg, const char *node)
{
	struct vmha_fence_level_view *levels = NULL;
	size_t n = 0;
	size_t i;
	size_t j;
	size_t k;
	int rc;

	rc = vmha_fence_config_levels(cfg, node, &levels, &n);
	if (rc == -ENOENT) {
		return;
	}
	if (rc != 0) {
		vmha_fuzz_fail("fence levels of '%s': unexpected rc %d", node, rc);
	}
	for (i = 0; i < n; i++) {
		if (levels[i].index < 1 || levels[i].index > 9 || levels[i].n_devices == 0) {
			vmha_fuzz_fail("fence level %u of '%s' is out of range or empty",
			               levels[i].index, node);
		}
		for (j = 0; j < levels[i].n_devices; j++) {
			for (k = 0; k < vmha_fence_config_device_count(cfg); k++) {
				if (vmha_fence_config_device(cfg, k) == levels[i].devices[j]) {
					break;
				}
			}
			if (k == vmha_fence_config_device_count(cfg)) {
				vmha_fuzz_fail("fence level of '%s' lists an unknown device", node);
			}
		}
	}
	vmha_fence_config_levels_free(levels, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmha_fence_config *cfg = NULL;
	char *text = vmha_fuzz_strndup(data, size);
	char *desc = NULL;
	char err[512];
	size_t i;
	int rc;

	err[0] = '\0';
	rc = vmha_fence_config_parse(text, "fuzz.conf", &cfg, err, sizeof(err));
	if (rc != 0) {
		if (rc != -EINVAL || strncmp(err, "fuzz.conf", 9) != 0) {
			vmha_fuzz_fail("fence config rejected with rc %d and error '%s'", rc, err);
		}
		if (cfg != NULL) {
			vmha_fuzz_fail("a rejected fence config was returned");
		}
		goto out;
	}
	desc = vmha_fence_config_describe(cfg);
	if (desc == NULL) {
		vmha_fuzz_fail("an accepted fence config does not describe itself");
	}
	for (i = 0; i < vmha_fence_config_device_count(cfg); i++) {
		const struct vmha_fence_device *dev = vmha_fence_config_device(cfg, i);

		if (dev == NULL || vmha_fence_device_name(dev)[0] == '\0' ||
		    vmha_fence_device_agent(dev)[0] == '\0') {
			vmha_fuzz_fail("fence device %zu has no name or agent", i);
		}
	}
	check_levels(cfg, "h1");
	check_levels(cfg, "h2");
out:
	free(desc);
	vmha_fence_config_free(cfg);
	free(text);
	return 0;
}

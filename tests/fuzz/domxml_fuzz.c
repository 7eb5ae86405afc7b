/*
 * libFuzzer target: libvirt domain XML as vmha reads it,
 * vmha_domxml_parse_string() (lib/domxml.c).
 *
 * Oracle: a rejected document gives a negative errno, no object and a
 * reason; an accepted one has a valid name, and every listed disk, network,
 * bridge and pool is a string. The same input split at its first blank as
 * "VALUE UNIT" feeds the <memory>/<vcpu> value parsers: a refusal is
 * -EINVAL/-ERANGE with a reason, an accepted <vcpu> is positive.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domxml.h"
#include "tests/fuzz/fuzz_util.h"
#include "util.h"

static void check_values(char *text)
{
	char why[256];
	char *unit = strchr(text, ' ');
	uint64_t kib = 0;
	unsigned int vcpus = 0;
	int rc;

	if (unit != NULL) {
		*unit++ = '\0';
	}
	why[0] = '\0';
	rc = vmha_domxml_parse_memory(text, unit, &kib, why, sizeof(why));
	if (rc != 0 && ((rc != -EINVAL && rc != -ERANGE) || why[0] == '\0')) {
		vmha_fuzz_fail("memory value refused with rc %d and reason '%s'", rc, why);
	}
	why[0] = '\0';
	rc = vmha_domxml_parse_vcpus(text, &vcpus, why, sizeof(why));
	if ((rc == 0 && vcpus == 0) ||
	    (rc != 0 && ((rc != -EINVAL && rc != -ERANGE) || why[0] == '\0'))) {
		vmha_fuzz_fail("vcpu value: rc %d, %u vcpus, reason '%s'", rc, vcpus, why);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmha_domxml *dx = NULL;
	char *xml = vmha_fuzz_strndup(data, size);
	char err[512];
	size_t i;
	int rc;

	err[0] = '\0';
	rc = vmha_domxml_parse_string(xml, &dx, err, sizeof(err));
	if (rc != 0) {
		if (rc > 0 || dx != NULL || err[0] == '\0') {
			vmha_fuzz_fail("domain XML rejected with rc %d and error '%s'", rc, err);
		}
		goto out;
	}
	if (dx == NULL || vmha_domxml_name(dx) == NULL || vmha_domxml_text(dx) == NULL) {
		vmha_fuzz_fail("domain XML accepted without a name or text");
	}
	for (i = 0; i < vmha_domxml_disk_count(dx); i++) {
		if (vmha_domxml_disk(dx, i) == NULL) {
			vmha_fuzz_fail("disk %zu of %zu is NULL", i, vmha_domxml_disk_count(dx));
		}
	}
	for (i = 0; i < vmha_domxml_network_count(dx); i++) {
		if (vmha_domxml_network(dx, i) == NULL) {
			vmha_fuzz_fail("network %zu is NULL", i);
		}
	}
	for (i = 0; i < vmha_domxml_bridge_count(dx); i++) {
		if (vmha_domxml_bridge(dx, i) == NULL) {
			vmha_fuzz_fail("bridge %zu is NULL", i);
		}
	}
	for (i = 0; i < vmha_domxml_pool_count(dx); i++) {
		if (vmha_domxml_pool(dx, i) == NULL) {
			vmha_fuzz_fail("pool %zu is NULL", i);
		}
	}
	vmha_domxml_memory_kib(dx);
	vmha_domxml_vcpus(dx);
	vmha_domxml_cpu_xml(dx);
out:
	vmha_domxml_free(dx);
	check_values(xml);
	free(xml);
	return 0;
}

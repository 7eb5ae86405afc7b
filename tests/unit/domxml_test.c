/* Unit tests of lib/domxml.c. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "domxml.h"
#include "registry.h"

static const char full[] = "<domain type='kvm'>\n"
                           "  <name>web1</name>\n"
                           "  <uuid>6c5e3b1e-4b8d-4c47-9a44-7b8f0c0f6b11</uuid>\n"
                           "  <memory unit='MiB'>128</memory>\n"
                           "  <vcpu placement='static'>2</vcpu>\n"
                           "  <cpu mode='custom'><model>qemu64</model></cpu>\n"
                           "  <devices>\n"
                           "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
                           "    <disk type='file'><source file='/srv/web1.qcow2'/></disk>\n"
                           "    <disk type='block'><source dev='/dev/vg/web1-data'/></disk>\n"
                           "    <disk type='volume'><source pool='shared' volume='v'/></disk>\n"
                           "    <interface type='network'><source network='default'/></interface>\n"
                           "    <interface type='network'><source network='default'/></interface>\n"
                           "    <interface type='bridge'><source bridge='br0'/></interface>\n"
                           "  </devices>\n"
                           "</domain>\n";

static void test_full(void **state)
{
	struct vmha_domxml *dx = NULL;
	char error[256] = "";

	assert_int_equal(vmha_domxml_parse_string(full, &dx, error, sizeof(error)), 0);
	assert_string_equal(vmha_domxml_name(dx), "web1");
	assert_string_equal(vmha_domxml_uuid(dx), "6c5e3b1e-4b8d-4c47-9a44-7b8f0c0f6b11");
	assert_string_equal(vmha_domxml_type(dx), "kvm");
	assert_string_equal(vmha_domxml_emulator(dx), "/usr/bin/qemu-system-x86_64");
	assert_int_equal(vmha_domxml_memory_kib(dx), 128 * 1024);
	assert_int_equal(vmha_domxml_vcpus(dx), 2);
	assert_non_null(strstr(vmha_domxml_cpu_xml(dx), "<model>qemu64</model>"));
	assert_int_equal(vmha_domxml_disk_count(dx), 2);
	assert_string_equal(vmha_domxml_disk(dx, 0), "/srv/web1.qcow2");
	assert_string_equal(vmha_domxml_disk(dx, 1), "/dev/vg/web1-data");
	assert_null(vmha_domxml_disk(dx, 2));
	assert_int_equal(vmha_domxml_network_count(dx), 1);
	assert_string_equal(vmha_domxml_network(dx, 0), "default");
	assert_int_equal(vmha_domxml_bridge_count(dx), 1);
	assert_string_equal(vmha_domxml_bridge(dx, 0), "br0");
	assert_int_equal(vmha_domxml_pool_count(dx), 1);
	assert_string_equal(vmha_domxml_pool(dx, 0), "shared");
	assert_string_equal(vmha_domxml_text(dx), full);
	vmha_domxml_free(dx);
	vmha_domxml_free(NULL);
}

static void test_minimal(void **state)
{
	struct vmha_domxml *dx = NULL;

	assert_int_equal(vmha_domxml_parse_string("<domain><name> vm </name><memory>65536</memory>"
	                                          "</domain>",
	                                          &dx, NULL, 0),
	                 0);
	assert_string_equal(vmha_domxml_name(dx), "vm");
	assert_null(vmha_domxml_uuid(dx));
	assert_null(vmha_domxml_cpu_xml(dx));
	assert_int_equal(vmha_domxml_memory_kib(dx), 65536);
	assert_int_equal(vmha_domxml_vcpus(dx), 1);
	assert_int_equal(vmha_domxml_disk_count(dx), 0);
	vmha_domxml_free(dx);
}

static void test_bad(void **state)
{
	static const struct {
		const char *xml;
		const char *error;
	} cases[] = {
	        {"<domain><name>x</name>", "line"},
	        {"not xml at all", "not well-formed"},
	        {"<network><name>x</name></network>", "not <domain>"},
	        {"<domain>\n<memory>1</memory></domain>", "has no <name>"},
	        {"<domain><name>  </name></domain>", "has no <name>"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmha_domxml *dx = NULL;
		char error[256] = "";

		assert_int_equal(vmha_domxml_parse_string(cases[i].xml, &dx, error, sizeof(error)),
		                 -EINVAL);
		assert_null(dx);
		if (strstr(error, cases[i].error) == NULL)
			fail_msg("'%s': error '%s' lacks '%s'", cases[i].xml, error,
			         cases[i].error);
	}
}

static void test_file(void **state)
{
	char path[] = "/tmp/domxml_test.XXXXXX";
	struct vmha_domxml *dx = NULL;
	char error[256] = "";
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(full, f);
	fclose(f);
	assert_int_equal(vmha_domxml_parse_file(path, &dx, error, sizeof(error)), 0);
	assert_string_equal(vmha_domxml_name(dx), "web1");
	vmha_domxml_free(dx);
	dx = NULL;
	f = fopen(path, "w");
	fputs("<domain>\n<name>x</name>\n<oops>\n</domain>\n", f);
	fclose(f);
	assert_int_equal(vmha_domxml_parse_file(path, &dx, error, sizeof(error)), -EINVAL);
	assert_non_null(strstr(error, path));
	assert_non_null(strstr(error, "line 3"));
	unlink(path);
	assert_int_equal(vmha_domxml_parse_file(path, &dx, error, sizeof(error)), -ENOENT);
	assert_non_null(strstr(error, "cannot read"));
}

/* One case of units.list: the agent's parse (KiB) and the registry's (MiB). */
static void run_units_case(const char *input, char *out, size_t out_len)
{
	char kind[16] = "";
	char value[128] = "";
	char unit[32] = "";
	char xml[1024];
	char error[512] = "";
	char *reg_err = NULL;
	struct vmha_domxml *dx = NULL;
	struct vmha_registry_vm *vm = vmha_registry_vm_new("v");
	const char *head =
	        "<domain><name>v</name><uuid>8f1c2d3e-0000-4000-8000-000000000001</uuid>";
	int n = sscanf(input, "%15s %127s %31s", kind, value, unit);

	assert_non_null(vm);
	if (strcmp(kind, "memory") == 0 && n == 3) {
		char attr[64] = "";

		if (strcmp(unit, "-") != 0) {
			snprintf(attr, sizeof(attr), " unit='%s'", unit);
		}
		snprintf(xml, sizeof(xml), "%s<vcpu>1</vcpu><memory%s>%s</memory></domain>", head,
		         attr, value);
	} else if (strcmp(kind, "vcpu") == 0 && n == 2) {
		snprintf(xml, sizeof(xml), "%s<vcpu>%s</vcpu><memory>1024</memory></domain>", head,
		         value);
	} else {
		fail_msg("malformed case '%s'", input);
	}
	if (vmha_domxml_parse_string(xml, &dx, error, sizeof(error)) < 0) {
		/* drop the "'(memory)' line 1: " prefix: the reason is what counts */
		const char *colon = strstr(error, ": ");

		snprintf(out, out_len, "agent: %s", colon != NULL ? colon + 2 : error);
	} else if (strcmp(kind, "memory") == 0) {
		snprintf(out, out_len, "kib=%llu", (unsigned long long)vmha_domxml_memory_kib(dx));
	} else {
		snprintf(out, out_len, "vcpus=%u", vmha_domxml_vcpus(dx));
	}
	if (vmha_registry_vm_set_xml(vm, xml, &reg_err) < 0) {
		const char *colon = reg_err != NULL ? strstr(reg_err, "': ") : NULL;

		snprintf(out + strlen(out), out_len - strlen(out), "; registry: %s",
		         colon != NULL ? colon + 3 : "(no reason)");
	} else {
		snprintf(out + strlen(out), out_len - strlen(out), "; registry %s=%s",
		         strcmp(kind, "memory") == 0 ? "mib" : "cpu",
		         vmha_registry_vm_get(vm, strcmp(kind, "memory") == 0 ? VMHA_REGISTRY_MEMORY
		                                                              : VMHA_REGISTRY_CPU));
	}
	free(reg_err);
	vmha_registry_vm_free(vm);
	vmha_domxml_free(dx);
}

/* units.list: each result recomputed, the whole list compared (diff -u). */
static void test_units(void **state)
{
	const char *list = DOMXML_CASES_DIR "/units.list";
	char actual[] = "/tmp/domxml_units.XXXXXX";
	char line[1024];
	char cmd[1200];
	FILE *in = fopen(list, "r");
	FILE *out;
	int fd = mkstemp(actual);

	assert_non_null(in);
	assert_true(fd >= 0);
	out = fdopen(fd, "w");
	assert_non_null(out);
	while (fgets(line, sizeof(line), in) != NULL) {
		char result[700];
		char *arrow;

		line[strcspn(line, "\n")] = '\0';
		arrow = strstr(line, " -> ");
		if (line[0] == '#' || line[0] == '\0' || arrow == NULL) {
			fprintf(out, "%s\n", line);
			continue;
		}
		*arrow = '\0';
		run_units_case(line, result, sizeof(result));
		fprintf(out, "%s -> %s\n", line, result);
	}
	fclose(in);
	fclose(out);
	if (getenv("VMHA_REGENERATE") != NULL) {
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", actual, list);
		assert_int_equal(system(cmd), 0);
	}
	snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s'", list, actual);
	if (system(cmd) != 0) {
		unlink(actual);
		fail_msg(
		        "'%s' differs from the results (diff above; VMHA_REGENERATE=1 rewrites it)",
		        list);
	}
	unlink(actual);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_full),  cmocka_unit_test(test_minimal),
	        cmocka_unit_test(test_bad),   cmocka_unit_test(test_file),
	        cmocka_unit_test(test_units),
	};

	return cmocka_run_group_tests_name("domxml", tests, NULL, NULL);
}

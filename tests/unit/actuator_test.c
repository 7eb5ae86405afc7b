/*
 * Unit tests of heartbeat/actuator.c: fencing jobs through the test fence
 * agent and VM starts from a registry into libvirt's test driver
 * (test:///default), each run in a worker thread and reported on the
 * actuator's file descriptor.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>

#include "deadline.h"
#include "fencing/fence_config.h"
#include "heartbeat/actuator.h"
#include "registry.h"

#define TEST_AGENT VMHA_TOP_SRCDIR "/tests/integration/fence_vmhatest"
#define URI        "test:///default"

static char dir[] = "/tmp/vmha-actuator-test-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Wait (bounded) for the next result. */
static void take(struct vmha_actuator *act, struct vmha_actuator_result *r)
{
	struct pollfd p = {.fd = vmha_actuator_fd(act), .events = POLLIN};

	assert_int_equal(poll(&p, 1, 30000), 1);
	assert_true(vmha_actuator_take(act, r));
}

static struct vmha_fence_config *fence_config(const char *mode)
{
	struct vmha_fence_config *cfg = NULL;
	char text[1024];
	char err[512];

	snprintf(text, sizeof(text),
	         "mode agents\ndevice d %s state=%s/power mode=%s retries=0\nlevel * 1 d\n",
	         TEST_AGENT, dir, mode);
	assert_int_equal(vmha_fence_config_parse(text, "test.conf", &cfg, err, sizeof(err)), 0);
	assert_int_equal(
	        vmha_fence_config_validate(cfg, vmha_deadline_in_ms(10000), err, sizeof(err)), 0);
	return cfg;
}

static void set_power(const char *value)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/power", dir);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(value, f);
	fclose(f);
}

static void test_fence(void **state)
{
	struct vmha_actuator *act = vmha_actuator_new();
	struct vmha_fence_config *ok = fence_config("ok");
	struct vmha_fence_config *bad = fence_config("fail");
	struct vmha_actuator_result r;

	(void)state;
	assert_non_null(act);
	set_power("on");
	assert_int_equal(vmha_actuator_fence(act, ok, "h2", 20000), 0);
	take(act, &r);
	assert_int_equal(r.kind, VMHA_ACTUATOR_FENCE);
	assert_string_equal(r.host, "h2");
	assert_true(r.ok);
	assert_true(r.text[0] != '\0');

	set_power("on");
	assert_int_equal(vmha_actuator_fence(act, bad, "h3", 20000), 0);
	take(act, &r);
	assert_string_equal(r.host, "h3");
	assert_false(r.ok);

	assert_int_equal(vmha_actuator_fence(act, NULL, "h3", 1000), -EINVAL);
	assert_int_equal(vmha_actuator_fence(NULL, ok, "h3", 1000), -EINVAL);
	vmha_fence_config_free(ok);
	vmha_fence_config_free(bad);
	vmha_actuator_free(act);
	vmha_actuator_free(NULL);
}

static void add_vm_xml(const char *name, const char *xml)
{
	struct vmha_registry *reg;
	struct vmha_registry_vm *vm = vmha_registry_vm_new(name);
	char path[256];
	char *err = NULL;

	snprintf(path, sizeof(path), "%s/registry", dir);
	reg = vmha_registry_open(path);
	assert_non_null(reg);
	assert_non_null(vm);
	assert_int_equal(vmha_registry_vm_set_xml(vm, xml, &err), 0);
	assert_int_equal(vmha_registry_lock(reg, vmha_deadline_in_ms(1000)), 0);
	assert_int_equal(vmha_registry_add(reg, vm, true), 0);
	vmha_registry_unlock(reg);
	vmha_registry_vm_free(vm);
	vmha_registry_free(reg);
}

/* a domain of the test driver, devices appended */
static void domain_xml(char *xml, size_t size, const char *name, const char *uuid,
                       const char *devices)
{
	snprintf(xml, size,
	         "<domain type='test'><name>%s</name><uuid>%s</uuid>"
	         "<memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os>"
	         "<devices>%s</devices></domain>",
	         name, uuid, devices);
}

static void add_vm(const char *name, const char *uuid)
{
	char xml[1024];

	domain_xml(xml, sizeof(xml), name, uuid, "");
	add_vm_xml(name, xml);
}

static void test_start(void **state)
{
	struct vmha_actuator *act = vmha_actuator_new();
	struct vmha_actuator_result r;
	char registry[256];
	/* The test driver's default state lives while a connection holds it. */
	virConnectPtr keep = virConnectOpen(URI);
	virDomainPtr dom = NULL;

	(void)state;
	assert_non_null(act);
	assert_non_null(keep);
	snprintf(registry, sizeof(registry), "%s/registry", dir);
	add_vm("web1", "6d7c0000-0000-4000-8000-000000000101");

	assert_int_equal(vmha_actuator_start(act, URI, "h1", "web1", registry, 20000), 0);
	take(act, &r);
	assert_int_equal(r.kind, VMHA_ACTUATOR_START);
	assert_string_equal(r.vm, "web1");
	assert_string_equal(r.host, "h1");
	assert_true(r.ok);
	assert_string_equal(r.text, "started");
	dom = virDomainLookupByName(keep, "web1");
	assert_non_null(dom);
	assert_int_equal(virDomainIsActive(dom), 1);
	virDomainFree(dom);

	/* it runs now: a second start does not start it twice */
	assert_int_equal(vmha_actuator_start(act, URI, "h1", "web1", registry, 20000), 0);
	take(act, &r);
	assert_true(r.ok);
	assert_string_equal(r.text, "already running here");

	/* not in the registry */
	assert_int_equal(vmha_actuator_start(act, URI, "h1", "ghost", registry, 20000), 0);
	take(act, &r);
	assert_false(r.ok);
	assert_non_null(strstr(r.text, "cannot start from the registry"));

	/* libvirt unreachable */
	add_vm("web2", "6d7c0000-0000-4000-8000-000000000102");
	assert_int_equal(vmha_actuator_start(act, "test:///nonexistent/vmha-no-such.xml", "h1",
	                                     "web2", registry, 20000),
	                 0);
	take(act, &r);
	assert_false(r.ok);
	assert_non_null(strstr(r.text, "cannot connect to libvirt"));
	vmha_actuator_free(act);
	virConnectClose(keep);
}

/* A refused create is final only when no domain of that name is here. */
static void test_start_refused(void **state)
{
	struct vmha_actuator *act = vmha_actuator_new();
	struct vmha_actuator_result r;
	char registry[256];
	char xml[1024];
	virConnectPtr keep = virConnectOpen(URI);
	virDomainPtr dom = NULL;

	(void)state;
	assert_non_null(act);
	assert_non_null(keep);
	snprintf(registry, sizeof(registry), "%s/registry", dir);

	/* libvirt refuses the definition and has no such domain: a failure */
	domain_xml(xml, sizeof(xml), "web4", "6d7c0000-0000-4000-8000-000000000104",
	           "<disk type='file' device='disk'><source file='/nonexistent'/>"
	           "<target dev='vda' bus='nosuchbus'/></disk>");
	add_vm_xml("web4", xml);
	assert_int_equal(vmha_actuator_start(act, URI, "h1", "web4", registry, 20000), 0);
	take(act, &r);
	assert_false(r.ok);
	assert_false(r.unknown);
	assert_non_null(strstr(r.text, "libvirt refused the start"));

	/* a domain of that name is here, not running (as while another start of
	 * it is in flight): the create is refused, the outcome is unknown */
	add_vm("web3", "6d7c0000-0000-4000-8000-000000000103");
	domain_xml(xml, sizeof(xml), "web3", "6d7c0000-0000-4000-8000-000000000f03", "");
	dom = virDomainDefineXML(keep, xml);
	assert_non_null(dom);
	assert_int_equal(virDomainIsActive(dom), 0);
	assert_int_equal(vmha_actuator_start(act, URI, "h1", "web3", registry, 20000), 0);
	take(act, &r);
	assert_false(r.ok);
	assert_true(r.unknown);
	assert_non_null(strstr(r.text, "libvirt refused the start"));
	assert_int_equal(virDomainIsActive(dom), 0);
	assert_int_equal(virDomainUndefine(dom), 0);
	virDomainFree(dom);

	/* gone again: the same start succeeds */
	assert_int_equal(vmha_actuator_start(act, URI, "h1", "web3", registry, 20000), 0);
	take(act, &r);
	assert_true(r.ok);
	assert_false(r.unknown);
	assert_string_equal(r.text, "started");
	vmha_actuator_free(act);
	virConnectClose(keep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fence),
	        cmocka_unit_test(test_start),
	        cmocka_unit_test(test_start_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * Unit tests of heartbeat/inventory.c: what vmhad announces about this
 * host, from libvirt's test driver (test:///default: one running domain
 * "test"), from the fake inventory, and when libvirt does not answer.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "heartbeat/inventory.h"
#include "heartbeat/msg.h"

static void test_libvirt_test_driver(void **state)
{
	struct vmha_inventory *inv = vmha_inventory_new("test:///default", 0);
	struct vmha_announce a;

	(void)state;
	assert_non_null(inv);
	memset(&a, 0, sizeof(a));
	assert_int_equal(vmha_inventory_collect(inv, &a), 0);
	assert_int_equal(a.health, VMHA_HEALTH_OK);
	assert_true(a.cpus > 0);
	assert_true(a.memory_kib > 0);
	assert_true(a.memory_free_kib <= a.memory_kib);
	assert_int_equal(a.n_vms, 1);
	assert_string_equal(a.vms[0].name, "test");
	assert_int_equal(a.vms[0].state, VMHA_VM_RUNNING);
	assert_true(vmha_msg_uuid_is_valid(a.vms[0].uuid));
	assert_true(a.vms[0].vcpus > 0);
	/* a second collection over the same connection gives the same */
	assert_int_equal(vmha_inventory_collect(inv, &a), 0);
	assert_int_equal(a.n_vms, 1);
	free(a.vms);
	vmha_inventory_free(inv);
	vmha_inventory_free(NULL);
}

/* A test-driver node with domains in every state, and one vmha cannot name. */
static const char node_xml[] =
        "<node>\n"
        "  "
        "<cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads><mhz>2000</"
        "mhz></cpu>\n"
        "  <memory>4194304</memory>\n"
        "  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\n"
        "    <name>run1</name><uuid>6f1c2a9e-0d3b-4c5e-9a7f-1b2c3d4e5f61</uuid>\n"
        "    <memory>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os>\n"
        "  </domain>\n"
        "  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\n"
        "    <name>paused1</name><uuid>6f1c2a9e-0d3b-4c5e-9a7f-1b2c3d4e5f62</uuid>\n"
        "    <memory>1048576</memory><vcpu>2</vcpu><os><type>hvm</type></os>\n"
        "    <test:runstate>3</test:runstate>\n"
        "  </domain>\n"
        "  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\n"
        "    <name>crashed1</name><uuid>6f1c2a9e-0d3b-4c5e-9a7f-1b2c3d4e5f63</uuid>\n"
        "    <memory>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os>\n"
        "    <test:runstate>6</test:runstate>\n"
        "  </domain>\n"
        "  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\n"
        "    <name>off1</name><uuid>6f1c2a9e-0d3b-4c5e-9a7f-1b2c3d4e5f64</uuid>\n"
        "    <memory>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os>\n"
        "    <test:runstate>5</test:runstate>\n"
        "  </domain>\n"
        "  <domain type='test'>\n"
        "    <name>not a vmha name</name><uuid>6f1c2a9e-0d3b-4c5e-9a7f-1b2c3d4e5f65</uuid>\n"
        "    <memory>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os>\n"
        "  </domain>\n"
        "</node>\n";

static const struct vmha_vm_info *find_vm(const struct vmha_announce *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->n_vms; i++) {
		if (strcmp(a->vms[i].name, name) == 0) {
			return &a->vms[i];
		}
	}
	return NULL;
}

static void test_domain_states(void **state)
{
	char dir[] = "/tmp/vmha-inventory-XXXXXX";
	char path[300];
	char uri[320];
	struct vmha_inventory *inv;
	struct vmha_announce a;
	const struct vmha_vm_info *vm;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/node.xml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(node_xml, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	snprintf(uri, sizeof(uri), "test://%s", path);
	inv = vmha_inventory_new(uri, 0);
	assert_non_null(inv);
	memset(&a, 0, sizeof(a));
	assert_int_equal(vmha_inventory_collect(inv, &a), 0);
	assert_int_equal(a.health, VMHA_HEALTH_OK);
	assert_int_equal(a.cpus, 2);
	assert_int_equal(a.memory_kib, 4194304);
	/* active domains only, and none whose name vmha cannot carry */
	assert_int_equal(a.n_vms, 3);
	assert_null(find_vm(&a, "off1"));
	assert_null(find_vm(&a, "not a vmha name"));
	vm = find_vm(&a, "run1");
	assert_non_null(vm);
	assert_int_equal(vm->state, VMHA_VM_RUNNING);
	assert_string_equal(vm->uuid, "6f1c2a9e-0d3b-4c5e-9a7f-1b2c3d4e5f61");
	assert_int_equal(vm->memory_kib, 1048576);
	vm = find_vm(&a, "paused1");
	assert_non_null(vm);
	/* paused by hand (not for a migration): announced paused */
	assert_int_equal(vm->state, VMHA_VM_PAUSED);
	assert_int_equal(vm->vcpus, 2);
	vm = find_vm(&a, "crashed1");
	assert_non_null(vm);
	assert_int_equal(vm->state, VMHA_VM_CRASHED);
	free(a.vms);
	vmha_inventory_free(inv);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_fake_vms(void **state)
{
	struct vmha_inventory *inv = vmha_inventory_new("test:///default", 3);
	struct vmha_announce a;
	size_t i;

	(void)state;
	assert_non_null(inv);
	memset(&a, 0, sizeof(a));
	assert_int_equal(vmha_inventory_collect(inv, &a), 0);
	assert_int_equal(a.n_vms, 3);
	assert_string_equal(a.vms[0].name, "fake-vm-0000");
	assert_string_equal(a.vms[2].name, "fake-vm-0002");
	for (i = 0; i < a.n_vms; i++) {
		assert_true(vmha_msg_uuid_is_valid(a.vms[i].uuid));
	}
	free(a.vms);
	vmha_inventory_free(inv);
}

static void test_libvirt_down(void **state)
{
	struct vmha_inventory *inv = vmha_inventory_new("test:///nonexistent/vmha-no-such.xml", 0);
	struct vmha_announce a;

	(void)state;
	assert_non_null(inv);
	memset(&a, 0, sizeof(a));
	/* no libvirt: still an announcement, from the kernel, marked degraded */
	assert_int_equal(vmha_inventory_collect(inv, &a), 0);
	assert_int_equal(a.health, VMHA_HEALTH_DEGRADED);
	assert_true(a.cpus > 0);
	assert_true(a.memory_kib > 0);
	assert_int_equal(a.n_vms, 0);
	/* still down: the same, reported once */
	assert_int_equal(vmha_inventory_collect(inv, &a), 0);
	assert_int_equal(a.health, VMHA_HEALTH_DEGRADED);
	free(a.vms);
	vmha_inventory_free(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_libvirt_test_driver),
	        cmocka_unit_test(test_domain_states),
	        cmocka_unit_test(test_fake_vms),
	        cmocka_unit_test(test_libvirt_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

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
#include <stdlib.h>
#include <string.h>

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
	        cmocka_unit_test(test_fake_vms),
	        cmocka_unit_test(test_libvirt_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

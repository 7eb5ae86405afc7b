/*
 * Unit tests of agent/copystorage.c through migrate_to with copy_storage:
 * the guest runs on libvirt's test:///default (its disk a volume of
 * "default-pool" at /default-pool), the target (remoteuri) is a test driver
 * node from a file. The test driver cannot migrate, so every migrate_to
 * here fails: what is checked is what happens before and after (the
 * reason, the disks the target lacks, the guest still running here).
 */
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
#include <libvirt/libvirt.h>

#include "actions.h"
#include "deadline.h"
#include "ocf.h"
#include "params.h"
#include "virt.h"

static char dir[] = "/tmp/agent_copystorage_test.XXXXXX";
static char config[256];
static char target_ok[300];
static char target_nopool[300];
static char remote_ok[400];
static char remote_nopool[400];
static virConnectPtr raw; /* keeps test:///default's state alive */

static const char vm_xml[] = "<domain type='test'>\n"
                             "  <name>vmc</name>\n"
                             "  <memory unit='MiB'>64</memory>\n"
                             "  <vcpu>1</vcpu>\n"
                             "  <os><type>hvm</type></os>\n"
                             "  <devices><disk type='file' device='disk'>"
                             "<source file='/default-pool/vmc.img'/><target dev='vda'/>"
                             "</disk></devices>\n"
                             "</domain>\n";

static const char node_head[] =
        "<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>1</threads>"
        "<active>4</active><mhz>2000</mhz><model>i686</model></cpu>"
        "<memory>67108864</memory>";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	char body[1024];
	virStoragePoolPtr pool;
	virStorageVolPtr vol;

	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(config, sizeof(config), "%s/vmc.xml", dir);
	write_file(config, vm_xml);
	snprintf(target_ok, sizeof(target_ok), "%s/target-ok.xml", dir);
	snprintf(body, sizeof(body),
	         "%s<pool type='dir'><name>images</name><uuid>35bb2ad9-388a-cdfe-461a-b8907f6e5302"
	         "</uuid><target><path>/default-pool</path></target></pool></node>\n",
	         node_head);
	write_file(target_ok, body);
	snprintf(target_nopool, sizeof(target_nopool), "%s/target-nopool.xml", dir);
	snprintf(body, sizeof(body), "%s</node>\n", node_head);
	write_file(target_nopool, body);
	snprintf(remote_ok, sizeof(remote_ok), "OCF_RESKEY_remoteuri=test://%s", target_ok);
	snprintf(remote_nopool, sizeof(remote_nopool), "OCF_RESKEY_remoteuri=test://%s",
	         target_nopool);
	raw = virConnectOpen("test:///default");
	if (raw == NULL)
		return -1;
	pool = virStoragePoolLookupByName(raw, "default-pool");
	if (pool == NULL)
		return -1;
	vol = virStorageVolCreateXML(
	        pool,
	        "<volume><name>vmc.img</name><capacity unit='MiB'>64</capacity>"
	        "</volume>",
	        0);
	virStoragePoolFree(pool);
	if (vol == NULL)
		return -1;
	virStorageVolFree(vol);
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];

	virConnectClose(raw);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *extra[8];
/* validate-all runs without a migration target (Pacemaker sets it for migrations only) */
static bool no_target;

static const char *get(const char *name, void *opaque)
{
	size_t len = strlen(name);
	size_t i;

	for (i = 0; i < 8 && extra[i] != NULL; i++) {
		if (strncmp(extra[i], name, len) == 0 && extra[i][len] == '=')
			return extra[i] + len + 1;
	}
	if (strcmp(name, "OCF_RESKEY_config") == 0)
		return config;
	if (strcmp(name, "OCF_RESKEY_hypervisor") == 0)
		return "test:///default";
	if (strcmp(name, "HA_RSCTMP") == 0)
		return dir;
	if (strcmp(name, "OCF_RESKEY_CRM_meta_timeout") == 0)
		return "10000";
	if (strcmp(name, "OCF_RESOURCE_INSTANCE") == 0)
		return "vmc";
	if (strcmp(name, "OCF_RESKEY_CRM_meta_migrate_target") == 0)
		return no_target ? NULL : "node2";
	return NULL;
}

static int run(const char *action, char *reason, size_t len)
{
	struct vmha_params *p = vmha_params_new();
	int rc;

	reason[0] = '\0';
	rc = p != NULL ? vmha_params_parse(p, get, NULL, reason, len) : -ENOMEM;
	if (rc == 0)
		rc = vmha_actions_run(action, p, reason, len);
	vmha_params_free(p);
	return (int)vmha_ocf_rc_from_errno(rc);
}

/* validate-all rejects a value other than all or inc. */
static void test_validate(void **state)
{
	char reason[512];

	(void)state;
	memset(extra, 0, sizeof(extra));
	no_target = true;
	extra[0] = "OCF_RESKEY_copy_storage=everything";
	assert_int_equal(run("validate-all", reason, sizeof(reason)), VMHA_OCF_ERR_CONFIGURED);
	assert_non_null(strstr(reason, "'copy_storage' must be 'all' or 'inc'"));
	extra[0] = "OCF_RESKEY_copy_storage=inc";
	assert_int_equal(run("validate-all", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	no_target = false;
}

/* A target without a pool for the disk's directory: migrate_to fails
 * before anything moves, naming the disk; the guest runs on here. */
static void test_no_pool_on_target(void **state)
{
	char reason[512];

	(void)state;
	memset(extra, 0, sizeof(extra));
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	extra[0] = "OCF_RESKEY_copy_storage=all";
	extra[1] = remote_nopool;
	assert_int_equal(run("migrate_to", reason, sizeof(reason)), VMHA_OCF_ERR_GENERIC);
	assert_non_null(strstr(reason, "copy_storage: no active storage pool on 'node2' covers"));
	assert_non_null(strstr(reason, "/default-pool/vmc.img"));
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
}

/* A target with the pool: the disk is created there, the migration (which
 * the test driver cannot do) fails, the guest runs on here. */
static void test_created_then_failed(void **state)
{
	char reason[512];

	(void)state;
	memset(extra, 0, sizeof(extra));
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	extra[0] = "OCF_RESKEY_copy_storage=all";
	extra[1] = remote_ok;
	assert_int_equal(run("migrate_to", reason, sizeof(reason)), VMHA_OCF_ERR_GENERIC);
	/* it got as far as the migration itself (after creating the disk) */
	assert_non_null(strstr(reason, "live migration of 'vmc' to 'node2' failed"));
	assert_null(strstr(reason, "copy_storage"));
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	/* without copy_storage the pre-check misses the disk there */
	extra[0] = remote_ok;
	extra[1] = NULL;
	assert_int_equal(run("migrate_to", reason, sizeof(reason)), VMHA_OCF_ERR_GENERIC);
	assert_non_null(strstr(reason, "does not exist on 'node2'"));
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_validate),
	        cmocka_unit_test(test_no_pool_on_target),
	        cmocka_unit_test(test_created_then_failed),
	};

	return cmocka_run_group_tests_name("agent copy_storage", tests, setup, teardown);
}

/*
 * Unit tests of lib/migration.c and of the disk check of lib/virt.c, with
 * libvirt's test driver: test:///default is the source (domain "test",
 * disk /guest/diskimage1, network "default"), a test driver node written
 * from a template per case is the target.
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

#include "deadline.h"
#include "migration.h"
#include "virt.h"
#include "virt_fixture.h"

#define TIMEOUT_MS VIRT_FIXTURE_TIMEOUT_MS

static const char net_default[] = "  <network><name>default</name><bridge name='virbr0'/>"
                                  "<forward/><ip address='192.168.122.1' netmask='255.255.255.0'>"
                                  "</ip></network>\n";

static const char pool_with_disk[] = "  <pool type='dir'><name>guest</name>"
                                     "<target><path>/guest</path></target>"
                                     "<volume type='file'><name>diskimage1</name>"
                                     "<capacity unit='MiB'>8</capacity></volume></pool>\n";

static const char pool_without_disk[] = "  <pool type='dir'><name>guest</name>"
                                        "<target><path>/guest</path></target>"
                                        "<volume type='file'><name>other.img</name>"
                                        "<capacity unit='MiB'>8</capacity></volume></pool>\n";

/* Run the pre-checks of domain "test" against a target node body. */
static int precheck(struct virt_fixture *fx, const char *body, char *reason, size_t reason_len)
{
	char *uri = virt_fixture_node_uri(body);
	struct vmha_migration *m = vmha_migration_new(fx->dom, "host2", uri);
	int rc;

	assert_non_null(m);
	rc = vmha_migration_precheck(m, vmha_deadline_in_ms(TIMEOUT_MS));
	snprintf(reason, reason_len, "%s", vmha_migration_reason(m));
	vmha_migration_free(m);
	virt_fixture_node_done(uri);
	return rc;
}

static void test_disk_check(void **state)
{
	struct virt_fixture *fx = *state;
	char *uri = NULL;
	char body[1024];
	char pool[64];
	struct vmha_virt *v = NULL;
	enum vmha_virt_disk found = VMHA_VIRT_DISK_PRESENT;

	(void)fx;
	snprintf(body, sizeof(body), "%s", pool_with_disk);
	uri = virt_fixture_node_uri(body);
	assert_int_equal(vmha_virt_open(uri, 0, vmha_deadline_in_ms(TIMEOUT_MS), &v), 0);
	assert_int_equal(vmha_virt_disk_check(v, "/guest/diskimage1",
	                                      vmha_deadline_in_ms(TIMEOUT_MS), &found, pool,
	                                      sizeof(pool)),
	                 0);
	assert_int_equal(found, VMHA_VIRT_DISK_PRESENT);
	assert_string_equal(pool, "guest");
	assert_int_equal(vmha_virt_disk_check(v, "/guest/missing.img",
	                                      vmha_deadline_in_ms(TIMEOUT_MS), &found, pool,
	                                      sizeof(pool)),
	                 0);
	assert_int_equal(found, VMHA_VIRT_DISK_MISSING);
	assert_string_equal(pool, "guest");
	/* no pool covers /elsewhere: cannot tell */
	assert_int_equal(vmha_virt_disk_check(v, "/elsewhere/disk.img",
	                                      vmha_deadline_in_ms(TIMEOUT_MS), &found, pool,
	                                      sizeof(pool)),
	                 0);
	assert_int_equal(found, VMHA_VIRT_DISK_UNCHECKED);
	assert_string_equal(pool, "");
	assert_int_equal(vmha_virt_disk_check(v, "relative.img", vmha_deadline_in_ms(TIMEOUT_MS),
	                                      &found, NULL, 0),
	                 -EINVAL);
	assert_non_null(strstr(vmha_virt_error(v), "relative.img"));
	/* a missed deadline never hangs */
	assert_int_equal(vmha_virt_disk_check(v, "/guest/diskimage1", vmha_clock_now_ms() - 1,
	                                      &found, NULL, 0),
	                 -ETIMEDOUT);
	vmha_virt_free(v);
	virt_fixture_node_done(uri);
}

static void test_precheck_passes(void **state)
{
	char body[2048];
	char reason[1024];

	snprintf(body, sizeof(body), "%s%s", net_default, pool_with_disk);
	assert_int_equal(precheck(*state, body, reason, sizeof(reason)), 0);
	assert_string_equal(reason, "");
}

static void test_precheck_missing_disk(void **state)
{
	char body[2048];
	char reason[1024];

	snprintf(body, sizeof(body), "%s%s", net_default, pool_without_disk);
	assert_int_equal(precheck(*state, body, reason, sizeof(reason)), -ENOENT);
	assert_non_null(strstr(reason, "disk '/guest/diskimage1'"));
	assert_non_null(strstr(reason, "'host2'"));
}

static void test_precheck_uncovered_disk_goes_on(void **state)
{
	char reason[1024];

	/* no pool on the target: libvirt fails fast itself if the disk lacks */
	assert_int_equal(precheck(*state, net_default, reason, sizeof(reason)), 0);
}

static void test_precheck_missing_network(void **state)
{
	char reason[1024];

	assert_int_equal(precheck(*state, pool_with_disk, reason, sizeof(reason)), -ENODEV);
	assert_non_null(strstr(reason, "network 'default'"));
	assert_non_null(strstr(reason, "'host2'"));
}

static void test_precheck_already_active(void **state)
{
	char body[4096];
	char reason[1024];

	snprintf(body, sizeof(body),
	         "%s%s  <domain type='test'><name>test</name><memory>65536</memory>"
	         "<os><type>hvm</type></os></domain>\n",
	         net_default, pool_with_disk);
	assert_int_equal(precheck(*state, body, reason, sizeof(reason)), -EEXIST);
	assert_non_null(strstr(reason, "already active on 'host2'"));
}

static void test_precheck_unreachable(void **state)
{
	struct virt_fixture *fx = *state;
	struct vmha_migration *m =
	        vmha_migration_new(fx->dom, "host9", "test:///nonexistent/target.xml");

	assert_non_null(m);
	assert_int_equal(vmha_migration_precheck(m, vmha_deadline_in_ms(TIMEOUT_MS)),
	                 -EHOSTUNREACH);
	assert_non_null(strstr(vmha_migration_reason(m), "host 'host9'"));
	vmha_migration_free(m);
}

static void test_run_failure_has_reason(void **state)
{
	struct virt_fixture *fx = *state;
	struct vmha_migration *m = vmha_migration_new(fx->dom, "host2", "test:///default");
	virTypedParameterPtr params = NULL;
	int nparams = 0;
	int maxparams = 0;
	int state_now = 0;
	int reason = 0;

	assert_non_null(m);
	assert_int_equal(virTypedParamsAddULLong(&params, &nparams, &maxparams,
	                                         VIR_MIGRATE_PARAM_BANDWIDTH, 100),
	                 0);
	assert_int_equal(virTypedParamsAddString(&params, &nparams, &maxparams,
	                                         VIR_MIGRATE_PARAM_URI, "tcp://127.0.0.1"),
	                 0);
	assert_int_equal(vmha_migration_set_params(m, VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER,
	                                           params, nparams),
	                 0);
	virTypedParamsFree(params, nparams);
	/* the test driver cannot migrate: the failure is reported, the
	 * domain is untouched */
	assert_int_equal(vmha_migration_run(m, vmha_deadline_in_ms(TIMEOUT_MS),
	                                    vmha_deadline_in_ms(TIMEOUT_MS)),
	                 -EIO);
	assert_non_null(strstr(vmha_migration_reason(m), "'test'"));
	assert_non_null(strstr(vmha_migration_reason(m), "'host2'"));
	assert_int_equal(vmha_virt_domain_get_state(fx->dom, vmha_deadline_in_ms(TIMEOUT_MS),
	                                            &state_now, &reason),
	                 0);
	assert_int_equal(state_now, VIR_DOMAIN_RUNNING);
	vmha_migration_free(m);
}

static void test_eta(void **state)
{
	(void)state;
	assert_int_equal(vmha_migration_eta_ms(100 << 20, 10 << 20), 10000);
	assert_int_equal(vmha_migration_eta_ms(0, 10 << 20), 0);
	assert_true(vmha_migration_eta_ms(1, 0) == UINT64_MAX);
	assert_true(vmha_migration_eta_ms(UINT64_MAX, 1) > 0);
}

static void test_would_miss(void **state)
{
	(void)state;
	/* 64 MiB at 8 MiB/s: 8 s, plus 3 s of slack, against an abort at 20 s */
	assert_false(vmha_migration_would_miss(8000, 20000, 64 << 20, 8 << 20, 3000));
	assert_false(vmha_migration_would_miss(9000, 20000, 64 << 20, 8 << 20, 3000));
	assert_true(vmha_migration_would_miss(9001, 20000, 64 << 20, 8 << 20, 3000));
	/* the slack counts: without it 11.9 s is early enough */
	assert_false(vmha_migration_would_miss(11900, 20000, 64 << 20, 8 << 20, 0));
	assert_true(vmha_migration_would_miss(11900, 20000, 64 << 20, 8 << 20, 3000));
	/* no rate measured yet: no decision */
	assert_false(vmha_migration_would_miss(19999, 20000, 64 << 20, 0, 3000));
	/* an ETA beyond any clock: late */
	assert_true(vmha_migration_would_miss(0, 20000, UINT64_MAX, 1, 0));
}

static void test_progress_starts_empty(void **state)
{
	struct virt_fixture *fx = *state;
	struct vmha_migration *m = vmha_migration_new(fx->dom, "host2", "test:///default");
	const struct vmha_migration_progress *p;

	assert_non_null(m);
	p = vmha_migration_last_progress(m);
	assert_int_equal(vmha_migration_progress_remaining_bytes(p), 0);
	assert_int_equal(vmha_migration_progress_total_bytes(p), 0);
	assert_int_equal(vmha_migration_progress_rate_bps(p), 0);
	assert_int_equal(vmha_migration_progress_iteration(p), 0);
	assert_int_equal(vmha_migration_progress_elapsed_ms(p), 0);
	assert_int_equal(vmha_migration_progress_dirty_rate_pps(p), 0);
	assert_false(vmha_migration_progress_postcopy(p));
	assert_string_equal(vmha_migration_reason(m), "");
	vmha_migration_free(m);
	vmha_migration_free(NULL);
}

/* After a run: the domain must be found running on the target. */
static void test_verify_arrival(void **state)
{
	struct virt_fixture *fx = *state;
	char *uri = virt_fixture_node_uri("");
	struct vmha_migration *m = vmha_migration_new(fx->dom, "host2", uri);
	struct vmha_migration *here = NULL;

	assert_non_null(m);
	/* a target without the domain: it did not arrive */
	assert_int_equal(vmha_migration_verify_arrival(m, vmha_deadline_in_ms(TIMEOUT_MS)), -ESRCH);
	assert_non_null(strstr(vmha_migration_reason(m), "did not arrive on 'host2'"));
	vmha_migration_free(m);
	virt_fixture_node_done(uri);
	/* the shared default driver, where 'test' runs: it is there */
	here = vmha_migration_new(fx->dom, "host3", "test:///default");
	assert_non_null(here);
	assert_int_equal(vmha_migration_verify_arrival(here, vmha_deadline_in_ms(TIMEOUT_MS)), 0);
	assert_string_equal(vmha_migration_reason(here), "");
	vmha_migration_free(here);
	/* an unreachable target says so */
	here = vmha_migration_new(fx->dom, "host4", "test:///nonexistent/vmha-no-such.xml");
	assert_non_null(here);
	assert_true(vmha_migration_verify_arrival(here, vmha_deadline_in_ms(TIMEOUT_MS)) < 0);
	assert_non_null(strstr(vmha_migration_reason(here), "host4"));
	vmha_migration_free(here);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_disk_check),
	        cmocka_unit_test(test_precheck_passes),
	        cmocka_unit_test(test_precheck_missing_disk),
	        cmocka_unit_test(test_precheck_uncovered_disk_goes_on),
	        cmocka_unit_test(test_precheck_missing_network),
	        cmocka_unit_test(test_precheck_already_active),
	        cmocka_unit_test(test_precheck_unreachable),
	        cmocka_unit_test(test_run_failure_has_reason),
	        cmocka_unit_test(test_eta),
	        cmocka_unit_test(test_would_miss),
	        cmocka_unit_test(test_progress_starts_empty),
	        cmocka_unit_test(test_verify_arrival),
	};

	return cmocka_run_group_tests_name("migration", tests, virt_fixture_setup,
	                                   virt_fixture_teardown);
}

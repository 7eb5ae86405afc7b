/* Unit tests of lib/virt.c against libvirt's test:///default driver. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "deadline.h"
#include "virt.h"

static void test_open_and_lookup(void **state)
{
	struct vmha_virt *v = NULL;
	struct vmha_virt_domain *d = NULL;
	char uuid[VIR_UUID_STRING_BUFLEN];
	char *uri;
	unsigned int vcpus = 0;
	uint64_t mem = 0;
	int st = -1;
	int reason = -1;

	assert_int_equal(vmha_virt_open("test:///default", 2, vmha_deadline_in_ms(5000), &v), 0);
	uri = vmha_virt_uri(v, vmha_deadline_in_ms(5000));
	assert_string_equal(uri, "test:///default");
	free(uri);
	assert_int_equal(vmha_virt_domain_lookup(v, NULL, "test", vmha_deadline_in_ms(5000), &d),
	                 0);
	assert_string_equal(vmha_virt_domain_name(d), "test");
	assert_int_equal(vmha_virt_domain_uuid(d, uuid), 0);
	assert_int_equal(vmha_virt_domain_get_state(d, vmha_deadline_in_ms(5000), &st, &reason), 0);
	assert_int_equal(st, VIR_DOMAIN_RUNNING);
	assert_int_equal(vmha_virt_domain_get_info(d, vmha_deadline_in_ms(5000), &vcpus, &mem), 0);
	assert_true(vcpus >= 1);
	assert_true(mem > 0);
	vmha_virt_domain_free(d);
	d = NULL;
	/* by UUID too */
	assert_int_equal(vmha_virt_domain_lookup(v, uuid, NULL, vmha_deadline_in_ms(5000), &d), 0);
	assert_string_equal(vmha_virt_domain_name(d), "test");
	vmha_virt_domain_free(d);
	d = NULL;
	/* libvirt's "no domain" becomes -ENOENT, with libvirt's message kept */
	assert_int_equal(vmha_virt_domain_lookup(v, NULL, "nosuch", vmha_deadline_in_ms(5000), &d),
	                 -ENOENT);
	assert_null(d);
	assert_true(strlen(vmha_virt_error(v)) > 0);
	assert_int_equal(vmha_virt_domain_lookup(v, NULL, NULL, vmha_deadline_in_ms(5000), &d),
	                 -EINVAL);
	assert_false(vmha_virt_is_wedged(v));
	vmha_virt_free(v);
	vmha_virt_free(NULL);
	vmha_virt_domain_free(NULL);
}

/* The guest agent call: bad arguments refused; the test driver has no agent (an error, no reply). */
static void test_agent_command(void **state)
{
	struct vmha_virt *v = NULL;
	struct vmha_virt_domain *d = NULL;
	char *reply = (char *)"x";

	(void)state;
	assert_int_equal(vmha_virt_open("test:///default", 0, vmha_deadline_in_ms(5000), &v), 0);
	assert_int_equal(vmha_virt_domain_lookup(v, NULL, "test", vmha_deadline_in_ms(5000), &d),
	                 0);
	assert_true(vmha_virt_domain_id(d) > 0);
	assert_int_equal(
	        vmha_virt_domain_agent_command(d, NULL, 1, vmha_deadline_in_ms(5000), &reply),
	        -EINVAL);
	assert_null(reply);
	assert_int_equal(vmha_virt_domain_agent_command(d, "{\"execute\":\"guest-ping\"}", 0,
	                                                vmha_deadline_in_ms(5000), &reply),
	                 -EINVAL);
	assert_true(vmha_virt_domain_agent_command(d, "{\"execute\":\"guest-ping\"}", 1,
	                                           vmha_deadline_in_ms(5000), &reply) < 0);
	assert_null(reply);
	assert_false(vmha_virt_is_wedged(v));
	vmha_virt_domain_free(d);
	vmha_virt_free(v);
}

static void test_deadlines(void **state)
{
	struct vmha_virt *v = NULL;
	struct vmha_virt_domain *d = NULL;
	int st;
	int reason;

	/* a deadline already passed: no call is made */
	assert_int_equal(vmha_virt_open("test:///default", 0, vmha_clock_now_ms() - 1, &v),
	                 -ETIMEDOUT);
	assert_null(v);
	assert_non_null(strstr(vmha_virt_open_error(), "deadline"));
	assert_int_equal(vmha_virt_open("test:///default", 0, VMHA_DEADLINE_NEVER, &v), 0);
	assert_int_equal(vmha_virt_domain_lookup(v, NULL, "test", VMHA_DEADLINE_NEVER, &d), 0);
	assert_int_equal(vmha_virt_domain_get_state(d, vmha_clock_now_ms() - 1, &st, &reason),
	                 -ETIMEDOUT);
	/* a missed deadline before the call does not wedge the connection */
	assert_false(vmha_virt_is_wedged(v));
	assert_int_equal(vmha_virt_domain_get_state(d, vmha_deadline_in_ms(5000), &st, &reason), 0);
	vmha_virt_domain_free(d);
	vmha_virt_free(v);
}

static void test_lifecycle(void **state)
{
	static const char xml[] = "<domain type='test'><name>lc</name><memory>65536</memory>"
	                          "<os><type>hvm</type></os></domain>";
	struct vmha_virt *v = NULL;
	struct vmha_virt_domain *d = NULL;
	uint64_t dl = vmha_deadline_in_ms(5000);
	char *text = NULL;
	int st;
	int reason;

	assert_int_equal(vmha_virt_open("test:///default", 0, dl, &v), 0);
	assert_int_equal(vmha_virt_domain_create_xml(v, xml, 0, dl, &d), 0);
	assert_int_equal(vmha_virt_domain_get_state(d, dl, &st, &reason), 0);
	assert_int_equal(st, VIR_DOMAIN_RUNNING);
	assert_int_equal(vmha_virt_domain_create_xml(v, xml, 0, dl, NULL), -EIO);
	assert_int_equal(vmha_virt_domain_get_xml(d, 0, dl, &text), 0);
	assert_non_null(strstr(text, "<name>lc</name>"));
	free(text);
	assert_int_equal(vmha_virt_domain_shutdown(d, 0, dl), 0);
	/* transient: gone once shut down */
	assert_int_equal(vmha_virt_domain_get_state(d, dl, &st, &reason), -ENOENT);
	assert_int_equal(vmha_virt_domain_destroy(d, 0, dl), -ENOENT);
	vmha_virt_domain_free(d);
	/* compare_cpu and networks exist in the test driver */
	{
		bool active = false;

		assert_int_equal(vmha_virt_network_is_active(v, "default", dl, &active), 0);
		assert_true(active);
		assert_int_equal(vmha_virt_network_is_active(v, "nosuchnet", dl, &active), -EINVAL);
	}
	vmha_virt_free(v);
}

/* A "libvirtd" that accepts connections and never answers: the open must
 * give up at its deadline instead of hanging. */
static void test_hung_daemon(void **state)
{
	struct sockaddr_un addr;
	struct vmha_virt *v = NULL;
	char uri[256];
	uint64_t start;
	int fd;

	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/tmp/virt_test.%ld.sock", (long)getpid());
	unlink(addr.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 8), 0);
	snprintf(uri, sizeof(uri), "qemu+unix:///system?socket=%s", addr.sun_path);
	start = vmha_clock_now_ms();
	assert_int_equal(vmha_virt_open(uri, 1, vmha_deadline_in_ms(700), &v), -ETIMEDOUT);
	assert_true(vmha_clock_now_ms() - start < 3000);
	assert_null(v);
	assert_non_null(strstr(vmha_virt_open_error(), "deadline"));
	close(fd);
	unlink(addr.sun_path);
	/* nobody listening: refused at once */
	assert_int_equal(vmha_virt_open(uri, 1, vmha_deadline_in_ms(5000), &v), -ECONNREFUSED);
}

static void test_bad_uri(void **state)
{
	struct vmha_virt *v = NULL;

	assert_true(vmha_virt_open("test:///nonexistent/file.xml", 0, vmha_deadline_in_ms(5000),
	                           &v) < 0);
	assert_null(v);
	assert_true(strlen(vmha_virt_open_error()) > 0);
	assert_int_equal(vmha_virt_state_name(VIR_DOMAIN_SHUTOFF)[0], 's');
}

/* The host checks the agent and the CLI make, as the test driver answers them. */
static void test_host_resources(void **state)
{
	uint64_t dl = vmha_deadline_in_ms(5000);
	struct vmha_virt *v = NULL;
	enum vmha_virt_disk disk = VMHA_VIRT_DISK_PRESENT;
	uint64_t free_bytes = 0;
	char pool[64];
	bool yes = false;

	assert_int_equal(vmha_virt_open("test:///default", 0, dl, &v), 0);
	assert_int_equal(vmha_virt_interface_exists(v, "eth1", dl, &yes), 0);
	assert_true(yes);
	assert_int_equal(vmha_virt_interface_exists(v, "vmha-nosuch0", dl, &yes), 0);
	assert_false(yes);
	assert_int_equal(vmha_virt_node_free_memory(v, dl, &free_bytes), 0);
	assert_true(free_bytes > 0);
	assert_int_equal(vmha_virt_network_is_active(v, "default", dl, &yes), 0);
	assert_true(yes);
	assert_int_equal(vmha_virt_network_is_active(v, "vmha-nosuch", dl, &yes), -EINVAL);
	assert_int_equal(vmha_virt_network_ensure_active(v, "default", dl), 0);
	assert_int_equal(vmha_virt_network_ensure_active(v, "vmha-nosuch", dl), -EINVAL);
	assert_int_equal(vmha_virt_pool_ensure_active(v, "default-pool", dl), 0);
	assert_int_equal(vmha_virt_pool_ensure_active(v, "vmha-nosuch", dl), -EINVAL);
	/* a pool covers /default-pool: it says the volume is missing */
	pool[0] = '\0';
	assert_int_equal(
	        vmha_virt_disk_check(v, "/default-pool/nosuch.img", dl, &disk, pool, sizeof(pool)),
	        0);
	assert_int_equal(disk, VMHA_VIRT_DISK_MISSING);
	assert_string_equal(pool, "default-pool");
	/* no pool covers /elsewhere: cannot tell */
	assert_int_equal(vmha_virt_disk_check(v, "/elsewhere/x.img", dl, &disk, pool, sizeof(pool)),
	                 0);
	assert_int_equal(disk, VMHA_VIRT_DISK_UNCHECKED);
	/* the test driver cannot compare CPUs: said so, not taken as compatible */
	assert_int_equal(vmha_virt_compare_cpu(v, "kvm", "<cpu><model>qemu64</model></cpu>", dl),
	                 -EOPNOTSUPP);
	assert_non_null(strstr(vmha_virt_error(v), "not supported"));
	vmha_virt_free(v);
}

/* Migration job calls: the test driver supports none of them, and each says so. */
static void test_job_calls(void **state)
{
	uint64_t dl = vmha_deadline_in_ms(5000);
	struct vmha_virt *v = NULL;
	struct vmha_virt_domain *d = NULL;
	struct vmha_virt_job_stats *st = vmha_virt_job_stats_new();
	struct vmha_virt_job *job = NULL;
	char *xml = NULL;

	assert_non_null(st);
	assert_int_equal(vmha_virt_open("test:///default", 0, dl, &v), 0);
	assert_int_equal(vmha_virt_domain_lookup(v, NULL, "test", dl, &d), 0);
	assert_int_equal(vmha_virt_domain_get_job_stats(d, dl, st), -EOPNOTSUPP);
	assert_int_equal(vmha_virt_job_stats_type(st), 0);
	assert_int_equal(vmha_virt_job_stats_elapsed_ms(st), 0);
	assert_int_equal(vmha_virt_job_stats_total_bytes(st), 0);
	assert_int_equal(vmha_virt_job_stats_remaining_bytes(st), 0);
	assert_int_equal(vmha_virt_job_stats_dirty_rate_pps(st), 0);
	assert_int_equal(vmha_virt_job_stats_iteration(st), 0);
	assert_int_equal(vmha_virt_job_stats_bandwidth_bps(st), 0);
	assert_false(vmha_virt_job_stats_postcopy(st));
	assert_int_equal(vmha_virt_job_stats_operation(st), 0);
	assert_int_equal(vmha_virt_domain_abort_job(d, dl), -EOPNOTSUPP);
	assert_int_equal(vmha_virt_domain_set_max_downtime(d, 300, dl), -EOPNOTSUPP);
	assert_int_equal(vmha_virt_domain_start_postcopy(d, dl), -EOPNOTSUPP);
	assert_int_equal(vmha_virt_domain_get_xml(d, 0, dl, &xml), 0);
	assert_non_null(strstr(xml, "<name>test</name>"));
	free(xml);
	/* a migration the driver refuses: the job ends with libvirt's reason */
	assert_int_equal(vmha_virt_domain_migrate_start(d, "test:///default", NULL, 0, 0, &job), 0);
	assert_true(vmha_virt_job_wait(job, dl) < 0);
	assert_true(strlen(vmha_virt_job_error(job)) > 0);
	vmha_virt_job_free(job);
	vmha_virt_job_stats_free(st);
	vmha_virt_job_stats_free(NULL);
	vmha_virt_domain_free(d);
	vmha_virt_free(v);
}

static void test_state_names(void **state)
{
	assert_string_equal(vmha_virt_state_name(VIR_DOMAIN_NOSTATE), "no state");
	assert_string_equal(vmha_virt_state_name(VIR_DOMAIN_RUNNING), "running");
	assert_string_equal(vmha_virt_state_name(VIR_DOMAIN_BLOCKED), "blocked");
	assert_string_equal(vmha_virt_state_name(VIR_DOMAIN_PAUSED), "paused");
	assert_string_equal(vmha_virt_state_name(VIR_DOMAIN_SHUTDOWN), "in shutdown");
	assert_string_equal(vmha_virt_state_name(VIR_DOMAIN_SHUTOFF), "shut off");
	assert_string_equal(vmha_virt_state_name(VIR_DOMAIN_CRASHED), "crashed");
	assert_string_equal(vmha_virt_state_name(VIR_DOMAIN_PMSUSPENDED), "pmsuspended");
	assert_string_equal(vmha_virt_state_name(1000), "unknown");
}

/* The host facts and the listing the pre-checks and the inventory use. */
static void test_host_facts_and_listing(void **state)
{
	uint64_t dl = vmha_deadline_in_ms(5000);
	struct vmha_virt *v = NULL;
	struct vmha_virt_host_facts *f = NULL;
	struct vmha_virt_domain_info *doms = NULL;
	uint64_t memory_kib = 0;
	unsigned int cpus = 0;
	size_t n = 0;

	assert_int_equal(
	        vmha_virt_open_flags("test:///default", 0, VMHA_VIRT_OPEN_READONLY, dl, &v), 0);
	assert_true(vmha_virt_is_alive(v));
	assert_int_equal(vmha_virt_node_info(v, dl, &cpus, &memory_kib), 0);
	/* the test driver's node: 16 CPUs, 3 GiB */
	assert_int_equal(cpus, 16);
	assert_int_equal(memory_kib, 3 * 1024 * 1024);
	assert_int_equal(vmha_virt_host_facts_get(v, dl, &f), 0);
	assert_string_equal(vmha_virt_host_facts_arch(f), "i686");
	assert_string_equal(vmha_virt_host_facts_hv_type(f), "TEST");
	assert_true(vmha_virt_host_facts_hostname(f)[0] != '\0');
	assert_true(vmha_virt_host_facts_lib_version(f) >= 1000000);
	assert_int_equal(vmha_virt_host_facts_hv_version(f), 2);
	vmha_virt_host_facts_free(f);
	vmha_virt_host_facts_free(NULL);
	/* test:///default runs domain "test" */
	assert_int_equal(vmha_virt_list_active(v, dl, &doms, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(doms[0].name, "test");
	assert_int_equal(doms[0].state, VIR_DOMAIN_RUNNING);
	assert_int_equal(doms[0].vcpus, 2);
	assert_true(doms[0].memory_kib > 0);
	assert_int_equal(strlen(doms[0].uuid), VIR_UUID_STRING_BUFLEN - 1);
	free(doms);
	vmha_virt_free(v);
	assert_false(vmha_virt_is_alive(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_open_and_lookup),
	        cmocka_unit_test(test_agent_command),
	        cmocka_unit_test(test_deadlines),
	        cmocka_unit_test(test_lifecycle),
	        cmocka_unit_test(test_hung_daemon),
	        cmocka_unit_test(test_bad_uri),
	        cmocka_unit_test(test_host_resources),
	        cmocka_unit_test(test_job_calls),
	        cmocka_unit_test(test_state_names),
	        cmocka_unit_test(test_host_facts_and_listing),
	};

	return cmocka_run_group_tests_name("virt", tests, NULL, NULL);
}

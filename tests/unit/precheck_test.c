/*
 * Unit tests of lib/precheck.c: the host comparison (a case table: source
 * and target facts in, the failed check and its reason out), name
 * lib/netprobe's resolution and bounded port probe, the connection-free checks
 * validate-all runs, and whole runs against libvirt's test driver
 * (test:///default is the source, running domain "test").
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "deadline.h"
#include "migspec.h"
#include "netprobe.h"
#include "precheck.h"
#include "uri.h"
#include "virt.h"
#include "virt_fixture.h"

#define TIMEOUT_MS VIRT_FIXTURE_TIMEOUT_MS

/* One comparison: source and target facts, the check expected to fail
 * (NULL: none) and words its reason must hold. */
static const struct {
	const char *what;
	const char *src_host, *src_arch, *src_uuid;
	unsigned long src_lib, src_hv;
	const char *dst_host, *dst_arch, *dst_uuid;
	unsigned long dst_lib, dst_hv;
	const char *check;
	const char *reason;
} host_cases[] = {
        {"same everything but the host", "n1", "x86_64", "u1", 9000000, 7002000, "n2", "x86_64",
         "u2", 9000000, 7002000, NULL, ""},
        {"newer target", "n1", "x86_64", "u1", 8000000, 7000000, "n2", "x86_64", "u2", 9000000,
         7002000, NULL, ""},
        {"one host UUID", "n1", "x86_64", "u1", 9000000, 7002000, "n2", "x86_64", "u1", 9000000,
         7002000, "identity", "host UUID u1, the same as this host's"},
        {"no UUID known", "n1", "x86_64", "", 9000000, 7002000, "n2", "x86_64", "", 9000000,
         7002000, NULL, ""},
        {"target called localhost", "n1", "x86_64", "u1", 9000000, 7002000, "localhost.localdomain",
         "x86_64", "u2", 9000000, 7002000, "identity", "host name 'localhost.localdomain'"},
        {"other architecture", "n1", "x86_64", "u1", 9000000, 7002000, "n2", "aarch64", "u2",
         9000000, 7002000, "arch", "CPU architecture aarch64, this host x86_64"},
        {"older libvirt", "n1", "x86_64", "u1", 9000000, 7002000, "n2", "x86_64", "u2", 8000000,
         7002000, "version", "libvirt 8.0.0, older than this host's 9.0.0"},
        {"older QEMU", "n1", "x86_64", "u1", 9000000, 7002000, "n2", "x86_64", "u2", 9000000,
         6002000, "version", "hypervisor version 6.2.0, older than this host's 7.2.0"},
        {"QEMU version unknown there", "n1", "x86_64", "u1", 9000000, 7002000, "n2", "x86_64", "u2",
         9000000, 0, NULL, ""},
};

static void test_compare_hosts(void **state)
{
	size_t i;
	int failures = 0;

	(void)state;
	for (i = 0; i < sizeof(host_cases) / sizeof(host_cases[0]); i++) {
		struct vmha_virt_host_facts *src = vmha_virt_host_facts_new(
		        host_cases[i].src_host, host_cases[i].src_lib, host_cases[i].src_hv,
		        host_cases[i].src_arch, host_cases[i].src_uuid);
		struct vmha_virt_host_facts *dst = vmha_virt_host_facts_new(
		        host_cases[i].dst_host, host_cases[i].dst_lib, host_cases[i].dst_hv,
		        host_cases[i].dst_arch, host_cases[i].dst_uuid);
		const char *check = NULL;
		char reason[512];
		int rc;

		assert_non_null(src);
		assert_non_null(dst);
		rc = vmha_precheck_compare_hosts(src, dst, "n2", &check, reason, sizeof(reason));
		if ((host_cases[i].check == NULL) != (rc == 0) ||
		    (check == NULL) != (host_cases[i].check == NULL) ||
		    (check != NULL && strcmp(check, host_cases[i].check) != 0) ||
		    strstr(reason, host_cases[i].reason) == NULL) {
			print_error("case '%s': rc %d check '%s' reason '%s'; expected check '%s' "
			            "with '%s'\n",
			            host_cases[i].what, rc, check != NULL ? check : "(none)",
			            reason,
			            host_cases[i].check != NULL ? host_cases[i].check : "(none)",
			            host_cases[i].reason);
			failures++;
		}
		vmha_virt_host_facts_free(src);
		vmha_virt_host_facts_free(dst);
	}
	assert_int_equal(failures, 0);
}

/* lib/uri's host and port split, which the resolve and port checks use. */
static void test_uri_host_port(void **state)
{
	static const struct {
		const char *uri;
		int rc;
		const char *host;
		unsigned int port;
	} cases[] = {
	        {"qemu+tcp://node2/system", 0, "node2", 0},
	        {"qemu+ssh://root@node2:2222/system", 0, "node2", 2222},
	        {"qemu+tls://[fe80::1]:16514/system", 0, "fe80::1", 16514},
	        {"tcp:node2-mig:49160", 0, "node2-mig", 49160},
	        {"tcp://198.18.0.12:49152", 0, "198.18.0.12", 49152},
	        {"qemu:///system", 0, "", 0},
	        {"qemu+ssh://host:/system", 0, "host", 0},
	        {"no-scheme", -EINVAL, "", 0},
	        {"qemu+tls://[fe80::1/system", -EINVAL, "", 0},
	};
	size_t i;
	int failures = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char host[64] = "x";
		unsigned int port = 1;
		int rc = vmha_uri_host_port(cases[i].uri, host, sizeof(host), &port);

		if (rc != cases[i].rc || strcmp(host, cases[i].host) != 0 ||
		    port != cases[i].port) {
			print_error("'%s': rc %d host '%s' port %u; expected %d '%s' %u\n",
			            cases[i].uri, rc, host, port, cases[i].rc, cases[i].host,
			            cases[i].port);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_version_text(void **state)
{
	char buf[32];

	(void)state;
	vmha_precheck_version_text(9000000, buf, sizeof(buf));
	assert_string_equal(buf, "9.0.0");
	vmha_precheck_version_text(7002001, buf, sizeof(buf));
	assert_string_equal(buf, "7.2.1");
}

static void test_resolve(void **state)
{
	char addr[64];
	bool loopback = false;
	int rc;

	(void)state;
	assert_int_equal(vmha_netprobe_resolve("127.0.0.1", vmha_deadline_in_ms(TIMEOUT_MS), addr,
	                                       sizeof(addr), &loopback),
	                 0);
	assert_string_equal(addr, "127.0.0.1");
	assert_true(loopback);
	assert_int_equal(vmha_netprobe_resolve("198.18.0.12", vmha_deadline_in_ms(TIMEOUT_MS), addr,
	                                       sizeof(addr), &loopback),
	                 0);
	assert_false(loopback);
	assert_int_equal(vmha_netprobe_resolve("::1", vmha_deadline_in_ms(TIMEOUT_MS), addr,
	                                       sizeof(addr), &loopback),
	                 0);
	assert_true(loopback);
	/* no answer (or no such name) within the bound: never a success */
	rc = vmha_netprobe_resolve("vmha-no-such-host.invalid", vmha_deadline_in_ms(2000), addr,
	                           sizeof(addr), &loopback);
	assert_true(rc == -ENOENT || rc == -ETIMEDOUT || rc == -EIO);
	/* a deadline already passed */
	assert_int_equal(vmha_netprobe_resolve("vmha-no-such-host.invalid", vmha_clock_now_ms(),
	                                       addr, sizeof(addr), &loopback) < 0,
	                 true);
}

/* A listening socket on 127.0.0.1 (backlog 0); its port in *port. */
static int listener(unsigned int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 0), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* The probed port: the URI's, else the end of QEMU's range, never its start
 * (an incoming migration listens there and would take the probe as its
 * stream: lab stress, 2 of 16 concurrent migrations broken). */
static void test_probe_port(void **state)
{
	(void)state;
	assert_int_equal(vmha_precheck_probe_port(NULL), 49215);
	assert_int_equal(vmha_precheck_probe_port("tcp://198.18.0.12"), 49215);
	assert_int_equal(vmha_precheck_probe_port("tcp://198.18.0.12:50123"), 50123);
	assert_int_equal(vmha_precheck_probe_port("tcp://[fd00::2]:49160"), 49160);
	assert_true(vmha_precheck_probe_port(NULL) != VMHA_PRECHECK_MIGRATION_PORT_MIN);
}

static void test_port(void **state)
{
	unsigned int port = 0;
	int fd = listener(&port);
	int fill[4];
	uint64_t start_ms;
	size_t i;
	int rc = 0;

	(void)state;
	/* something listens: reachable */
	assert_int_equal(vmha_netprobe_tcp("127.0.0.1", port, 1000), 0);
	/* nothing listens (refused): the host answers, reachable too */
	close(fd);
	assert_int_equal(vmha_netprobe_tcp("127.0.0.1", port, 1000), 0);
	/* a name that does not resolve */
	assert_int_equal(vmha_netprobe_tcp("vmha-no-such-host.invalid", 49152, 200), -ENOENT);
	/* no answer: a full accept queue drops the SYN, as a firewall would */
	fd = listener(&port);
	for (i = 0; i < sizeof(fill) / sizeof(fill[0]); i++) {
		struct sockaddr_in sin;

		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons((uint16_t)port);
		connect(fill[i], (struct sockaddr *)&sin, sizeof(sin));
	}
	usleep(100 * 1000);
	start_ms = vmha_clock_now_ms();
	rc = vmha_netprobe_tcp("127.0.0.1", port, 300);
	if (rc == 0) {
		skip(); /* the kernel answered despite the full queue: cannot simulate a drop here */
	}
	assert_int_equal(rc, -ETIMEDOUT);
	assert_true(vmha_clock_now_ms() - start_ms >= 290);
	assert_true(vmha_clock_now_ms() - start_ms < 2000);
	for (i = 0; i < sizeof(fill) / sizeof(fill[0]); i++) {
		close(fill[i]);
	}
	close(fd);
}

static void test_config(void **state)
{
	struct vmha_migspec *s = vmha_migspec_new("qemu+ssh://node2:/system");
	char host[256];
	char reason[512] = "";
	char addr[64];
	bool loopback = false;

	(void)state;
	assert_non_null(s);
	assert_int_equal(
	        vmha_precheck_config(s, vmha_deadline_in_ms(TIMEOUT_MS), reason, sizeof(reason)),
	        -EINVAL);
	assert_non_null(strstr(reason, "pre-check 'uri' failed"));
	assert_non_null(strstr(reason, "'qemu+ssh://node2:/system' has an empty port"));
	/* a pattern and an address are not resolved; a valid one passes */
	assert_int_equal(vmha_migspec_set_remote_uri(s, "qemu+tcp://%n/system"), 0);
	assert_int_equal(
	        vmha_precheck_config(s, vmha_deadline_in_ms(TIMEOUT_MS), reason, sizeof(reason)),
	        0);
	assert_int_equal(vmha_migspec_set_remote_uri(s, "qemu+tcp://127.0.0.1:16509/system"), 0);
	assert_int_equal(
	        vmha_precheck_config(s, vmha_deadline_in_ms(TIMEOUT_MS), reason, sizeof(reason)),
	        0);
	/* copy all and incremental at once */
	vmha_migspec_add_flags(s, VIR_MIGRATE_NON_SHARED_DISK | VIR_MIGRATE_NON_SHARED_INC);
	assert_int_equal(
	        vmha_precheck_config(s, vmha_deadline_in_ms(TIMEOUT_MS), reason, sizeof(reason)),
	        -EINVAL);
	assert_non_null(strstr(reason, "exclude each other"));
	vmha_migspec_free(s);

	/* this host's own name, when its hosts file maps it to loopback (as
	 * Debian's 127.0.1.1 line does): the classic misconfiguration */
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';
	if (vmha_netprobe_resolve(host, vmha_deadline_in_ms(TIMEOUT_MS), addr, sizeof(addr),
	                          &loopback) < 0 ||
	    !loopback || strncmp(host, "localhost", 9) == 0) {
		print_message("skip: this host's name '%s' does not resolve to loopback here\n",
		              host);
		return;
	}
	{
		char uri[400];

		snprintf(uri, sizeof(uri), "qemu+tcp://%s/system", host);
		s = vmha_migspec_new(uri);
		assert_non_null(s);
		assert_int_equal(vmha_precheck_config(s, vmha_deadline_in_ms(TIMEOUT_MS), reason,
		                                      sizeof(reason)),
		                 -EADDRNOTAVAIL);
		assert_non_null(strstr(reason, "pre-check 'resolve' failed"));
		assert_non_null(strstr(reason, "resolves to the loopback address"));
		assert_non_null(strstr(reason, addr));
		vmha_migspec_free(s);
	}
}

/* A whole run: a malformed URI stops at 'uri', before any connection. */
static void test_run_bad_uri(void **state)
{
	struct virt_fixture *fx = *state;
	struct vmha_migspec *s = vmha_migspec_new("test://:/default");
	struct vmha_precheck *pc = NULL;

	assert_non_null(s);
	pc = vmha_precheck_new(fx->dom, "host2", s);
	assert_non_null(pc);
	assert_int_equal(vmha_precheck_run(pc, vmha_deadline_in_ms(TIMEOUT_MS)), -EINVAL);
	assert_string_equal(vmha_precheck_failed(pc), "uri");
	assert_int_equal(vmha_precheck_count(pc), 1);
	assert_string_equal(vmha_precheck_name(pc, 0), "uri");
	assert_non_null(strstr(vmha_precheck_reason(pc), "pre-check 'uri' failed"));
	assert_null(vmha_precheck_take_target(pc));
	vmha_precheck_free(pc);
	vmha_precheck_free(NULL);
	vmha_migspec_free(s);
}

/* A whole run against the same test driver: every check up to 'active'
 * runs (with its cost), and 'active' names the domain running there (what
 * a URI that reaches the source itself meets first). */
static void test_run_costs(void **state)
{
	struct virt_fixture *fx = *state;
	struct vmha_migspec *s = vmha_migspec_new("test:///default");
	struct vmha_precheck *pc = NULL;
	struct vmha_virt *dv = NULL;
	static const char *const names[] = {"uri", "resolve", "libvirt", "active"};
	size_t i;

	assert_non_null(s);
	pc = vmha_precheck_new(fx->dom, "host2", s);
	assert_non_null(pc);
	assert_int_equal(vmha_precheck_run(pc, vmha_deadline_in_ms(TIMEOUT_MS)), -EEXIST);
	assert_string_equal(vmha_precheck_failed(pc), "active");
	assert_non_null(strstr(vmha_precheck_reason(pc),
	                       "pre-check 'active' failed: domain 'test' is already active on "
	                       "'host2' (running)"));
	assert_int_equal(vmha_precheck_count(pc), sizeof(names) / sizeof(names[0]));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_string_equal(vmha_precheck_name(pc, i), names[i]);
		assert_true(vmha_precheck_cost_ms(pc, i) < TIMEOUT_MS);
	}
	assert_string_equal(vmha_precheck_name(pc, 99), "");
	assert_int_equal(vmha_precheck_cost_ms(pc, 99), 0);
	dv = vmha_precheck_take_target(pc);
	assert_non_null(dv);
	assert_null(vmha_precheck_take_target(pc));
	vmha_virt_free(dv);
	vmha_precheck_free(pc);
	vmha_migspec_free(s);
}

/* The settings struct itself: built once, read back as set. */
static void test_migspec(void **state)
{
	struct vmha_migspec *s = vmha_migspec_new("qemu+tcp://n2/system");
	virTypedParameterPtr params;
	int n = 0;

	(void)state;
	assert_non_null(s);
	assert_int_equal(vmha_migspec_flags(s), VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER);
	assert_int_equal(vmha_migspec_set_migrate_uri(s, "tcp:n2-mig:49160"), 0);
	assert_int_equal(vmha_migspec_set_bandwidth_mibs(s, 200), 0);
	assert_int_equal(vmha_migspec_set_bandwidth_mibs(s, 300), 0); /* the first one stays */
	assert_int_equal(vmha_migspec_set_cpu_xml(s, "<cpu/>"), 0);
	vmha_migspec_set_max_downtime(s, 300);
	vmha_migspec_set_postcopy(s, 3, true);
	vmha_migspec_set_start_resources(s, true);
	vmha_migspec_set_timeout(s, 30, true);
	assert_string_equal(vmha_migspec_remote_uri(s), "qemu+tcp://n2/system");
	assert_string_equal(vmha_migspec_migrate_uri(s), "tcp:n2-mig:49160");
	assert_string_equal(vmha_migspec_string_param(s, VIR_MIGRATE_PARAM_URI),
	                    "tcp:n2-mig:49160");
	assert_null(vmha_migspec_string_param(s, VIR_MIGRATE_PARAM_DISKS_URI));
	params = vmha_migspec_params(s, &n);
	assert_int_equal(n, 2);
	assert_non_null(params);
	assert_string_equal(vmha_migspec_cpu_xml(s), "<cpu/>");
	assert_int_equal(vmha_migspec_max_downtime_ms(s), 300);
	assert_int_equal(vmha_migspec_postcopy_after(s), 3);
	assert_true(vmha_migspec_postcopy_after_first(s));
	assert_true(vmha_migspec_start_resources(s));
	assert_int_equal(vmha_migspec_timeout_s(s), 30);
	assert_true(vmha_migspec_timeout_postcopy(s));
	assert_false(vmha_migspec_copies_storage(s));
	assert_non_null(strstr(vmha_migspec_describe(s), "bandwidth=200"));
	assert_non_null(strstr(vmha_migspec_describe(s), "to 'qemu+tcp://n2/system'"));
	vmha_migspec_add_flags(s, VIR_MIGRATE_NON_SHARED_INC);
	assert_true(vmha_migspec_copies_storage(s));
	vmha_migspec_add_flags(s, VIR_MIGRATE_TUNNELLED | VIR_MIGRATE_PARALLEL);
	{
		char reason[256];

		assert_int_equal(vmha_migspec_check(s, reason, sizeof(reason)), -EINVAL);
		assert_non_null(strstr(reason, "parallel"));
	}
	vmha_migspec_free(s);
	vmha_migspec_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_compare_hosts),
	        cmocka_unit_test(test_uri_host_port),
	        cmocka_unit_test(test_version_text),
	        cmocka_unit_test(test_resolve),
	        cmocka_unit_test(test_probe_port),
	        cmocka_unit_test(test_port),
	        cmocka_unit_test(test_config),
	        cmocka_unit_test(test_migspec),
	        cmocka_unit_test_setup_teardown(test_run_bad_uri, virt_fixture_setup,
	                                        virt_fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_run_costs, virt_fixture_setup,
	                                        virt_fixture_teardown),
	};

	return cmocka_run_group_tests_name("precheck", tests, NULL, NULL);
}

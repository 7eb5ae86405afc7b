/* Unit tests of agent/migrate.c: URIs, flags and typed parameters. */
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

#include "deadline.h"
#include "migrate.h"
#include "migtimeout.h"
#include "virt.h"

#define BASE (VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER)

/* Look a variable up in a NULL-terminated "NAME=value" table. */
static const char *table_get(const char *name, void *opaque)
{
	const char *const *env = opaque;
	size_t len = strlen(name);

	for (; *env != NULL; env++) {
		if (strncmp(*env, name, len) == 0 && (*env)[len] == '=')
			return *env + len + 1;
	}
	return NULL;
}

/* Parameters as the agent parses them from env (fails the test on a parse error). */
static struct vmha_params *params_of(const char *const *env)
{
	struct vmha_params *p = vmha_params_new();
	char reason[256] = "";

	assert_non_null(p);
	if (vmha_params_parse(p, table_get, (void *)env, reason, sizeof(reason)) != 0)
		fail_msg("parse: %s", reason);
	return p;
}

static struct vmha_migspec *plan_for(const char *options, int want_rc, char *reason, size_t len)
{
	struct vmha_migspec *plan = NULL;
	struct vmha_params *p = NULL;
	char opt[512];
	const char *env[] = {opt, NULL};
	int rc;

	snprintf(opt, sizeof(opt), "OCF_RESKEY_migrate_options=%s", options);
	p = params_of(env);
	reason[0] = '\0';
	rc = vmha_migrate_spec_new(p, "node2", "qemu:///system", &plan, reason, len);
	vmha_params_free(p);
	if (rc != want_rc)
		fail_msg("'%s': rc %d, expected %d (%s)", options, rc, want_rc, reason);
	return plan;
}

static void test_flags(void **state)
{
	static const struct {
		const char *opt;
		unsigned int flags;
	} cases[] = {
	        {"--live", 0},
	        {"--p2p", 0},
	        {"--verbose", 0},
	        {"--tunnelled", VIR_MIGRATE_TUNNELLED},
	        {"--persistent", VIR_MIGRATE_PERSIST_DEST},
	        {"--undefinesource", VIR_MIGRATE_UNDEFINE_SOURCE},
	        {"--copy-storage-all", VIR_MIGRATE_NON_SHARED_DISK},
	        {"--copy-storage-inc", VIR_MIGRATE_NON_SHARED_INC},
	        {"--copy-storage-synchronous-writes", VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES},
	        {"--change-protection", VIR_MIGRATE_CHANGE_PROTECTION},
	        {"--unsafe", VIR_MIGRATE_UNSAFE},
	        {"--compressed", VIR_MIGRATE_COMPRESSED},
	        {"--auto-converge", VIR_MIGRATE_AUTO_CONVERGE},
	        {"--rdma-pin-all", VIR_MIGRATE_RDMA_PIN_ALL},
	        {"--abort-on-error", VIR_MIGRATE_ABORT_ON_ERROR},
	        {"--postcopy", VIR_MIGRATE_POSTCOPY},
	        {"--postcopy-after-precopy", VIR_MIGRATE_POSTCOPY},
	        {"--tls", VIR_MIGRATE_TLS},
	        {"--parallel", VIR_MIGRATE_PARALLEL},
	        {"--zerocopy", VIR_MIGRATE_ZEROCOPY},
	        {"--live --persistent --undefinesource",
	         VIR_MIGRATE_PERSIST_DEST | VIR_MIGRATE_UNDEFINE_SOURCE},
	};
	char reason[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmha_migspec *plan = plan_for(cases[i].opt, 0, reason, sizeof(reason));

		if (vmha_migspec_flags(plan) != (BASE | cases[i].flags))
			fail_msg("'%s': flags 0x%x, expected 0x%x", cases[i].opt,
			         vmha_migspec_flags(plan), BASE | cases[i].flags);
		vmha_migspec_free(plan);
	}
}

static void test_valued_options(void **state)
{
	static const struct {
		const char *opt;
		const char *param;
		const char *value; /* as text */
		unsigned int flags;
	} cases[] = {
	        {"--graphicsuri spice://n2", VIR_MIGRATE_PARAM_GRAPHICS_URI, "spice://n2", 0},
	        {"--listen-address=0.0.0.0", VIR_MIGRATE_PARAM_LISTEN_ADDRESS, "0.0.0.0", 0},
	        {"--migrate-disks vda,vdb", VIR_MIGRATE_PARAM_MIGRATE_DISKS, "vda", 0},
	        {"--disks-port 49200", VIR_MIGRATE_PARAM_DISKS_PORT, "49200", 0},
	        {"--disks-uri tcp://n2", VIR_MIGRATE_PARAM_DISKS_URI, "tcp://n2", 0},
	        {"--comp-methods xbzrle", VIR_MIGRATE_PARAM_COMPRESSION, "xbzrle",
	         VIR_MIGRATE_COMPRESSED},
	        {"--comp-mt-level 5", VIR_MIGRATE_PARAM_COMPRESSION_MT_LEVEL, "5", 0},
	        {"--comp-mt-threads 2", VIR_MIGRATE_PARAM_COMPRESSION_MT_THREADS, "2", 0},
	        {"--comp-mt-dthreads 2", VIR_MIGRATE_PARAM_COMPRESSION_MT_DTHREADS, "2", 0},
	        {"--comp-xbzrle-cache 1048576", VIR_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE,
	         "1048576", 0},
	        {"--auto-converge-initial 20", VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL, "20",
	         VIR_MIGRATE_AUTO_CONVERGE},
	        {"--auto-converge-increment 10", VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT, "10",
	         VIR_MIGRATE_AUTO_CONVERGE},
	        {"--tls-destination n2.example", VIR_MIGRATE_PARAM_TLS_DESTINATION, "n2.example",
	         VIR_MIGRATE_TLS},
	        {"--postcopy-bandwidth 50", VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY, "50", 0},
	        {"--parallel-connections 4", VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS, "4",
	         VIR_MIGRATE_PARALLEL},
	        {"--bandwidth 100", VIR_MIGRATE_PARAM_BANDWIDTH, "100", 0},
	        {"--migrateuri tcp://%n-mig:49152", VIR_MIGRATE_PARAM_URI, "tcp://node2-mig:49152",
	         0},
	        {"--migrateuri=tcp://10.0.0.2", VIR_MIGRATE_PARAM_URI, "tcp://10.0.0.2", 0},
	};
	char reason[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmha_migspec *plan = plan_for(cases[i].opt, 0, reason, sizeof(reason));
		int n = 0;
		virTypedParameterPtr params = vmha_migspec_params(plan, &n);
		virTypedParameterPtr tp = virTypedParamsGet(params, n, cases[i].param);
		char text[128];

		if (tp == NULL)
			fail_msg("'%s': no parameter '%s'", cases[i].opt, cases[i].param);
		if (tp->type == VIR_TYPED_PARAM_STRING)
			snprintf(text, sizeof(text), "%s", tp->value.s);
		else if (tp->type == VIR_TYPED_PARAM_INT)
			snprintf(text, sizeof(text), "%d", tp->value.i);
		else
			snprintf(text, sizeof(text), "%llu", tp->value.ul);
		if (strcmp(text, cases[i].value) != 0)
			fail_msg("'%s': '%s' is '%s', expected '%s'", cases[i].opt, cases[i].param,
			         text, cases[i].value);
		assert_int_equal(vmha_migspec_flags(plan), BASE | cases[i].flags);
		vmha_migspec_free(plan);
	}
}

static void test_rejected_options(void **state)
{
	static const struct {
		const char *opt;
		const char *reason;
	} cases[] = {
	        {"--frobnicate", "unknown option '--frobnicate'"},
	        {"--live --bogus", "unknown option '--bogus'"},
	        {"--offline", "'--offline' is not supported"},
	        {"--direct", "peer-to-peer"},
	        {"--dname other", "'--dname' is not supported"},
	        {"--suspend", "would stay paused on the target"},
	        {"--postcopy-resume", "not a standing option"},
	        {"--timeout", "needs a value"},
	        {"--timeout 0", "from 1 to 86400, not '0'"},
	        {"--timeout 1m", "from 1 to 86400, not '1m'"},
	        {"--timeout 86401", "from 1 to 86400"},
	        {"--timeout-suspend", "'--timeout-suspend' needs '--timeout N'"},
	        {"--postcopy --timeout-postcopy", "'--timeout-postcopy' needs '--timeout N'"},
	        {"--timeout 5 --timeout-postcopy", "'--timeout-postcopy' needs '--postcopy'"},
	        {"--postcopy --timeout 5 --timeout-suspend --timeout-postcopy",
	         "exclude each other"},
	        {"--timeout-postcopy=yes", "takes no value"},
	        {"--bandwidth", "needs a value"},
	        {"--bandwidth fast", "needs a number"},
	        {"--tls=yes", "takes no value"},
	        {"--copy-storage-all --copy-storage-inc", "exclude each other"},
	        {"--tunnelled --parallel", "cannot be combined"},
	        {"--xml /nonexistent.xml", "cannot read '/nonexistent.xml'"},
	};
	char reason[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		plan_for(cases[i].opt, -EINVAL, reason, sizeof(reason));
		if (strstr(reason, cases[i].reason) == NULL)
			fail_msg("'%s': reason '%s' lacks '%s'", cases[i].opt, reason,
			         cases[i].reason);
	}
}

static void test_remote_uri(void **state)
{
	static const char *const none[] = {NULL};
	static const char *const ssh[] = {
	        "OCF_RESKEY_migration_transport=ssh", "OCF_RESKEY_migration_user=admin",
	        "OCF_RESKEY_migration_network_suffix=-mig", "OCF_RESKEY_migrateport=49160", NULL};
	static const char *const bad_user[] = {
	        "OCF_RESKEY_migration_transport=ssh", "OCF_RESKEY_migration_user=Bad User",
	        "OCF_RESKEY_migrateport=49160",
	        "OCF_RESKEY_hypervisor=qemu+tls://ignored:16514/system", NULL};
	static const char *const remote[] = {
	        "OCF_RESKEY_migration_transport=ssh",
	        "OCF_RESKEY_migration_user=Bad User",
	        "OCF_RESKEY_migrateport=49160",
	        "OCF_RESKEY_hypervisor=qemu+tls://ignored:16514/system",
	        "OCF_RESKEY_remoteuri=qemu+tcp://%n.lab/system",
	        "OCF_RESKEY_migrateuri=tcp://%n:49999",
	        NULL};
	static const char *const no_uri[] = {
	        "OCF_RESKEY_migration_transport=ssh", "OCF_RESKEY_migration_user=Bad User",
	        "OCF_RESKEY_migrateport=49160", "OCF_RESKEY_migrateuri=tcp://%n:49999", NULL};
	struct vmha_migspec *plan = NULL;
	struct vmha_params *p = NULL;
	char reason[256];

	p = params_of(none);
	assert_int_equal(
	        vmha_migrate_spec_new(p, "node2", "qemu:///system", &plan, reason, sizeof(reason)),
	        0);
	assert_string_equal(vmha_migspec_remote_uri(plan), "qemu://node2/system");
	assert_null(vmha_migspec_migrate_uri(plan));
	vmha_migspec_free(plan);
	vmha_params_free(p);

	p = params_of(ssh);
	assert_int_equal(vmha_migrate_spec_new(p, "node2.example.com", "qemu:///system", &plan,
	                                       reason, sizeof(reason)),
	                 0);
	assert_string_equal(vmha_migspec_remote_uri(plan),
	                    "qemu+ssh://admin@node2-mig.example.com/system");
	assert_string_equal(vmha_migspec_migrate_uri(plan), "tcp:node2-mig.example.com:49160");
	vmha_migspec_free(plan);
	vmha_params_free(p);

	/* a user name that is not a plain login name is left out, as in the stock agent */
	p = params_of(bad_user);
	assert_int_equal(vmha_migrate_spec_new(p, "n3", NULL, &plan, reason, sizeof(reason)), 0);
	assert_string_equal(vmha_migspec_remote_uri(plan), "qemu+ssh://n3:16514/system");
	vmha_migspec_free(plan);
	vmha_params_free(p);

	p = params_of(remote);
	assert_int_equal(vmha_migrate_spec_new(p, "n3", NULL, &plan, reason, sizeof(reason)), 0);
	assert_string_equal(vmha_migspec_remote_uri(plan), "qemu+tcp://n3.lab/system");
	assert_string_equal(vmha_migspec_migrate_uri(plan), "tcp://n3:49999");
	vmha_migspec_free(plan);
	vmha_params_free(p);

	p = params_of(no_uri);
	assert_int_equal(vmha_migrate_spec_new(p, "n3", NULL, &plan, reason, sizeof(reason)),
	                 -EINVAL);
	assert_non_null(strstr(reason, "remoteuri"));
	vmha_params_free(p);
}

static void test_own_parameters(void **state)
{
	static const char *const own[] = {"OCF_RESKEY_migration_speed=200",
	                                  "OCF_RESKEY_migration_auto_converge=true",
	                                  "OCF_RESKEY_migration_tls=true",
	                                  "OCF_RESKEY_migration_postcopy=true",
	                                  "OCF_RESKEY_migration_parallel_connections=4",
	                                  "OCF_RESKEY_migration_compression=xbzrle,zstd",
	                                  NULL};
	static const char *const bw10[] = {"OCF_RESKEY_migration_speed=200",
	                                   "OCF_RESKEY_migration_auto_converge=true",
	                                   "OCF_RESKEY_migration_tls=true",
	                                   "OCF_RESKEY_migration_postcopy=true",
	                                   "OCF_RESKEY_migration_parallel_connections=4",
	                                   "OCF_RESKEY_migration_compression=xbzrle,zstd",
	                                   "OCF_RESKEY_migrate_options=--bandwidth 10",
	                                   NULL};
	static const char *const lz4[] = {"OCF_RESKEY_migration_speed=200",
	                                  "OCF_RESKEY_migration_auto_converge=true",
	                                  "OCF_RESKEY_migration_tls=true",
	                                  "OCF_RESKEY_migration_postcopy=true",
	                                  "OCF_RESKEY_migration_parallel_connections=4",
	                                  "OCF_RESKEY_migration_compression=lz4",
	                                  NULL};
	struct vmha_migspec *plan = NULL;
	struct vmha_params *p = NULL;
	char reason[256];
	virTypedParameterPtr params;
	unsigned long long bw = 0;
	int conns = 0;
	int n = 0;
	const char *methods[8] = {NULL};
	int nmethods = 0;

	p = params_of(own);
	assert_int_equal(
	        vmha_migrate_spec_new(p, "n2", "qemu:///system", &plan, reason, sizeof(reason)), 0);
	assert_int_equal(vmha_migspec_flags(plan),
	                 BASE | VIR_MIGRATE_AUTO_CONVERGE | VIR_MIGRATE_TLS | VIR_MIGRATE_POSTCOPY |
	                         VIR_MIGRATE_PARALLEL | VIR_MIGRATE_COMPRESSED);
	params = vmha_migspec_params(plan, &n);
	assert_int_equal(virTypedParamsGetULLong(params, n, VIR_MIGRATE_PARAM_BANDWIDTH, &bw), 1);
	assert_int_equal(bw, 200);
	assert_int_equal(
	        virTypedParamsGetInt(params, n, VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS, &conns), 1);
	assert_int_equal(conns, 4);
	for (int i = 0; i < n; i++) {
		if (strcmp(params[i].field, VIR_MIGRATE_PARAM_COMPRESSION) == 0)
			methods[nmethods++] = params[i].value.s;
	}
	assert_int_equal(nmethods, 2);
	assert_string_equal(methods[0], "xbzrle");
	assert_string_equal(methods[1], "zstd");
	assert_non_null(strstr(vmha_migspec_describe(plan), "bandwidth=200"));
	vmha_migspec_free(plan);
	vmha_params_free(p);

	/* an explicit --bandwidth wins over migration_speed */
	p = params_of(bw10);
	assert_int_equal(
	        vmha_migrate_spec_new(p, "n2", "qemu:///system", &plan, reason, sizeof(reason)), 0);
	params = vmha_migspec_params(plan, &n);
	assert_int_equal(virTypedParamsGetULLong(params, n, VIR_MIGRATE_PARAM_BANDWIDTH, &bw), 1);
	assert_int_equal(bw, 10);
	vmha_migspec_free(plan);
	vmha_params_free(p);

	p = params_of(lz4);
	assert_int_equal(
	        vmha_migrate_spec_new(p, "n2", "qemu:///system", &plan, reason, sizeof(reason)),
	        -EINVAL);
	assert_non_null(strstr(reason, "unknown method 'lz4'"));
	vmha_params_free(p);
}

/* --timeout N and its action, with virsh's rules. */
static void test_timeout_options(void **state)
{
	static const struct {
		const char *opt;
		unsigned int timeout_s;
		bool postcopy;
	} cases[] = {
	        {"--live", 0, false},
	        {"--timeout 5", 5, false},
	        {"--timeout=7 --timeout-suspend", 7, false},
	        {"--postcopy --timeout 3 --timeout-postcopy", 3, true},
	        {"--timeout-postcopy --timeout 86400 --postcopy", 86400, true},
	};
	char reason[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmha_migspec *plan = plan_for(cases[i].opt, 0, reason, sizeof(reason));

		if (vmha_migspec_timeout_s(plan) != cases[i].timeout_s ||
		    vmha_migspec_timeout_postcopy(plan) != cases[i].postcopy) {
			fail_msg("'%s': timeout %u postcopy %d, expected %u %d", cases[i].opt,
			         vmha_migspec_timeout_s(plan), vmha_migspec_timeout_postcopy(plan),
			         cases[i].timeout_s, cases[i].postcopy);
		}
		vmha_migspec_free(plan);
	}
}

/* URIs among the parameters: a bad port or host is refused, naming it. */
static void test_uris(void **state)
{
	static const struct {
		const char *env;
		const char *reason; /* NULL: accepted */
	} cases[] = {
	        {"OCF_RESKEY_hypervisor=qemu:///system", NULL},
	        {"OCF_RESKEY_hypervisor=qemu+ssh://root@host:22/system", NULL},
	        {"OCF_RESKEY_hypervisor=qemu+tcp://[::1]:16509/system", NULL},
	        {"OCF_RESKEY_remoteuri=qemu+ssh://%n.lab/system", NULL},
	        {"OCF_RESKEY_migrateuri=tcp:%n:49152", NULL},
	        {"OCF_RESKEY_hypervisor=qemu+ssh://host:/system",
	         "parameter 'hypervisor': URI 'qemu+ssh://host:/system' has an empty port"},
	        {"OCF_RESKEY_hypervisor=qemu+ssh://host:0/system", "not a number from 1 to 65535"},
	        {"OCF_RESKEY_hypervisor=qemu+ssh://host:123456/system",
	         "not a number from 1 to 65535"},
	        {"OCF_RESKEY_hypervisor=qemu+ssh://ho st/system", "blank or control character"},
	        {"OCF_RESKEY_hypervisor=qemu+ssh://ho$t/system", "invalid character in its host"},
	        {"OCF_RESKEY_hypervisor=qemu+tcp://[::1/system", "unterminated [IPv6]"},
	        {"OCF_RESKEY_hypervisor=qemu+tcp://:16509/system", "has a port but no host"},
	        {"OCF_RESKEY_remoteuri=qemu+ssh://%n:/system",
	         "parameter 'remoteuri': URI 'qemu+ssh://%n:/system' has an empty port"},
	        {"OCF_RESKEY_migrateuri=tcp://%n:70000", "parameter 'migrateuri'"},
	        {"OCF_RESKEY_migrate_options=--migrateuri tcp://n2:", "option '--migrateuri'"},
	        {"OCF_RESKEY_migrate_options=--disks-uri tcp://n2:x", "option '--disks-uri'"},
	};
	char reason[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *env[] = {cases[i].env, NULL};
		struct vmha_params *p = params_of(env);
		struct vmha_migspec *plan = NULL;
		int rc;

		reason[0] = '\0';
		rc = vmha_migrate_spec_new(p, "node2", "qemu:///system", &plan, reason,
		                           sizeof(reason));
		vmha_params_free(p);
		vmha_migspec_free(plan);
		if (cases[i].reason == NULL && rc != 0) {
			fail_msg("'%s': refused (%s)", cases[i].env, reason);
		}
		if (cases[i].reason != NULL &&
		    (rc != -EINVAL || strstr(reason, cases[i].reason) == NULL)) {
			fail_msg("'%s': rc %d, reason '%s' lacks '%s'", cases[i].env, rc, reason,
			         cases[i].reason);
		}
	}
}

/* The job loop's --timeout: nothing before N s; then the source is
 * suspended (and resumed when the migration fails), or post-copy is asked
 * for. Against libvirt's test driver, whose domain "test" runs. */
static void test_timeout_job_loop(void **state)
{
	struct vmha_virt *v = NULL;
	struct vmha_virt_domain *d = NULL;
	struct vmha_migtimeout *t = NULL;
	uint64_t deadline_ms = vmha_deadline_in_ms(10000);
	int st = 0;
	int why = 0;

	assert_int_equal(vmha_virt_open("test:///default", 2, deadline_ms, &v), 0);
	assert_int_equal(vmha_virt_domain_lookup(v, NULL, "test", deadline_ms, &d), 0);
	t = vmha_migtimeout_new(d, 1, false, deadline_ms);
	assert_non_null(t);
	vmha_migtimeout_start(t);
	assert_false(vmha_migtimeout_poll(t, false));
	assert_int_equal(vmha_virt_domain_get_state(d, deadline_ms, &st, &why), 0);
	assert_int_equal(st, VIR_DOMAIN_RUNNING);
	usleep(1100 * 1000);
	assert_true(vmha_migtimeout_poll(t, false));
	assert_true(vmha_migtimeout_acted(t));
	assert_int_equal(vmha_virt_domain_get_state(d, deadline_ms, &st, &why), 0);
	assert_int_equal(st, VIR_DOMAIN_PAUSED);
	/* acts once only */
	assert_true(vmha_migtimeout_poll(t, false));
	vmha_migtimeout_failed(t);
	assert_int_equal(vmha_virt_domain_get_state(d, deadline_ms, &st, &why), 0);
	assert_int_equal(st, VIR_DOMAIN_RUNNING);
	vmha_migtimeout_free(t);
	/* post-copy: the switch is asked for (the test driver has no migration to
	 * switch, so it refuses; the guest is left running) */
	t = vmha_migtimeout_new(d, 1, true, deadline_ms);
	vmha_migtimeout_start(t);
	usleep(1100 * 1000);
	assert_true(vmha_migtimeout_poll(t, false));
	vmha_migtimeout_failed(t);
	assert_int_equal(vmha_virt_domain_get_state(d, deadline_ms, &st, &why), 0);
	assert_int_equal(st, VIR_DOMAIN_RUNNING);
	vmha_migtimeout_free(t);
	vmha_migtimeout_free(NULL);
	vmha_virt_domain_free(d);
	vmha_virt_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_flags),
	        cmocka_unit_test(test_valued_options),
	        cmocka_unit_test(test_rejected_options),
	        cmocka_unit_test(test_remote_uri),
	        cmocka_unit_test(test_own_parameters),
	        cmocka_unit_test(test_timeout_options),
	        cmocka_unit_test(test_uris),
	        cmocka_unit_test(test_timeout_job_loop),
	};

	return cmocka_run_group_tests_name("agent migrate", tests, NULL, NULL);
}

/* Unit tests of agent/params.c: defaults, parsing, validation. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <libvirt/libvirt.h>

#include "params.h"

/* A NULL-terminated list of "NAME=value" strings as the environment. */
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

static int parse(const char *const *env, struct vmha_params *p, char *reason, size_t len)
{
	reason[0] = '\0';
	assert_non_null(p);
	return vmha_params_parse(p, table_get, (void *)env, reason, len);
}

static void test_defaults(void **state)
{
	static const char *const env[] = {"OCF_RESKEY_config=/etc/vm.xml", NULL};
	struct vmha_params *p = vmha_params_new();
	char reason[256];

	assert_int_equal(parse(env, p, reason, sizeof(reason)), 0);
	assert_string_equal(vmha_params_config(p), "/etc/vm.xml");
	assert_null(vmha_params_hypervisor(p));
	assert_false(vmha_params_force_stop(p));
	assert_int_equal(vmha_params_migration_downtime_ms(p), 0);
	assert_int_equal(vmha_params_migration_speed_mibs(p), 0);
	assert_true(vmha_params_autoset_utilization(p, VMHA_PARAMS_UTILIZATION_CPU));
	assert_true(vmha_params_autoset_utilization(p, VMHA_PARAMS_UTILIZATION_HOST_MEMORY));
	assert_true(vmha_params_autoset_utilization(p, VMHA_PARAMS_UTILIZATION_HV_MEMORY));
	assert_false(vmha_params_unset_utilization(p, VMHA_PARAMS_UTILIZATION_CPU));
	assert_false(vmha_params_save_config_on_stop(p));
	assert_false(vmha_params_stateless(p));
	assert_false(vmha_params_start_resources(p));
	assert_int_equal(vmha_params_shutdown_timeout_share(p), 70);
	assert_int_equal(vmha_params_timeout_ms(p), 90000);
	assert_true(vmha_params_migration_precheck(p));
	assert_string_equal(vmha_params_rsctmp(p), "/run/resource-agents");
	assert_int_equal(vmha_params_check(p, reason, sizeof(reason)), 0);
	vmha_params_free(p);
}

static void test_every_stock_parameter_is_known(void **state)
{
	static const char *const stock[] = {"config",
	                                    "hypervisor",
	                                    "force_stop",
	                                    "migration_transport",
	                                    "migration_user",
	                                    "migration_downtime",
	                                    "migration_speed",
	                                    "migration_network_suffix",
	                                    "migrateuri",
	                                    "migrate_options",
	                                    "migrateport",
	                                    "remoteuri",
	                                    "monitor_scripts",
	                                    "autoset_utilization_cpu",
	                                    "autoset_utilization_host_memory",
	                                    "autoset_utilization_hv_memory",
	                                    "unset_utilization_cpu",
	                                    "unset_utilization_host_memory",
	                                    "unset_utilization_hv_memory",
	                                    "save_config_on_stop",
	                                    "sync_config_on_stop",
	                                    "snapshot",
	                                    "backingfile",
	                                    "stateless",
	                                    "copyindirs",
	                                    "shutdown_mode",
	                                    "start_resources"};
	size_t i;
	size_t j;

	for (i = 0; i < sizeof(stock) / sizeof(stock[0]); i++) {
		bool found = false;

		for (j = 0; j < vmha_params_count(); j++)
			found = found || strcmp(vmha_params_info(j)->name, stock[i]) == 0;
		if (!found)
			fail_msg("stock parameter '%s' is missing", stock[i]);
	}
	assert_null(vmha_params_info(vmha_params_count()));
	assert_true(vmha_params_info(0)->required);
}

static void test_values(void **state)
{
	static const char *const env[] = {"OCF_RESKEY_config=/vm.xml",
	                                  "OCF_RESKEY_force_stop=yes",
	                                  "OCF_RESKEY_migration_downtime=250",
	                                  "OCF_RESKEY_migration_speed=100",
	                                  "OCF_RESKEY_autoset_utilization_cpu=false",
	                                  "OCF_RESKEY_hypervisor=qemu:///system",
	                                  "OCF_RESKEY_CRM_meta_timeout=20000",
	                                  "OCF_RESKEY_CRM_meta_interval=10000",
	                                  "OCF_RESKEY_CRM_meta_migrate_target=node2",
	                                  "OCF_RESOURCE_INSTANCE=vm1",
	                                  "HA_RSCTMP=/tmp/x",
	                                  NULL};
	struct vmha_params *p = vmha_params_new();
	char reason[256];

	assert_int_equal(parse(env, p, reason, sizeof(reason)), 0);
	assert_true(vmha_params_force_stop(p));
	assert_int_equal(vmha_params_migration_downtime_ms(p), 250);
	assert_int_equal(vmha_params_migration_speed_mibs(p), 100);
	assert_false(vmha_params_autoset_utilization(p, VMHA_PARAMS_UTILIZATION_CPU));
	assert_int_equal(vmha_params_timeout_ms(p), 20000);
	assert_int_equal(vmha_params_interval_ms(p), 10000);
	assert_string_equal(vmha_params_migrate_target(p), "node2");
	assert_string_equal(vmha_params_instance(p), "vm1");
	assert_string_equal(vmha_params_rsctmp(p), "/tmp/x");
	vmha_params_free(p);
}

struct bad_case {
	const char *env;    /* one variable besides config */
	int parse_rc;       /* expected from parse */
	int check_rc;       /* expected from check when parse succeeded */
	const char *reason; /* substring of the reason */
};

static void test_bad_values(void **state)
{
	static const struct bad_case cases[] = {
	        {"OCF_RESKEY_force_stop=maybe", -EINVAL, 0, "'force_stop' must be a boolean"},
	        {"OCF_RESKEY_migration_speed=fast", -EINVAL, 0, "'migration_speed' must be"},
	        {"OCF_RESKEY_migration_downtime=-1", -EINVAL, 0, "'migration_downtime'"},
	        {"OCF_RESKEY_migrateport=70000", 0, -EINVAL, "'migrateport'"},
	        {"OCF_RESKEY_CRM_meta_timeout=0", -EINVAL, 0, "CRM_meta_timeout"},
	        {"OCF_RESKEY_shutdown_mode=acpi,telepathy", 0, -EINVAL, "unknown mode 'telepathy'"},
	        {"OCF_RESKEY_hypervisor=bogus:///system", 0, -EINVAL, "'bogus:///system'"},
	        {"OCF_RESKEY_hypervisor=/not/a/uri", 0, -EINVAL, "not a libvirt URI"},
	        {"OCF_RESKEY_stateless=true", 0, -EINVAL, "'stateless' needs 'backingfile'"},
	        {"OCF_RESKEY_backingfile=img.qcow2", 0, -EINVAL,
	         "'backingfile' must be an absolute path"},
	        {"OCF_RESKEY_copyindirs=/srv/inject", 0, -EINVAL,
	         "'copyindirs' needs 'backingfile'"},
	        {"OCF_RESKEY_snapshot=relative", 0, -EINVAL, "absolute directory"},
	        {"OCF_RESKEY_shutdown_timeout_share=99", 0, -EINVAL, "shutdown_timeout_share"},
	        {"OCF_RESKEY_migration_transport=ss h", 0, -EINVAL, "migration_transport"},
	        {"OCF_RESKEY_copy_storage=some", 0, -EINVAL,
	         "'copy_storage' must be 'all' or 'inc'"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *env[] = {"OCF_RESKEY_config=/vm.xml", cases[i].env, NULL};
		struct vmha_params *p = vmha_params_new();
		char reason[256];
		int rc = parse(env, p, reason, sizeof(reason));

		if (rc != cases[i].parse_rc)
			fail_msg("%s: parse gave %d, expected %d", cases[i].env, rc,
			         cases[i].parse_rc);
		if (rc == 0) {
			rc = vmha_params_check(p, reason, sizeof(reason));
			if (rc != cases[i].check_rc)
				fail_msg("%s: check gave %d, expected %d", cases[i].env, rc,
				         cases[i].check_rc);
		}
		if (strstr(reason, cases[i].reason) == NULL)
			fail_msg("%s: reason '%s' lacks '%s'", cases[i].env, reason,
			         cases[i].reason);
		vmha_params_free(p);
	}
}

static void test_contradictions(void **state)
{
	static const char *const both[] = {"OCF_RESKEY_config=/vm.xml", "OCF_RESKEY_force_stop=1",
	                                   "OCF_RESKEY_snapshot=/var/lib/snap", NULL};
	static const char *const none[] = {NULL};
	static const char *const rel[] = {"OCF_RESKEY_config=vm.xml", NULL};
	struct vmha_params *p = vmha_params_new();
	char reason[256];

	assert_int_equal(parse(both, p, reason, sizeof(reason)), 0);
	assert_int_equal(vmha_params_check(p, reason, sizeof(reason)), -EINVAL);
	assert_non_null(strstr(reason, "'force_stop' and 'snapshot'"));
	assert_int_equal(parse(none, p, reason, sizeof(reason)), 0);
	assert_int_equal(vmha_params_check(p, reason, sizeof(reason)), -EINVAL);
	assert_non_null(strstr(reason, "'config' is required"));
	assert_int_equal(parse(rel, p, reason, sizeof(reason)), 0);
	assert_int_equal(vmha_params_check(p, reason, sizeof(reason)), -EINVAL);
	assert_non_null(strstr(reason, "absolute path"));
	vmha_params_free(p);
}

/* backingfile, stateless and copyindirs: what goes together and what not. */
static void test_copy_on_write(void **state)
{
	static const struct {
		const char *env[4];
		int rc;
		const char *reason;
	} cases[] = {
	        {{"OCF_RESKEY_backingfile=/srv/base.img", NULL}, 0, ""},
	        {{"OCF_RESKEY_backingfile=/srv/base.img", "OCF_RESKEY_stateless=yes", NULL}, 0, ""},
	        {{"OCF_RESKEY_backingfile=/srv/base.img", "OCF_RESKEY_stateless=1",
	          "OCF_RESKEY_copyindirs=/etc/inject /srv/more", NULL},
	         0,
	         ""},
	        {{"OCF_RESKEY_backingfile=/srv/base.img", "OCF_RESKEY_stateless=1",
	          "OCF_RESKEY_snapshot=/srv/snap", NULL},
	         -EINVAL,
	         "'stateless' and 'snapshot' cannot be used together"},
	        {{"OCF_RESKEY_backingfile=/srv/base.img", "OCF_RESKEY_copyindirs=/etc/a etc/b",
	          NULL},
	         -EINVAL,
	         "'copyindirs': 'etc/b' is not an absolute path"},
	        {{"OCF_RESKEY_stateless=true", "OCF_RESKEY_copyindirs=/etc/a", NULL},
	         -EINVAL,
	         "'stateless' needs 'backingfile'"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *env[6] = {"OCF_RESKEY_config=/srv/vm/web.xml"};
		struct vmha_params *p = vmha_params_new();
		char reason[256] = "";
		size_t j;
		int rc;

		for (j = 0; cases[i].env[j] != NULL; j++)
			env[j + 1] = cases[i].env[j];
		assert_int_equal(parse(env, p, reason, sizeof(reason)), 0);
		rc = vmha_params_check(p, reason, sizeof(reason));
		if (rc != cases[i].rc || strstr(reason, cases[i].reason) == NULL)
			fail_msg("case %zu: check gave %d '%s', expected %d '%s'", i, rc, reason,
			         cases[i].rc, cases[i].reason);
		vmha_params_free(p);
	}
}

/* Values as text: what the record of a start keeps for reload. */
static void test_value_text(void **state)
{
	static const char *const env[] = {"OCF_RESKEY_config=/vm.xml", "OCF_RESKEY_stateless=yes",
	                                  "OCF_RESKEY_migrateport=4711", NULL};
	struct vmha_params *p = vmha_params_new();
	char reason[64];
	char value[64];
	char tiny[3];
	size_t i;
	int seen = 0;

	assert_int_equal(parse(env, p, reason, sizeof(reason)), 0);
	for (i = 0; i < vmha_params_count(); i++) {
		const char *name = vmha_params_info(i)->name;

		assert_int_equal(vmha_params_value(p, i, value, sizeof(value)), 0);
		if (strcmp(name, "config") == 0 && ++seen)
			assert_string_equal(value, "/vm.xml");
		if (strcmp(name, "stateless") == 0 && ++seen)
			assert_string_equal(value, "true");
		if (strcmp(name, "force_stop") == 0 && ++seen)
			assert_string_equal(value, "false");
		if (strcmp(name, "migrateport") == 0 && ++seen)
			assert_string_equal(value, "4711");
		if (strcmp(name, "backingfile") == 0 && ++seen)
			assert_string_equal(value, "");
		if (strcmp(name, "shutdown_timeout_share") == 0 && ++seen)
			assert_string_equal(value, "70");
	}
	assert_int_equal(seen, 6);
	assert_int_equal(vmha_params_value(p, vmha_params_count(), value, sizeof(value)), -ERANGE);
	assert_int_equal(vmha_params_value(p, 0, tiny, sizeof(tiny)), -ENOSPC);
	vmha_params_free(p);
}

static void test_shutdown_flags(void **state)
{
	unsigned int flags = 99;
	char reason[128] = "";

	assert_int_equal(vmha_params_shutdown_flags(NULL, &flags, reason, sizeof(reason)), 0);
	assert_int_equal(flags, 0);
	assert_int_equal(vmha_params_shutdown_flags("acpi", &flags, reason, sizeof(reason)), 0);
	assert_int_equal(flags, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN);
	assert_int_equal(vmha_params_shutdown_flags("agent,initctl,signal,paravirt", &flags, reason,
	                                            sizeof(reason)),
	                 0);
	assert_int_equal(flags, VIR_DOMAIN_SHUTDOWN_GUEST_AGENT | VIR_DOMAIN_SHUTDOWN_INITCTL |
	                                VIR_DOMAIN_SHUTDOWN_SIGNAL | VIR_DOMAIN_SHUTDOWN_PARAVIRT);
	assert_int_equal(vmha_params_shutdown_flags("acp", &flags, reason, sizeof(reason)),
	                 -EINVAL);
	assert_non_null(strstr(reason, "'acp'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults),
	        cmocka_unit_test(test_every_stock_parameter_is_known),
	        cmocka_unit_test(test_values),
	        cmocka_unit_test(test_bad_values),
	        cmocka_unit_test(test_contradictions),
	        cmocka_unit_test(test_copy_on_write),
	        cmocka_unit_test(test_value_text),
	        cmocka_unit_test(test_shutdown_flags),
	};

	return cmocka_run_group_tests_name("agent params", tests, NULL, NULL);
}

/* Unit tests of heartbeat/hbconf.c: vmhad.conf. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "heartbeat/hbconf.h"

static int load_text(const char *text, struct vmha_hbconf *conf, char *err, size_t err_size,
                     char *path, size_t path_size)
{
	int fd;
	int rc;

	snprintf(path, path_size, "/tmp/vmhad-conf-test.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	rc = vmha_hbconf_load(path, conf, err, err_size);
	unlink(path);
	return rc;
}

static void test_example_file(void **state)
{
	struct vmha_hbconf conf;
	char err[256] = "";

	assert_int_equal(vmha_hbconf_load(HB_CONF_EXAMPLE, &conf, err, sizeof(err)), 0);
	assert_string_equal(conf.group_name, "vmha");
	assert_int_equal(conf.announce_interval_ms, 2000);
	assert_false(conf.allow_insecure_ring);
}

static void test_values(void **state)
{
	struct vmha_hbconf conf;
	char err[256] = "";
	char path[64];

	assert_int_equal(load_text("# comment\n\ngroup_name = g1\nhost_name=h7 # trailing\n"
	                           "announce_interval = 1500ms\nstorage_dir = /srv/hb\n"
	                           "storage_interval = 1s\nstorage_timeout = 4s\n"
	                           "self_fence_delay = 20\nmode = standalone\n"
	                           "allow_insecure_ring = yes\nfake_vms = 100\nlog_level = debug\n",
	                           &conf, err, sizeof(err), path, sizeof(path)),
	                 0);
	assert_string_equal(conf.group_name, "g1");
	assert_string_equal(conf.host_name, "h7");
	assert_int_equal(conf.announce_interval_ms, 1500);
	assert_string_equal(conf.storage_dir, "/srv/hb");
	assert_int_equal(conf.storage_timeout_ms, 4000);
	assert_int_equal(conf.self_fence_delay_ms, 20000);
	assert_int_equal(conf.mode, VMHA_HB_MODE_STANDALONE);
	assert_true(conf.allow_insecure_ring);
	assert_int_equal(conf.fake_vms, 100);
	assert_string_equal(conf.state_dir, "/var/lib/vmha");
	assert_string_equal(conf.migration_transport, "tcp");
	assert_int_equal(load_text("state_dir = /run/st\nmigration_transport = ssh\n", &conf, err,
	                           sizeof(err), path, sizeof(path)),
	                 0);
	assert_string_equal(conf.state_dir, "/run/st");
	assert_string_equal(conf.migration_transport, "ssh");
}

static void test_restart_limits(void **state)
{
	struct vmha_hbconf conf;
	char err[256] = "";
	char path[64];

	vmha_hbconf_defaults(&conf);
	assert_int_equal(conf.max_restart, 1);
	assert_int_equal(conf.max_relocate, 1);
	assert_int_equal(load_text("max_restart = 3\nmax_relocate = 0\n", &conf, err, sizeof(err),
	                           path, sizeof(path)),
	                 0);
	assert_int_equal(conf.max_restart, 3);
	assert_int_equal(conf.max_relocate, 0);
}

/* VM health: the defaults, set values, and the bounds (a bad value names line and key). */
static void test_vm_health(void **state)
{
	struct vmha_hbconf conf;
	char err[256] = "";
	char path[64];

	(void)state;
	vmha_hbconf_defaults(&conf);
	assert_int_equal(conf.health_interval_ms, 10000);
	assert_int_equal(conf.health_timeout_ms, 5000);
	assert_int_equal(conf.health_failures, 3);
	assert_int_equal(load_text("health_interval = 2s\nhealth_timeout = 1500ms\n"
	                           "health_failures = 1\n",
	                           &conf, err, sizeof(err), path, sizeof(path)),
	                 0);
	assert_int_equal(conf.health_interval_ms, 2000);
	assert_int_equal(conf.health_timeout_ms, 1500);
	assert_int_equal(conf.health_failures, 1);
	assert_int_equal(
	        load_text("health_failures = 0\n", &conf, err, sizeof(err), path, sizeof(path)),
	        -EINVAL);
	assert_non_null(strstr(err, ":1:"));
	assert_non_null(strstr(err, "health_failures"));
	assert_int_equal(load_text("\nhealth_interval = 500ms\n", &conf, err, sizeof(err), path,
	                           sizeof(path)),
	                 -EINVAL);
	assert_non_null(strstr(err, ":2:"));
	assert_int_equal(
	        load_text("health_timeout = 2m\n", &conf, err, sizeof(err), path, sizeof(path)),
	        -EINVAL);
	assert_int_equal(
	        load_text("health_failures = 3x\n", &conf, err, sizeof(err), path, sizeof(path)),
	        -EINVAL);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *expect;
	} cases[] = {
	        {"frobnicate = 1\n", ":1: unknown key 'frobnicate'"},
	        {"\n\nmode = fast\n",
	         ":3: key 'mode': value 'fast' is not 'monitor' or 'standalone'"},
	        {"announce_interval = soon\n",
	         ":1: key 'announce_interval': value 'soon' is not a duration"},
	        {"announce_interval = 1ms\n", "is out of range"},
	        {"group_name = a/b\n", ":1: key 'group_name': value 'a/b' is not a valid name"},
	        {"storage_dir = relative\n", "is not an absolute path"},
	        {"just words\n", ":1: expected 'key = value'"},
	        {"mode =\n", ":1: key 'mode' has no value"},
	        {"allow_insecure_ring = perhaps\n", "is not a boolean"},
	        {"storage_dir = /x\nstorage_interval = 3s\nstorage_timeout = 4s\n",
	         "at least twice"},
	        {"mode = monitor\nrestart_delay = 9s\nmode = standalone\n",
	         ":3: key 'mode' is given twice"},
	        {"watchdog_device = dev/watchdog\n",
	         ":1: key 'watchdog_device': value 'dev/watchdog' is not an absolute path"},
	        {"watchdog_timeout = 1500ms\n",
	         ":1: key 'watchdog_timeout': value '1500ms' is not a whole number of seconds"},
	        {"watchdog_timeout = 0s\n", ":1: key 'watchdog_timeout': value '0s' is out"},
	        {"max_restart = -1\n",
	         ":1: key 'max_restart': value '-1' is not a number from 0 to 100"},
	        {"\nmax_relocate = 101\n",
	         ":2: key 'max_relocate': value '101' is not a number from 0 to 100"},
	        {"max_restart = many\n", "is not a number from 0 to 100"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmha_hbconf conf;
		char err[256] = "";
		char path[64];

		assert_int_equal(
		        load_text(cases[i].text, &conf, err, sizeof(err), path, sizeof(path)),
		        -EINVAL);
		if (strstr(err, cases[i].expect) == NULL || strncmp(err, path, strlen(path)) != 0) {
			fail_msg("'%s': error '%s' lacks '%s' or the file name", cases[i].text, err,
			         cases[i].expect);
		}
	}
}

static void test_watchdog(void **state)
{
	struct vmha_hbconf conf;
	char err[256] = "";
	char path[64];

	vmha_hbconf_defaults(&conf);
	assert_string_equal(conf.watchdog_device, "/dev/watchdog");
	assert_int_equal(conf.watchdog_timeout_ms, 10000);
	assert_int_equal(load_text("watchdog_device = /run/vmha/wd\nwatchdog_timeout = 15s\n",
	                           &conf, err, sizeof(err), path, sizeof(path)),
	                 0);
	assert_string_equal(conf.watchdog_device, "/run/vmha/wd");
	assert_int_equal(conf.watchdog_timeout_ms, 15000);
	assert_int_equal(
	        load_text("watchdog_device = none\n", &conf, err, sizeof(err), path, sizeof(path)),
	        0);
	assert_string_equal(conf.watchdog_device, "");
}

/* alert agents, metrics textfile, libvirt's configuration directory */
static void test_observability(void **state)
{
	static const struct {
		const char *text;
		const char *expect;
	} bad[] = {
	        {"alert_path = agent.sh\n", ":1: key 'alert_path': value 'agent.sh' is not a list"},
	        {"alert_path = /a relative\n", "is not a list of absolute paths"},
	        {"alert_path = /1 /2 /3 /4 /5 /6 /7 /8 /9\n", "names more than 8 agents"},
	        {"alert_timeout = 10ms\n", ":1: key 'alert_timeout': value '10ms' is out of range"},
	        {"metrics_file = vmha.prom\n", "is not an absolute path"},
	        {"libvirt_conf_dir = etc\n", "is not an absolute path"},
	        {"disk_leases = off\n",
	         ":1: key 'disk_leases': value 'off' is not 'require' or 'warn'"},
	};
	struct vmha_hbconf conf;
	char err[256] = "";
	char path[64];
	size_t i;

	(void)state;
	vmha_hbconf_defaults(&conf);
	assert_string_equal(conf.alert_path, "");
	assert_int_equal(conf.alert_timeout_ms, 30000);
	assert_string_equal(conf.metrics_file, "");
	assert_string_equal(conf.libvirt_conf_dir, "/etc/libvirt");
	assert_true(conf.disk_leases_required);
	assert_int_equal(load_text("alert_path = /usr/share/pacemaker/alerts/alert_file.sh  /x/b\n"
	                           "alert_recipient = /var/log/vmha-alerts.log\n"
	                           "alert_timeout = 5s\nmetrics_file = /var/lib/node/vmha.prom\n"
	                           "libvirt_conf_dir = /srv/etc\ndisk_leases = warn\n",
	                           &conf, err, sizeof(err), path, sizeof(path)),
	                 0);
	assert_string_equal(conf.alert_path, "/usr/share/pacemaker/alerts/alert_file.sh  /x/b");
	assert_string_equal(conf.alert_recipient, "/var/log/vmha-alerts.log");
	assert_int_equal(conf.alert_timeout_ms, 5000);
	assert_string_equal(conf.metrics_file, "/var/lib/node/vmha.prom");
	assert_string_equal(conf.libvirt_conf_dir, "/srv/etc");
	assert_false(conf.disk_leases_required);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
		        load_text(bad[i].text, &conf, err, sizeof(err), path, sizeof(path)),
		        -EINVAL);
		if (strstr(err, bad[i].expect) == NULL) {
			fail_msg("'%s': error '%s' lacks '%s'", bad[i].text, err, bad[i].expect);
		}
	}
}

/* "mode = standalone\0junk": the NUL byte is an error, not the end of the line. */
static void test_nul_byte(void **state)
{
	static const char text[] = "group_name = g\nmode = standalone\0junk\n";
	struct vmha_hbconf conf;
	char err[256] = "";
	char path[64] = "/tmp/vmhad-conf-test.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	assert_int_equal(vmha_hbconf_load(path, &conf, err, sizeof(err)), -EINVAL);
	unlink(path);
	if (strstr(err, ":2: line has a NUL byte at column 18") == NULL) {
		fail_msg("error '%s'", err);
	}
}

static void test_missing_file(void **state)
{
	struct vmha_hbconf conf;
	char err[256] = "";

	assert_int_equal(vmha_hbconf_load("/nonexistent/vmhad.conf", &conf, err, sizeof(err)),
	                 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/vmhad.conf"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_example_file),   cmocka_unit_test(test_values),
	        cmocka_unit_test(test_restart_limits), cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_watchdog),       cmocka_unit_test(test_observability),
	        cmocka_unit_test(test_nul_byte),       cmocka_unit_test(test_missing_file),
	        cmocka_unit_test(test_vm_health),
	};

	return cmocka_run_group_tests_name("hbconf", tests, NULL, NULL);
}

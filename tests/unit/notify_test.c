/*
 * Unit tests of heartbeat/notify.c: vmhad's events reach a real alert agent
 * (one file per event) and the counters, the tick turns the status JSON's
 * watchdog and protected VMs into alerts and writes the metrics file from the
 * same object, and bad settings are refused with a clear error.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "deadline.h"
#include "heartbeat/hbconf.h"
#include "heartbeat/notify.h"

static char dir[] = "/tmp/vmha-notify-test-XXXXXX";

static int setup(void **state)
{
	char path[512];
	FILE *f = NULL;

	(void)state;
	if (mkdtemp(dir) == NULL) {
		return -1;
	}
	snprintf(path, sizeof(path), "%s/agent", dir);
	f = fopen(path, "w");
	if (f == NULL) {
		return -1;
	}
	/* one file per event, named by its sequence number */
	fprintf(f, "#!/bin/sh\nenv | grep '^CRM_alert_' | LC_ALL=C sort > "
	           "\"$CRM_alert_recipient/.t.$$\" && mv \"$CRM_alert_recipient/.t.$$\" "
	           "\"$CRM_alert_recipient/$CRM_alert_node_sequence\"\n");
	fclose(f);
	return chmod(path, 0755);
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0;

	if (f == NULL) {
		return NULL;
	}
	buf = calloc(1, 65536);
	assert_non_null(buf);
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Wait for event file seq; return its text. */
static char *event(unsigned int seq)
{
	char path[512];
	uint64_t end = vmha_clock_now_ms() + 5000;

	snprintf(path, sizeof(path), "%s/events/%u", dir, seq);
	while (access(path, F_OK) != 0 && vmha_clock_now_ms() < end) {
		usleep(10000);
	}
	return slurp(path);
}

static void conf_for(struct vmha_hbconf *conf)
{
	char events[200];

	vmha_hbconf_defaults(conf);
	snprintf(conf->host_name, sizeof(conf->host_name), "h1");
	conf->mode = VMHA_HB_MODE_STANDALONE;
	snprintf(conf->alert_path, sizeof(conf->alert_path), "%s/agent", dir);
	snprintf(events, sizeof(events), "%s/events", dir);
	mkdir(events, 0755);
	snprintf(conf->alert_recipient, sizeof(conf->alert_recipient), "%s", events);
	conf->alert_timeout_ms = 5000;
	snprintf(conf->metrics_file, sizeof(conf->metrics_file), "%s/vmha.prom", dir);
	/* no qemu.conf there: leases are off, which these cases accept to see the warning */
	snprintf(conf->libvirt_conf_dir, sizeof(conf->libvirt_conf_dir), "%s", dir);
	conf->disk_leases_required = false;
}

static json_object *status_fixture(void)
{
	char path[512];
	json_object *o = NULL;

	snprintf(path, sizeof(path), "%s/metrics-cases/standalone.json", NOTIFY_TEST_DIR);
	o = json_object_from_file(path);
	assert_non_null(o);
	/* the counters come from notify, not from the fixture */
	json_object_object_del(o, "metrics");
	return o;
}

static void test_events(void **state)
{
	struct vmha_hbconf conf;
	struct vmha_notify *n = NULL;
	json_object *status = NULL;
	json_object *m = NULL;
	json_object *v = NULL;
	char err[512] = "";
	char *text = NULL;
	char path[600];

	(void)state;
	conf_for(&conf);
	assert_int_equal(vmha_notify_new(&conf, &n, err, sizeof(err)), 0);
	vmha_notify_decision(n, "host_down", "h3", "host 'h3' is down");
	vmha_notify_fence_result(n, "h3", true, 1500, "fence_ipmilan: off");
	vmha_notify_start_result(n, "web1", true, false, 700, "");
	vmha_notify_start_result(n, "db", false, false, 300, "no memory");
	vmha_notify_quorum(n, true); /* first verdict: no alert */
	vmha_notify_decision(n, "quorum_lost", "h1", "quorum lost");
	vmha_notify_quorum(n, false);
	vmha_notify_quorum(n, true);
	vmha_notify_decision(n, "announce", "h1", "not an alert");

	text = event(1);
	assert_non_null(text);
	assert_non_null(strstr(text, "CRM_alert_kind=node\nCRM_alert_node=h3\n"));
	free(text);
	text = event(2);
	assert_non_null(text);
	assert_non_null(strstr(text, "CRM_alert_desc=Operation reboot of h3 by h1 for vmhad: OK"));
	assert_non_null(strstr(text, "CRM_alert_kind=fencing\n"));
	free(text);
	text = event(4);
	assert_non_null(text);
	assert_non_null(strstr(text, "CRM_alert_rsc=db\n"));
	assert_non_null(strstr(text, "CRM_alert_status=4\n"));
	free(text);
	text = event(6);
	assert_non_null(text);
	assert_non_null(strstr(text, "CRM_alert_attribute_value=true\n"));
	assert_non_null(strstr(text, "CRM_alert_desc=quorum regained\n"));
	free(text);

	/* the tick: watchdog fed, three protected VMs without leases, the file */
	status = status_fixture();
	vmha_notify_tick(n, status);
	text = event(7);
	assert_non_null(text);
	assert_non_null(strstr(text, "CRM_alert_attribute_name=vmha-watchdog\n"));
	assert_non_null(strstr(text, "CRM_alert_attribute_value=fed\n"));
	free(text);
	text = event(8);
	assert_non_null(text);
	assert_non_null(strstr(text, "CRM_alert_attribute_name=vmha-disk-leases\n"));
	assert_non_null(strstr(text, "3 unleased protected vm(s), lock manager none"));
	free(text);
	/* the same state again: no new alert */
	vmha_notify_tick(n, status);
	assert_true(json_object_object_get_ex(status, "metrics", &m));
	assert_true(json_object_object_get_ex(m, "fences_ok", &v));
	assert_int_equal(json_object_get_int64(v), 1);
	assert_true(json_object_object_get_ex(m, "starts_failed", &v));
	assert_int_equal(json_object_get_int64(v), 1);
	assert_true(json_object_object_get_ex(m, "hosts_down", &v));
	assert_int_equal(json_object_get_int64(v), 1);
	assert_true(json_object_object_get_ex(status, "disk_leases", &m));
	assert_true(json_object_object_get_ex(m, "unleased_vms", &v));
	assert_int_equal(json_object_array_length(v), 3);
	json_object_put(status);
	vmha_notify_free(n);
	vmha_notify_free(NULL);
	snprintf(path, sizeof(path), "%s/events/9", dir);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/vmha.prom", dir);
	text = slurp(path);
	assert_non_null(text);
	assert_non_null(strstr(text, "\nvmha_fences_total{result=\"ok\"} 1\n"));
	assert_non_null(strstr(text, "\nvmha_unleased_protected_vms 3\n"));
	assert_non_null(strstr(text, "\nvmha_alerts_total{result=\"ok\"} "));
	free(text);
}

/* A VM's event without a host names the host that reports it. */
static void test_vm_event_node(void **state)
{
	struct vmha_hbconf conf;
	struct vmha_notify *n = NULL;
	char err[512] = "";
	char path[600];
	char *text = NULL;
	uint64_t end = 0;

	(void)state;
	conf_for(&conf);
	snprintf(conf.alert_recipient, sizeof(conf.alert_recipient), "%s/events2", dir);
	mkdir(conf.alert_recipient, 0755);
	conf.metrics_file[0] = '\0';
	assert_int_equal(vmha_notify_new(&conf, &n, err, sizeof(err)), 0);
	vmha_notify_decision(n, "assign", "web9", "assigned to this host by the coordinator");
	snprintf(path, sizeof(path), "%s/events2/1", dir);
	end = vmha_clock_now_ms() + 5000;
	while (access(path, F_OK) != 0 && vmha_clock_now_ms() < end) {
		usleep(10000);
	}
	text = slurp(path);
	assert_non_null(text);
	assert_non_null(strstr(text, "CRM_alert_node=h1\n"));
	assert_non_null(strstr(text, "CRM_alert_rsc=web9\n"));
	assert_non_null(strstr(text, "CRM_alert_task=assign\n"));
	free(text);
	vmha_notify_free(n);
}

static void test_bad_settings(void **state)
{
	struct vmha_hbconf conf;
	struct vmha_notify *n = NULL;
	char err[512] = "";
	char path[600];
	FILE *f = NULL;

	(void)state;
	/* nothing configured, monitor mode: every call is harmless */
	vmha_hbconf_defaults(&conf);
	assert_int_equal(vmha_notify_new(&conf, &n, err, sizeof(err)), 0);
	vmha_notify_decision(n, "host_down", "h3", "x");
	vmha_notify_tick(n, NULL);
	vmha_notify_free(n);

	conf_for(&conf);
	snprintf(conf.metrics_file, sizeof(conf.metrics_file), "relative.prom");
	assert_int_equal(vmha_notify_new(&conf, &n, err, sizeof(err)), -EINVAL);
	assert_null(n);
	assert_non_null(strstr(err, "cannot write metrics to 'relative.prom'"));

	conf_for(&conf);
	snprintf(path, sizeof(path), "%s/qemu.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("lock_manager = \"flock\"\n", f);
	fclose(f);
	assert_int_equal(vmha_notify_new(&conf, &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is not lockd or sanlock"));
	unlink(path);
}

/* disk_leases = require (the default): no start without leases, with the reason and the way out */
static void test_leases_required(void **state)
{
	struct vmha_hbconf conf;
	struct vmha_notify *n = NULL;
	char libvirt[600];
	char path[700];
	char err[512] = "";
	FILE *f = NULL;

	vmha_hbconf_defaults(&conf);
	assert_true(conf.disk_leases_required);
	snprintf(conf.host_name, sizeof(conf.host_name), "h1");
	conf.mode = VMHA_HB_MODE_STANDALONE;
	snprintf(libvirt, sizeof(libvirt), "%s/libvirt", dir);
	assert_int_equal(mkdir(libvirt, 0755), 0);
	snprintf(conf.libvirt_conf_dir, sizeof(conf.libvirt_conf_dir), "%s", libvirt);
	assert_int_equal(vmha_notify_new(&conf, &n, err, sizeof(err)), -EPERM);
	assert_null(n);
	assert_non_null(strstr(err, "disk leases are off on this host"));
	assert_non_null(strstr(err, "disk_leases = warn"));

	/* monitor mode has nothing to lease */
	conf.mode = VMHA_HB_MODE_MONITOR;
	assert_int_equal(vmha_notify_new(&conf, &n, err, sizeof(err)), 0);
	vmha_notify_free(n);
	n = NULL;

	/* lockd with a lease for every disk: vmhad starts */
	conf.mode = VMHA_HB_MODE_STANDALONE;
	snprintf(path, sizeof(path), "%s/qemu.conf", libvirt);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("lock_manager = \"lockd\"\n", f);
	fclose(f);
	assert_int_equal(vmha_notify_new(&conf, &n, err, sizeof(err)), 0);
	assert_non_null(n);
	vmha_notify_free(n);
	unlink(path);
	rmdir(libvirt);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_events),
	        cmocka_unit_test(test_vm_event_node),
	        cmocka_unit_test(test_bad_settings),
	        cmocka_unit_test(test_leases_required),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/* vmhad's alerts, metrics and disk-lease warning, wired to its events (see notify.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heartbeat/alerts.h"
#include "heartbeat/leases.h"
#include "heartbeat/metrics.h"
#include "heartbeat/notify.h"
#include "deadline.h"
#include "log.h"

#define MAX_PROTECTED 1024

enum quorum_seen { Q_UNKNOWN = 0, Q_QUORATE, Q_LOST };

struct vmha_notify {
	char host[VMHA_NAME_SIZE];
	struct vmha_alerts *alerts;
	struct vmha_metrics *metrics;
	struct vmha_metrics_writer *writer;
	struct vmha_leases *leases;
	enum quorum_seen quorum;
	char watchdog[16];
};

static int start_alerts(struct vmha_notify *n, const struct vmha_hbconf *conf, char *err,
                        size_t err_size)
{
	struct vmha_alerts_opts o;
	char list[sizeof(conf->alert_path)];
	char *save = NULL;
	char *tok = NULL;
	int rc = 0;

	memset(&o, 0, sizeof(o));
	snprintf(list, sizeof(list), "%s", conf->alert_path);
	for (tok = strtok_r(list, " \t", &save); tok != NULL && o.n_paths < VMHA_ALERTS_MAX_AGENTS;
	     tok = strtok_r(NULL, " \t", &save)) {
		o.paths[o.n_paths++] = tok;
	}
	if (o.n_paths == 0) {
		return 0;
	}
	o.recipient = conf->alert_recipient;
	o.timeout_ms = conf->alert_timeout_ms;
	rc = vmha_alerts_new(&o, &n->alerts);
	if (rc < 0) {
		snprintf(err, err_size, "cannot start the alert agents '%.200s': %s",
		         conf->alert_path, strerror(-rc));
	}
	return rc;
}

int vmha_notify_new(const struct vmha_hbconf *conf, struct vmha_notify **out, char *err,
                    size_t err_size)
{
	struct vmha_notify *n = calloc(1, sizeof(*n));
	struct vmha_leases_info info;
	int rc = 0;

	*out = NULL;
	if (n == NULL) {
		return -ENOMEM;
	}
	snprintf(n->host, sizeof(n->host), "%s", conf->host_name);
	snprintf(n->watchdog, sizeof(n->watchdog), "closed");
	n->metrics = vmha_metrics_new();
	if (n->metrics == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = start_alerts(n, conf, err, err_size);
	if (rc < 0) {
		goto out;
	}
	if (conf->metrics_file[0] != '\0') {
		rc = vmha_metrics_writer_new(conf->metrics_file, &n->writer);
		if (rc < 0) {
			snprintf(err, err_size, "cannot write metrics to '%.200s': %s",
			         conf->metrics_file, strerror(-rc));
			goto out;
		}
	}
	if (conf->mode == VMHA_HB_MODE_STANDALONE) {
		rc = vmha_leases_probe(conf->libvirt_conf_dir, &info, err, err_size);
		if (rc < 0) {
			goto out;
		}
		if (!vmha_leases_cover_disks(&info) && conf->disk_leases_required) {
			snprintf(err, err_size,
			         "disk leases are off on this host (%s): configure libvirt's lockd "
			         "or "
			         "sanlock lock manager (vmhad(8), DISK LEASES), or set "
			         "'disk_leases = warn' to run protected vms without them",
			         info.why);
			rc = -EPERM;
			goto out;
		}
		if (!vmha_leases_cover_disks(&info)) {
			vmha_warn(
			        "disk leases are off on this host (%s): protected vms run without "
			        "the last line of defence against a second copy (disk_leases = "
			        "warn)",
			        info.why);
		}
		n->leases = vmha_leases_new(&info);
		if (n->leases == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
out:
	if (rc < 0) {
		vmha_notify_free(n);
		return rc;
	}
	*out = n;
	return 0;
}

void vmha_notify_free(struct vmha_notify *n)
{
	if (n == NULL) {
		return;
	}
	vmha_alerts_free(n->alerts);
	vmha_metrics_writer_free(n->writer);
	vmha_leases_free(n->leases);
	vmha_metrics_free(n->metrics);
	free(n);
}

static void send(struct vmha_notify *n, const struct vmha_alert_event *ev)
{
	if (n->alerts != NULL) {
		(void)vmha_alerts_send(n->alerts, ev);
	}
}

void vmha_notify_decision(struct vmha_notify *n, const char *kind, const char *host,
                          const char *text)
{
	struct vmha_alert_event ev;

	if (n == NULL || kind == NULL) {
		return;
	}
	if (strcmp(kind, "host_down") == 0) {
		vmha_metrics_host_down(n->metrics, vmha_clock_now_ms());
	}
	if (strcmp(kind, "quorum_lost") == 0) {
		n->quorum = Q_LOST;
	}
	if (vmha_alerts_from_decision(kind, host, text, &ev)) {
		if (ev.node[0] == '\0') {
			/* a VM's event: the host that reports it */
			snprintf(ev.node, sizeof(ev.node), "%s", n->host);
		}
		send(n, &ev);
	}
}

void vmha_notify_fence_result(struct vmha_notify *n, const char *target, bool ok,
                              uint64_t duration_ms, const char *text)
{
	struct vmha_alert_event ev;

	if (n == NULL) {
		return;
	}
	vmha_metrics_fence(n->metrics, ok, duration_ms);
	vmha_alerts_fence_event(&ev, target, n->host, ok, text);
	send(n, &ev);
}

void vmha_notify_start_result(struct vmha_notify *n, const char *vm, bool ok, bool unknown,
                              uint64_t duration_ms, const char *text)
{
	struct vmha_alert_event ev;

	if (n == NULL) {
		return;
	}
	vmha_metrics_start(n->metrics, vmha_clock_now_ms(), ok, unknown, duration_ms);
	vmha_alerts_start_event(&ev, vm, n->host, ok, unknown, text);
	send(n, &ev);
}

void vmha_notify_vm_unhealthy(struct vmha_notify *n, const char *vm, const char *desc)
{
	struct vmha_alert_event ev;

	if (n == NULL) {
		return;
	}
	vmha_metrics_vm_health_failure(n->metrics);
	vmha_alerts_health_event(&ev, vm, n->host, desc);
	send(n, &ev);
}

void vmha_notify_quorum(struct vmha_notify *n, bool quorate)
{
	if (n == NULL) {
		return;
	}
	if (quorate && n->quorum == Q_LOST) {
		vmha_notify_decision(n, "quorum_regained", n->host, "quorum regained");
	}
	if (quorate) {
		n->quorum = Q_QUORATE;
	} else {
		n->quorum = Q_LOST;
	}
}

void vmha_notify_status(struct vmha_notify *n, json_object *status)
{
	struct vmha_alerts_stats st;

	if (n == NULL || status == NULL) {
		return;
	}
	vmha_alerts_stats(n->alerts, &st);
	vmha_metrics_alerts(n->metrics, &st);
	if (n->leases != NULL) {
		vmha_metrics_leases(n->metrics, vmha_leases_manager(n->leases),
		                    vmha_leases_unleased_count(n->leases));
		json_object_object_add(status, "disk_leases", vmha_leases_to_json(n->leases));
	}
	json_object_object_add(status, "metrics", vmha_metrics_to_json(n->metrics));
}

/* The watchdog's state in the status: closed, fed, or not_fed (the host resets soon). */
static void watchdog_tick(struct vmha_notify *n, json_object *status)
{
	json_object *wd = NULL;
	json_object *v = NULL;
	const char *now = "closed";
	struct vmha_alert_event ev;

	if (!json_object_object_get_ex(status, "watchdog", &wd) || wd == NULL) {
		return;
	}
	if (json_object_object_get_ex(wd, "open", &v) && json_object_get_boolean(v)) {
		now = json_object_object_get_ex(wd, "fed", &v) && json_object_get_boolean(v)
		              ? "fed"
		              : "not_fed";
	}
	if (strcmp(now, n->watchdog) == 0) {
		return;
	}
	snprintf(n->watchdog, sizeof(n->watchdog), "%s", now);
	vmha_alerts_attribute_event(&ev, n->host, "vmha-watchdog", now);
	send(n, &ev);
}

static void leases_tick(struct vmha_notify *n, json_object *status)
{
	static const char *names[MAX_PROTECTED];
	json_object *fo = NULL;
	struct vmha_alert_event ev;
	char value[128];
	size_t count = 0;
	size_t i;

	if (n->leases == NULL || !json_object_object_get_ex(status, "failover", &fo) ||
	    fo == NULL) {
		return;
	}
	for (i = 0; i < json_object_array_length(fo) && count < MAX_PROTECTED; i++) {
		json_object *name = NULL;

		if (json_object_object_get_ex(json_object_array_get_idx(fo, i), "name", &name)) {
			names[count++] = json_object_get_string(name);
		}
	}
	if (vmha_leases_set_vms(n->leases, names, count) == 0) {
		return;
	}
	snprintf(value, sizeof(value), "%zu unleased protected vm(s), lock manager %s",
	         vmha_leases_unleased_count(n->leases), vmha_leases_manager(n->leases));
	vmha_alerts_attribute_event(&ev, n->host, "vmha-disk-leases", value);
	send(n, &ev);
}

void vmha_notify_tick(struct vmha_notify *n, json_object *status)
{
	char *text = NULL;

	if (n == NULL || status == NULL) {
		return;
	}
	watchdog_tick(n, status);
	leases_tick(n, status);
	/* the counters and the lease check as of now, then the file from the same object */
	vmha_notify_status(n, status);
	if (n->writer != NULL && vmha_metrics_render(status, &text) == 0) {
		vmha_metrics_writer_put(n->writer, text);
	}
}

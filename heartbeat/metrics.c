/* vmhad's Prometheus textfile, rendered from the status JSON (see metrics.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "heartbeat/alerts.h"
#include "heartbeat/metrics.h"
#include "log.h"

struct vmha_metrics {
	uint64_t fences_ok;
	uint64_t fences_failed;
	uint64_t fence_ms_sum;
	uint64_t starts_ok;
	uint64_t starts_failed;
	uint64_t starts_unknown;
	uint64_t start_ms_sum;
	uint64_t hosts_down;
	uint64_t health_failures;
	uint64_t last_down_ms;
	bool failover_known;
	uint64_t last_failover_ms;
	struct vmha_alerts_stats alerts;
	char lease_manager[32];
	uint64_t unleased_vms;
	bool leases_known;
};

/* the host states of heartbeat/view.c and the VM states of heartbeat/failover.c */
static const char *const host_states[] = {"joining", "online",   "standby", "daemon_down",
                                          "lost",    "isolated", "fenced"};
static const char *const vm_states[] = {"unknown",  "running",  "displaced",
                                        "assigned", "stranded", "not_restarted"};

struct vmha_metrics *vmha_metrics_new(void)
{
	return calloc(1, sizeof(struct vmha_metrics));
}

void vmha_metrics_free(struct vmha_metrics *m)
{
	free(m);
}

void vmha_metrics_fence(struct vmha_metrics *m, bool ok, uint64_t duration_ms)
{
	if (m == NULL) {
		return;
	}
	if (ok) {
		m->fences_ok++;
	} else {
		m->fences_failed++;
	}
	m->fence_ms_sum += duration_ms;
}

void vmha_metrics_start(struct vmha_metrics *m, uint64_t now_ms, bool ok, bool unknown,
                        uint64_t duration_ms)
{
	if (m == NULL) {
		return;
	}
	if (ok) {
		m->starts_ok++;
		if (m->hosts_down > 0 && now_ms >= m->last_down_ms) {
			/* from the last down decision to the last start after it */
			m->last_failover_ms = now_ms - m->last_down_ms;
			m->failover_known = true;
		}
	} else if (unknown) {
		m->starts_unknown++;
	} else {
		m->starts_failed++;
	}
	m->start_ms_sum += duration_ms;
}

void vmha_metrics_host_down(struct vmha_metrics *m, uint64_t now_ms)
{
	if (m == NULL) {
		return;
	}
	m->hosts_down++;
	m->last_down_ms = now_ms;
}

void vmha_metrics_vm_health_failure(struct vmha_metrics *m)
{
	if (m != NULL) {
		m->health_failures++;
	}
}

void vmha_metrics_alerts(struct vmha_metrics *m, const struct vmha_alerts_stats *st)
{
	if (m != NULL && st != NULL) {
		m->alerts = *st;
	}
}

void vmha_metrics_leases(struct vmha_metrics *m, const char *manager, uint64_t unleased_vms)
{
	if (m == NULL) {
		return;
	}
	snprintf(m->lease_manager, sizeof(m->lease_manager), "%s", manager != NULL ? manager : "");
	m->unleased_vms = unleased_vms;
	m->leases_known = true;
}

static void add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

json_object *vmha_metrics_to_json(const struct vmha_metrics *m)
{
	json_object *o = NULL;
	json_object *al = NULL;

	if (m == NULL) {
		return NULL;
	}
	o = json_object_new_object();
	al = json_object_new_object();
	if (o == NULL || al == NULL) {
		json_object_put(o);
		json_object_put(al);
		return NULL;
	}
	add_u64(o, "fences_ok", m->fences_ok);
	add_u64(o, "fences_failed", m->fences_failed);
	add_u64(o, "fence_duration_ms_sum", m->fence_ms_sum);
	add_u64(o, "starts_ok", m->starts_ok);
	add_u64(o, "starts_failed", m->starts_failed);
	add_u64(o, "starts_unknown", m->starts_unknown);
	add_u64(o, "start_duration_ms_sum", m->start_ms_sum);
	add_u64(o, "hosts_down", m->hosts_down);
	add_u64(o, "vm_health_failures", m->health_failures);
	json_object_object_add(
	        o, "last_failover_ms",
	        m->failover_known ? json_object_new_int64((int64_t)m->last_failover_ms) : NULL);
	add_u64(al, "ok", m->alerts.ok);
	add_u64(al, "failed", m->alerts.failed);
	add_u64(al, "timed_out", m->alerts.timed_out);
	add_u64(al, "dropped", m->alerts.dropped);
	add_u64(al, "queued", m->alerts.queued);
	json_object_object_add(o, "alerts", al);
	json_object_object_add(o, "disk_lease_manager",
	                       m->leases_known ? json_object_new_string(m->lease_manager) : NULL);
	json_object_object_add(o, "unleased_vms",
	                       m->leases_known ? json_object_new_int64((int64_t)m->unleased_vms)
	                                       : NULL);
	return o;
}

/* ---- rendering ---- */

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with \, " and newline escaped as the format requires. */
static void label_value(FILE *f, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"') {
			fprintf(f, "\\%c", *v);
		} else if (*v == '\n') {
			fputs("\\n", f);
		} else {
			fputc(*v, f);
		}
	}
}

static void sample(FILE *f, const char *name, const char *l1, const char *v1, const char *l2,
                   const char *v2, double value)
{
	fputs(name, f);
	if (l1 != NULL) {
		fprintf(f, "{%s=\"", l1);
		label_value(f, v1);
		fputc('"', f);
		if (l2 != NULL) {
			fprintf(f, ",%s=\"", l2);
			label_value(f, v2);
			fputc('"', f);
		}
		fputc('}', f);
	}
	if (value == (double)(long long)value && value > -9007199254740992.0 &&
	    value < 9007199254740992.0) {
		fprintf(f, " %lld\n", (long long)value);
	} else {
		fprintf(f, " %.15g\n", value);
	}
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v)) {
		return NULL;
	}
	return v;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return v != NULL && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
	                                                             : "";
}

static double get_num(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return v != NULL ? json_object_get_double(v) : 0.0;
}

static double get_bool(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return v != NULL && json_object_get_boolean(v) ? 1.0 : 0.0;
}

static void render_hosts(FILE *f, json_object *hosts)
{
	size_t n = json_object_array_length(hosts);
	size_t i;
	size_t s;

	family(f, "vmha_host_state", "gauge",
	       "1 for the state vmhad holds the host in, 0 for the others");
	for (i = 0; i < n; i++) {
		json_object *h = json_object_array_get_idx(hosts, i);

		for (s = 0; s < sizeof(host_states) / sizeof(host_states[0]); s++) {
			sample(f, "vmha_host_state", "host", get_str(h, "name"), "state",
			       host_states[s], strcmp(get_str(h, "state"), host_states[s]) == 0);
		}
	}
	family(f, "vmha_host_alarm", "gauge",
	       "1 when the host's storage slot advanced after a reported fence");
	for (i = 0; i < n; i++) {
		json_object *h = json_object_array_get_idx(hosts, i);

		sample(f, "vmha_host_alarm", "host", get_str(h, "name"), NULL, NULL,
		       get_bool(h, "alarm"));
	}
	family(f, "vmha_host_cpus", "gauge", "CPUs the host announced");
	for (i = 0; i < n; i++) {
		json_object *h = json_object_array_get_idx(hosts, i);

		sample(f, "vmha_host_cpus", "host", get_str(h, "name"), NULL, NULL,
		       get_num(h, "cpus"));
	}
	family(f, "vmha_host_memory_bytes", "gauge", "memory the host announced");
	for (i = 0; i < n; i++) {
		json_object *h = json_object_array_get_idx(hosts, i);

		sample(f, "vmha_host_memory_bytes", "host", get_str(h, "name"), NULL, NULL,
		       get_num(h, "memory_kib") * 1024.0);
	}
	family(f, "vmha_host_memory_free_bytes", "gauge", "free memory the host announced");
	for (i = 0; i < n; i++) {
		json_object *h = json_object_array_get_idx(hosts, i);

		sample(f, "vmha_host_memory_free_bytes", "host", get_str(h, "name"), NULL, NULL,
		       get_num(h, "memory_free_kib") * 1024.0);
	}
	family(f, "vmha_host_vms", "gauge", "VMs the host announced (protected or not)");
	for (i = 0; i < n; i++) {
		json_object *h = json_object_array_get_idx(hosts, i);
		json_object *vms = get(h, "vms");

		sample(f, "vmha_host_vms", "host", get_str(h, "name"), NULL, NULL,
		       vms != NULL ? (double)json_object_array_length(vms) : 0.0);
	}
}

static void render_failover(FILE *f, json_object *failover)
{
	size_t n = failover != NULL ? json_object_array_length(failover) : 0;
	size_t s;
	size_t i;

	family(f, "vmha_protected_vms", "gauge",
	       "protected VMs (the registry) by failover state; sum() for all");
	for (s = 0; s < sizeof(vm_states) / sizeof(vm_states[0]); s++) {
		size_t count = 0;

		for (i = 0; i < n; i++) {
			json_object *v = json_object_array_get_idx(failover, i);

			count += strcmp(get_str(v, "state"), vm_states[s]) == 0;
		}
		sample(f, "vmha_protected_vms", "state", vm_states[s], NULL, NULL, (double)count);
	}
}

static void render_guard(FILE *f, json_object *status)
{
	json_object *wd = get(status, "watchdog");

	family(f, "vmha_self_fenced", "gauge",
	       "1 while this host has fenced itself (its protected VMs stopped)");
	sample(f, "vmha_self_fenced", NULL, NULL, NULL, NULL, get_bool(status, "self_fenced"));
	if (wd == NULL) {
		return;
	}
	family(f, "vmha_watchdog_open", "gauge", "1 when vmhad holds the watchdog device open");
	sample(f, "vmha_watchdog_open", NULL, NULL, NULL, NULL, get_bool(wd, "open"));
	family(f, "vmha_watchdog_fed", "gauge", "1 when the last verdict was to feed the watchdog");
	sample(f, "vmha_watchdog_fed", NULL, NULL, NULL, NULL, get_bool(wd, "fed"));
	family(f, "vmha_watchdog_feeds_total", "counter", "watchdog feeds since vmhad started");
	sample(f, "vmha_watchdog_feeds_total", NULL, NULL, NULL, NULL, get_num(wd, "feeds"));
	family(f, "vmha_watchdog_timeout_seconds", "gauge", "the watchdog's timeout");
	sample(f, "vmha_watchdog_timeout_seconds", NULL, NULL, NULL, NULL,
	       get_num(wd, "timeout_ms") / 1000.0);
}

static void render_counters(FILE *f, json_object *m)
{
	json_object *al = get(m, "alerts");
	json_object *last = get(m, "last_failover_ms");
	static const char *const alert_results[] = {"ok", "failed", "timed_out", "dropped"};
	size_t i;

	family(f, "vmha_fences_total", "counter", "fences this host ran, by result");
	sample(f, "vmha_fences_total", "result", "ok", NULL, NULL, get_num(m, "fences_ok"));
	sample(f, "vmha_fences_total", "result", "failed", NULL, NULL, get_num(m, "fences_failed"));
	family(f, "vmha_fence_duration_seconds", "summary", "time of the fences this host ran");
	sample(f, "vmha_fence_duration_seconds_sum", NULL, NULL, NULL, NULL,
	       get_num(m, "fence_duration_ms_sum") / 1000.0);
	sample(f, "vmha_fence_duration_seconds_count", NULL, NULL, NULL, NULL,
	       get_num(m, "fences_ok") + get_num(m, "fences_failed"));
	family(f, "vmha_vm_starts_total", "counter",
	       "failover VM starts this host ran, by result (unknown: the result was lost)");
	sample(f, "vmha_vm_starts_total", "result", "ok", NULL, NULL, get_num(m, "starts_ok"));
	sample(f, "vmha_vm_starts_total", "result", "failed", NULL, NULL,
	       get_num(m, "starts_failed"));
	sample(f, "vmha_vm_starts_total", "result", "unknown", NULL, NULL,
	       get_num(m, "starts_unknown"));
	family(f, "vmha_vm_start_duration_seconds", "summary",
	       "time of the failover VM starts this host ran");
	sample(f, "vmha_vm_start_duration_seconds_sum", NULL, NULL, NULL, NULL,
	       get_num(m, "start_duration_ms_sum") / 1000.0);
	sample(f, "vmha_vm_start_duration_seconds_count", NULL, NULL, NULL, NULL,
	       get_num(m, "starts_ok") + get_num(m, "starts_failed") +
	               get_num(m, "starts_unknown"));
	family(f, "vmha_hosts_down_total", "counter", "hosts declared down (failovers begun)");
	sample(f, "vmha_hosts_down_total", NULL, NULL, NULL, NULL, get_num(m, "hosts_down"));
	if (get(m, "vm_health_failures") != NULL) {
		family(f, "vmha_vm_health_failures_total", "counter",
		       "VMs this host destroyed because their guest agent stopped answering");
		sample(f, "vmha_vm_health_failures_total", NULL, NULL, NULL, NULL,
		       get_num(m, "vm_health_failures"));
	}
	if (last != NULL) {
		family(f, "vmha_last_failover_duration_seconds", "gauge",
		       "from the last host-down decision to the last VM start here after it");
		sample(f, "vmha_last_failover_duration_seconds", NULL, NULL, NULL, NULL,
		       json_object_get_double(last) / 1000.0);
	}
	family(f, "vmha_alerts_total", "counter", "alert agent runs, by result");
	for (i = 0; i < sizeof(alert_results) / sizeof(alert_results[0]); i++) {
		sample(f, "vmha_alerts_total", "result", alert_results[i], NULL, NULL,
		       get_num(al, alert_results[i]));
	}
	family(f, "vmha_alerts_queued", "gauge", "alert events waiting for the agents");
	sample(f, "vmha_alerts_queued", NULL, NULL, NULL, NULL, get_num(al, "queued"));
	if (get(m, "disk_lease_manager") != NULL) {
		family(f, "vmha_disk_lease_manager", "gauge",
		       "1 for the lock manager libvirt's QEMU driver is configured with");
		sample(f, "vmha_disk_lease_manager", "manager", get_str(m, "disk_lease_manager"),
		       NULL, NULL, 1.0);
		family(f, "vmha_unleased_protected_vms", "gauge",
		       "protected VMs whose disks no lock manager leases");
		sample(f, "vmha_unleased_protected_vms", NULL, NULL, NULL, NULL,
		       get_num(m, "unleased_vms"));
	}
}

int vmha_metrics_render(json_object *status, char **out)
{
	json_object *hosts = get(status, "hosts");
	json_object *daemon = get(status, "daemon");
	json_object *failover = get(status, "failover");
	json_object *m = get(status, "metrics");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = NULL;

	*out = NULL;
	if (hosts == NULL || !json_object_is_type(hosts, json_type_array)) {
		return -EINVAL;
	}
	f = open_memstream(&buf, &len);
	if (f == NULL) {
		return -ENOMEM;
	}
	family(f, "vmha_info", "gauge", "vmhad's version, host and mode (always 1)");
	fprintf(f, "vmha_info{version=\"");
	label_value(f, get_str(daemon, "version"));
	fprintf(f, "\",host=\"");
	label_value(f, get_str(status, "self"));
	fprintf(f, "\",mode=\"");
	label_value(f, get_str(daemon, "mode"));
	fprintf(f, "\"} 1\n");
	family(f, "vmha_uptime_seconds", "gauge", "time since vmhad started");
	sample(f, "vmha_uptime_seconds", NULL, NULL, NULL, NULL,
	       get_num(daemon, "uptime_ms") / 1000.0);
	family(f, "vmha_quorate", "gauge", "1 while this host's partition has quorum");
	sample(f, "vmha_quorate", NULL, NULL, NULL, NULL, get_bool(status, "quorate"));
	family(f, "vmha_quorum_known", "gauge",
	       "1 once votequorum reported on the current membership");
	sample(f, "vmha_quorum_known", NULL, NULL, NULL, NULL, get_bool(status, "quorum_known"));
	render_hosts(f, hosts);
	if (failover != NULL) {
		render_failover(f, failover);
		render_guard(f, status);
	}
	if (m != NULL) {
		render_counters(f, m);
	}
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}

/* ---- the writer ---- */

struct vmha_metrics_writer {
	char path[1024];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char *pending;
	bool writing;
	bool stop;
	uint64_t errors;
	bool failing;
};

int vmha_metrics_write_file(const char *path, const char *text)
{
	char tmp[1100];
	size_t len = strlen(text);
	size_t done = 0;
	int fd = -1;
	int rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		return -errno;
	}
	while (done < len) {
		ssize_t got = write(fd, text + done, len - done);

		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got < 0) {
			rc = -errno;
			goto out;
		}
		done += (size_t)got;
	}
	if (fsync(fd) < 0) {
		rc = -errno;
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		rc = -errno;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		rc = -errno;
	}
out:
	if (fd >= 0) {
		close(fd);
	}
	if (rc < 0) {
		unlink(tmp);
	}
	return rc;
}

static void *writer_main(void *arg)
{
	struct vmha_metrics_writer *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		char *text = NULL;
		int rc = 0;

		while (w->pending == NULL && !w->stop) {
			pthread_cond_wait(&w->cond, &w->lock);
		}
		if (w->stop) {
			break;
		}
		text = w->pending;
		w->pending = NULL;
		w->writing = true;
		pthread_mutex_unlock(&w->lock);
		rc = vmha_metrics_write_file(w->path, text);
		free(text);
		pthread_mutex_lock(&w->lock);
		w->writing = false;
		if (rc < 0) {
			w->errors++;
			if (!w->failing) {
				vmha_err("cannot write the metrics file '%s': %s", w->path,
				         strerror(-rc));
			}
			w->failing = true;
		} else if (w->failing) {
			vmha_notice("metrics file '%s' written again", w->path);
			w->failing = false;
		}
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int vmha_metrics_writer_new(const char *path, struct vmha_metrics_writer **out)
{
	struct vmha_metrics_writer *w = NULL;
	int rc = 0;

	*out = NULL;
	if (path == NULL || path[0] != '/' || strlen(path) >= sizeof(w->path)) {
		return -EINVAL;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		return -ENOMEM;
	}
	snprintf(w->path, sizeof(w->path), "%s", path);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	rc = -pthread_create(&w->thread, NULL, writer_main, w);
	if (rc < 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

void vmha_metrics_writer_free(struct vmha_metrics_writer *w)
{
	if (w == NULL) {
		return;
	}
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	free(w->pending);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}

void vmha_metrics_writer_put(struct vmha_metrics_writer *w, char *text)
{
	if (w == NULL) {
		free(text);
		return;
	}
	pthread_mutex_lock(&w->lock);
	free(w->pending);
	w->pending = text;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

uint64_t vmha_metrics_writer_errors(struct vmha_metrics_writer *w)
{
	uint64_t n = 0;

	if (w == NULL) {
		return 0;
	}
	pthread_mutex_lock(&w->lock);
	n = w->errors;
	pthread_mutex_unlock(&w->lock);
	return n;
}

int vmha_metrics_writer_flush(struct vmha_metrics_writer *w, uint64_t timeout_ms)
{
	uint64_t deadline = vmha_deadline_in_ms(timeout_ms);
	int rc = 0;

	if (w == NULL) {
		return 0;
	}
	pthread_mutex_lock(&w->lock);
	while (w->pending != NULL || w->writing) {
		struct timespec ts = {0, 5 * 1000000L};

		if (vmha_deadline_expired(deadline)) {
			rc = -ETIMEDOUT;
			break;
		}
		pthread_mutex_unlock(&w->lock);
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

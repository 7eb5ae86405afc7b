/* The agent's actions (see actions.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "actions.h"
#include "cmd.h"
#include "deadline.h"
#include "domxml.h"
#include "log.h"
#include "migrate.h"
#include "migration.h"
#include "ocf.h"
#include "overlay.h"
#include "qemuproc.h"
#include "virt.h"

/* Keepalive probe interval for remote connections. */
#define KEEPALIVE_S 2
/* Polling interval while waiting for a state change. */
#define POLL_MS 250

struct ctx {
	const struct vmha_params *p;
	const char *action;
	uint64_t deadline_ms;
	char *reason;
	size_t reason_len;
	struct vmha_domxml *dx;
	struct vmha_virt *v;
	char name[256];
	char uuid[VIR_UUID_STRING_BUFLEN];
	char record_path[4096];
	bool from_record;
};

/* Record rc's reason, unless a more specific one was recorded first. */
static int fail(struct ctx *c, int rc, const char *fmt, ...)
{
	va_list ap;

	if (c->reason[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(c->reason, c->reason_len, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static bool is_probe(const struct ctx *c)
{
	return strcmp(c->action, "monitor") == 0 && vmha_params_interval_ms(c->p) == 0;
}

static void record_path(struct ctx *c)
{
	char key[512];
	size_t i;

	snprintf(key, sizeof(key), "%s",
	         vmha_params_instance(c->p) != NULL
	                 ? vmha_params_instance(c->p)
	                 : (vmha_params_config(c->p) != NULL ? vmha_params_config(c->p)
	                                                     : "default"));
	for (i = 0; key[i] != '\0'; i++) {
		if (key[i] == '/')
			key[i] = '_';
	}
	snprintf(c->record_path, sizeof(c->record_path), "%s/vmha-VirtualDomain-%s.state",
	         vmha_params_rsctmp(c->p), key);
}

/* Record prefix of a parameter that only a restart applies. */
#define RECORD_PARAM "param:"

/* Value of parameter i as recorded: one line. */
static void record_value(const struct ctx *c, size_t i, char *buf, size_t len)
{
	char *s = NULL;

	if (vmha_params_value(c->p, i, buf, len) < 0)
		buf[0] = '\0';
	for (s = buf; *s != '\0'; s++) {
		if (*s == '\n' || *s == '\r')
			*s = ' ';
	}
}

/* The values the guest was started with, of every parameter that reload
 * cannot apply: a later reload compares them. */
static void record_write_params(const struct ctx *c, FILE *f)
{
	char value[4096];
	size_t i;

	for (i = 0; i < vmha_params_count(); i++) {
		if (vmha_params_info(i)->reloadable)
			continue;
		record_value(c, i, value, sizeof(value));
		fprintf(f, RECORD_PARAM "%s=%s\n", vmha_params_info(i)->name, value);
	}
}

/* Write name, UUID and the start's parameters atomically. */
static int record_write(struct ctx *c)
{
	char tmp[4200];
	FILE *f;
	int rc = 0;

	if (mkdir(vmha_params_rsctmp(c->p), 0755) < 0 && errno != EEXIST) {
		rc = -errno;
		vmha_warn("cannot create '%s': %s", vmha_params_rsctmp(c->p), strerror(errno));
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", c->record_path);
	f = fopen(tmp, "we");
	if (f == NULL) {
		rc = -errno;
		goto out;
	}
	fprintf(f, "name=%s\nuuid=%s\n", c->name, c->uuid);
	record_write_params(c, f);
	if (fclose(f) != 0 || rename(tmp, c->record_path) < 0) {
		rc = -errno;
		unlink(tmp);
	}
out:
	if (rc < 0)
		vmha_warn("cannot record domain '%s' in '%s': %s", c->name, c->record_path,
		          strerror(-rc));
	return rc;
}

static int record_read(struct ctx *c)
{
	char line[512];
	FILE *f = fopen(c->record_path, "re");
	int rc = 0;

	if (f == NULL) {
		rc = -errno;
		goto out;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "name=", 5) == 0)
			snprintf(c->name, sizeof(c->name), "%.255s", line + 5);
		else if (strncmp(line, "uuid=", 5) == 0)
			snprintf(c->uuid, sizeof(c->uuid), "%.36s", line + 5);
	}
	fclose(f);
	if (c->name[0] == '\0')
		rc = -EINVAL;
out:
	return rc;
}

/* Who is this resource: from the config, else from the record of the last
 * start (a missing or unmounted config must not make a running guest look
 * stopped). need_xml: the action needs the XML itself. */
static int identify(struct ctx *c, bool need_xml)
{
	char error[512] = "";
	int rc;

	record_path(c);
	rc = vmha_domxml_parse_file(vmha_params_config(c->p), &c->dx, error, sizeof(error));
	if (rc == 0) {
		snprintf(c->name, sizeof(c->name), "%s", vmha_domxml_name(c->dx));
		if (vmha_domxml_uuid(c->dx) != NULL)
			snprintf(c->uuid, sizeof(c->uuid), "%s", vmha_domxml_uuid(c->dx));
		return 0;
	}
	if (!need_xml && record_read(c) == 0) {
		vmha_warn("%s; using domain '%s' (uuid '%s') recorded at start", error, c->name,
		          c->uuid);
		c->from_record = true;
		return 0;
	}
	if (rc == -EINVAL)
		return fail(c, -EINVAL, "%s", error);
	if (rc == -ENOENT || rc == -EACCES || rc == -ENOTDIR)
		return fail(c, rc == -ENOTDIR ? -ENOENT : rc,
		            "configuration file '%s' does not exist or is not readable (%s)",
		            vmha_params_config(c->p), strerror(-rc));
	return fail(c, -EIO, "%s", error);
}

/* The local QEMU driver: its guests are processes on this host. */
static bool uri_is_local_qemu(const struct ctx *c)
{
	const char *uri = vmha_params_hypervisor(c->p);
	const char *sep;

	if (uri == NULL)
		return true;
	if (strncmp(uri, "qemu", 4) != 0)
		return false;
	sep = strstr(uri, "://");
	return sep != NULL && sep[3] == '/';
}

static bool unreachable(int rc)
{
	return rc == -ECONNREFUSED || rc == -ETIMEDOUT || rc == -EPIPE;
}

static int connect_libvirt(struct ctx *c)
{
	uint64_t budget_ms;
	uint64_t deadline_ms;
	int rc;

	if (c->v != NULL)
		return 0;
	/* keep a third of the time for what follows (e.g. the /proc fallback) */
	budget_ms = vmha_deadline_remaining_ms(c->deadline_ms) * 2 / 3;
	if (budget_ms < 1000)
		budget_ms = 1000;
	deadline_ms = vmha_deadline_in_ms(budget_ms);
	if (deadline_ms > c->deadline_ms)
		deadline_ms = c->deadline_ms;
	rc = vmha_virt_open(vmha_params_hypervisor(c->p), KEEPALIVE_S, deadline_ms, &c->v);
	if (rc == -EPROTONOSUPPORT)
		return fail(c, -EINVAL, "hypervisor URI '%s' names no usable libvirt driver: %s",
		            vmha_params_hypervisor(c->p) != NULL ? vmha_params_hypervisor(c->p)
		                                                 : "(default)",
		            vmha_virt_open_error());
	if (rc < 0) {
		vmha_warn("cannot connect to '%s': %s",
		          vmha_params_hypervisor(c->p) != NULL ? vmha_params_hypervisor(c->p)
		                                               : "(default)",
		          vmha_virt_open_error());
		/* keep the libvirt message for a reason given later */
		snprintf(c->reason, c->reason_len, "%s", "");
	}
	return rc;
}

/* 0 running, -ESRCH not running, -EIO failed, -EINPROGRESS migrating,
 * -ECONNREFUSED/-ETIMEDOUT/-EPIPE libvirt unreachable. */
static int domain_lookup(struct ctx *c, struct vmha_virt_domain **dom)
{
	int rc = vmha_virt_domain_lookup(c->v, c->uuid, c->name, c->deadline_ms, dom);

	if (rc == -ENOENT && c->uuid[0] != '\0') {
		/* the config may lack a UUID that libvirt generated */
		rc = vmha_virt_domain_lookup(c->v, NULL, c->name, c->deadline_ms, dom);
	}
	return rc;
}

static int domain_state(struct ctx *c, struct vmha_virt_domain *dom, int *state, int *reason)
{
	int tries;
	int rc = 0;

	for (tries = 0; tries < 8; tries++) {
		rc = vmha_virt_domain_get_state(dom, c->deadline_ms, state, reason);
		if (rc == -ENOENT)
			return -ESRCH;
		if (rc < 0)
			return rc;
		rc = vmha_ocf_domain_status(*state, *reason);
		if (rc != -EAGAIN)
			return rc;
		usleep(POLL_MS * 1000);
	}
	return rc;
}

/* Without libvirtd: ask /proc (QEMU only). */
static int status_from_proc(struct ctx *c, int why)
{
	pid_t pid = 0;
	int rc;

	if (!uri_is_local_qemu(c))
		return fail(c, why,
		            "libvirt at '%s' is unreachable and the state of '%s' is unknown",
		            vmha_params_hypervisor(c->p), c->name);
	rc = vmha_qemuproc_find(VMHA_QEMUPROC_SYSTEM_RUNDIR, c->name, &pid);
	if (rc == 0) {
		vmha_warn(
		        "libvirtd is unreachable (%s); QEMU process %ld of domain '%s' is running",
		        strerror(-why), (long)pid, c->name);
		return 0;
	}
	if (rc == -ESRCH) {
		vmha_warn("libvirtd is unreachable (%s); no QEMU process of domain '%s' runs",
		          strerror(-why), c->name);
		return -ESRCH;
	}
	return fail(c, why,
	            "libvirtd is unreachable and /proc cannot be read: state of '%s' unknown",
	            c->name);
}

/* The guest's status, by libvirt, else by /proc. */
static int status(struct ctx *c, int *state_out, int *reason_out)
{
	struct vmha_virt_domain *dom = NULL;
	int state = VIR_DOMAIN_NOSTATE;
	int reason = 0;
	int rc;

	rc = connect_libvirt(c);
	if (unreachable(rc))
		return status_from_proc(c, rc);
	if (rc < 0)
		return rc;
	rc = domain_lookup(c, &dom);
	if (rc == -ENOENT) {
		rc = -ESRCH;
		goto out;
	}
	if (unreachable(rc)) {
		rc = status_from_proc(c, rc);
		goto out;
	}
	if (rc < 0) {
		rc = fail(c, rc, "cannot look up domain '%s': %s", c->name, vmha_virt_error(c->v));
		goto out;
	}
	rc = domain_state(c, dom, &state, &reason);
	if (unreachable(rc)) {
		rc = status_from_proc(c, rc);
		goto out;
	}
	if (rc == -EIO)
		rc = fail(c, -EIO, "domain '%s' is %s", c->name,
		          vmha_ocf_state_reason_name(state, reason));
	else if (rc == -EINPROGRESS)
		rc = fail(c, -EINPROGRESS,
		          "domain '%s' is %s: waiting for an incoming migration or a start",
		          c->name, vmha_ocf_state_reason_name(state, reason));
	else if (rc == -EAGAIN)
		rc = fail(c, -EIO, "domain '%s' has no state", c->name);
	vmha_debug("domain '%s' is %s", c->name, vmha_ocf_state_reason_name(state, reason));
out:
	if (state_out != NULL)
		*state_out = state;
	if (reason_out != NULL)
		*reason_out = reason;
	vmha_virt_domain_free(dom);
	return rc;
}

static int run_monitor_scripts(struct ctx *c)
{
	char *copy = NULL;
	char *save = NULL;
	char *script;
	int rc = 0;

	if (vmha_params_monitor_scripts(c->p) == NULL)
		return 0;
	copy = strdup(vmha_params_monitor_scripts(c->p));
	if (copy == NULL)
		return -ENOMEM;
	for (script = strtok_r(copy, " \t", &save); script != NULL;
	     script = strtok_r(NULL, " \t", &save)) {
		char *argv[] = {script, NULL};
		int r = vmha_cmd_run(argv, c->deadline_ms, NULL, 0);

		if (r != 0) {
			rc = fail(c, -EIO, "monitor script '%s' for domain '%s' %s %d", script,
			          c->name, r < 0 ? "failed:" : "exited with", r < 0 ? -r : r);
			break;
		}
		vmha_debug("monitor script '%s' for domain '%s' succeeded", script, c->name);
	}
	free(copy);
	return rc;
}

static bool utilization_wanted(const struct ctx *c)
{
	const struct vmha_params *p = c->p;

	/* Pacemaker always passes its feature set; without it there is no
	 * cluster to write utilization to */
	if (vmha_params_instance(p) == NULL || getenv("OCF_RESKEY_crm_feature_set") == NULL)
		return false;
	return vmha_params_autoset_utilization(p, VMHA_PARAMS_UTILIZATION_CPU) ||
	       vmha_params_autoset_utilization(p, VMHA_PARAMS_UTILIZATION_HOST_MEMORY) ||
	       vmha_params_autoset_utilization(p, VMHA_PARAMS_UTILIZATION_HV_MEMORY) ||
	       vmha_params_unset_utilization(p, VMHA_PARAMS_UTILIZATION_CPU) ||
	       vmha_params_unset_utilization(p, VMHA_PARAMS_UTILIZATION_HOST_MEMORY) ||
	       vmha_params_unset_utilization(p, VMHA_PARAMS_UTILIZATION_HV_MEMORY);
}

/* Utilization: write an attribute only when its value changed since the
 * last write (cached next to the record), so a steady monitor starts no
 * process at all. */
static void utilization_update(struct ctx *c, struct vmha_virt_domain *dom)
{
	static const char *const attrs[] = {"cpu", "host_memory", "hv_memory"};
	const bool autoset[] = {
	        vmha_params_autoset_utilization(c->p, VMHA_PARAMS_UTILIZATION_CPU),
	        vmha_params_autoset_utilization(c->p, VMHA_PARAMS_UTILIZATION_HOST_MEMORY),
	        vmha_params_autoset_utilization(c->p, VMHA_PARAMS_UTILIZATION_HV_MEMORY)};
	const bool unset[] = {
	        vmha_params_unset_utilization(c->p, VMHA_PARAMS_UTILIZATION_CPU),
	        vmha_params_unset_utilization(c->p, VMHA_PARAMS_UTILIZATION_HOST_MEMORY),
	        vmha_params_unset_utilization(c->p, VMHA_PARAMS_UTILIZATION_HV_MEMORY)};
	char cache_path[4200];
	char cached[3][32] = {"", "", ""};
	char want[3][32] = {"", "", ""};
	char line[128];
	unsigned int vcpus = 0;
	uint64_t mem_kib = 0;
	bool changed = false;
	FILE *f;
	size_t i;

	if (dom == NULL)
		return;
	if (vmha_virt_domain_get_info(dom, c->deadline_ms, &vcpus, &mem_kib) < 0)
		return;
	for (i = 0; i < 3; i++) {
		if (autoset[i])
			snprintf(want[i], sizeof(want[i]), "%llu",
			         i == 0 ? (unsigned long long)vcpus
			                : (unsigned long long)(mem_kib / 1024));
		else if (unset[i])
			snprintf(want[i], sizeof(want[i]), "-");
	}
	snprintf(cache_path, sizeof(cache_path), "%s.util", c->record_path);
	f = fopen(cache_path, "re");
	if (f != NULL) {
		for (i = 0; i < 3 && fgets(line, sizeof(line), f) != NULL; i++) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(cached[i], sizeof(cached[i]), "%.31s", line);
		}
		fclose(f);
	}
	for (i = 0; i < 3; i++) {
		char *set_argv[] = {"crm_resource",
		                    "-Q",
		                    "-r",
		                    (char *)vmha_params_instance(c->p),
		                    "-z",
		                    "-p",
		                    (char *)attrs[i],
		                    "-v",
		                    want[i],
		                    NULL};
		char *del_argv[] = {"crm_resource",
		                    "-Q",
		                    "-r",
		                    (char *)vmha_params_instance(c->p),
		                    "-z",
		                    "-d",
		                    (char *)attrs[i],
		                    NULL};
		int r;

		if (want[i][0] == '\0' || strcmp(want[i], cached[i]) == 0)
			continue;
		r = vmha_cmd_run(strcmp(want[i], "-") == 0 ? del_argv : set_argv, c->deadline_ms,
		                 NULL, 0);
		if (r != 0) {
			vmha_warn("cannot set utilization '%s' of '%s' to '%s' (crm_resource: %d)",
			          attrs[i], vmha_params_instance(c->p), want[i], r);
			continue;
		}
		vmha_info("utilization '%s' of '%s' set to '%s'", attrs[i],
		          vmha_params_instance(c->p), want[i]);
		memcpy(cached[i], want[i], sizeof(cached[i]));
		changed = true;
	}
	if (!changed)
		return;
	f = fopen(cache_path, "we");
	if (f != NULL) {
		fprintf(f, "%s\n%s\n%s\n", cached[0], cached[1], cached[2]);
		fclose(f);
	}
}

/* The recorded value of parameter name, or NULL. */
static const char *recorded(char *const *lines, size_t n, const char *name)
{
	size_t len = strlen(name);
	size_t i;

	for (i = 0; i < n; i++) {
		if (strncmp(lines[i], RECORD_PARAM, strlen(RECORD_PARAM)) == 0 &&
		    strncmp(lines[i] + strlen(RECORD_PARAM), name, len) == 0 &&
		    lines[i][strlen(RECORD_PARAM) + len] == '=')
			return lines[i] + strlen(RECORD_PARAM) + len + 1;
	}
	return NULL;
}

/* reload (Pacemaker's legacy name) and reload-agent: every tunable is read
 * afresh by each action, so nothing needs doing for them. Pacemaker also
 * reloads when a parameter changes that only a restart applies (it
 * restarts only for unique ones): then fail, naming it, so that Pacemaker
 * restarts the guest with stop using the parameters of its start. */
static int action_reload(struct ctx *c)
{
	char *lines[256];
	char line[4200];
	char value[4096];
	const char *was = NULL;
	size_t n = 0;
	size_t i;
	FILE *f = NULL;
	int rc = 0;

	record_path(c);
	f = fopen(c->record_path, "re");
	if (f == NULL) {
		/* not started here: the next start uses the new values */
		vmha_debug("no record '%s': nothing to compare", c->record_path);
		goto out;
	}
	while (n < sizeof(lines) / sizeof(lines[0]) && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "name=", 5) == 0)
			snprintf(c->name, sizeof(c->name), "%.255s", line + 5);
		lines[n] = strdup(line);
		if (lines[n] == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		n++;
	}
	for (i = 0; i < vmha_params_count(); i++) {
		const struct vmha_param_info *pi = vmha_params_info(i);

		if (pi->reloadable)
			continue;
		record_value(c, i, value, sizeof(value));
		was = recorded(lines, n, pi->name);
		if (was == NULL) {
			rc = fail(c, -EIO,
			          "domain '%s' was started without a record of parameter '%s': "
			          "only a "
			          "restart applies the change",
			          c->name, pi->name);
			goto out;
		}
		if (strcmp(was, value) != 0) {
			rc = fail(
			        c, -EIO,
			        "parameter '%s' changed from '%s' to '%s' while domain '%s' runs: "
			        "only a restart applies it",
			        pi->name, was, value, c->name);
			goto out;
		}
	}
	vmha_info("reload of domain '%s': tunables apply from the next operation", c->name);
out:
	while (n > 0)
		free(lines[--n]);
	if (f != NULL)
		fclose(f);
	return rc;
}

/* The copy-on-write image of backingfile: created when wanted. */
static int prepare_overlay(struct ctx *c)
{
	char path[4096];
	int rc;

	rc = vmha_overlay_path(vmha_params_config(c->p), c->dx, vmha_params_backingfile(c->p), path,
	                       sizeof(path), c->reason, c->reason_len);
	if (rc < 0)
		goto out;
	rc = vmha_overlay_check(vmha_params_backingfile(c->p), path, vmha_params_copyindirs(c->p),
	                        c->reason, c->reason_len);
	if (rc < 0)
		goto out;
	if (!vmha_overlay_wanted(path, vmha_params_stateless(c->p))) {
		vmha_info("domain '%s' keeps its copy-on-write image '%s'", c->name, path);
		goto out;
	}
	rc = vmha_overlay_create(vmha_params_backingfile(c->p), path, vmha_params_copyindirs(c->p),
	                         c->deadline_ms, c->reason, c->reason_len);
out:
	return rc;
}

static int action_monitor(struct ctx *c)
{
	struct vmha_virt_domain *dom = NULL;
	int rc;

	rc = identify(c, false);
	if (rc < 0)
		return rc;
	rc = status(c, NULL, NULL);
	if (rc == -EINPROGRESS)
		return -EIO;
	if (rc != 0)
		return rc;
	rc = run_monitor_scripts(c);
	if (rc < 0)
		return rc;
	if (utilization_wanted(c) && c->v != NULL && !vmha_virt_is_wedged(c->v) &&
	    domain_lookup(c, &dom) == 0) {
		utilization_update(c, dom);
		vmha_virt_domain_free(dom);
	}
	return 0;
}

/* Wait until the guest runs; 0, or the last status. */
static int wait_running(struct ctx *c)
{
	int rc;

	for (;;) {
		c->reason[0] = '\0';
		rc = status(c, NULL, NULL);
		if (rc == 0 || rc == -EIO || vmha_deadline_expired(c->deadline_ms))
			return rc;
		usleep(POLL_MS * 1000);
	}
}

static int start_resources(struct ctx *c, struct vmha_virt *v)
{
	size_t i;
	int rc = 0;

	if (!vmha_params_start_resources(c->p) || c->dx == NULL)
		return 0;
	for (i = 0; i < vmha_domxml_pool_count(c->dx) && rc == 0; i++) {
		rc = vmha_virt_pool_ensure_active(v, vmha_domxml_pool(c->dx, i), c->deadline_ms);
		if (rc < 0)
			rc = fail(c, -EIO, "cannot start storage pool '%s': %s",
			          vmha_domxml_pool(c->dx, i), vmha_virt_error(v));
	}
	for (i = 0; i < vmha_domxml_network_count(c->dx) && rc == 0; i++) {
		rc = vmha_virt_network_ensure_active(v, vmha_domxml_network(c->dx, i),
		                                     c->deadline_ms);
		if (rc < 0)
			rc = fail(c, -EIO, "cannot start virtual network '%s': %s",
			          vmha_domxml_network(c->dx, i), vmha_virt_error(v));
	}
	return rc;
}

static int action_start(struct ctx *c)
{
	struct vmha_virt_domain *dom = NULL;
	char state_file[4096];
	char uuid[VIR_UUID_STRING_BUFLEN];
	int state = 0;
	int reason = 0;
	int rc;

	rc = identify(c, true);
	if (rc < 0)
		goto out;
	rc = status(c, &state, &reason);
	if (rc == 0) {
		vmha_info("domain '%s' is already running", c->name);
		record_write(c);
		goto out;
	}
	if (rc != -ESRCH) {
		rc = fail(c, rc == -EINPROGRESS ? -EIO : rc,
		          "cannot start domain '%s': libvirt is unreachable", c->name);
		goto out;
	}
	if (c->v == NULL) {
		/* /proc says not running, but libvirtd is needed to start it */
		rc = fail(c, -EIO, "cannot start domain '%s': libvirtd is unreachable", c->name);
		goto out;
	}
	c->reason[0] = '\0';
	rc = start_resources(c, c->v);
	if (rc < 0)
		goto out;
	record_write(c);
	if (vmha_params_snapshot(c->p) != NULL) {
		snprintf(state_file, sizeof(state_file), "%s/%s.state", vmha_params_snapshot(c->p),
		         c->name);
		if (access(state_file, F_OK) == 0) {
			rc = vmha_virt_domain_restore(c->v, state_file, c->deadline_ms);
			if (rc < 0) {
				rc = fail(c, -EIO, "cannot restore domain '%s' from '%s': %s",
				          c->name, state_file, vmha_virt_error(c->v));
				goto out;
			}
			unlink(state_file);
			vmha_notice("domain '%s' restored from '%s'", c->name, state_file);
			goto wait;
		}
	}
	if (vmha_params_backingfile(c->p) != NULL) {
		rc = prepare_overlay(c);
		if (rc < 0)
			goto out;
	}
	/* an inactive persistent definition of the same name would get in the
	 * way of the transient start (the config file stays the reference) */
	if (domain_lookup(c, &dom) == 0) {
		if (vmha_virt_domain_get_state(dom, c->deadline_ms, &state, &reason) == 0 &&
		    state == VIR_DOMAIN_SHUTOFF) {
			vmha_info("undefining inactive domain '%s' before starting it from '%s'",
			          c->name, vmha_params_config(c->p));
			vmha_virt_domain_undefine(dom, c->deadline_ms);
		}
		vmha_virt_domain_free(dom);
		dom = NULL;
	}
	rc = vmha_virt_domain_create_xml(c->v, vmha_domxml_text(c->dx), 0, c->deadline_ms, &dom);
	if (rc < 0) {
		rc = fail(c, unreachable(rc) ? rc : -EIO, "cannot start domain '%s': %s", c->name,
		          vmha_virt_error(c->v));
		goto out;
	}
	if (vmha_virt_domain_uuid(dom, uuid) == 0) {
		snprintf(c->uuid, sizeof(c->uuid), "%s", uuid);
		record_write(c);
	}
	vmha_notice("domain '%s' (uuid '%s') started", c->name, c->uuid);
wait:
	rc = wait_running(c);
	if (rc == 0)
		rc = run_monitor_scripts(c);
	else
		rc = fail(c, -EIO, "domain '%s' did not reach the running state", c->name);
out:
	vmha_virt_domain_free(dom);
	return rc;
}

/* true when the guest is verifiably gone (undefined or shut off). */
static bool domain_gone(void *opaque)
{
	struct ctx *c = opaque;
	struct vmha_virt_domain *dom = NULL;
	int state = 0;
	int reason = 0;
	int rc;

	rc = domain_lookup(c, &dom);
	if (rc == -ENOENT)
		return true;
	if (rc < 0)
		return false;
	rc = vmha_virt_domain_get_state(dom, c->deadline_ms, &state, &reason);
	vmha_virt_domain_free(dom);
	return rc == -ENOENT || (rc == 0 && state == VIR_DOMAIN_SHUTOFF);
}

static int save_config(struct ctx *c, struct vmha_virt_domain *dom)
{
	struct vmha_domxml *check = NULL;
	char tmp[4200];
	char *xml = NULL;
	FILE *f = NULL;
	int rc;

	rc = vmha_virt_domain_get_xml(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE,
	                              c->deadline_ms, &xml);
	if (rc < 0) {
		vmha_warn("cannot read the XML of domain '%s': %s", c->name, vmha_virt_error(c->v));
		goto out;
	}
	if (c->dx != NULL && strcmp(vmha_domxml_text(c->dx), xml) == 0)
		goto out;
	rc = vmha_domxml_parse_string(xml, &check, NULL, 0);
	if (rc < 0 || strcmp(vmha_domxml_name(check), c->name) != 0) {
		vmha_warn("the XML of domain '%s' does not parse: config not saved", c->name);
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.vmha-tmp", vmha_params_config(c->p));
	f = fopen(tmp, "we");
	if (f == NULL || fputs(xml, f) < 0) {
		rc = -errno;
		vmha_warn("cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (fclose(f) != 0 || rename(tmp, vmha_params_config(c->p)) < 0) {
		f = NULL;
		rc = -errno;
		vmha_warn("cannot replace '%s': %s", vmha_params_config(c->p), strerror(errno));
		unlink(tmp);
		goto out;
	}
	f = NULL;
	vmha_notice("saved the configuration of domain '%s' to '%s'", c->name,
	            vmha_params_config(c->p));
	if (vmha_params_sync_config_on_stop(c->p)) {
		char *argv[] = {"csync2", "-x", (char *)vmha_params_config(c->p), NULL};
		int r = vmha_cmd_run(argv, c->deadline_ms, NULL, 0);

		if (r != 0)
			vmha_warn("csync2 -x '%s' failed (%d)", vmha_params_config(c->p), r);
	}
out:
	if (f != NULL)
		fclose(f);
	vmha_domxml_free(check);
	free(xml);
	return rc;
}

static int action_stop(struct ctx *c)
{
	struct vmha_virt_domain *dom = NULL;
	unsigned int flags = 0;
	uint64_t phase_ms;
	int rc;

	rc = identify(c, false);
	if (rc < 0)
		goto out;
	rc = status(c, NULL, NULL);
	if (rc == -ESRCH) {
		vmha_info("domain '%s' is not running", c->name);
		rc = 0;
		goto done;
	}
	if (c->v == NULL || vmha_virt_is_wedged(c->v)) {
		rc = fail(c, -EIO, "cannot stop domain '%s': libvirtd is unreachable", c->name);
		goto out;
	}
	c->reason[0] = '\0';
	rc = domain_lookup(c, &dom);
	if (rc == -ENOENT) {
		rc = 0;
		goto done;
	}
	if (rc < 0) {
		rc = fail(c, rc, "cannot look up domain '%s': %s", c->name, vmha_virt_error(c->v));
		goto out;
	}
	if (vmha_params_force_stop(c->p))
		goto destroy;
	if (vmha_params_save_config_on_stop(c->p) || vmha_params_sync_config_on_stop(c->p))
		save_config(c, dom);
	if (vmha_params_snapshot(c->p) != NULL) {
		char state_file[4096];

		snprintf(state_file, sizeof(state_file), "%s/%s.state", vmha_params_snapshot(c->p),
		         c->name);
		if (vmha_virt_domain_save(dom, state_file,
		                          vmha_deadline_share(c->deadline_ms, 80)) == 0 &&
		    vmha_deadline_wait(c->deadline_ms, POLL_MS, domain_gone, c) == 0) {
			vmha_notice("domain '%s' saved to '%s'", c->name, state_file);
			rc = 0;
			goto done;
		}
		vmha_err("cannot save domain '%s' to '%s': %s", c->name, state_file,
		         vmha_virt_error(c->v));
	}
	vmha_params_shutdown_flags(vmha_params_shutdown_mode(c->p), &flags, NULL, 0);
	phase_ms = vmha_deadline_share(c->deadline_ms,
	                               (unsigned int)vmha_params_shutdown_timeout_share(c->p));
	vmha_info("asking domain '%s' to shut down (%" PRIu64 " ms)", c->name,
	          vmha_deadline_remaining_ms(phase_ms));
	rc = vmha_virt_domain_shutdown(dom, flags, phase_ms);
	if (rc < 0)
		vmha_warn("graceful shutdown of domain '%s' refused: %s", c->name,
		          vmha_virt_error(c->v));
	else if (vmha_deadline_wait(phase_ms, POLL_MS, domain_gone, c) == 0)
		goto gone;
destroy:
	/* SIGTERM first, with half of what is left, then SIGKILL */
	phase_ms = vmha_deadline_share(c->deadline_ms, 50);
	vmha_notice("destroying domain '%s'", c->name);
	rc = vmha_virt_domain_destroy(dom, VIR_DOMAIN_DESTROY_GRACEFUL, phase_ms);
	if (rc < 0)
		vmha_warn("graceful destroy of domain '%s' failed: %s", c->name,
		          vmha_virt_error(c->v));
	if (vmha_deadline_wait(phase_ms, POLL_MS, domain_gone, c) == 0)
		goto gone;
	rc = vmha_virt_domain_destroy(dom, 0, c->deadline_ms);
	if (rc < 0 && rc != -EINVAL)
		vmha_warn("destroy of domain '%s' failed: %s", c->name, vmha_virt_error(c->v));
	if (vmha_deadline_wait(c->deadline_ms, POLL_MS, domain_gone, c) == 0)
		goto gone;
	rc = fail(c, -EIO, "domain '%s' is still running after destroy: %s", c->name,
	          vmha_virt_error(c->v));
	goto out;
gone:
	rc = 0;
	vmha_notice("domain '%s' stopped", c->name);
done:
	if (rc == 0)
		unlink(c->record_path);
out:
	vmha_virt_domain_free(dom);
	return rc;
}

/* migrate_to: the plan from the parameters, then lib/migration (pre-checks,
 * progress, post-copy, abort before Pacemaker's timeout). */
static int action_migrate_to(struct ctx *c)
{
	struct vmha_migrate_plan *plan = NULL;
	struct vmha_migration *m = NULL;
	struct vmha_virt_domain *dom = NULL;
	char *local_uri = NULL;
	const char *target = vmha_params_migrate_target(c->p);
	virTypedParameterPtr params;
	uint64_t abort_ms;
	uint64_t margin_ms;
	int nparams = 0;
	int rc;

	rc = identify(c, false);
	if (rc < 0)
		goto out;
	if (target == NULL) {
		rc = fail(c, -EINVAL, "migrate_to needs OCF_RESKEY_CRM_meta_migrate_target");
		goto out;
	}
	rc = status(c, NULL, NULL);
	if (rc != 0 || c->v == NULL) {
		rc = fail(c, -EIO, "domain '%s' is not active locally: cannot migrate it", c->name);
		goto out;
	}
	rc = domain_lookup(c, &dom);
	if (rc < 0) {
		rc = fail(c, -EIO, "cannot look up domain '%s': %s", c->name,
		          vmha_virt_error(c->v));
		goto out;
	}
	local_uri = vmha_virt_uri(c->v, c->deadline_ms);
	rc = vmha_migrate_plan_new(c->p, target, local_uri, &plan, c->reason, c->reason_len);
	if (rc < 0)
		goto out;
	params = vmha_migrate_plan_params(plan, &nparams);
	m = vmha_migration_new(dom, target, vmha_migrate_plan_remote_uri(plan));
	if (m == NULL ||
	    vmha_migration_set_params(m, vmha_migrate_plan_flags(plan), params, nparams) < 0) {
		rc = fail(c, -ENOMEM, "out of memory");
		goto out;
	}
	vmha_migration_set_max_downtime(m, vmha_params_migration_downtime_ms(c->p));
	vmha_migration_set_postcopy(m, vmha_params_migration_postcopy_after(c->p),
	                            vmha_migrate_plan_postcopy_after_precopy(plan));
	vmha_migration_set_start_resources(m, vmha_params_start_resources(c->p));
	if (c->dx != NULL && vmha_migration_set_cpu_xml(m, vmha_domxml_cpu_xml(c->dx)) < 0) {
		rc = fail(c, -ENOMEM, "out of memory");
		goto out;
	}
	if (vmha_params_migration_precheck(c->p)) {
		rc = vmha_migration_precheck(m, c->deadline_ms);
		if (rc < 0) {
			rc = fail(c, -EIO, "%s", vmha_migration_reason(m));
			goto out;
		}
	}
	if (vmha_params_save_config_on_stop(c->p) || vmha_params_sync_config_on_stop(c->p))
		save_config(c, dom);
	/* abort ourselves well before Pacemaker's timeout */
	margin_ms = vmha_params_timeout_ms(c->p) / 10;
	if (margin_ms < 3000)
		margin_ms = 3000;
	abort_ms = c->deadline_ms > margin_ms ? c->deadline_ms - margin_ms : c->deadline_ms;
	vmha_notice("migrating domain '%s' %s", c->name, vmha_migrate_plan_describe(plan));
	rc = vmha_migration_run(m, abort_ms, c->deadline_ms);
	if (rc == -ETIMEDOUT) {
		rc = fail(c, -ETIMEDOUT, "%s (operation timeout)", vmha_migration_reason(m));
		goto out;
	}
	if (rc < 0) {
		rc = fail(c, -EIO, "%s", vmha_migration_reason(m));
		goto out;
	}
out:
	vmha_migration_free(m);
	vmha_virt_domain_free(dom);
	vmha_migrate_plan_free(plan);
	free(local_uri);
	return rc;
}

static int action_migrate_from(struct ctx *c)
{
	int state = 0;
	int reason = 0;
	int rc;

	rc = identify(c, false);
	if (rc < 0)
		return rc;
	for (;;) {
		c->reason[0] = '\0';
		rc = status(c, &state, &reason);
		if (rc == 0 || rc == -ESRCH || rc == -EIO || vmha_deadline_expired(c->deadline_ms))
			break;
		usleep(POLL_MS * 1000);
	}
	if (rc == -ESRCH) {
		return fail(c, -EIO, "domain '%s' did not arrive from '%s'", c->name,
		            vmha_params_migrate_source(c->p) != NULL
		                    ? vmha_params_migrate_source(c->p)
		                    : "its source");
	}
	if (rc < 0)
		return fail(c, -EIO, "domain '%s' is not running after the migration", c->name);
	record_write(c);
	vmha_notice("domain '%s' arrived from '%s' (%s)", c->name,
	            vmha_params_migrate_source(c->p) != NULL ? vmha_params_migrate_source(c->p)
	                                                     : "its source",
	            vmha_ocf_state_reason_name(state, reason));
	return run_monitor_scripts(c);
}

static int action_validate(struct ctx *c)
{
	struct vmha_migrate_plan *plan = NULL;
	char *copy = NULL;
	char *save = NULL;
	char *script;
	int rc;

	rc = vmha_params_check(c->p, c->reason, c->reason_len);
	if (rc < 0)
		goto out;
	rc = identify(c, !c->from_record);
	if (rc < 0)
		goto out;
	rc = vmha_migrate_plan_new(c->p, vmha_params_migrate_target(c->p), "qemu:///system", &plan,
	                           c->reason, c->reason_len);
	if (rc < 0)
		goto out;
	if (vmha_params_monitor_scripts(c->p) != NULL) {
		copy = strdup(vmha_params_monitor_scripts(c->p));
		if (copy == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		for (script = strtok_r(copy, " \t", &save); script != NULL;
		     script = strtok_r(NULL, " \t", &save)) {
			if (script[0] == '/' && access(script, X_OK) < 0) {
				rc = fail(c, -ENOENT, "monitor script '%s' is not executable: %s",
				          script, strerror(errno));
				goto out;
			}
		}
	}
	if (vmha_params_sync_config_on_stop(c->p) && access("/usr/sbin/csync2", X_OK) < 0 &&
	    access("/usr/bin/csync2", X_OK) < 0) {
		rc = fail(c, -ENOENT, "sync_config_on_stop needs csync2, which is not installed");
		goto out;
	}
	if (vmha_params_snapshot(c->p) != NULL && access(vmha_params_snapshot(c->p), W_OK) < 0) {
		rc = fail(c, -ENOENT, "snapshot directory '%s' is not writable: %s",
		          vmha_params_snapshot(c->p), strerror(errno));
		goto out;
	}
	if (vmha_params_backingfile(c->p) != NULL) {
		char path[4096];

		rc = vmha_overlay_path(vmha_params_config(c->p), c->dx,
		                       vmha_params_backingfile(c->p), path, sizeof(path), c->reason,
		                       c->reason_len);
		if (rc == 0)
			rc = vmha_overlay_check(vmha_params_backingfile(c->p), path,
			                        vmha_params_copyindirs(c->p), c->reason,
			                        c->reason_len);
		if (rc < 0)
			goto out;
	}
out:
	free(copy);
	vmha_migrate_plan_free(plan);
	return rc;
}

int vmha_actions_run(const char *action, const struct vmha_params *p, char *reason,
                     size_t reason_len)
{
	struct ctx c;
	uint64_t margin_ms;
	int rc;

	memset(&c, 0, sizeof(c));
	c.p = p;
	c.action = action;
	c.reason = reason;
	c.reason_len = reason_len;
	reason[0] = '\0';
	/* finish before Pacemaker's timeout, leaving time for process exit under load */
	margin_ms = vmha_params_timeout_ms(p) / 10;
	if (margin_ms > 5000)
		margin_ms = 5000;
	if (margin_ms < 1000)
		margin_ms = 1000;
	c.deadline_ms = vmha_deadline_in_ms(vmha_params_timeout_ms(p) > margin_ms
	                                            ? vmha_params_timeout_ms(p) - margin_ms
	                                            : vmha_params_timeout_ms(p));
	if (strcmp(action, "validate-all") == 0) {
		rc = action_validate(&c);
		goto out;
	}
	if (strcmp(action, "start") != 0 && strcmp(action, "stop") != 0 &&
	    strcmp(action, "monitor") != 0 && strcmp(action, "status") != 0 &&
	    strcmp(action, "migrate_to") != 0 && strcmp(action, "migrate_from") != 0 &&
	    strcmp(action, "reload-agent") != 0 && strcmp(action, "reload") != 0) {
		rc = fail(&c, -EOPNOTSUPP, "action '%s' is not implemented", action);
		goto out;
	}
	rc = vmha_params_check(p, reason, reason_len);
	if (rc < 0)
		goto out;
	if (strcmp(action, "start") == 0)
		rc = action_start(&c);
	else if (strcmp(action, "stop") == 0)
		rc = action_stop(&c);
	else if (strcmp(action, "monitor") == 0 || strcmp(action, "status") == 0)
		rc = action_monitor(&c);
	else if (strcmp(action, "migrate_to") == 0)
		rc = action_migrate_to(&c);
	else if (strcmp(action, "migrate_from") == 0)
		rc = action_migrate_from(&c);
	else
		rc = action_reload(&c);
	if (rc == -ESRCH && is_probe(&c))
		vmha_debug("probe: domain '%s' is not running", c.name);
out:
	if (rc < 0 && rc != -ESRCH && reason[0] == '\0')
		snprintf(reason, reason_len, "%s of '%s' failed: %s", action,
		         c.name[0] != '\0' ? c.name : "(unknown domain)", strerror(-rc));
	vmha_domxml_free(c.dx);
	vmha_virt_free(c.v);
	return rc;
}

static void xml_escaped(const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", stdout);
			break;
		case '>':
			fputs("&gt;", stdout);
			break;
		case '&':
			fputs("&amp;", stdout);
			break;
		case '"':
			fputs("&quot;", stdout);
			break;
		default:
			putchar(*s);
		}
	}
}

int vmha_actions_meta_data(void)
{
	static const char *const types[] = {"string", "boolean", "integer"};
	size_t i;

	/* Written so that resource-agents' ra-api-1.dtd and metadata.rng both
	 * accept it: neither knows OCF 1.1's reload-agent action nor its
	 * reloadable attribute. Reloads then take Pacemaker's pre-1.1 path:
	 * OCF version 1.0 and a "reload" action, with which Pacemaker (2.1.x)
	 * restarts on a change of a unique parameter and reloads on any other;
	 * reload itself fails when one that needs a restart changed (see
	 * action_reload()). */
	printf("<?xml version=\"1.0\"?>\n"
	       "<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">\n"
	       "<resource-agent name=\"VirtualDomain\" version=\"%s\">\n"
	       "<version>1.0</version>\n"
	       "<longdesc lang=\"en\">\n"
	       "Manages a libvirt virtual domain (guest): start, bounded stop, monitor by "
	       "libvirt state and reason, and live migration. A drop-in replacement for "
	       "ocf:heartbeat:VirtualDomain written in C (vmha): every parameter of that agent "
	       "is accepted with the same meaning. reload applies changed tunables without "
	       "restarting the guest; it fails, naming the parameter, when one changed that only "
	       "a restart applies (marked so below), and Pacemaker then restarts the guest.\n"
	       "</longdesc>\n"
	       "<shortdesc lang=\"en\">Manages libvirt virtual domains</shortdesc>\n"
	       "<parameters>\n",
	       PACKAGE_VERSION);
	for (i = 0; i < vmha_params_count(); i++) {
		const struct vmha_param_info *pi = vmha_params_info(i);

		printf("<parameter name=\"%s\" unique=\"%d\" required=\"%d\">\n", pi->name,
		       pi->unique ? 1 : 0, pi->required ? 1 : 0);
		fputs("<longdesc lang=\"en\">", stdout);
		xml_escaped(pi->longdesc);
		if (!pi->reloadable)
			fputs(" A change applies only with a restart of the guest.", stdout);
		fputs("</longdesc>\n<shortdesc lang=\"en\">", stdout);
		xml_escaped(pi->shortdesc);
		printf("</shortdesc>\n<content type=\"%s\"", types[pi->type]);
		if (pi->default_value != NULL) {
			fputs(" default=\"", stdout);
			xml_escaped(pi->default_value);
			putchar('"');
		}
		fputs("/>\n</parameter>\n", stdout);
	}
	fputs("</parameters>\n"
	      "<actions>\n"
	      "<action name=\"start\" timeout=\"90s\"/>\n"
	      "<action name=\"stop\" timeout=\"90s\"/>\n"
	      "<action name=\"status\" depth=\"0\" timeout=\"30s\" interval=\"10s\"/>\n"
	      "<action name=\"monitor\" depth=\"0\" timeout=\"30s\" interval=\"10s\"/>\n"
	      "<action name=\"migrate_from\" timeout=\"60s\"/>\n"
	      "<action name=\"migrate_to\" timeout=\"120s\"/>\n"
	      "<action name=\"meta-data\" timeout=\"5s\"/>\n"
	      "<action name=\"validate-all\" timeout=\"5s\"/>\n"
	      "<action name=\"reload\" timeout=\"5s\"/>\n"
	      "</actions>\n"
	      "</resource-agent>\n",
	      stdout);
	return fflush(stdout) == 0 ? 0 : -EIO;
}

void vmha_actions_usage(const char *argv0)
{
	printf("usage: %s {start|stop|status|monitor|migrate_to|migrate_from|meta-data|"
	       "validate-all|reload|reload-agent|usage}\n",
	       argv0);
}

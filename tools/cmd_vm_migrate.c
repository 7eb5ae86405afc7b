/* vmha vm migrate: live migration from this host (see cmd_vm_int.h). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cmd_vm_int.h"
#include "commands.h"
#include "vm_guard.h"
#include "deadline.h"
#include "domxml.h"
#include "planner/admission.h"
#include "planner/model.h"
#include "migration.h"
#include "migspec.h"
#include "registry.h"
#include "storage_copy.h"
#include "util.h"
#include "virt.h"

/* ---- vmha vm migrate: live migration from this host ---- */

static volatile sig_atomic_t migrate_cancel;

static void on_cancel_signal(int sig)
{
	(void)sig;
	migrate_cancel = 1;
}

/* The host entry called name in the status JSON, or NULL. */
static json_object *status_host(json_object *status, const char *name)
{
	json_object *hosts = NULL;
	size_t i;

	if (!json_object_object_get_ex(status, "hosts", &hosts)) {
		return NULL;
	}
	for (i = 0; i < json_object_array_length(hosts); i++) {
		json_object *h = json_object_array_get_idx(hosts, i);

		if (vmha_cmd_vm_jstr(h, "name") != NULL &&
		    strcmp(vmha_cmd_vm_jstr(h, "name"), name) == 0) {
			return h;
		}
	}
	return NULL;
}

/* Comma-separated host names of the status, for messages. */
static void status_host_names(json_object *status, char *buf, size_t len)
{
	json_object *hosts = NULL;
	size_t used = 0;
	size_t i;

	buf[0] = '\0';
	if (!json_object_object_get_ex(status, "hosts", &hosts)) {
		return;
	}
	for (i = 0; i < json_object_array_length(hosts) && used < len; i++) {
		const char *hn = vmha_cmd_vm_jstr(json_object_array_get_idx(hosts, i), "name");
		int n;

		if (hn == NULL) {
			continue;
		}
		n = snprintf(buf + used, len - used, "%s%s", used > 0 ? ", " : "", hn);
		if (n < 0) {
			break;
		}
		used += (size_t)n;
	}
}

static bool list_has(const char *list, const char *item)
{
	char buf[512];
	char *save = NULL;
	char *tok;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, item) == 0) {
			return true;
		}
	}
	return false;
}

int vmha_cmd_vm_migrate_admission(struct vmha_registry *reg, json_object *status,
                                  const struct vmha_registry_vm *vm, const char *target,
                                  const char *policy, bool *ok, char *reason, size_t reason_len,
                                  char *err, size_t errlen)
{
	const char *name = vmha_registry_vm_name(vm);
	const char *allowed = vmha_registry_vm_get(vm, VMHA_REGISTRY_ALLOWED);
	const char *group = vmha_registry_vm_get(vm, VMHA_REGISTRY_ANTI_AFFINITY);
	json_object *h = status_host(status, target);
	json_object *vms = NULL;
	struct vmha_model *m = NULL;
	struct vmha_admission *adm = NULL;
	size_t idx = 0;
	size_t hi = 0;
	size_t d;
	size_t v;
	size_t j;
	int rc = 0;

	*ok = false;
	if (vmha_cmd_vm_jstr(h, "state") == NULL ||
	    strcmp(vmha_cmd_vm_jstr(h, "state"), "online") != 0) {
		snprintf(reason, reason_len, "host '%s' is %s, not online", target,
		         vmha_cmd_vm_jstr(h, "state") != NULL ? vmha_cmd_vm_jstr(h, "state")
		                                              : "in an unknown state");
		goto out;
	}
	if (allowed != NULL && allowed[0] != '\0' && !list_has(allowed, target)) {
		snprintf(reason, reason_len,
		         "host '%s' is not among the allowed hosts of '%s' (%s)", target, name,
		         allowed);
		goto out;
	}
	json_object_object_get_ex(h, "vms", &vms);
	for (j = 0;
	     group != NULL && group[0] != '\0' && vms != NULL && j < json_object_array_length(vms);
	     j++) {
		const char *other = vmha_cmd_vm_jstr(json_object_array_get_idx(vms, j), "name");
		struct vmha_registry_vm *ovm = NULL;
		const char *og = NULL;
		bool clash = false;

		if (other == NULL || strcmp(other, name) == 0 ||
		    vmha_registry_load(reg, other, &ovm, NULL) < 0) {
			continue;
		}
		og = vmha_registry_vm_get(ovm, VMHA_REGISTRY_ANTI_AFFINITY);
		clash = og != NULL && strcmp(og, group) == 0;
		vmha_registry_vm_free(ovm);
		if (clash) {
			snprintf(reason, reason_len,
			         "'%s' of anti-affinity group '%s' already runs on host '%s'",
			         other, group, target);
			goto out;
		}
	}
	rc = vmha_cmd_vm_build_model(reg, status, name, target, &m, &idx, err, errlen);
	if (rc < 0) {
		goto out;
	}
	rc = vmha_model_host_find(m, target, &hi);
	if (rc < 0) {
		snprintf(err, errlen, "host '%s' is not in the cluster model", target);
		goto out;
	}
	for (d = 0; d < vmha_model_dim_count(m); d++) {
		uint64_t used = 0;
		uint64_t cap = vmha_model_host_capacity(m, hi, d);

		for (v = 0; v < vmha_model_vm_count(m); v++) {
			if (vmha_model_vm_host(m, v) == (long)hi) {
				used += vmha_model_vm_demand(m, v, d);
			}
		}
		if (used > cap) {
			snprintf(reason, reason_len,
			         "host '%s' lacks %s: %" PRIu64
			         " needed with '%s', capacity %" PRIu64,
			         target, vmha_model_dim_name(m, d), used, name, cap);
			goto out;
		}
	}
	if (policy == NULL) {
		*ok = true; /* no policy: capacity, placement rules and affinity only */
		goto out;
	}
	rc = vmha_admission_new(m, policy, &adm, err, errlen);
	if (rc == 0) {
		rc = vmha_admission_check(adm, -1);
		if (rc < 0) {
			snprintf(err, errlen, "admission control failed: %s", strerror(-rc));
		}
	}
	if (rc < 0) {
		goto out;
	}
	if (!vmha_admission_satisfied(adm)) {
		snprintf(reason, reason_len, "policy '%s' would be broken: %s",
		         vmha_admission_policy(adm), vmha_admission_reason(adm));
		goto out;
	}
	*ok = true;
out:
	vmha_admission_free(adm);
	vmha_model_free(m);
	return rc;
}

struct migrate_view {
	const char *name;
	const char *target;
	bool tty;
	uint64_t disk_start_ms; /* first disk progress seen (for the disk ETA) */
	uint64_t disk_start_bytes;
};

static void print_progress(const struct vmha_migration_progress *p, void *opaque)
{
	struct migrate_view *mv = opaque;
	uint64_t eta_ms = vmha_migration_eta_ms(vmha_migration_progress_remaining_bytes(p),
	                                        vmha_migration_progress_rate_bps(p));
	char disk[96] = "";
	char eta[48] = "";

	uint64_t done_b = vmha_migration_progress_disk_processed_bytes(p);
	uint64_t total_b = vmha_migration_progress_disk_total_bytes(p);
	uint64_t now_ms = vmha_clock_now_ms();

	if (total_b > 0 && mv->disk_start_ms == 0) {
		mv->disk_start_ms = now_ms;
		mv->disk_start_bytes = done_b;
	}
	if (total_b > 0 && done_b < total_b && now_ms > mv->disk_start_ms &&
	    done_b > mv->disk_start_bytes) {
		/* the disks first (NBD), then memory: the ETA is the disks' */
		eta_ms = vmha_migration_eta_ms(total_b - done_b,
		                               (done_b - mv->disk_start_bytes) * 1000 /
		                                       (now_ms - mv->disk_start_ms));
	}
	if (total_b > 0) {
		snprintf(disk, sizeof(disk), "disks %.1f of %.1f MiB copied, ",
		         (double)done_b / (1024.0 * 1024.0), (double)total_b / (1024.0 * 1024.0));
	}
	if (eta_ms != UINT64_MAX) {
		snprintf(eta, sizeof(eta), ", ETA %.1f s", (double)eta_ms / 1000.0);
	}
	fprintf(stderr,
	        "%smigrating '%s' to '%s': %s%.1f of %.1f MiB left, %.1f MiB/s, iteration %" PRIu64
	        "%s, %.1f s%s%s",
	        mv->tty ? "\r" : "", mv->name, mv->target, disk,
	        (double)vmha_migration_progress_remaining_bytes(p) / (1024.0 * 1024.0),
	        (double)vmha_migration_progress_total_bytes(p) / (1024.0 * 1024.0),
	        (double)vmha_migration_progress_rate_bps(p) / (1024.0 * 1024.0),
	        vmha_migration_progress_iteration(p),
	        vmha_migration_progress_postcopy(p) ? ", post-copy" : "",
	        (double)vmha_migration_progress_elapsed_ms(p) / 1000.0, eta,
	        mv->tty ? "\033[K" : "\n");
	fflush(stderr);
}

/* Wait (bounded) until vmhad announces name on target; true when it does. */
static bool vmhad_caught_up(const struct vm_opts *o, const char *name, const char *target)
{
	uint64_t deadline = vmha_deadline_in_ms(MIGRATE_VMHAD_CATCHUP_MS);
	json_object *status = NULL;
	bool seen = false;

	while (!seen && !vmha_deadline_expired(deadline)) {
		status = vmha_cmd_vm_read_status(o);
		seen = status != NULL && vmha_cmd_vm_running_on(status, name) != NULL &&
		       strcmp(vmha_cmd_vm_running_on(status, name), target) == 0;
		json_object_put(status);
		if (!seen) {
			usleep(250 * 1000);
		}
	}
	return seen;
}

static void print_migrate_json(const char *name, const char *source, const char *target,
                               bool admitted, bool migrated, uint64_t elapsed_ms)
{
	json_object *obj = json_object_new_object();

	json_object_object_add(obj, "vm", json_object_new_string(name));
	json_object_object_add(obj, "source", json_object_new_string(source));
	json_object_object_add(obj, "target", json_object_new_string(target));
	json_object_object_add(obj, "admitted", json_object_new_boolean(admitted));
	json_object_object_add(obj, "migrated", json_object_new_boolean(migrated));
	json_object_object_add(obj, "elapsed_ms",
	                       migrated ? json_object_new_uint64(elapsed_ms) : NULL);
	printf("%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
	                                                           JSON_C_TO_STRING_SPACED |
	                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
}

int vmha_cmd_vm_migrate_do(const struct vmha_registry_vm *vm, const char *source, const char *self,
                           const char *target, const struct vm_opts *o, bool progress, char *why,
                           size_t why_len)
{
	const char *name = vmha_registry_vm_name(vm);
	struct vmha_virt *v = NULL;
	struct vmha_virt_domain *dom = NULL;
	struct vmha_migration *mig = NULL;
	struct vmha_migspec *spec = NULL;
	struct vmha_domxml *dx = NULL;
	struct vmha_virt *dv = NULL;
	struct vmha_storage_copy *sc = NULL;
	struct migrate_view mv = {name, target, isatty(STDERR_FILENO) == 1, 0, 0};
	struct sigaction sa;
	struct sigaction old_int;
	struct sigaction old_term;
	bool handlers = false;
	char *uri = NULL;
	char err[512] = "";
	uint64_t timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : MIGRATE_TIMEOUT_MS;
	uint64_t abort_ms;
	uint64_t deadline_ms;
	int state = 0;
	int sreason = 0;
	int rc;

	why[0] = '\0';
	rc = vmha_cmd_vm_virt_on(source, self, &v);
	if (rc < 0) {
		snprintf(why, why_len, "cannot connect to libvirt on host '%s'", source);
		goto out;
	}
	rc = vmha_virt_domain_lookup(v, vmha_registry_vm_uuid(vm), name,
	                             vmha_deadline_in_ms(VIRT_TIMEOUT_MS), &dom);
	if (rc == 0) {
		rc = vmha_virt_domain_get_state(dom, vmha_deadline_in_ms(VIRT_TIMEOUT_MS), &state,
		                                &sreason);
	}
	if (rc < 0 || (state != VIR_DOMAIN_RUNNING && state != VIR_DOMAIN_PAUSED)) {
		snprintf(why, why_len, "'%s' does not run in the libvirt of host '%s': %s", name,
		         source, rc < 0 ? vmha_virt_error(v) : vmha_virt_state_name(state));
		rc = rc < 0 ? rc : -ESRCH;
		goto out;
	}
	/* the settings, built once (lib/migspec), then handed to lib/migration */
	uri = vmha_cmd_vm_host_uri(target, NULL);
	spec = uri != NULL ? vmha_migspec_new(uri) : NULL;
	if (spec == NULL || vmha_migspec_set_bandwidth_mibs(spec, o->bandwidth_mibs) < 0) {
		snprintf(why, why_len, "cannot build the migration to host '%s': out of memory",
		         target);
		rc = -ENOMEM;
		goto out;
	}
	rc = vmha_domxml_parse_string(vmha_registry_vm_xml(vm), &dx, err, sizeof(err));
	if (rc == 0) {
		rc = vmha_migspec_set_cpu_xml(spec, vmha_domxml_cpu_xml(dx));
	}
	if (rc < 0) {
		snprintf(why, why_len, "the registry's XML of '%s': %s", name,
		         err[0] != '\0' ? err : strerror(-rc));
		goto out;
	}
	mig = vmha_migration_new_spec(dom, target, spec);
	spec = NULL;
	if (mig == NULL) {
		snprintf(why, why_len, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	/* --copy-storage: the disks to copy and the flags (lib/storage_copy.h) */
	if (o->copy_storage != NULL) {
		rc = vmha_cmd_vm_storage_prepare(mig, v, dom, source, target, o->copy_storage,
		                                 o->bandwidth_mibs, &dv, &sc);
		if (rc < 0) {
			snprintf(why, why_len, "cannot prepare the copy of the disks of '%s'",
			         name);
			goto out;
		}
	}
	if (progress) {
		vmha_migration_set_progress_fn(mig, print_progress, &mv);
	}
	vmha_migration_set_poll_ms(mig, MIGRATE_POLL_MS);
	vmha_migration_set_cancel(mig, &migrate_cancel);
	abort_ms = vmha_clock_now_ms() + timeout_ms;
	deadline_ms = abort_ms + MIGRATE_ABORT_GRACE_MS;
	rc = vmha_migration_precheck(mig, abort_ms);
	if (rc < 0) {
		/* "pre-check 'NAME' failed: ..." (the caller says where the VM stays) */
		snprintf(why, why_len, "%s", vmha_migration_reason(mig));
		goto out;
	}
	/* the disks --copy-storage copies exist on the target before anything moves */
	if (sc != NULL) {
		rc = vmha_storage_copy_create_targets(sc, abort_ms);
		if (rc < 0) {
			snprintf(why, why_len, "%s", vmha_storage_copy_reason(sc));
			goto out;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_cancel_signal;
	sigemptyset(&sa.sa_mask);
	migrate_cancel = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	handlers = true;
	rc = vmha_migration_run(mig, abort_ms, deadline_ms);
	if (progress && mv.tty) {
		fprintf(stderr, "\n");
	}
	if (rc == 0 && sc != NULL) {
		vmha_storage_copy_free(sc); /* the target's volumes are the VM's now */
		sc = NULL;
	}
	if (rc == 0) {
		rc = vmha_migration_verify_arrival(mig, vmha_deadline_in_ms(VIRT_TIMEOUT_MS));
	}
	if (rc < 0) {
		snprintf(why, why_len, "%s", vmha_migration_reason(mig));
	}
out:
	if (handlers) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	if (sc != NULL && vmha_storage_copy_created_count(sc) > 0) {
		/* failed or aborted: the volumes made for it go, the VM runs on the source */
		if (vmha_storage_copy_remove_targets(sc, vmha_deadline_in_ms(VIRT_TIMEOUT_MS)) <
		    0) {
			fprintf(stderr, "vmha vm migrate: %s\n", vmha_storage_copy_reason(sc));
		} else {
			fprintf(stderr, "vmha vm migrate: removed the disks created on '%s'\n",
			        target);
		}
	}
	vmha_storage_copy_free(sc);
	vmha_virt_free(dv);
	vmha_migration_free(mig);
	vmha_migspec_free(spec);
	vmha_domxml_free(dx);
	free(uri);
	vmha_virt_domain_free(dom);
	vmha_virt_free(v);
	return rc;
}

bool vmha_cmd_vm_caught_up(const struct vm_opts *o, const char *name, const char *target)
{
	return o->status_path != NULL || vmhad_caught_up(o, name, target);
}

int vmha_cmd_vm_migrate(struct vmha_registry *reg, const char *name, const char *target,
                        const struct vm_opts *o)
{
	json_object *status = NULL;
	json_object *daemon = NULL;
	struct vmha_registry_vm *vm = NULL;
	const char *policy = o->policy != NULL ? o->policy : "host-failures:1";
	const char *self = NULL;
	const char *where = NULL;
	char *rerr = NULL;
	char reason[512] = "";
	char err[512] = "";
	char hosts[512] = "";
	uint64_t start_ms = vmha_clock_now_ms();
	bool admitted = false;
	int rc = VMHA_EXIT_USAGE;
	int err_rc;

	if (!vmha_util_name_is_valid(target)) {
		fprintf(stderr, "vmha vm migrate: invalid host name '%s'\n", target);
		goto out;
	}
	err_rc = vmha_registry_load(reg, name, &vm, &rerr);
	if (err_rc < 0) {
		fprintf(stderr, "vmha vm migrate: '%s': %s\n", name,
		        rerr != NULL        ? rerr
		        : err_rc == -ENOENT ? "not in the registry"
		                            : strerror(-err_rc));
		goto out;
	}
	status = vmha_cmd_vm_read_status(o);
	if (status == NULL) {
		rc = VMHA_EXIT_NO;
		goto out;
	}
	if (vmha_cmd_vm_guard(status, name, "migrate") != 0) {
		rc = VMHA_EXIT_NO;
		goto out;
	}
	if (json_object_object_get_ex(status, "daemon", &daemon)) {
		self = vmha_cmd_vm_jstr(daemon, "host");
	}
	if (self == NULL) {
		fprintf(stderr, "vmha vm migrate: vmhad's status does not name this host\n");
		rc = VMHA_EXIT_NO;
		goto out;
	}
	if (status_host(status, target) == NULL) {
		status_host_names(status, hosts, sizeof(hosts));
		fprintf(stderr,
		        "vmha vm migrate: host '%s' is not a member of the cluster (members: %s)\n",
		        target, hosts);
		goto out;
	}
	where = vmha_cmd_vm_running_on(status, name);
	if (where != NULL && strcmp(where, target) == 0) {
		fprintf(stderr, "vmha vm migrate: '%s' already runs on host '%s'\n", name, target);
		goto out;
	}
	if (where == NULL) {
		fprintf(stderr, "vmha vm migrate: '%s' runs on no host that vmhad knows\n", name);
		rc = VMHA_EXIT_NO;
		goto out;
	}
	if (strcmp(where, self) != 0) {
		fprintf(stderr,
		        "vmha vm migrate: '%s' runs on host '%s', not on this host '%s': run the "
		        "migration there (or 'vmha host evacuate %s')\n",
		        name, where, self, where);
		rc = VMHA_EXIT_NO;
		goto out;
	}
	err_rc = vmha_cmd_vm_migrate_admission(reg, status, vm, target, policy, &admitted, reason,
	                                       sizeof(reason), err, sizeof(err));
	if (err_rc < 0) {
		fprintf(stderr, "vmha vm migrate: %s\n", err);
		goto out;
	}
	if (!admitted && !o->force) {
		fprintf(stderr,
		        "vmha vm migrate: refusing to move '%s' to '%s': %s (--force moves it "
		        "anyway)\n",
		        name, target, reason);
		rc = VMHA_EXIT_NO;
		goto out;
	}
	if (!admitted) {
		fprintf(stderr, "vmha vm migrate: %s: forced\n", reason);
	}
	if (o->dry_run && o->json) {
		print_migrate_json(name, where, target, admitted, false, 0);
		rc = VMHA_EXIT_OK;
		goto out;
	}
	if (o->dry_run) {
		printf("would migrate '%s' from host '%s' to host '%s' (%s)\n", name, where, target,
		       admitted ? "admitted" : "refused, forced");
		rc = VMHA_EXIT_OK;
		goto out;
	}
	rc = VMHA_EXIT_NO;
	if (vmha_cmd_vm_migrate_do(vm, where, self, target, o, true, reason, sizeof(reason)) < 0) {
		fprintf(stderr, "vmha vm migrate: %s\n", reason);
		goto out;
	}
	if (o->json) {
		print_migrate_json(name, where, target, admitted, true,
		                   vmha_clock_now_ms() - start_ms);
	} else {
		printf("migrated '%s' from host '%s' to host '%s' in %" PRIu64 " ms\n", name, where,
		       target, vmha_clock_now_ms() - start_ms);
	}
	rc = VMHA_EXIT_OK;
	/* vmhad relocates the VM once the target announces it running */
	if (!vmha_cmd_vm_caught_up(o, name, target)) {
		fprintf(stderr,
		        "vmha vm migrate: vmhad does not see '%s' on '%s' yet; check 'vmha "
		        "status'\n",
		        name, target);
	}
out:
	free(rerr);
	vmha_registry_vm_free(vm);
	json_object_put(status);
	return rc;
}

/* vmha vm start|stop: the cluster as the local vmhad sees it (see cmd_vm_int.h). */
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

#include "cli_conf.h"
#include "cmd_vm_int.h"
#include "commands.h"
#include "vm_guard.h"
#include "deadline.h"
#include "domxml.h"
#include "planner/admission.h"
#include "planner/model.h"
#include "planner/regmodel.h"
#include "migration.h"
#include "registry.h"
#include "transport.h"
#include "util.h"
#include "virt.h"

/* ---- vmha vm start|stop: the cluster as the local vmhad sees it ---- */

/* The status JSON: from vmhad, or from a file (--status FILE, for tests and dry runs). */
json_object *vmha_cmd_vm_read_status(const struct vm_opts *o)
{
	json_object *root = NULL;
	char *text = NULL;
	char msg[512] = "";
	int rc;

	if (o->status_path != NULL) {
		root = json_object_from_file(o->status_path);
		if (root == NULL) {
			fprintf(stderr, "vmha vm: cannot read the status JSON '%s'\n",
			        o->status_path);
		}
		return root;
	}
	rc = vmha_status_ask(&text, msg, sizeof(msg));
	if (rc < 0) {
		fprintf(stderr, "vmha vm: %s\n", msg);
		return NULL;
	}
	root = json_tokener_parse(text);
	free(text);
	if (root == NULL) {
		fprintf(stderr, "vmha vm: vmhad answered with malformed JSON\n");
	}
	return root;
}

/* Refuse (with a message) an operator's action that the failover or quorum forbids. */
int vmha_cmd_vm_guard(json_object *status, const char *name, const char *action)
{
	char why[512] = "";
	int rc = vmha_vm_guard_check(status, name, why, sizeof(why));

	if (rc < 0) {
		fprintf(stderr, "vmha vm %s: refused: %s\n", action, why);
	}
	return rc;
}

const char *vmha_cmd_vm_jstr(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)) {
		return json_object_get_string(v);
	}
	return NULL;
}

int64_t vmha_cmd_vm_jint(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int)) {
		return json_object_get_int64(v);
	}
	return 0;
}

/* Where VM name runs according to the announcements (NULL: nowhere). */
const char *vmha_cmd_vm_running_on(json_object *status, const char *name)
{
	json_object *hosts = NULL;
	size_t i;
	size_t j;

	if (!json_object_object_get_ex(status, "hosts", &hosts)) {
		return NULL;
	}
	for (i = 0; i < json_object_array_length(hosts); i++) {
		json_object *h = json_object_array_get_idx(hosts, i);
		json_object *vms = NULL;

		if (!json_object_object_get_ex(h, "vms", &vms)) {
			continue;
		}
		for (j = 0; j < json_object_array_length(vms); j++) {
			json_object *vm = json_object_array_get_idx(vms, j);
			const char *st = vmha_cmd_vm_jstr(vm, "state");

			if (vmha_cmd_vm_jstr(vm, "name") != NULL &&
			    strcmp(vmha_cmd_vm_jstr(vm, "name"), name) == 0 && st != NULL &&
			    (strcmp(st, "running") == 0 || strcmp(st, "paused") == 0)) {
				return vmha_cmd_vm_jstr(h, "name");
			}
		}
	}
	return NULL;
}

/*
 * The model: online hosts (capacity from their announcements), the VMs they
 * run (registry settings for protected ones), and VM `name` not running.
 */
int vmha_cmd_vm_build_model(struct vmha_registry *reg, json_object *status, const char *name,
                            const char *move_to, struct vmha_model **out, size_t *added, char *err,
                            size_t errlen)
{
	struct vmha_model *m = vmha_model_new();
	json_object *hosts = NULL;
	struct vmha_registry_vm *vm = NULL;
	char *rerr = NULL;
	size_t d_cpu = 0;
	size_t d_mem = 0;
	size_t idx = 0;
	size_t i;
	size_t j;
	int rc = 0;

	if (m == NULL) {
		return -ENOMEM;
	}
	rc = vmha_model_dim(m, "cpu", true, &d_cpu);
	if (rc == 0) {
		rc = vmha_model_dim(m, "memory", true, &d_mem);
	}
	json_object_object_get_ex(status, "hosts", &hosts);
	for (i = 0; rc == 0 && hosts != NULL && i < json_object_array_length(hosts); i++) {
		json_object *h = json_object_array_get_idx(hosts, i);
		json_object *vms = NULL;
		const char *hn = vmha_cmd_vm_jstr(h, "name");
		const char *st = vmha_cmd_vm_jstr(h, "state");

		if (hn == NULL) {
			continue;
		}
		rc = vmha_model_add_host(m, hn, "vmhad", &idx);
		if (rc < 0) {
			break;
		}
		vmha_model_host_set_capacity(m, idx, d_cpu, (uint64_t)vmha_cmd_vm_jint(h, "cpus"));
		vmha_model_host_set_capacity(m, idx, d_mem,
		                             (uint64_t)vmha_cmd_vm_jint(h, "memory_kib") / 1024);
		vmha_model_host_set_standby(m, idx, st == NULL || strcmp(st, "online") != 0);
		/* a lost or fenced host's last announcement: its VMs run elsewhere now, or nowhere */
		if (st != NULL && (strcmp(st, "online") == 0 || strcmp(st, "standby") == 0)) {
			json_object_object_get_ex(h, "vms", &vms);
		}
		for (j = 0; rc == 0 && vms != NULL && j < json_object_array_length(vms); j++) {
			json_object *v = json_object_array_get_idx(vms, j);
			const char *vn = vmha_cmd_vm_jstr(v, "name");
			const char *vs = vmha_cmd_vm_jstr(v, "state");
			size_t vi = 0;

			if (vn == NULL || vs == NULL ||
			    (strcmp(vs, "running") != 0 && strcmp(vs, "paused") != 0)) {
				continue;
			}
			rc = vmha_model_add_vm(m, vn, "vmhad", &vi);
			if (rc < 0) {
				break;
			}
			vmha_model_vm_set_demand(m, vi, d_cpu,
			                         (uint64_t)vmha_cmd_vm_jint(v, "vcpus"));
			vmha_model_vm_set_demand(
			        m, vi, d_mem, (uint64_t)vmha_cmd_vm_jint(v, "memory_kib") / 1024);
			/* a VM being migrated counts on its target */
			rc = vmha_model_vm_set_host(
			        m, vi,
			        move_to != NULL && name != NULL && strcmp(vn, name) == 0 ? move_to
			                                                                 : hn);
			if (rc == 0 && vmha_registry_load(reg, vn, &vm, &rerr) == 0) {
				rc = vmha_registry_to_model_vm(m, vi, d_cpu, d_mem, vm, vn, err,
				                               errlen);
			}
			free(rerr);
			rerr = NULL;
			vmha_registry_vm_free(vm);
			vm = NULL;
		}
	}
	if (rc == 0 && name != NULL) {
		rc = vmha_registry_load(reg, name, &vm, &rerr);
		if (rc < 0) {
			snprintf(err, errlen, "'%s' is not in the registry: %s", name,
			         rerr != NULL ? rerr : strerror(-rc));
			free(rerr);
			goto out;
		}
		if (move_to == NULL) {
			rc = vmha_model_add_vm(m, name, "registry", &idx);
		}
	}
	if (rc == 0 && name != NULL && move_to == NULL) {
		rc = vmha_registry_to_model_vm(m, idx, d_cpu, d_mem, vm, name, err, errlen);
	}
	if (rc == 0) {
		rc = vmha_model_finish(m, err, errlen);
	}
	for (i = 0; rc == 0 && name != NULL && i < vmha_model_vm_count(m); i++) {
		if (strcmp(vmha_model_vm_name(m, i), name) == 0) {
			*added = i;
		}
	}
out:
	vmha_registry_vm_free(vm);
	if (rc < 0) {
		if (err[0] == '\0') {
			snprintf(err, errlen, "cannot build the cluster model: %s", strerror(-rc));
		}
		vmha_model_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

char *vmha_cmd_vm_host_uri(const char *host, const char *self)
{
	const char *local = getenv("LIBVIRT_DEFAULT_URI");
	char *uri = NULL;

	if (self != NULL && strcmp(host, self) == 0) {
		return strdup(local != NULL && local[0] ? local : "qemu:///system");
	}
	/* VMHA_HOST_URI: another template, %h the host (qemu+ssh://%h/system) */
	if (getenv("VMHA_HOST_URI") != NULL && strstr(getenv("VMHA_HOST_URI"), "%h") != NULL) {
		const char *t = getenv("VMHA_HOST_URI");
		const char *h = strstr(t, "%h");

		if (asprintf(&uri, "%.*s%s%s", (int)(h - t), t, host, h + 2) < 0) {
			return NULL;
		}
		return uri;
	}
	if (vmha_cli_conf_transport() == NULL ||
	    vmha_transport_uri(vmha_cli_conf_transport(), host, &uri) < 0) {
		return NULL;
	}
	return uri;
}

int vmha_cmd_vm_virt_on(const char *host, const char *self, struct vmha_virt **v)
{
	char *uri = vmha_cmd_vm_host_uri(host, self);
	int rc;

	if (uri == NULL) {
		fprintf(stderr, "vmha vm: cannot build the libvirt uri of host '%s'\n", host);
		return -EINVAL;
	}
	rc = vmha_virt_open(uri, 5, vmha_deadline_in_ms(VIRT_TIMEOUT_MS), v);
	if (rc < 0) {
		fprintf(stderr, "vmha vm: cannot connect to libvirt on '%s' (%s): %s\n", host, uri,
		        vmha_virt_open_error());
	}
	free(uri);
	return rc;
}

/*
 * Whether vmhad starts VM name itself: its failover table has it running
 * nowhere with the desired state started (a start by hand could race it).
 */
/*
 * Whether the registry itself (read now) still wants name started: vmhad's
 * table may not have read an operator's 'vmha vm stop' yet, and its
 * coordinator waits for a registry read that began after the stop before
 * it restarts anything, so a stop recorded here is what counts.
 */
static bool registry_says_started(struct vmha_registry *reg, const char *name)
{
	struct vmha_registry_vm *vm = NULL;
	char *err = NULL;
	bool started = true;

	if (vmha_registry_load(reg, name, &vm, &err) == 0) {
		started = vmha_registry_vm_desired(vm) == VMHA_DESIRED_STARTED;
	}
	vmha_registry_vm_free(vm);
	free(err);
	return started;
}

static bool vmhad_starts_it(json_object *status, const char *name)
{
	json_object *fo = NULL;
	size_t i;

	if (!json_object_object_get_ex(status, "failover", &fo) ||
	    !json_object_is_type(fo, json_type_array)) {
		return false;
	}
	for (i = 0; i < json_object_array_length(fo); i++) {
		json_object *e = json_object_array_get_idx(fo, i);
		const char *n = vmha_cmd_vm_jstr(e, "name");
		const char *state = vmha_cmd_vm_jstr(e, "state");
		const char *desired = vmha_cmd_vm_jstr(e, "desired");
		const char *reason = vmha_cmd_vm_jstr(e, "reason");

		if (n == NULL || strcmp(n, name) != 0) {
			continue;
		}
		/* unknown, or not restarted only for a desired state that is started now */
		return state != NULL && desired != NULL && strcmp(desired, "started") == 0 &&
		       (strcmp(state, "unknown") == 0 ||
		        (strcmp(state, "not_restarted") == 0 && reason != NULL &&
		         strncmp(reason, "desired state is ", 17) == 0));
	}
	return false;
}

int vmha_cmd_vm_start(struct vmha_registry *reg, const char *name, const struct vm_opts *o)
{
	json_object *status = NULL;
	json_object *daemon = NULL;
	struct vmha_model *m = NULL;
	struct vmha_admission *adm = NULL;
	struct vmha_registry_vm *vm = NULL;
	struct vmha_virt *v = NULL;
	char err[512] = "";
	char *rerr = NULL;
	const char *where = NULL;
	const char *target = NULL;
	const char *self = NULL;
	const char *policy = o->policy != NULL ? o->policy : "host-failures:1";
	size_t added = 0;
	long h = -1;
	int rc = VMHA_EXIT_USAGE;
	int err_rc;

	status = vmha_cmd_vm_read_status(o);
	if (status == NULL) {
		rc = VMHA_EXIT_NO;
		goto out;
	}
	if (vmha_cmd_vm_guard(status, name, "start") != 0) {
		rc = VMHA_EXIT_NO;
		goto out;
	}
	if (json_object_object_get_ex(status, "daemon", &daemon)) {
		self = vmha_cmd_vm_jstr(daemon, "host");
	}
	where = vmha_cmd_vm_running_on(status, name);
	if (where != NULL) {
		fprintf(stderr, "vmha vm start: '%s' already runs on host '%s'\n", name, where);
		rc = VMHA_EXIT_NO;
		goto out;
	}
	if (vmhad_starts_it(status, name) && registry_says_started(reg, name)) {
		fprintf(stderr,
		        "vmha vm start: refused: '%s' runs nowhere and its desired state is "
		        "started: vmhad starts it ('vmha vm stop %s' first to start it by hand)\n",
		        name, name);
		rc = VMHA_EXIT_NO;
		goto out;
	}
	err_rc = vmha_cmd_vm_build_model(reg, status, name, NULL, &m, &added, err, sizeof(err));
	if (err_rc < 0) {
		fprintf(stderr, "vmha vm start: %s\n", err);
		goto out;
	}
	err_rc = vmha_admission_new(m, policy, &adm, err, sizeof(err));
	if (err_rc < 0) {
		fprintf(stderr, "vmha vm start: --policy: %s\n", err);
		goto out;
	}
	err_rc = vmha_admission_check(adm, (long)added);
	if (err_rc < 0) {
		fprintf(stderr, "vmha vm start: admission control failed: %s\n", strerror(-err_rc));
		rc = VMHA_EXIT_NO;
		goto out;
	}
	h = vmha_admission_added_host(adm);
	if (o->on != NULL) {
		target = o->on;
	} else if (h >= 0) {
		target = vmha_model_host_name(m, (size_t)h);
	}
	if (!vmha_admission_satisfied(adm)) {
		if (!o->force) {
			fprintf(stderr,
			        "vmha vm start: starting '%s' would break policy '%s': %s "
			        "(--force starts it anyway)\n",
			        name, vmha_admission_policy(adm), vmha_admission_reason(adm));
			rc = VMHA_EXIT_NO;
			goto out;
		}
		fprintf(stderr, "vmha vm start: policy '%s' broken (%s): forced\n",
		        vmha_admission_policy(adm), vmha_admission_reason(adm));
	}
	if (target == NULL) {
		fprintf(stderr, "vmha vm start: no online host has room for '%s'\n", name);
		rc = VMHA_EXIT_NO;
		goto out;
	}
	if (o->dry_run) {
		printf("would start '%s' on host '%s' (policy '%s' %s)\n", name, target,
		       vmha_admission_policy(adm),
		       vmha_admission_satisfied(adm) ? "satisfied" : "broken, forced");
		rc = VMHA_EXIT_OK;
		goto out;
	}
	err_rc = vmha_registry_load(reg, name, &vm, &rerr);
	if (err_rc < 0) {
		fprintf(stderr, "vmha vm start: '%s': %s\n", name,
		        rerr != NULL ? rerr : strerror(-err_rc));
		rc = VMHA_EXIT_NO;
		goto out;
	}
	err_rc = vmha_cmd_vm_virt_on(target, self, &v);
	if (err_rc == 0) {
		err_rc = vmha_virt_domain_create_xml(v, vmha_registry_vm_xml(vm), 0,
		                                     vmha_deadline_in_ms(VIRT_TIMEOUT_MS), NULL);
		if (err_rc < 0) {
			fprintf(stderr, "vmha vm start: libvirt on '%s' refused '%s': %s\n", target,
			        name, vmha_virt_error(v));
		}
	}
	if (err_rc < 0) {
		rc = VMHA_EXIT_NO;
		goto out;
	}
	printf("started '%s' on host '%s'\n", name, target);
	/* recorded once it runs: vmhad never starts it beside this start */
	err_rc = vmha_cmd_vm_set_desired(reg, name, VMHA_DESIRED_STARTED, "start");
	rc = err_rc < 0 && err_rc != -ENOENT ? VMHA_EXIT_NO : VMHA_EXIT_OK;
out:
	free(rerr);
	vmha_virt_free(v);
	vmha_registry_vm_free(vm);
	vmha_admission_free(adm);
	vmha_model_free(m);
	json_object_put(status);
	return rc;
}

int vmha_cmd_vm_stop(struct vmha_registry *reg, const char *name, const struct vm_opts *o)
{
	json_object *status = NULL;
	json_object *daemon = NULL;
	struct vmha_virt *v = NULL;
	struct vmha_virt_domain *dom = NULL;
	const char *where = NULL;
	const char *self = NULL;
	uint64_t deadline = vmha_deadline_in_ms(VIRT_TIMEOUT_MS);
	int rc = VMHA_EXIT_NO;
	int err_rc;

	status = vmha_cmd_vm_read_status(o);
	if (status == NULL || vmha_cmd_vm_guard(status, name, "stop") != 0) {
		goto out;
	}
	/* recorded before the stop: vmhad does not undo an operator's stop */
	err_rc = vmha_cmd_vm_set_desired(reg, name, VMHA_DESIRED_STOPPED, "stop");
	if (err_rc < 0 && err_rc != -ENOENT) {
		goto out;
	}
	if (json_object_object_get_ex(status, "daemon", &daemon)) {
		self = vmha_cmd_vm_jstr(daemon, "host");
	}
	where = o->on != NULL ? o->on : vmha_cmd_vm_running_on(status, name);
	if (where == NULL) {
		fprintf(stderr, "vmha vm stop: '%s' runs on no host that vmhad knows\n", name);
		goto out;
	}
	err_rc = vmha_cmd_vm_virt_on(where, self, &v);
	if (err_rc == 0) {
		err_rc = vmha_virt_domain_lookup(v, NULL, name, deadline, &dom);
	}
	if (err_rc == 0) {
		err_rc = vmha_virt_domain_destroy(dom, 0, deadline);
	}
	if (err_rc < 0) {
		fprintf(stderr, "vmha vm stop: cannot stop '%s' on host '%s': %s\n", name, where,
		        v != NULL ? vmha_virt_error(v) : strerror(-err_rc));
		goto out;
	}
	printf("stopped '%s' on host '%s'\n", name, where);
	rc = VMHA_EXIT_OK;
out:
	vmha_virt_domain_free(dom);
	vmha_virt_free(v);
	json_object_put(status);
	return rc;
}

/* vmha vm: the registry of protected VMs on shared storage (standalone clusters). */
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

#include "commands.h"
#include "vm_guard.h"
#include "deadline.h"
#include "domxml.h"
#include "planner/admission.h"
#include "planner/model.h"
#include "migration.h"
#include "registry.h"
#include "util.h"
#include "virt.h"

#define DEFAULT_REGISTRY_DIR "/var/lib/vmha/shared/registry"
#define LOCK_TIMEOUT_MS      10000
#define VIRT_TIMEOUT_MS      30000
/* vmha vm migrate: default --timeout, and the time the abort may take */
#define MIGRATE_TIMEOUT_MS       300000
#define MIGRATE_ABORT_GRACE_MS   30000
#define MIGRATE_POLL_MS          500
#define MIGRATE_VMHAD_CATCHUP_MS 10000

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: vmha vm add NAME --xml FILE [SETTINGS] [--replace]\n"
	        "       vmha vm set NAME [SETTINGS]\n"
	        "       vmha vm remove NAME\n"
	        "       vmha vm list [--json]\n"
	        "       vmha vm show NAME [--json]\n"
	        "       vmha vm start NAME [--policy P] [--force] [--on HOST] [--dry-run]\n"
	        "       vmha vm stop NAME [--on HOST]\n"
	        "       vmha vm migrate NAME HOST [--timeout T] [--bandwidth MIB_S] [--policy P]\n"
	        "                       [--force] [--dry-run] [--json]\n\n"
	        "The registry of protected VMs on shared storage, used by vmhad to restart\n"
	        "the VMs of a failed host. Edits are atomic and locked against each other.\n\n"
	        "Settings:\n"
	        "  --priority P        highest, high, medium (default), low, lowest or an integer\n"
	        "  --restart R         restart (default) or never\n"
	        "  --anti-affinity G   members of group G run on different hosts\n"
	        "  --allowed H,...     hosts the VM may run on (default: all)\n"
	        "  --preferred H,...   hosts preferred for a restart\n"
	        "  --cpu N             CPU demand (default: the domain's vCPUs)\n"
	        "  --memory MIB        memory demand in MiB (default: the domain's memory)\n\n"
	        "Options:\n"
	        "  --dir DIR           registry directory (default: $VMHA_REGISTRY_DIR or\n"
	        "                      " DEFAULT_REGISTRY_DIR ")\n"
	        "  --json              print one JSON object\n"
	        "  --policy P          admission policy for start (default host-failures:1,\n"
	        "                      see vmha admission)\n"
	        "  --force             start even when the policy would be broken\n"
	        "  --on HOST           start on (stop on) HOST instead of the planner's choice\n"
	        "  --dry-run           only say where start would run the VM, or whether\n"
	        "                      migrate would move it\n"
	        "  --timeout T         migrate: abort the migration when it has not finished\n"
	        "                      after T (default 300s); the VM keeps running here\n"
	        "  --bandwidth MIB_S   migrate: limit the migration to MIB_S MiB/s\n"
	        "  --status FILE       the cluster from a saved 'vmha status --json' instead of\n"
	        "                      the local vmhad\n\n"
	        "start and stop use the cluster as the local vmhad sees it, libvirt on the\n"
	        "chosen host (qemu+tcp://HOST/system, or the local URI for this host).\n"
	        "migrate live-migrates a VM that runs on this host to HOST, a member of the\n"
	        "cluster, after admission control (HOST online, allowed, room, anti-affinity,\n"
	        "--policy) and pre-checks on HOST (not active there, memory, networks,\n"
	        "bridges, disk paths, CPU); Ctrl-C or --timeout aborts it, leaving the VM\n"
	        "running here.\n"
	        "Exit status: 0 done, 1 refused or failed, 2 bad usage.\n");
}

struct vm_opts {
	const char *dir;
	const char *xml_path;
	const char *settings[VMHA_REGISTRY_N_KEYS];
	bool replace;
	bool json;
	const char *policy;
	const char *on;
	const char *status_path;
	bool force;
	bool dry_run;
	uint64_t timeout_ms;
	uint64_t bandwidth_mibs;
};

static int parse_opts(int argc, char **argv, struct vm_opts *o)
{
	enum {
		OPT_XML = 256,
		OPT_DIR,
		OPT_REPLACE,
		OPT_JSON,
		OPT_HELP,
		OPT_POLICY,
		OPT_ON,
		OPT_STATUS,
		OPT_FORCE,
		OPT_DRY_RUN,
		OPT_TIMEOUT,
		OPT_BANDWIDTH,
		OPT_SETTING
	};
	static const struct option longopts[] = {
	        {"xml", required_argument, NULL, OPT_XML},
	        {"dir", required_argument, NULL, OPT_DIR},
	        {"replace", no_argument, NULL, OPT_REPLACE},
	        {"json", no_argument, NULL, OPT_JSON},
	        {"policy", required_argument, NULL, OPT_POLICY},
	        {"on", required_argument, NULL, OPT_ON},
	        {"status", required_argument, NULL, OPT_STATUS},
	        {"force", no_argument, NULL, OPT_FORCE},
	        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	        {"timeout", required_argument, NULL, OPT_TIMEOUT},
	        {"bandwidth", required_argument, NULL, OPT_BANDWIDTH},
	        {"help", no_argument, NULL, OPT_HELP},
	        {"priority", required_argument, NULL, OPT_SETTING + VMHA_REGISTRY_PRIORITY},
	        {"restart", required_argument, NULL, OPT_SETTING + VMHA_REGISTRY_RESTART},
	        {"anti-affinity", required_argument, NULL,
	         OPT_SETTING + VMHA_REGISTRY_ANTI_AFFINITY},
	        {"allowed", required_argument, NULL, OPT_SETTING + VMHA_REGISTRY_ALLOWED},
	        {"preferred", required_argument, NULL, OPT_SETTING + VMHA_REGISTRY_PREFERRED},
	        {"cpu", required_argument, NULL, OPT_SETTING + VMHA_REGISTRY_CPU},
	        {"memory", required_argument, NULL, OPT_SETTING + VMHA_REGISTRY_MEMORY},
	        {NULL, 0, NULL, 0},
	};
	int c;

	o->dir = getenv("VMHA_REGISTRY_DIR");
	if (o->dir == NULL || *o->dir == '\0') {
		o->dir = DEFAULT_REGISTRY_DIR;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_XML:
			o->xml_path = optarg;
			break;
		case OPT_DIR:
			o->dir = optarg;
			break;
		case OPT_REPLACE:
			o->replace = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_POLICY:
			o->policy = optarg;
			break;
		case OPT_ON:
			o->on = optarg;
			break;
		case OPT_STATUS:
			o->status_path = optarg;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case OPT_DRY_RUN:
			o->dry_run = true;
			break;
		case OPT_BANDWIDTH:
			if (vmha_util_parse_u64(optarg, &o->bandwidth_mibs) < 0 ||
			    o->bandwidth_mibs == 0) {
				fprintf(stderr,
				        "vmha vm: invalid value '%s' for --bandwidth (MiB/s, a "
				        "positive integer)\n",
				        optarg);
				return -EINVAL;
			}
			break;
		case OPT_TIMEOUT:
			if (vmha_util_parse_duration_ms(optarg, &o->timeout_ms) < 0 ||
			    o->timeout_ms == 0) {
				fprintf(stderr,
				        "vmha vm: invalid value '%s' for --timeout (seconds, or "
				        "with a unit: 90s, 5min, 1500ms)\n",
				        optarg);
				return -EINVAL;
			}
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 1;
		default:
			if (c >= OPT_SETTING && c < OPT_SETTING + VMHA_REGISTRY_N_KEYS) {
				o->settings[c - OPT_SETTING] = optarg;
				break;
			}
			fprintf(stderr, "vmha vm: unknown or incomplete option '%s'\n",
			        argv[optind - 1]);
			return -EINVAL;
		}
	}
	return 0;
}

/* Apply the settings given on the command line; names the first bad one. */
static int apply_settings(struct vmha_registry_vm *vm, const struct vm_opts *o)
{
	size_t k;

	for (k = 0; k < VMHA_REGISTRY_N_KEYS; k++) {
		if (o->settings[k] != NULL &&
		    vmha_registry_vm_set(vm, (enum vmha_registry_key)k, o->settings[k]) < 0) {
			fprintf(stderr, "vmha vm: invalid value '%s' for --%s\n", o->settings[k],
			        k == VMHA_REGISTRY_ANTI_AFFINITY
			                ? "anti-affinity"
			                : vmha_registry_key_name((enum vmha_registry_key)k));
			return -EINVAL;
		}
	}
	return 0;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;
	size_t n;

	if (f == NULL) {
		return NULL;
	}
	buf = malloc(1024 * 1024 + 1);
	if (buf != NULL) {
		n = fread(buf, 1, 1024 * 1024 + 1, f);
		len = n;
		if (ferror(f) || n > 1024 * 1024) {
			free(buf);
			buf = NULL;
			errno = ferror(f) ? EIO : EFBIG;
		} else {
			buf[len] = '\0';
		}
	}
	fclose(f);
	return buf;
}

static json_object *vm_to_json(const struct vmha_registry_vm *vm)
{
	json_object *obj = json_object_new_object();
	size_t k;

	json_object_object_add(obj, "name", json_object_new_string(vmha_registry_vm_name(vm)));
	json_object_object_add(obj, "uuid", json_object_new_string(vmha_registry_vm_uuid(vm)));
	for (k = 0; k < VMHA_REGISTRY_N_KEYS; k++) {
		const char *v = vmha_registry_vm_get(vm, (enum vmha_registry_key)k);
		json_object *value = NULL;

		if (v != NULL && (k == VMHA_REGISTRY_CPU || k == VMHA_REGISTRY_MEMORY)) {
			value = json_object_new_uint64(strtoull(v, NULL, 10));
		} else if (v != NULL) {
			value = json_object_new_string(v);
		}
		json_object_object_add(obj, vmha_registry_key_name((enum vmha_registry_key)k),
		                       value);
	}
	return obj;
}

static void print_vm(const struct vmha_registry_vm *vm)
{
	size_t k;

	printf("%s (uuid %s)\n", vmha_registry_vm_name(vm), vmha_registry_vm_uuid(vm));
	for (k = 0; k < VMHA_REGISTRY_N_KEYS; k++) {
		const char *v = vmha_registry_vm_get(vm, (enum vmha_registry_key)k);

		if (v != NULL) {
			printf("  %-14s %s\n", vmha_registry_key_name((enum vmha_registry_key)k),
			       v);
		}
	}
}

static int do_list(struct vmha_registry *reg, const struct vm_opts *o, const char *dir)
{
	json_object *root = NULL;
	json_object *arr = NULL;
	char **names = NULL;
	size_t n = 0;
	size_t i;
	int rc = VMHA_EXIT_OK;
	int err;

	err = vmha_registry_list(reg, &names, &n);
	if (err < 0) {
		fprintf(stderr, "vmha vm list: cannot read '%s': %s\n", dir, strerror(-err));
		rc = VMHA_EXIT_USAGE;
		goto out;
	}
	if (o->json) {
		root = json_object_new_object();
		arr = json_object_new_array();
		json_object_object_add(root, "registry", json_object_new_string(dir));
		json_object_object_add(root, "vms", arr);
	} else if (n == 0) {
		printf("no VMs in the registry '%s'\n", dir);
	}
	for (i = 0; i < n; i++) {
		struct vmha_registry_vm *vm = NULL;
		char *msg = NULL;

		err = vmha_registry_load(reg, names[i], &vm, &msg);
		if (err < 0) {
			fprintf(stderr, "vmha vm list: skipping '%s': %s\n", names[i],
			        msg != NULL ? msg : strerror(-err));
			rc = VMHA_EXIT_USAGE;
		} else if (o->json) {
			json_object_array_add(arr, vm_to_json(vm));
		} else {
			print_vm(vm);
		}
		free(msg);
		vmha_registry_vm_free(vm);
	}
	if (root != NULL) {
		printf("%s\n", json_object_to_json_string_ext(
		                       root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		                                     JSON_C_TO_STRING_NOSLASHESCAPE));
	}
out:
	for (i = 0; i < n; i++) {
		free(names[i]);
	}
	free(names);
	json_object_put(root);
	return rc;
}

static int do_add_or_set(struct vmha_registry *reg, const char *sub, const char *name,
                         const struct vm_opts *o)
{
	struct vmha_registry_vm *vm = NULL;
	char *xml = NULL;
	char *msg = NULL;
	bool add = strcmp(sub, "add") == 0;
	int rc = VMHA_EXIT_USAGE;
	int err;

	if (add && o->xml_path == NULL) {
		fprintf(stderr, "vmha vm add: --xml FILE is required\n");
		goto out;
	}
	if (add) {
		vm = vmha_registry_vm_new(name);
		if (vm == NULL) {
			fprintf(stderr, "vmha vm add: invalid VM name '%s'\n", name);
			goto out;
		}
		xml = read_text(o->xml_path);
		if (xml == NULL) {
			fprintf(stderr, "vmha vm add: cannot read '%s': %s\n", o->xml_path,
			        strerror(errno));
			goto out;
		}
		if (apply_settings(vm, o) < 0) {
			goto out;
		}
		if (vmha_registry_vm_set_xml(vm, xml, &msg) < 0) {
			fprintf(stderr, "vmha vm add: %s: %s\n", o->xml_path,
			        msg ? msg : "invalid");
			goto out;
		}
	}
	err = vmha_registry_lock(reg, vmha_deadline_in_ms(LOCK_TIMEOUT_MS));
	if (err < 0) {
		fprintf(stderr, "vmha vm %s: cannot lock the registry: %s\n", sub, strerror(-err));
		rc = VMHA_EXIT_NO;
		goto out;
	}
	if (!add) {
		/* Read under the lock, so a concurrent edit is never lost. */
		err = vmha_registry_load(reg, name, &vm, &msg);
		if (err < 0) {
			fprintf(stderr, "vmha vm set: '%s': %s\n", name,
			        msg != NULL      ? msg
			        : err == -ENOENT ? "not in the registry"
			                         : strerror(-err));
			goto out;
		}
		if (apply_settings(vm, o) < 0) {
			goto out;
		}
	}
	err = vmha_registry_add(reg, vm, o->replace || !add);
	if (err == -EEXIST) {
		fprintf(stderr, "vmha vm add: '%s' is already in the registry (use --replace)\n",
		        name);
		goto out;
	}
	if (err < 0) {
		fprintf(stderr, "vmha vm %s: cannot write '%s': %s\n", sub, name, strerror(-err));
		rc = VMHA_EXIT_NO;
		goto out;
	}
	printf("%s '%s' in the registry\n", add ? "added" : "updated", name);
	rc = VMHA_EXIT_OK;
out:
	free(msg);
	free(xml);
	vmha_registry_vm_free(vm);
	return rc;
}

static int do_show(struct vmha_registry *reg, const char *name, const struct vm_opts *o)
{
	struct vmha_registry_vm *vm = NULL;
	json_object *obj = NULL;
	char *msg = NULL;
	int rc = VMHA_EXIT_USAGE;
	int err;

	err = vmha_registry_load(reg, name, &vm, &msg);
	if (err < 0) {
		fprintf(stderr, "vmha vm show: '%s': %s\n", name,
		        msg != NULL      ? msg
		        : err == -ENOENT ? "not in the registry"
		                         : strerror(-err));
		rc = err == -ENOENT ? VMHA_EXIT_NO : VMHA_EXIT_USAGE;
		goto out;
	}
	if (o->json) {
		obj = vm_to_json(vm);
		printf("%s\n", json_object_to_json_string_ext(
		                       obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		                                    JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		print_vm(vm);
	}
	rc = VMHA_EXIT_OK;
out:
	json_object_put(obj);
	free(msg);
	vmha_registry_vm_free(vm);
	return rc;
}

static int do_remove(struct vmha_registry *reg, const char *name)
{
	int rc = VMHA_EXIT_USAGE;
	int err;

	err = vmha_registry_lock(reg, vmha_deadline_in_ms(LOCK_TIMEOUT_MS));
	if (err < 0) {
		fprintf(stderr, "vmha vm remove: cannot lock the registry: %s\n", strerror(-err));
		rc = VMHA_EXIT_NO;
		goto out;
	}
	err = vmha_registry_remove(reg, name);
	if (err == -ENOENT || err == -EINVAL) {
		fprintf(stderr, "vmha vm remove: '%s' is not in the registry\n", name);
		rc = VMHA_EXIT_NO;
		goto out;
	}
	if (err < 0) {
		fprintf(stderr, "vmha vm remove: '%s': %s\n", name, strerror(-err));
		rc = VMHA_EXIT_NO;
		goto out;
	}
	printf("removed '%s' from the registry (a running domain keeps running, unprotected)\n",
	       name);
	rc = VMHA_EXIT_OK;
out:
	return rc;
}

/* ---- vmha vm start|stop: the cluster as the local vmhad sees it ---- */

/* The status JSON: from vmhad, or from a file (--status FILE, for tests and dry runs). */
static json_object *read_status(const struct vm_opts *o)
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
static int guard(json_object *status, const char *name, const char *action)
{
	char why[512] = "";
	int rc = vmha_vm_guard_check(status, name, why, sizeof(why));

	if (rc < 0) {
		fprintf(stderr, "vmha vm %s: refused: %s\n", action, why);
	}
	return rc;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)) {
		return json_object_get_string(v);
	}
	return NULL;
}

static int64_t jint(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int)) {
		return json_object_get_int64(v);
	}
	return 0;
}

/* Where VM name runs according to the announcements (NULL: nowhere). */
static const char *running_on(json_object *status, const char *name)
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
			const char *st = jstr(vm, "state");

			if (jstr(vm, "name") != NULL && strcmp(jstr(vm, "name"), name) == 0 &&
			    st != NULL &&
			    (strcmp(st, "running") == 0 || strcmp(st, "paused") == 0)) {
				return jstr(h, "name");
			}
		}
	}
	return NULL;
}

/* Set a VM's settings from its registry entry. */
static int model_vm_from_registry(struct vmha_model *m, size_t idx, size_t d_cpu, size_t d_mem,
                                  const struct vmha_registry_vm *vm)
{
	const char *v = NULL;
	uint64_t u = 0;
	int64_t prio = 0;
	char buf[512];
	char *save = NULL;
	char *tok = NULL;
	int rc = 0;

	v = vmha_registry_vm_get(vm, VMHA_REGISTRY_CPU);
	if (v != NULL && vmha_util_parse_u64(v, &u) == 0) {
		vmha_model_vm_set_demand(m, idx, d_cpu, u);
	}
	v = vmha_registry_vm_get(vm, VMHA_REGISTRY_MEMORY);
	if (v != NULL && vmha_util_parse_u64(v, &u) == 0) {
		vmha_model_vm_set_demand(m, idx, d_mem, u);
	}
	v = vmha_registry_vm_get(vm, VMHA_REGISTRY_PRIORITY);
	if (v != NULL && vmha_model_priority_parse(v, &prio) == 0) {
		vmha_model_vm_set_priority(m, idx, prio);
	}
	v = vmha_registry_vm_get(vm, VMHA_REGISTRY_RESTART);
	vmha_model_vm_set_restart(m, idx, v == NULL || strcmp(v, "never") != 0);
	v = vmha_registry_vm_get(vm, VMHA_REGISTRY_ANTI_AFFINITY);
	if (v != NULL && v[0] != '\0') {
		rc = vmha_model_vm_add_group(m, idx, v);
	}
	v = vmha_registry_vm_get(vm, VMHA_REGISTRY_ALLOWED);
	if (rc == 0 && v != NULL && v[0] != '\0') {
		snprintf(buf, sizeof(buf), "%s", v);
		for (tok = strtok_r(buf, ",", &save); rc == 0 && tok != NULL;
		     tok = strtok_r(NULL, ",", &save)) {
			rc = vmha_model_vm_add_allowed(m, idx, tok);
		}
	}
	return rc;
}

/*
 * The model: online hosts (capacity from their announcements), the VMs they
 * run (registry settings for protected ones), and VM `name` not running.
 */
static int build_model(struct vmha_registry *reg, json_object *status, const char *name,
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
		const char *hn = jstr(h, "name");
		const char *st = jstr(h, "state");

		if (hn == NULL) {
			continue;
		}
		rc = vmha_model_add_host(m, hn, "vmhad", &idx);
		if (rc < 0) {
			break;
		}
		vmha_model_host_set_capacity(m, idx, d_cpu, (uint64_t)jint(h, "cpus"));
		vmha_model_host_set_capacity(m, idx, d_mem, (uint64_t)jint(h, "memory_kib") / 1024);
		vmha_model_host_set_standby(m, idx, st == NULL || strcmp(st, "online") != 0);
		json_object_object_get_ex(h, "vms", &vms);
		for (j = 0; rc == 0 && vms != NULL && j < json_object_array_length(vms); j++) {
			json_object *v = json_object_array_get_idx(vms, j);
			const char *vn = jstr(v, "name");
			const char *vs = jstr(v, "state");
			size_t vi = 0;

			if (vn == NULL || vs == NULL ||
			    (strcmp(vs, "running") != 0 && strcmp(vs, "paused") != 0)) {
				continue;
			}
			rc = vmha_model_add_vm(m, vn, "vmhad", &vi);
			if (rc < 0) {
				break;
			}
			vmha_model_vm_set_demand(m, vi, d_cpu, (uint64_t)jint(v, "vcpus"));
			vmha_model_vm_set_demand(m, vi, d_mem,
			                         (uint64_t)jint(v, "memory_kib") / 1024);
			/* a VM being migrated counts on its target */
			rc = vmha_model_vm_set_host(
			        m, vi, move_to != NULL && strcmp(vn, name) == 0 ? move_to : hn);
			if (rc == 0 && vmha_registry_load(reg, vn, &vm, &rerr) == 0) {
				rc = model_vm_from_registry(m, vi, d_cpu, d_mem, vm);
			}
			free(rerr);
			rerr = NULL;
			vmha_registry_vm_free(vm);
			vm = NULL;
		}
	}
	if (rc == 0) {
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
	if (rc == 0 && move_to == NULL) {
		rc = model_vm_from_registry(m, idx, d_cpu, d_mem, vm);
	}
	if (rc == 0) {
		rc = vmha_model_finish(m, err, errlen);
	}
	for (i = 0; rc == 0 && i < vmha_model_vm_count(m); i++) {
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

static char *host_uri(const char *host, const char *self)
{
	const char *local = getenv("LIBVIRT_DEFAULT_URI");
	char *uri = NULL;

	if (self != NULL && strcmp(host, self) == 0) {
		return strdup(local != NULL && local[0] ? local : "qemu:///system");
	}
	if (asprintf(&uri, "qemu+tcp://%s/system", host) < 0) {
		return NULL;
	}
	return uri;
}

static int virt_on(const char *host, const char *self, struct vmha_virt **v)
{
	char *uri = host_uri(host, self);
	int rc;

	if (uri == NULL) {
		return -ENOMEM;
	}
	rc = vmha_virt_open(uri, 5, vmha_deadline_in_ms(VIRT_TIMEOUT_MS), v);
	if (rc < 0) {
		fprintf(stderr, "vmha vm: cannot connect to libvirt on '%s' (%s): %s\n", host, uri,
		        vmha_virt_open_error());
	}
	free(uri);
	return rc;
}

static int do_start(struct vmha_registry *reg, const char *name, const struct vm_opts *o)
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

	status = read_status(o);
	if (status == NULL) {
		rc = VMHA_EXIT_NO;
		goto out;
	}
	if (guard(status, name, "start") != 0) {
		rc = VMHA_EXIT_NO;
		goto out;
	}
	if (json_object_object_get_ex(status, "daemon", &daemon)) {
		self = jstr(daemon, "host");
	}
	where = running_on(status, name);
	if (where != NULL) {
		fprintf(stderr, "vmha vm start: '%s' already runs on host '%s'\n", name, where);
		rc = VMHA_EXIT_NO;
		goto out;
	}
	err_rc = build_model(reg, status, name, NULL, &m, &added, err, sizeof(err));
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
	err_rc = virt_on(target, self, &v);
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
	rc = VMHA_EXIT_OK;
out:
	free(rerr);
	vmha_virt_free(v);
	vmha_registry_vm_free(vm);
	vmha_admission_free(adm);
	vmha_model_free(m);
	json_object_put(status);
	return rc;
}

static int do_stop(struct vmha_registry *reg, const char *name, const struct vm_opts *o)
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

	(void)reg;
	status = read_status(o);
	if (status == NULL || guard(status, name, "stop") != 0) {
		goto out;
	}
	if (json_object_object_get_ex(status, "daemon", &daemon)) {
		self = jstr(daemon, "host");
	}
	where = o->on != NULL ? o->on : running_on(status, name);
	if (where == NULL) {
		fprintf(stderr, "vmha vm stop: '%s' runs on no host that vmhad knows\n", name);
		goto out;
	}
	err_rc = virt_on(where, self, &v);
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

		if (jstr(h, "name") != NULL && strcmp(jstr(h, "name"), name) == 0) {
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
		const char *hn = jstr(json_object_array_get_idx(hosts, i), "name");
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

/*
 * Admission control for moving VM name to host target: target online, in
 * the VM's allowed hosts, no member of its anti-affinity group there, room
 * in every dimension, and the policy still satisfied with the VM there.
 * @return 0 and *ok (why in reason when not), or -errno with err set
 */
static int migrate_admission(struct vmha_registry *reg, json_object *status,
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
	if (jstr(h, "state") == NULL || strcmp(jstr(h, "state"), "online") != 0) {
		snprintf(reason, reason_len, "host '%s' is %s, not online", target,
		         jstr(h, "state") != NULL ? jstr(h, "state") : "in an unknown state");
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
		const char *other = jstr(json_object_array_get_idx(vms, j), "name");
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
	rc = build_model(reg, status, name, target, &m, &idx, err, errlen);
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
};

static void print_progress(const struct vmha_migration_progress *p, void *opaque)
{
	const struct migrate_view *mv = opaque;

	fprintf(stderr,
	        "%smigrating '%s' to '%s': %.1f of %.1f MiB left, %.1f MiB/s, iteration %" PRIu64
	        "%s, %.1f s%s",
	        mv->tty ? "\r" : "", mv->name, mv->target,
	        (double)vmha_migration_progress_remaining_bytes(p) / (1024.0 * 1024.0),
	        (double)vmha_migration_progress_total_bytes(p) / (1024.0 * 1024.0),
	        (double)vmha_migration_progress_rate_bps(p) / (1024.0 * 1024.0),
	        vmha_migration_progress_iteration(p),
	        vmha_migration_progress_postcopy(p) ? ", post-copy" : "",
	        (double)vmha_migration_progress_elapsed_ms(p) / 1000.0, mv->tty ? "\033[K" : "\n");
	fflush(stderr);
}

/* Wait (bounded) until vmhad announces name on target; true when it does. */
static bool vmhad_caught_up(const struct vm_opts *o, const char *name, const char *target)
{
	uint64_t deadline = vmha_deadline_in_ms(MIGRATE_VMHAD_CATCHUP_MS);
	json_object *status = NULL;
	bool seen = false;

	while (!seen && !vmha_deadline_expired(deadline)) {
		status = read_status(o);
		seen = status != NULL && running_on(status, name) != NULL &&
		       strcmp(running_on(status, name), target) == 0;
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

static int do_migrate(struct vmha_registry *reg, const char *name, const char *target,
                      const struct vm_opts *o)
{
	json_object *status = NULL;
	json_object *daemon = NULL;
	struct vmha_registry_vm *vm = NULL;
	struct vmha_virt *v = NULL;
	struct vmha_virt_domain *dom = NULL;
	struct vmha_migration *mig = NULL;
	struct vmha_domxml *dx = NULL;
	struct migrate_view mv = {name, target, isatty(STDERR_FILENO) == 1};
	struct sigaction sa;
	struct sigaction old_int;
	struct sigaction old_term;
	bool handlers = false;
	const char *policy = o->policy != NULL ? o->policy : "host-failures:1";
	const char *self = NULL;
	const char *where = NULL;
	char *uri = NULL;
	char *rerr = NULL;
	char reason[512] = "";
	char err[512] = "";
	char hosts[512] = "";
	uint64_t timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : MIGRATE_TIMEOUT_MS;
	uint64_t start_ms = vmha_clock_now_ms();
	uint64_t abort_ms;
	uint64_t deadline_ms;
	bool admitted = false;
	int state = 0;
	int sreason = 0;
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
	status = read_status(o);
	if (status == NULL) {
		rc = VMHA_EXIT_NO;
		goto out;
	}
	if (guard(status, name, "migrate") != 0) {
		rc = VMHA_EXIT_NO;
		goto out;
	}
	if (json_object_object_get_ex(status, "daemon", &daemon)) {
		self = jstr(daemon, "host");
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
	where = running_on(status, name);
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
		        "migration there\n",
		        name, where, self);
		rc = VMHA_EXIT_NO;
		goto out;
	}
	err_rc = migrate_admission(reg, status, vm, target, policy, &admitted, reason,
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
		print_migrate_json(name, self, target, admitted, false, 0);
		rc = VMHA_EXIT_OK;
		goto out;
	}
	if (o->dry_run) {
		printf("would migrate '%s' from host '%s' to host '%s' (%s)\n", name, self, target,
		       admitted ? "admitted" : "refused, forced");
		rc = VMHA_EXIT_OK;
		goto out;
	}
	rc = VMHA_EXIT_NO;
	if (virt_on(self, self, &v) < 0) {
		goto out;
	}
	err_rc = vmha_virt_domain_lookup(v, vmha_registry_vm_uuid(vm), name,
	                                 vmha_deadline_in_ms(VIRT_TIMEOUT_MS), &dom);
	if (err_rc == 0) {
		err_rc = vmha_virt_domain_get_state(dom, vmha_deadline_in_ms(VIRT_TIMEOUT_MS),
		                                    &state, &sreason);
	}
	if (err_rc < 0 || (state != VIR_DOMAIN_RUNNING && state != VIR_DOMAIN_PAUSED)) {
		fprintf(stderr, "vmha vm migrate: '%s' does not run in this host's libvirt: %s\n",
		        name, err_rc < 0 ? vmha_virt_error(v) : vmha_virt_state_name(state));
		goto out;
	}
	uri = host_uri(target, NULL);
	mig = uri != NULL ? vmha_migration_new(dom, target, uri) : NULL;
	if (mig == NULL) {
		fprintf(stderr, "vmha vm migrate: out of memory\n");
		goto out;
	}
	if (o->bandwidth_mibs > 0) {
		virTypedParameterPtr params = NULL;
		int nparams = 0;
		int maxparams = 0;

		err_rc = virTypedParamsAddULLong(&params, &nparams, &maxparams,
		                                 VIR_MIGRATE_PARAM_BANDWIDTH, o->bandwidth_mibs) < 0
		                 ? -ENOMEM
		                 : vmha_migration_set_params(
		                           mig, VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER, params,
		                           nparams);
		virTypedParamsFree(params, nparams);
		if (err_rc < 0) {
			fprintf(stderr, "vmha vm migrate: out of memory\n");
			goto out;
		}
	}
	err_rc = vmha_domxml_parse_string(vmha_registry_vm_xml(vm), &dx, err, sizeof(err));
	if (err_rc == 0) {
		err_rc = vmha_migration_set_cpu_xml(mig, vmha_domxml_cpu_xml(dx));
	}
	if (err_rc < 0) {
		fprintf(stderr, "vmha vm migrate: the registry's XML of '%s': %s\n", name,
		        err[0] != '\0' ? err : strerror(-err_rc));
		goto out;
	}
	vmha_migration_set_progress_fn(mig, print_progress, &mv);
	vmha_migration_set_poll_ms(mig, MIGRATE_POLL_MS);
	vmha_migration_set_cancel(mig, &migrate_cancel);
	abort_ms = start_ms + timeout_ms;
	deadline_ms = abort_ms + MIGRATE_ABORT_GRACE_MS;
	err_rc = vmha_migration_precheck(mig, abort_ms);
	if (err_rc < 0) {
		fprintf(stderr, "vmha vm migrate: pre-check on '%s' failed: %s\n", target,
		        vmha_migration_reason(mig));
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_cancel_signal;
	sigemptyset(&sa.sa_mask);
	migrate_cancel = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	handlers = true;
	err_rc = vmha_migration_run(mig, abort_ms, deadline_ms);
	if (mv.tty) {
		fprintf(stderr, "\n");
	}
	if (err_rc < 0) {
		fprintf(stderr, "vmha vm migrate: %s\n", vmha_migration_reason(mig));
		goto out;
	}
	err_rc = vmha_migration_verify_arrival(mig, vmha_deadline_in_ms(VIRT_TIMEOUT_MS));
	if (err_rc < 0) {
		fprintf(stderr, "vmha vm migrate: %s\n", vmha_migration_reason(mig));
		goto out;
	}
	if (o->json) {
		print_migrate_json(name, self, target, admitted, true,
		                   vmha_clock_now_ms() - start_ms);
	} else {
		printf("migrated '%s' from host '%s' to host '%s' in %" PRIu64 " ms\n", name, self,
		       target, vmha_clock_now_ms() - start_ms);
	}
	rc = VMHA_EXIT_OK;
	/* vmhad relocates the VM once the target announces it running */
	if (o->status_path == NULL && !vmhad_caught_up(o, name, target)) {
		fprintf(stderr,
		        "vmha vm migrate: vmhad does not see '%s' on '%s' yet; check 'vmha "
		        "status'\n",
		        name, target);
	}
out:
	if (handlers) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	vmha_migration_free(mig);
	vmha_domxml_free(dx);
	free(uri);
	free(rerr);
	vmha_virt_domain_free(dom);
	vmha_virt_free(v);
	vmha_registry_vm_free(vm);
	json_object_put(status);
	return rc;
}

int vmha_cmd_vm(int argc, char **argv)
{
	struct vm_opts o = {0};
	struct vmha_registry *reg = NULL;
	const char *sub;
	const char *name = NULL;
	const char *target = NULL;
	int rc = VMHA_EXIT_USAGE;
	int err;

	err = parse_opts(argc, argv, &o);
	if (err != 0) {
		rc = err > 0 ? VMHA_EXIT_OK : VMHA_EXIT_USAGE;
		goto out;
	}
	if (optind >= argc) {
		usage(stderr);
		goto out;
	}
	sub = argv[optind];
	if (optind + 1 < argc) {
		name = argv[optind + 1];
	}
	if (strcmp(sub, "list") != 0 && strcmp(sub, "add") != 0 && strcmp(sub, "set") != 0 &&
	    strcmp(sub, "remove") != 0 && strcmp(sub, "show") != 0 && strcmp(sub, "start") != 0 &&
	    strcmp(sub, "stop") != 0 && strcmp(sub, "migrate") != 0) {
		fprintf(stderr, "vmha vm: unknown subcommand '%s' (see 'vmha vm --help')\n", sub);
		goto out;
	}
	if (strcmp(sub, "list") != 0 && name == NULL) {
		fprintf(stderr, "vmha vm %s: a VM name is required\n", sub);
		goto out;
	}
	if (strcmp(sub, "migrate") == 0 && optind + 2 < argc) {
		target = argv[optind + 2];
	} else if (strcmp(sub, "migrate") == 0) {
		fprintf(stderr, "vmha vm migrate: a target host is required (vmha vm migrate NAME "
		                "HOST)\n");
		goto out;
	}
	if (optind + (name != NULL ? 2 : 1) + (target != NULL ? 1 : 0) < argc) {
		fprintf(stderr, "vmha vm %s: unexpected argument '%s'\n", sub,
		        argv[optind + (name != NULL ? 2 : 1) + (target != NULL ? 1 : 0)]);
		goto out;
	}
	reg = vmha_registry_open(o.dir);
	if (reg == NULL) {
		fprintf(stderr, "vmha vm: cannot open the registry '%s': %s\n", o.dir,
		        strerror(errno));
		goto out;
	}
	if (strcmp(sub, "list") == 0) {
		rc = do_list(reg, &o, o.dir);
	} else if (strcmp(sub, "show") == 0) {
		rc = do_show(reg, name, &o);
	} else if (strcmp(sub, "remove") == 0) {
		rc = do_remove(reg, name);
	} else if (strcmp(sub, "start") == 0) {
		rc = do_start(reg, name, &o);
	} else if (strcmp(sub, "stop") == 0) {
		rc = do_stop(reg, name, &o);
	} else if (strcmp(sub, "migrate") == 0) {
		rc = do_migrate(reg, name, target, &o);
	} else {
		rc = do_add_or_set(reg, sub, name, &o);
	}
out:
	vmha_registry_free(reg);
	return rc;
}

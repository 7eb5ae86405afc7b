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

#include "cli_conf.h"
#include "cmd_vm_int.h"
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
	        "       vmha vm disable|enable NAME\n"
	        "       vmha vm migrate NAME HOST [--timeout T] [--bandwidth MIB_S] [--policy P]\n"
	        "                       [--copy-storage all|inc] [--force] [--dry-run] [--json]\n"
	        "       vmha vm move NAME HOST --offline [--keep-source] [--timeout T]\n\n"
	        "The registry of protected VMs on shared storage, used by vmhad to restart\n"
	        "the VMs of a failed host. Edits are atomic and locked against each other.\n\n"
	        "Settings:\n"
	        "  --priority P        highest, high, medium (default), low, lowest or an integer\n"
	        "  --restart R         restart (default) or never\n"
	        "  --anti-affinity G   members of group G run on different hosts\n"
	        "  --allowed H,...     hosts the VM may run on (default: all)\n"
	        "  --preferred H,...   hosts preferred for a restart\n"
	        "  --cpu N             CPU demand (default: the domain's vCPUs)\n"
	        "  --memory MIB        memory demand in MiB (default: the domain's memory)\n"
	        "  --state S           desired state: started (default: vmhad keeps it\n"
	        "                      running), stopped (never started) or disabled (left\n"
	        "                      alone)\n"
	        "  --health H          agent: vmhad pings the QEMU guest agent and destroys\n"
	        "                      the VM when it stops answering (then restarts it for\n"
	        "                      its desired state); none (default): no health check\n\n"
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
	        "                      after T (default 300s); the VM keeps running\n"
	        "  --bandwidth MIB_S   migrate: limit the migration to MIB_S MiB/s\n"
	        "  --copy-storage M    migrate: copy the disks HOST does not share while the\n"
	        "                      VM runs (all: whole disks, inc: what differs from a\n"
	        "                      base HOST already has); they are created on HOST\n"
	        "                      first and removed again on a failure\n"
	        "  --offline           move: cold migration: shut the VM down, copy its disks\n"
	        "                      (SHA-256 checked on both hosts), start it on HOST,\n"
	        "                      then remove the copies here; --timeout bounds it\n"
	        "                      (default 300s, a quarter for the shutdown)\n"
	        "  --keep-source       move: keep the disk copies on this host\n"
	        "  --status FILE       the cluster from a saved 'vmha status --json' instead of\n"
	        "                      the local vmhad\n"
	        "  --transport T       libvirt transport to other hosts: tcp, ssh, tls, libssh,\n"
	        "                      libssh2 (default: migration_transport of vmhad.conf,\n"
	        "                      else tcp)\n\n"
	        "start and stop use the cluster as the local vmhad sees it, libvirt on the\n"
	        "chosen host (qemu+TRANSPORT://HOST/system, or the local URI for this host).\n"
	        "migrate live-migrates a VM that runs on this host to HOST, a member of the\n"
	        "cluster, after admission control (HOST online, allowed, room, anti-affinity,\n"
	        "--policy) and pre-checks on HOST (not active there, memory, networks,\n"
	        "bridges, disk paths, CPU); Ctrl-C or --timeout aborts it, leaving the VM\n"
	        "running where it was.\n"
	        "stop records the desired state 'stopped' before it stops the VM (vmhad does\n"
	        "not undo it); start records 'started' once the VM runs; disable records\n"
	        "'disabled' (vmhad leaves the VM alone), enable 'started' (vmhad starts it\n"
	        "when it runs nowhere).\n"
	        "Exit status: 0 done, 1 refused or failed, 2 bad usage.\n");
}

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
		OPT_TRANSPORT,
		OPT_COPY_STORAGE,
		OPT_OFFLINE,
		OPT_KEEP_SOURCE,
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
	        {"transport", required_argument, NULL, OPT_TRANSPORT},
	        {"copy-storage", required_argument, NULL, OPT_COPY_STORAGE},
	        {"offline", no_argument, NULL, OPT_OFFLINE},
	        {"keep-source", no_argument, NULL, OPT_KEEP_SOURCE},
	        {"help", no_argument, NULL, OPT_HELP},
	        {"priority", required_argument, NULL, OPT_SETTING + VMHA_REGISTRY_PRIORITY},
	        {"restart", required_argument, NULL, OPT_SETTING + VMHA_REGISTRY_RESTART},
	        {"anti-affinity", required_argument, NULL,
	         OPT_SETTING + VMHA_REGISTRY_ANTI_AFFINITY},
	        {"allowed", required_argument, NULL, OPT_SETTING + VMHA_REGISTRY_ALLOWED},
	        {"preferred", required_argument, NULL, OPT_SETTING + VMHA_REGISTRY_PREFERRED},
	        {"cpu", required_argument, NULL, OPT_SETTING + VMHA_REGISTRY_CPU},
	        {"memory", required_argument, NULL, OPT_SETTING + VMHA_REGISTRY_MEMORY},
	        {"state", required_argument, NULL, OPT_SETTING + VMHA_REGISTRY_STATE},
	        {"health", required_argument, NULL, OPT_SETTING + VMHA_REGISTRY_HEALTH},
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
		case OPT_TRANSPORT:
			if (vmha_cli_conf_set_transport("vm", optarg) < 0) {
				return -EINVAL;
			}
			o->transport = optarg;
			break;
		case OPT_COPY_STORAGE:
			if (strcmp(optarg, "all") != 0 && strcmp(optarg, "inc") != 0) {
				fprintf(stderr,
				        "vmha vm: invalid value '%s' for --copy-storage (all or "
				        "inc)\n",
				        optarg);
				return -EINVAL;
			}
			o->copy_storage = optarg;
			break;
		case OPT_OFFLINE:
			o->offline = true;
			break;
		case OPT_KEEP_SOURCE:
			o->keep_source = true;
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
	    strcmp(sub, "stop") != 0 && strcmp(sub, "migrate") != 0 && strcmp(sub, "move") != 0 &&
	    strcmp(sub, "disable") != 0 && strcmp(sub, "enable") != 0) {
		fprintf(stderr, "vmha vm: unknown subcommand '%s' (see 'vmha vm --help')\n", sub);
		goto out;
	}
	if (strcmp(sub, "list") != 0 && name == NULL) {
		fprintf(stderr, "vmha vm %s: a VM name is required\n", sub);
		goto out;
	}
	if ((strcmp(sub, "migrate") == 0 || strcmp(sub, "move") == 0) && optind + 2 < argc) {
		target = argv[optind + 2];
	} else if (strcmp(sub, "migrate") == 0 || strcmp(sub, "move") == 0) {
		fprintf(stderr, "vmha vm %s: a target host is required (vmha vm %s NAME HOST)\n",
		        sub, sub);
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
		rc = vmha_cmd_vm_start(reg, name, &o);
	} else if (strcmp(sub, "stop") == 0) {
		rc = vmha_cmd_vm_stop(reg, name, &o);
	} else if (strcmp(sub, "migrate") == 0) {
		rc = vmha_cmd_vm_migrate(reg, name, target, &o);
	} else if (strcmp(sub, "move") == 0) {
		rc = vmha_cmd_vm_move(reg, name, target, &o);
	} else if (strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0) {
		rc = vmha_cmd_vm_enable(reg, name, strcmp(sub, "enable") == 0);
	} else {
		rc = do_add_or_set(reg, sub, name, &o);
	}
out:
	vmha_registry_free(reg);
	return rc;
}

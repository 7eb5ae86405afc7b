/*
 * vmha host standby|online|evacuate NODE: host maintenance on the
 * standalone cluster (heartbeat/maint.h for the standby flag, mover.h for
 * the evacuation).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli_conf.h"
#include "cmd_vm_int.h"
#include "commands.h"
#include "deadline.h"
#include "heartbeat/ipc.h"
#include "heartbeat/ipc_client.h"
#include "mover.h"
#include "util.h"

#define HOST_IPC_TIMEOUT_MS   5000
#define HOST_STATE_WAIT_MS    10000
#define EVACUATE_PARALLEL     2
#define EVACUATE_MAX_PARALLEL 16

struct host_opts {
	struct vm_opts vm;
	unsigned int parallel;
	bool no_standby;
};

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: vmha host standby NODE [--json]\n"
	        "       vmha host online NODE [--json]\n"
	        "       vmha host evacuate NODE [--parallel N] [--dry-run] [--no-standby]\n"
	        "                          [--policy P] [--timeout T] [--transport T] [--json]\n\n"
	        "Host maintenance on a standalone cluster (vmhad).\n\n"
	        "standby   NODE takes no VMs: neither failover restarts nor 'vmha vm start'\n"
	        "          place one there. Its VMs keep running. Ordered over the group:\n"
	        "          the local vmhad publishes it, every vmhad applies it, and NODE\n"
	        "          keeps the flag across vmhad restarts.\n"
	        "online    NODE takes VMs again.\n"
	        "evacuate  first puts NODE in standby (so nothing comes back to it), then\n"
	        "          live-migrates every VM off NODE, highest priority first, each\n"
	        "          where the planner places it (as 'vmha plan' would after NODE\n"
	        "          failed), through the admission control and the pre-checks of\n"
	        "          'vmha vm migrate'. A VM that cannot move stays, with the reason.\n"
	        "          NODE stays in standby afterwards: 'vmha host online NODE' ends it.\n\n"
	        "Options:\n"
	        "  --parallel N    evacuate: at most N migrations at once (default 2, 1-16)\n"
	        "  --dry-run       evacuate: say where each VM would go; change nothing\n"
	        "  --no-standby    evacuate: do not put NODE in standby first\n"
	        "  --policy P      evacuate: an admission policy each move must keep (see\n"
	        "                  'vmha admission'; default none: room, allowed hosts and\n"
	        "                  anti-affinity only)\n"
	        "  --timeout T     evacuate: abort one migration after T (default 300s)\n"
	        "  --transport T   libvirt transport to the hosts: tcp, ssh, tls, libssh,\n"
	        "                  libssh2 (default: migration_transport of vmhad.conf, else\n"
	        "                  tcp)\n"
	        "  --dir DIR       registry directory (default: $VMHA_REGISTRY_DIR or\n"
	        "                  " DEFAULT_REGISTRY_DIR ")\n"
	        "  --status FILE   evacuate --dry-run: the cluster from a saved 'vmha status\n"
	        "                  --json'\n"
	        "  --json          print one JSON object\n\n"
	        "Exit status: 0 done (evacuate: every VM moved), 1 refused or some VM stayed,\n"
	        "2 bad usage. See vmha(8).\n");
}

static json_object *find_host(json_object *status, const char *name)
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

/* The host's state in a fresh status from vmhad ("" when unknown). */
static void host_state(const struct host_opts *o, const char *node, char *buf, size_t len)
{
	json_object *status = vmha_cmd_vm_read_status(&o->vm);
	const char *st = vmha_cmd_vm_jstr(find_host(status, node), "state");

	snprintf(buf, len, "%s", st != NULL ? st : "");
	json_object_put(status);
}

/* Ask vmhad to publish standby/online for node; wait until it is applied. @return exit code */
static int set_standby(const struct host_opts *o, const char *node, bool standby, bool quiet)
{
	const char *want = standby ? "standby" : "online";
	struct vmha_ipc_peer peer;
	char cmd[VMHA_IPC_COMMAND_MAX_BYTES];
	char state[32] = "";
	char *reply = NULL;
	uint64_t deadline = vmha_deadline_in_ms(HOST_STATE_WAIT_MS);
	int rc;

	host_state(o, node, state, sizeof(state));
	if (strcmp(state, want) == 0) {
		if (!quiet && !o->vm.json) {
			printf("host '%s' is %s already\n", node, want);
		}
		return VMHA_EXIT_OK;
	}
	if (strcmp(state, "online") != 0 && strcmp(state, "standby") != 0) {
		fprintf(stderr,
		        "vmha host: host '%s' is %s: only a live member of the cluster (online or "
		        "standby) changes\n",
		        node, state[0] != '\0' ? state : "not a member of the cluster");
		return VMHA_EXIT_NO;
	}
	snprintf(cmd, sizeof(cmd), "%s %s", want, node);
	rc = vmha_ipc_client_command(cmd, &reply, &peer, HOST_IPC_TIMEOUT_MS);
	if (rc < 0) {
		fprintf(stderr, "vmha host: vmhad refused '%s': %s\n", cmd,
		        rc == -EPERM    ? "the ipc server is not root (an impostor)"
		        : reply != NULL ? reply
		                        : strerror(-rc));
		free(reply);
		return VMHA_EXIT_NO;
	}
	free(reply);
	while (strcmp(state, want) != 0 && !vmha_deadline_expired(deadline)) {
		usleep(200 * 1000);
		host_state(o, node, state, sizeof(state));
	}
	if (strcmp(state, want) != 0) {
		fprintf(stderr,
		        "vmha host: published, but host '%s' is still %s after %d s: is its vmhad "
		        "running?\n",
		        node, state[0] != '\0' ? state : "unknown", HOST_STATE_WAIT_MS / 1000);
		return VMHA_EXIT_NO;
	}
	if (o->vm.json && !quiet) {
		printf("{ \"host\": \"%s\", \"state\": \"%s\" }\n", node, want);
	} else if (!quiet) {
		printf(standby ? "host '%s' is in standby: it takes no VMs (its VMs keep running; "
		                 "'vmha host evacuate %s' moves them)\n"
		               : "host '%s' is online: it takes VMs again%.0s\n",
		       node, node);
	}
	return VMHA_EXIT_OK;
}

static int evacuate(const struct host_opts *o, const char *node)
{
	struct vmha_registry *reg = NULL;
	json_object *status = NULL;
	struct vmha_move *moves = NULL;
	size_t n = 0;
	size_t bad = 0;
	size_t moved = 0;
	size_t i;
	char err[512] = "";
	uint64_t start_ms = vmha_clock_now_ms();
	int rc = VMHA_EXIT_NO;

	reg = vmha_registry_open(o->vm.dir);
	if (reg == NULL) {
		fprintf(stderr, "vmha host evacuate: cannot open the registry '%s': %s\n",
		        o->vm.dir, strerror(errno));
		goto out;
	}
	if (!o->vm.dry_run && !o->no_standby && set_standby(o, node, true, o->vm.json) != 0) {
		goto out;
	}
	status = vmha_cmd_vm_read_status(&o->vm);
	if (status == NULL) {
		goto out;
	}
	if (find_host(status, node) == NULL) {
		fprintf(stderr, "vmha host evacuate: host '%s' is not a member of the cluster\n",
		        node);
		rc = VMHA_EXIT_USAGE;
		goto out;
	}
	if (vmha_mover_plan_evacuation(reg, status, node, &moves, &n, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmha host evacuate: %s\n", err);
		goto out;
	}
	if (!o->vm.json) {
		printf("evacuating host '%s': %zu VM%s, at most %u at once%s\n", node, n,
		       n == 1 ? "" : "s", o->parallel, o->vm.dry_run ? " (dry run)" : "");
	}
	bad = vmha_mover_run(reg, status, &o->vm, o->vm.policy, o->parallel, moves, n);
	for (i = 0; i < n; i++) {
		moved += moves[i].result == VMHA_MOVE_MOVED;
	}
	if (o->vm.json) {
		json_object *obj = json_object_new_object();

		json_object_object_add(obj, "host", json_object_new_string(node));
		json_object_object_add(obj, "dry_run", json_object_new_boolean(o->vm.dry_run));
		json_object_object_add(obj, "moves", vmha_mover_to_json(moves, n));
		json_object_object_add(obj, "all_moved", json_object_new_boolean(bad == 0));
		json_object_object_add(obj, "elapsed_ms",
		                       json_object_new_uint64(vmha_clock_now_ms() - start_ms));
		printf("%s\n", json_object_to_json_string_ext(
		                       obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		                                    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(obj);
	} else {
		printf("host '%s': %zu of %zu VM%s %s, %zu stay%s (%.1f s)\n", node,
		       o->vm.dry_run ? n - bad : moved, n, n == 1 ? "" : "s",
		       o->vm.dry_run ? "would move" : "moved", bad, bad == 1 ? "s" : "",
		       (double)(vmha_clock_now_ms() - start_ms) / 1000.0);
	}
	rc = bad == 0 ? VMHA_EXIT_OK : VMHA_EXIT_NO;
out:
	free(moves);
	json_object_put(status);
	vmha_registry_free(reg);
	return rc;
}

int vmha_cmd_host(int argc, char **argv)
{
	enum {
		OPT_PARALLEL = 256,
		OPT_DRY_RUN,
		OPT_NO_STANDBY,
		OPT_POLICY,
		OPT_TIMEOUT,
		OPT_TRANSPORT,
		OPT_DIR,
		OPT_STATUS,
		OPT_JSON,
		OPT_HELP
	};
	static const struct option longopts[] = {
	        {"parallel", required_argument, NULL, OPT_PARALLEL},
	        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	        {"no-standby", no_argument, NULL, OPT_NO_STANDBY},
	        {"policy", required_argument, NULL, OPT_POLICY},
	        {"timeout", required_argument, NULL, OPT_TIMEOUT},
	        {"transport", required_argument, NULL, OPT_TRANSPORT},
	        {"dir", required_argument, NULL, OPT_DIR},
	        {"status", required_argument, NULL, OPT_STATUS},
	        {"json", no_argument, NULL, OPT_JSON},
	        {"help", no_argument, NULL, OPT_HELP},
	        {NULL, 0, NULL, 0},
	};
	struct host_opts o;
	const char *sub = NULL;
	const char *node = NULL;
	uint64_t n = 0;
	int rc = VMHA_EXIT_USAGE;
	int c;

	memset(&o, 0, sizeof(o));
	o.parallel = EVACUATE_PARALLEL;
	o.vm.dir = getenv("VMHA_REGISTRY_DIR");
	if (o.vm.dir == NULL || *o.vm.dir == '\0') {
		o.vm.dir = DEFAULT_REGISTRY_DIR;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PARALLEL:
			if (vmha_util_parse_u64(optarg, &n) < 0 || n < 1 ||
			    n > EVACUATE_MAX_PARALLEL) {
				fprintf(stderr,
				        "vmha host: --parallel: '%s' is not a number from 1 to "
				        "%d\n",
				        optarg, EVACUATE_MAX_PARALLEL);
				goto out;
			}
			o.parallel = (unsigned int)n;
			break;
		case OPT_DRY_RUN:
			o.vm.dry_run = true;
			break;
		case OPT_NO_STANDBY:
			o.no_standby = true;
			break;
		case OPT_POLICY:
			o.vm.policy = optarg;
			break;
		case OPT_TIMEOUT:
			if (vmha_util_parse_duration_ms(optarg, &o.vm.timeout_ms) < 0 ||
			    o.vm.timeout_ms == 0) {
				fprintf(stderr, "vmha host: --timeout: '%s' is not a duration\n",
				        optarg);
				goto out;
			}
			break;
		case OPT_TRANSPORT:
			if (vmha_cli_conf_set_transport("host", optarg) < 0) {
				goto out;
			}
			o.vm.transport = optarg;
			break;
		case OPT_DIR:
			o.vm.dir = optarg;
			break;
		case OPT_STATUS:
			o.vm.status_path = optarg;
			break;
		case OPT_JSON:
			o.vm.json = true;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			rc = VMHA_EXIT_OK;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr,
		        "vmha host: expected a subcommand and a node (see 'vmha host --help')\n");
		goto out;
	}
	sub = argv[optind];
	node = argv[optind + 1];
	if (!vmha_util_name_is_valid(node)) {
		fprintf(stderr, "vmha host %s: invalid host name '%s'\n", sub, node);
		goto out;
	}
	if (strcmp(sub, "evacuate") != 0 && (o.vm.dry_run || o.no_standby || o.vm.policy != NULL ||
	                                     o.parallel != EVACUATE_PARALLEL)) {
		fprintf(stderr,
		        "vmha host %s: --parallel, --dry-run, --no-standby and --policy are "
		        "options of evacuate\n",
		        sub);
		goto out;
	}
	if (o.vm.status_path != NULL && !(strcmp(sub, "evacuate") == 0 && o.vm.dry_run)) {
		fprintf(stderr,
		        "vmha host %s: --status needs evacuate --dry-run (a saved status "
		        "changes nothing)\n",
		        sub);
		goto out;
	}
	if (strcmp(sub, "standby") == 0 || strcmp(sub, "online") == 0) {
		rc = set_standby(&o, node, strcmp(sub, "standby") == 0, false);
	} else if (strcmp(sub, "evacuate") == 0) {
		rc = evacuate(&o, node);
	} else {
		fprintf(stderr, "vmha host: unknown subcommand '%s' (standby, online, evacuate)\n",
		        sub);
	}
out:
	return rc;
}

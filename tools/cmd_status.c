/*
 * vmha status: the local vmhad's view — hosts with their state, capacity,
 * VMs and when they were last heard on the network and on storage, quorum,
 * ring id — asked over libqb IPC. Text for people, --json for machines.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include "commands.h"
#include "heartbeat/ipc.h"
#include "heartbeat/ipc_client.h"
#include "log.h"

#define STATUS_TIMEOUT_MS 5000

static void usage(FILE *out)
{
	fprintf(out, "Usage: vmha status [--json] [--status FILE]\n\n"
	             "Hosts, their state (online, standby, daemon_down, lost, isolated, fenced),\n"
	             "capacity and VMs, quorum and ring id, as the local vmhad sees them\n"
	             "(--status FILE: as a saved 'vmha status --json' says).\n"
	             "Exit status: 0 success, 1 vmhad cannot be reached, 2 bad usage or an\n"
	             "impostor serves the ipc service (not root).\n");
}

int vmha_status_ask(char **out, char *err, size_t err_size)
{
	struct vmha_ipc_peer peer;
	int rc = vmha_ipc_client_status(out, &peer, STATUS_TIMEOUT_MS);

	if (rc == -EPERM) {
		snprintf(err, err_size,
		         "ipc service '%s' is served by pid %ld running as uid %u, not root: "
		         "an impostor, its answer is ignored",
		         vmha_ipc_client_service(), (long)peer.pid, (unsigned int)peer.uid);
	} else if (rc < 0) {
		snprintf(err, err_size, "cannot reach vmhad over ipc service '%s': %s%s",
		         vmha_ipc_client_service(), strerror(-rc),
		         rc == -EACCES ? " (only root may ask)" : " (is vmhad running?)");
	}
	return rc;
}

static const char *str_or(json_object *o, const char *key, const char *fallback)
{
	json_object *v = NULL;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)) {
		return json_object_get_string(v);
	}
	return fallback;
}

static int64_t int_or(json_object *o, const char *key, int64_t fallback)
{
	json_object *v = NULL;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int)) {
		return json_object_get_int64(v);
	}
	return fallback;
}

static void age_text(int64_t ms, char *buf, size_t size)
{
	if (ms < 0) {
		snprintf(buf, size, "never");
	} else if (ms < 10000) {
		snprintf(buf, size, "%.1fs ago", (double)ms / 1000.0);
	} else {
		snprintf(buf, size, "%" PRId64 "s ago", ms / 1000);
	}
}

/* The disk-lease warning of standalone mode (heartbeat/leases.h), loud. */
static void print_leases(json_object *root)
{
	json_object *l = NULL;
	json_object *vms = NULL;
	size_t i;

	if (!json_object_object_get_ex(root, "disk_leases", &l) || l == NULL ||
	    str_or(l, "warning", NULL) == NULL) {
		return;
	}
	printf("WARNING: disk leases off (%s); unleased protected vms:", str_or(l, "warning", ""));
	json_object_object_get_ex(l, "unleased_vms", &vms);
	for (i = 0; vms != NULL && i < json_object_array_length(vms); i++) {
		printf(" %s", json_object_get_string(json_object_array_get_idx(vms, i)));
	}
	printf("%s\n", vms != NULL && json_object_array_length(vms) > 0 ? "" : " none yet");
}

/* "vm health: NAME STATE (N failed pings) ..." for the VMs this host watches */
static void print_vm_health(json_object *root)
{
	json_object *h = NULL;
	json_object *vms = NULL;
	size_t i;

	if (!json_object_object_get_ex(root, "vm_health", &h) || h == NULL ||
	    !json_object_object_get_ex(h, "vms", &vms) || vms == NULL ||
	    json_object_array_length(vms) == 0) {
		return;
	}
	printf("vm health (guest agent pings here):");
	for (i = 0; i < json_object_array_length(vms); i++) {
		json_object *v = json_object_array_get_idx(vms, i);

		printf(" %s %s", str_or(v, "name", "?"), str_or(v, "state", "?"));
		if (int_or(v, "failed_pings", 0) > 0) {
			printf(" (%" PRId64 " failed pings)", int_or(v, "failed_pings", 0));
		}
	}
	printf("\n");
}

static void print_text(json_object *root)
{
	json_object *hosts = NULL;
	json_object *decisions = NULL;
	json_object *quorate = NULL;
	json_object *daemon = NULL;
	size_t i, j;

	json_object_object_get_ex(root, "daemon", &daemon);
	json_object_object_get_ex(root, "quorate", &quorate);
	printf("vmhad on %s (node %" PRId64 "), group '%s', mode %s\n", str_or(root, "self", "?"),
	       int_or(daemon, "nodeid", 0), str_or(daemon, "group", "?"),
	       str_or(daemon, "mode", "?"));
	printf("quorum: %s, ring id: %s\n",
	       quorate != NULL && json_object_get_boolean(quorate) ? "quorate" : "INQUORATE",
	       str_or(root, "ring_id", "none"));
	print_leases(root);
	print_vm_health(root);
	if (json_object_object_get_ex(root, "hosts", &hosts)) {
		printf("\n%-16s %-11s %-8s %5s %15s %5s %-12s %-12s\n", "HOST", "STATE", "HEALTH",
		       "CPUS", "MEM FREE/TOTAL", "VMS", "NETWORK", "STORAGE");
		for (i = 0; i < json_object_array_length(hosts); i++) {
			json_object *h = json_object_array_get_idx(hosts, i);
			json_object *vms = NULL;
			char net[32], sto[32], mem[64];

			age_text(int_or(h, "last_heard_network_ms", -1), net, sizeof(net));
			age_text(int_or(h, "last_heard_storage_ms", -1), sto, sizeof(sto));
			snprintf(mem, sizeof(mem), "%" PRId64 "/%" PRId64 "M",
			         int_or(h, "memory_free_kib", 0) / 1024,
			         int_or(h, "memory_kib", 0) / 1024);
			json_object_object_get_ex(h, "vms", &vms);
			printf("%-16s %-11s %-8s %5" PRId64 " %15s %5zu %-12s %-12s\n",
			       str_or(h, "name", "?"), str_or(h, "state", "?"),
			       str_or(h, "health", "-"), int_or(h, "cpus", 0), mem,
			       vms != NULL ? json_object_array_length(vms) : 0, net, sto);
			for (j = 0; vms != NULL && j < json_object_array_length(vms); j++) {
				json_object *vm = json_object_array_get_idx(vms, j);

				printf("    vm %-24s %-8s %3" PRId64 " vcpus %8" PRId64
				       " MiB  %s\n",
				       str_or(vm, "name", "?"), str_or(vm, "state", "?"),
				       int_or(vm, "vcpus", 0), int_or(vm, "memory_kib", 0) / 1024,
				       str_or(vm, "uuid", "?"));
			}
		}
	}
	if (json_object_object_get_ex(root, "decisions", &decisions) &&
	    json_object_array_length(decisions) > 0) {
		printf("\nrecent decisions:\n");
		for (i = 0; i < json_object_array_length(decisions); i++) {
			json_object *dec = json_object_array_get_idx(decisions, i);
			char age[32];

			age_text(int_or(dec, "age_ms", -1), age, sizeof(age));
			printf("  %s: %s\n", age, str_or(dec, "text", "?"));
		}
	}
}

int vmha_cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"json", no_argument, NULL, 'j'},
	        {"status", required_argument, NULL, 's'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	json_object *root = NULL;
	const char *status_path = NULL;
	bool json = false;
	char *text = NULL;
	char msg[512] = "";
	int rc = VMHA_EXIT_OK;
	int err;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "js:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 's':
			status_path = optarg;
			break;
		case 'h':
			usage(stdout);
			goto out;
		default:
			usage(stderr);
			rc = VMHA_EXIT_USAGE;
			goto out;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vmha status: unexpected argument '%s'\n", argv[optind]);
		rc = VMHA_EXIT_USAGE;
		goto out;
	}
	if (status_path != NULL) {
		root = json_object_from_file(status_path);
		if (root == NULL) {
			fprintf(stderr, "vmha status: cannot read the status JSON '%s'\n",
			        status_path);
			rc = VMHA_EXIT_NO;
			goto out;
		}
	} else {
		err = vmha_status_ask(&text, msg, sizeof(msg));
		if (err < 0) {
			fprintf(stderr, "vmha status: %s\n", msg);
			rc = err == -EPERM ? VMHA_EXIT_USAGE : VMHA_EXIT_NO;
			goto out;
		}
		root = json_tokener_parse(text);
		if (root == NULL) {
			fprintf(stderr, "vmha status: vmhad sent invalid JSON\n");
			rc = VMHA_EXIT_NO;
			goto out;
		}
	}
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(
		                       root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	} else {
		print_text(root);
	}
out:
	json_object_put(root);
	free(text);
	return rc;
}

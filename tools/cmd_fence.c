/* vmha fence NODE [--action off|reboot|on|status] [-c FILE] [--json]: fence a node. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "commands.h"
#include "deadline.h"
#include "fence.h"
#include "fence_config.h"
#include "log.h"
#include "util.h"

#ifndef VMHA_CONFDIR
#define VMHA_CONFDIR "/etc/vmha"
#endif

#define VALIDATE_TIMEOUT_MS 30000

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: vmha fence NODE [--action off|reboot|on|status] [-c FILE] [--timeout DUR] "
	        "[--json]\n"
	        "       vmha fence --check [-c FILE]\n\n"
	        "Fences NODE through the devices of FILE (default %s/fence.conf), level by\n"
	        "level, or through Pacemaker's fencer when Pacemaker runs (mode auto; with\n"
	        "Pacemaker's fencer alone when the default FILE does not exist).\n"
	        "'off' is only reported done once the device's status says off.\n\n"
	        "  -a, --action A    off (default), reboot, on, or status\n"
	        "  -c, --config FILE the fencing configuration\n"
	        "  -t, --timeout DUR give up after DUR in all (default: no limit beyond the\n"
	        "                    devices' own timeouts)\n"
	        "      --check       only validate the configuration against the agents\n"
	        "      --json        one JSON object on standard output\n\n"
	        "Exit status: 0 done and verified, 1 fencing failed, 2 bad input.\n",
	        VMHA_CONFDIR);
}

static json_object *result_json(const struct vmha_fence_result *res)
{
	json_object *obj = json_object_new_object();
	json_object *attempts = json_object_new_array();
	size_t i;

	json_object_object_add(obj, "node", json_object_new_string(vmha_fence_result_node(res)));
	json_object_object_add(
	        obj, "action",
	        json_object_new_string(vmha_fence_action_name(vmha_fence_result_action(res))));
	json_object_object_add(obj, "ok", json_object_new_boolean(vmha_fence_result_ok(res)));
	json_object_object_add(obj, "via", json_object_new_string(vmha_fence_result_via(res)));
	json_object_object_add(
	        obj, "power",
	        json_object_new_string(vmha_fence_power_name(vmha_fence_result_power(res))));
	json_object_object_add(obj, "level",
	                       json_object_new_int((int)vmha_fence_result_level(res)));
	json_object_object_add(obj, "message",
	                       json_object_new_string(vmha_fence_result_message(res)));
	json_object_object_add(obj, "duration_ms",
	                       json_object_new_int64((int64_t)vmha_fence_result_duration_ms(res)));
	for (i = 0; i < vmha_fence_result_attempt_count(res); i++) {
		json_object *a = json_object_new_object();
		json_object_object_add(
		        a, "level",
		        json_object_new_int((int)vmha_fence_result_attempt_level(res, i)));
		json_object_object_add(
		        a, "device",
		        json_object_new_string(vmha_fence_result_attempt_device(res, i)));
		json_object_object_add(
		        a, "action",
		        json_object_new_string(vmha_fence_result_attempt_action(res, i)));
		json_object_object_add(
		        a, "try", json_object_new_int((int)vmha_fence_result_attempt_try(res, i)));
		json_object_object_add(
		        a, "ok", json_object_new_boolean(vmha_fence_result_attempt_ok(res, i)));
		json_object_object_add(
		        a, "outcome",
		        json_object_new_string(vmha_fence_result_attempt_outcome(res, i)));
		json_object_object_add(
		        a, "exit_code",
		        json_object_new_int(vmha_fence_result_attempt_exit_code(res, i)));
		json_object_object_add(
		        a, "duration_ms",
		        json_object_new_int64(
		                (int64_t)vmha_fence_result_attempt_duration_ms(res, i)));
		json_object_object_add(
		        a, "message",
		        json_object_new_string(vmha_fence_result_attempt_message(res, i)));
		json_object_array_add(attempts, a);
	}
	json_object_object_add(obj, "attempts", attempts);
	return obj;
}

static void result_text(const struct vmha_fence_result *res)
{
	size_t i;

	printf("%s: %s %s via %s: %s (%llu ms)\n", vmha_fence_result_ok(res) ? "ok" : "FAILED",
	       vmha_fence_action_name(vmha_fence_result_action(res)), vmha_fence_result_node(res),
	       vmha_fence_result_via(res), vmha_fence_result_message(res),
	       (unsigned long long)vmha_fence_result_duration_ms(res));
	for (i = 0; i < vmha_fence_result_attempt_count(res); i++) {
		printf("  level %u  %-16s %-8s try %u  %-7s %6llu ms  %s\n",
		       vmha_fence_result_attempt_level(res, i),
		       vmha_fence_result_attempt_device(res, i),
		       vmha_fence_result_attempt_action(res, i),
		       vmha_fence_result_attempt_try(res, i),
		       vmha_fence_result_attempt_ok(res, i) ? "ok" : "FAILED",
		       (unsigned long long)vmha_fence_result_attempt_duration_ms(res, i),
		       vmha_fence_result_attempt_message(res, i));
	}
}

static void error_json(const char *message)
{
	json_object *obj = json_object_new_object();

	json_object_object_add(obj, "ok", json_object_new_boolean(0));
	json_object_object_add(obj, "error", json_object_new_string(message));
	printf("%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	json_object_put(obj);
}

int vmha_cmd_fence(int argc, char **argv)
{
	static const struct option options[] = {
	        {"action", required_argument, NULL, 'a'},
	        {"config", required_argument, NULL, 'c'},
	        {"timeout", required_argument, NULL, 't'},
	        {"json", no_argument, NULL, 'j'},
	        {"check", no_argument, NULL, 'k'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct vmha_fence_config *cfg = NULL;
	struct vmha_fence_result *res = NULL;
	enum vmha_fence_action action = VMHA_FENCE_OFF;
	const char *config_path = VMHA_CONFDIR "/fence.conf";
	const char *node = NULL;
	uint64_t deadline_ms = VMHA_DEADLINE_NEVER;
	uint64_t timeout_ms = 0;
	bool json = false;
	bool check = false;
	bool config_given = false;
	bool no_config = false;
	char err[1024] = "";
	int opt;
	int rc = VMHA_EXIT_USAGE;
	int r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "a:c:t:h", options, NULL)) != -1) {
		switch (opt) {
		case 'a':
			if (vmha_fence_action_parse(optarg, &action) != 0) {
				fprintf(stderr,
				        "vmha fence: --action: unknown action '%s' (off, reboot, "
				        "on, "
				        "status)\n",
				        optarg);
				goto out;
			}
			break;
		case 'c':
			config_path = optarg;
			config_given = true;
			break;
		case 't':
			if (vmha_util_parse_duration_ms(optarg, &timeout_ms) != 0 ||
			    timeout_ms == 0) {
				fprintf(stderr, "vmha fence: --timeout: invalid duration '%s'\n",
				        optarg);
				goto out;
			}
			deadline_ms = vmha_deadline_in_ms(timeout_ms);
			break;
		case 'j':
			json = true;
			break;
		case 'k':
			check = true;
			break;
		case 'h':
			usage(stdout);
			rc = VMHA_EXIT_OK;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (!check && optind != argc - 1) {
		fprintf(stderr, "vmha fence: expected one NODE (see 'vmha fence --help')\n");
		goto out;
	}
	if (check && optind != argc) {
		fprintf(stderr, "vmha fence: --check takes no NODE\n");
		goto out;
	}
	node = check ? NULL : argv[optind];
	if (node != NULL && !vmha_util_name_is_valid(node)) {
		fprintf(stderr, "vmha fence: invalid node name '%s'\n", node);
		goto out;
	}
	/* Everything is checked before anything runs. */
	r = vmha_fence_config_load(config_path, &cfg, err, sizeof(err));
	if (r == -ENOENT && !config_given) {
		/* No file of our own: Pacemaker's fencer alone (mode auto, no devices). */
		vmha_info("no '%s': only pacemaker's fencer can be used", config_path);
		no_config = true;
		r = vmha_fence_config_parse("mode auto\n", config_path, &cfg, err, sizeof(err));
	}
	if (r == 0) {
		uint64_t validate_ms = vmha_deadline_in_ms(VALIDATE_TIMEOUT_MS);
		r = vmha_fence_config_validate(
		        cfg, validate_ms < deadline_ms ? validate_ms : deadline_ms, err,
		        sizeof(err));
	}
	if (r != 0) {
		if (json) {
			error_json(err);
		}
		fprintf(stderr, "vmha fence: %s\n", err);
		goto out;
	}
	if (check) {
		printf("%s: %zu devices, valid\n", config_path,
		       vmha_fence_config_device_count(cfg));
		rc = VMHA_EXIT_OK;
		goto out;
	}
	r = vmha_fence_run(cfg, node, action, deadline_ms, &res);
	if (r == -ENOENT && no_config) {
		snprintf(err, sizeof(err),
		         "pacemaker's fencer is not reachable and there is no '%s' to fence '%s' "
		         "with",
		         config_path, node);
	} else if (r == -ENOENT) {
		snprintf(err, sizeof(err), "%s: no level or host line covers node '%s'",
		         config_path, node);
	} else if (r != 0) {
		snprintf(err, sizeof(err), "cannot fence '%s': %s", node, strerror(-r));
	}
	if (r != 0) {
		if (json) {
			error_json(err);
		}
		fprintf(stderr, "vmha fence: %s\n", err);
		rc = r == -ENOENT || r == -EINVAL ? VMHA_EXIT_USAGE : VMHA_EXIT_NO;
		goto out;
	}
	if (json) {
		json_object *obj = result_json(res);
		printf("%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
		json_object_put(obj);
	} else {
		result_text(res);
	}
	rc = vmha_fence_result_ok(res) ? VMHA_EXIT_OK : VMHA_EXIT_NO;
out:
	vmha_fence_result_free(res);
	vmha_fence_config_free(cfg);
	return rc;
}

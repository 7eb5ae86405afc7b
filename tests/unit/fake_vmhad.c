/*
 * A stand-in for vmhad's ipc server, for tests/integration/host-cli.test
 * (not a unit test: run without arguments it does nothing and exits 0).
 *
 *   fake_vmhad STATUS_FILE SECONDS [ignore]
 *
 * Serves the service named by VMHA_IPC_SERVICE for SECONDS: every status
 * request gets STATUS_FILE as it is then; the commands "standby NODE" and
 * "online NODE" set NODE's state in STATUS_FILE, as the group would once the
 * message is delivered (with "ignore": accepted but never applied, a vmhad
 * that does not answer).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <qb/qbloop.h>

#include "heartbeat/ipc.h"
#include "log.h"
#include "util.h"

static const char *status_path;
static bool ignore;

static char *file_status(void *opaque)
{
	json_object *o = json_object_from_file(status_path);
	char *text = NULL;

	(void)opaque;
	if (o != NULL) {
		text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	}
	json_object_put(o);
	return text;
}

static int on_command(void *opaque, const char *text, char *reply, size_t reply_size)
{
	json_object *o = json_object_from_file(status_path);
	json_object *hosts = NULL;
	const char *node = strchr(text, ' ');
	bool standby = strncmp(text, "standby ", 8) == 0;
	size_t i;
	int rc = -EINVAL;

	(void)opaque;
	if (node == NULL || (!standby && strncmp(text, "online ", 7) != 0) || o == NULL) {
		snprintf(reply, reply_size, "unknown command");
		goto out;
	}
	node++;
	rc = 0;
	snprintf(reply, reply_size, "published to the group");
	if (ignore || !json_object_object_get_ex(o, "hosts", &hosts)) {
		goto out;
	}
	for (i = 0; i < json_object_array_length(hosts); i++) {
		json_object *h = json_object_array_get_idx(hosts, i);
		json_object *name = NULL;

		if (json_object_object_get_ex(h, "name", &name) &&
		    strcmp(json_object_get_string(name), node) == 0) {
			json_object_object_add(
			        h, "state", json_object_new_string(standby ? "standby" : "online"));
		}
	}
	json_object_to_file(status_path, o);
out:
	json_object_put(o);
	return rc;
}

static void on_timer(void *data)
{
	qb_loop_stop(data);
}

int main(int argc, char **argv)
{
	struct vmha_ipc *ipc = NULL;
	qb_loop_timer_handle timer;
	qb_loop_t *loop = NULL;
	uint64_t seconds = 0;
	int rc = 0;

	if (argc == 1) {
		printf("fake_vmhad: no arguments, nothing to do\n");
		return 0;
	}
	if (argc < 3 || argc > 4 || vmha_util_parse_u64(argv[2], &seconds) != 0 || seconds > 3600 ||
	    (argc == 4 && strcmp(argv[3], "ignore") != 0)) {
		fprintf(stderr, "usage: fake_vmhad STATUS_FILE SECONDS [ignore]\n");
		return 2;
	}
	status_path = argv[1];
	ignore = argc == 4;
	vmha_log_init("fake_vmhad", VMHA_LOG_TO_STDERR);
	loop = qb_loop_create();
	if (loop == NULL) {
		return 1;
	}
	ipc = vmha_ipc_new(loop, file_status, NULL, &rc);
	if (ipc == NULL) {
		fprintf(stderr, "fake_vmhad: cannot serve: %s\n", strerror(-rc));
		qb_loop_destroy(loop);
		return 1;
	}
	vmha_ipc_set_command(ipc, on_command, NULL);
	printf("serving\n");
	fflush(stdout);
	qb_loop_timer_add(loop, QB_LOOP_HIGH, seconds * 1000000000ULL, loop, on_timer, &timer);
	qb_loop_run(loop);
	vmha_ipc_free(ipc);
	qb_loop_destroy(loop);
	vmha_log_fini();
	return 0;
}

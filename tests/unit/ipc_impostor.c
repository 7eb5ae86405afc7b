/*
 * Serves vmhad's ipc protocol with a made-up status, for
 * tests/integration/ipc-impostor.test (not a unit test: run without
 * arguments it does nothing and exits 0).
 *
 *   ipc_impostor SECONDS
 *
 * Serves the service named by VMHA_IPC_SERVICE (heartbeat/ipc_client.h) for
 * SECONDS, answering every status request with a status that says "all is
 * well, no VM runs anywhere". Run as an unprivileged user it is the
 * impostor that `vmha status` must refuse.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qb/qbloop.h>

#include "heartbeat/ipc.h"
#include "log.h"
#include "util.h"

static char *fake_status(void *opaque)
{
	(void)opaque;
	return strdup("{\"self\":\"h1\",\"quorate\":true,\"hosts\":[],\"failover\":[]}");
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
		printf("ipc_impostor: no arguments, nothing to do\n");
		return 0;
	}
	if (argc != 2 || vmha_util_parse_u64(argv[1], &seconds) != 0 || seconds > 3600) {
		fprintf(stderr, "usage: ipc_impostor SECONDS\n");
		return 2;
	}
	vmha_log_init("ipc_impostor", VMHA_LOG_TO_STDERR);
	loop = qb_loop_create();
	if (loop == NULL) {
		return 1;
	}
	ipc = vmha_ipc_new(loop, fake_status, NULL, &rc);
	if (ipc == NULL) {
		fprintf(stderr, "ipc_impostor: cannot serve: %s\n", strerror(-rc));
		qb_loop_destroy(loop);
		return 1;
	}
	printf("serving\n");
	fflush(stdout);
	qb_loop_timer_add(loop, QB_LOOP_HIGH, seconds * 1000000000ULL, loop, on_timer, &timer);
	qb_loop_run(loop);
	vmha_ipc_free(ipc);
	qb_loop_destroy(loop);
	vmha_log_fini();
	return 0;
}

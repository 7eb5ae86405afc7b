/*
 * Unit tests of heartbeat/ipc.c, vmhad's status server, with the CLI's
 * client (vmha_status_ask() of tools/cmd_status.c) in a child process: the
 * status text arrives whole, a second request works, a failing status
 * callback becomes an error, and a second server is refused.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <qb/qbloop.h>

#include "heartbeat/ipc.h"
#include "heartbeat/ipc_client.h"
#include "tools/commands.h"

#define STATUS_TEXT "{\"self\":\"h1\",\"quorate\":true}"

struct server {
	qb_loop_t *loop;
	pid_t child;
	int child_status;
	bool fail;
};

static char *status_fn(void *opaque)
{
	struct server *s = opaque;

	return s->fail ? NULL : strdup(STATUS_TEXT);
}

/* Stop the loop once the child has exited (or after about 20 s). */
static void poll_child(void *data)
{
	static int ticks;
	struct server *s = data;

	if (waitpid(s->child, &s->child_status, WNOHANG) == s->child || ++ticks > 2000) {
		qb_loop_stop(s->loop);
		return;
	}
	qb_loop_timer_add(s->loop, QB_LOOP_LOW, 10 * 1000 * 1000ULL, s, poll_child, NULL);
}

/* Child: ask twice; exit 0 when the answers are as expected. */
static int ask(int expect_rc)
{
	struct vmha_ipc_peer peer;
	int prc;
	int i;

	/* the server's credentials: the parent's, whoever may ask for the status */
	prc = vmha_ipc_client_peer(&peer);
	if (prc != 0 || peer.pid != getppid() || peer.uid != getuid()) {
		fprintf(stderr, "peer: rc %d, pid %d (parent %d), uid %d\n", prc, (int)peer.pid,
		        (int)getppid(), (int)peer.uid);
		return 1;
	}

	for (i = 0; i < 2; i++) {
		char *text = NULL;
		char err[512];
		int rc = vmha_status_ask(&text, err, sizeof(err));

		if (rc != expect_rc || (rc == 0 && strcmp(text, STATUS_TEXT) != 0)) {
			fprintf(stderr, "ask %d: rc %d, text '%s'\n", i, rc,
			        text != NULL ? text : "");
			free(text);
			return 1;
		}
		free(text);
	}
	return 0;
}

static void serve(struct server *s, int expect_rc)
{
	s->child = fork();
	assert_true(s->child >= 0);
	if (s->child == 0) {
		exit(ask(expect_rc));
	}
	qb_loop_timer_add(s->loop, QB_LOOP_LOW, 10 * 1000 * 1000ULL, s, poll_child, NULL);
	qb_loop_run(s->loop);
	assert_true(WIFEXITED(s->child_status));
	assert_int_equal(WEXITSTATUS(s->child_status), 0);
}

static void test_status_round_trip(void **state)
{
	struct server s = {.loop = qb_loop_create()};
	struct vmha_ipc *ipc;
	struct vmha_ipc *second;
	int rc = 0;

	(void)state;
	assert_non_null(s.loop);
	ipc = vmha_ipc_new(s.loop, status_fn, &s, &rc);
	if (ipc == NULL && rc == -EADDRINUSE) {
		qb_loop_destroy(s.loop);
		skip(); /* a vmhad already serves 'vmhad' in this network namespace */
	}
	assert_non_null(ipc);
	assert_int_equal(rc, 0);
	/* one server per process */
	second = vmha_ipc_new(s.loop, status_fn, &s, &rc);
	assert_null(second);
	assert_int_equal(rc, -EINVAL);

	serve(&s, getuid() == 0 ? 0 : -EACCES);
	s.fail = true;
	serve(&s, getuid() == 0 ? -ENOMEM : -EACCES);
	vmha_ipc_free(ipc);
	vmha_ipc_free(NULL);
	qb_loop_destroy(s.loop);
}

static void test_no_server(void **state)
{
	char *text = NULL;
	char err[512] = "";
	struct vmha_ipc_peer peer;

	(void)state;
	/* with no server, the client says so instead of hanging */
	if (vmha_status_ask(&text, err, sizeof(err)) == 0) {
		free(text);
		skip(); /* a vmhad runs in this network namespace */
	}
	assert_null(text);
	assert_non_null(strstr(err, "cannot reach vmhad"));
	assert_true(vmha_ipc_client_peer(&peer) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_no_server),
	        cmocka_unit_test(test_status_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * A process that is not vmhad, for tests/integration/failover-forged.test
 * (not a unit test: run without arguments it does nothing and exits 0).
 *
 *   cpg_forge GROUP MESSAGE...
 *
 * Joins the Corosync CPG group GROUP, waits until its own join is
 * delivered, multicasts each MESSAGE (as text, with its NUL), waits 500 ms
 * and leaves. Prints "sent N". Exits 1 on any corosync error.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <corosync/cpg.h>

static bool joined;
static uint32_t my_pid;

static void on_deliver(cpg_handle_t h, const struct cpg_name *g, uint32_t nodeid, uint32_t pid,
                       void *msg, size_t len)
{
	(void)h;
	(void)g;
	(void)nodeid;
	(void)pid;
	(void)msg;
	(void)len;
}

static void on_confchg(cpg_handle_t h, const struct cpg_name *g, const struct cpg_address *members,
                       size_t n_members, const struct cpg_address *left, size_t n_left,
                       const struct cpg_address *j, size_t n_joined)
{
	size_t i;

	(void)h;
	(void)g;
	(void)members;
	(void)n_members;
	(void)left;
	(void)n_left;
	for (i = 0; i < n_joined; i++) {
		if (j[i].pid == my_pid) {
			joined = true;
		}
	}
}

int main(int argc, char **argv)
{
	cpg_callbacks_t cb = {.cpg_deliver_fn = on_deliver, .cpg_confchg_fn = on_confchg};
	cpg_handle_t h = 0;
	struct cpg_name group;
	int i;
	int tries;
	int sent = 0;
	int rc = 1;

	if (argc < 3) {
		return 0;
	}
	my_pid = (uint32_t)getpid();
	if (strlen(argv[1]) >= sizeof(group.value)) {
		fprintf(stderr, "cpg_forge: group name too long\n");
		return 1;
	}
	group.length = (uint32_t)strlen(argv[1]);
	memcpy(group.value, argv[1], group.length);
	if (cpg_initialize(&h, &cb) != CS_OK || cpg_join(h, &group) != CS_OK) {
		fprintf(stderr, "cpg_forge: cannot join group '%s'\n", argv[1]);
		return 1;
	}
	for (tries = 0; tries < 100 && !joined; tries++) {
		cpg_dispatch(h, CS_DISPATCH_ALL);
		usleep(20000);
	}
	if (!joined) {
		fprintf(stderr, "cpg_forge: join not delivered\n");
		goto out;
	}
	for (i = 2; i < argc; i++) {
		struct iovec iov = {.iov_base = argv[i], .iov_len = strlen(argv[i]) + 1};

		for (tries = 0; tries < 100; tries++) {
			cs_error_t err = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1);

			if (err == CS_OK) {
				sent++;
				break;
			}
			if (err != CS_ERR_TRY_AGAIN) {
				fprintf(stderr, "cpg_forge: cannot send: error %d\n", err);
				goto out;
			}
			usleep(20000);
		}
	}
	for (tries = 0; tries < 25; tries++) {
		cpg_dispatch(h, CS_DISPATCH_ALL);
		usleep(20000);
	}
	printf("sent %d\n", sent);
	rc = sent == argc - 2 ? 0 : 1;
out:
	cpg_leave(h, &group);
	cpg_finalize(h);
	return rc;
}

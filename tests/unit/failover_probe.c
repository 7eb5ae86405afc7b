/*
 * The "never twice" probe of tests/integration/failover-*.test (not a unit
 * test: run without arguments it does nothing and exits 0).
 *
 *   failover_probe URI INTERVAL_MS DURATION_MS
 *
 * Keeps one libvirt connection open and lists the active domains every
 * INTERVAL_MS on an absolute monotonic schedule (a slow sample does not push
 * the later ones back), for DURATION_MS or until SIGTERM. Per sample it
 * prints one line per active domain, "EPOCH_MS NAME", then
 * "T EPOCH_MS TOOK_MS" (wall clock, comparable between the lab's nodes; how
 * long the listing took). A sample whose listing fails prints
 * "E EPOCH_MS message". Output is flushed after every sample.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "deadline.h"
#include "util.h"

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static uint64_t epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void quiet(void *opaque, virErrorPtr err)
{
	(void)opaque;
	(void)err;
}

static void sample(virConnectPtr conn)
{
	virDomainPtr *doms = NULL;
	uint64_t t0 = vmha_clock_now_ms();
	uint64_t at;
	int n;
	int i;

	n = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	at = epoch_ms();
	if (n < 0) {
		virErrorPtr e = virGetLastError();

		printf("E %llu %s\n", (unsigned long long)at,
		       e != NULL && e->message != NULL ? e->message : "listing failed");
	}
	for (i = 0; i < n; i++) {
		printf("%llu %s\n", (unsigned long long)at, virDomainGetName(doms[i]));
		virDomainFree(doms[i]);
	}
	free(doms);
	printf("T %llu %llu\n", (unsigned long long)at,
	       (unsigned long long)(vmha_clock_now_ms() - t0));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	virConnectPtr conn = NULL;
	uint64_t interval_ms = 0;
	uint64_t duration_ms = 0;
	uint64_t start;
	uint64_t next;
	struct timespec ts;

	if (argc == 1) {
		return 0;
	}
	if (argc != 4 || vmha_util_parse_u64(argv[2], &interval_ms) != 0 || interval_ms == 0 ||
	    vmha_util_parse_u64(argv[3], &duration_ms) != 0) {
		fprintf(stderr, "usage: failover_probe URI INTERVAL_MS DURATION_MS\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	virSetErrorFunc(NULL, quiet);
	conn = virConnectOpen(argv[1]);
	if (conn == NULL) {
		fprintf(stderr, "failover_probe: cannot connect to '%s'\n", argv[1]);
		return 1;
	}
	start = vmha_clock_now_ms();
	next = start;
	while (!stopping && vmha_clock_now_ms() - start < duration_ms) {
		sample(conn);
		next += interval_ms;
		ts.tv_sec = (time_t)(next / 1000);
		ts.tv_nsec = (long)(next % 1000) * 1000000L;
		while (!stopping &&
		       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
		}
		if (vmha_clock_now_ms() > next + interval_ms) {
			/* far behind (the machine stalled): resume the cadence from now */
			next = vmha_clock_now_ms();
		}
	}
	virConnectClose(conn);
	return 0;
}

/*
 * Drives the self-fence against a real libvirtd, for
 * tests/integration/fencing-selffence.test (not a unit test: run without
 * arguments it does nothing and exits 0).
 *
 *   selffence_live URI NODE SLOT DELAY_MS RESTART_DELAY_MS WATCHDOG VM[,VM...]
 *
 * Feeds the watchdog while quorate for a moment, then declares quorum lost
 * and runs the quorum-loss timer on the monotonic clock, feeding the
 * watchdog until the self-fence falls due, then destroys the VMs and
 * records it. Prints "lost_to_fenced_ms=N feeds=N" and exits 0 when every VM
 * is verified stopped before RESTART_DELAY_MS.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "deadline.h"
#include "log.h"
#include "selffence.h"
#include "util.h"
#include "watchdog.h"

#define MAX_VMS 16
#define TICK_MS 100

int main(int argc, char **argv)
{
	struct vmha_selffence *sf = NULL;
	struct vmha_watchdog *wd = NULL;
	struct vmha_virt *conn = NULL;
	const char *vms[MAX_VMS];
	char *list = NULL;
	char *save = NULL;
	char *p = NULL;
	size_t n = 0;
	uint64_t delay_ms = 0, restart_ms = 0, lost_ms = 0, fenced_ms = 0, now;
	int rc = 1;

	if (argc == 1) {
		printf("selffence_live: no arguments, nothing to do\n");
		return 0;
	}
	vmha_log_init("selffence_live", VMHA_LOG_TO_STDERR);
	if (argc != 8 || vmha_util_parse_u64(argv[4], &delay_ms) != 0 ||
	    vmha_util_parse_u64(argv[5], &restart_ms) != 0) {
		fprintf(stderr, "usage: selffence_live URI NODE SLOT DELAY_MS RESTART_DELAY_MS "
		                "WATCHDOG VM[,VM...]\n");
		goto out;
	}
	if (vmha_selffence_check_delay(delay_ms, restart_ms) != 0) {
		fprintf(stderr, "self-fence delay %s ms is not shorter than the restart delay\n",
		        argv[4]);
		goto out;
	}
	list = strdup(argv[7]);
	for (p = strtok_r(list, ",", &save); p != NULL && n < MAX_VMS;
	     p = strtok_r(NULL, ",", &save)) {
		vms[n++] = p;
	}
	/* libvirtd may be dead: the self-fence must work without it. */
	if (vmha_virt_open(argv[1], 0, vmha_deadline_in_ms(5000), &conn) < 0) {
		fprintf(stderr, "cannot connect to '%s': going on without libvirt\n", argv[1]);
	}
	sf = vmha_selffence_new(delay_ms);
	if (sf == NULL || vmha_watchdog_open(argv[6], 0, &wd) != 0) {
		fprintf(stderr, "cannot open watchdog '%s'\n", argv[6]);
		goto out;
	}
	/* Healthy and quorate for a moment. */
	for (now = vmha_clock_now_ms(); vmha_clock_now_ms() < now + 3 * TICK_MS;) {
		vmha_selffence_set_quorate(sf, true, vmha_clock_now_ms());
		vmha_watchdog_feed(wd);
		usleep(TICK_MS * 1000);
	}
	lost_ms = vmha_clock_now_ms();
	vmha_selffence_set_quorate(sf, false, lost_ms);
	for (;;) {
		now = vmha_clock_now_ms();
		if (vmha_selffence_due(sf, now)) {
			break;
		}
		if (vmha_selffence_may_feed_watchdog(sf, now)) {
			vmha_watchdog_feed(wd);
		}
		usleep(TICK_MS * 1000);
	}
	if (vmha_selffence_execute(sf, conn, argv[2], vms, n, argv[3]) != 0) {
		fprintf(stderr, "self-fence failed\n");
		goto out;
	}
	fenced_ms = vmha_clock_now_ms();
	printf("lost_to_fenced_ms=%llu feeds=%lu\n", (unsigned long long)(fenced_ms - lost_ms),
	       vmha_watchdog_feed_count(wd));
	rc = fenced_ms - lost_ms < restart_ms ? 0 : 1;
out:
	vmha_watchdog_close(wd, false);
	vmha_selffence_free(sf);
	vmha_virt_free(conn);
	free(list);
	vmha_log_fini();
	return rc;
}

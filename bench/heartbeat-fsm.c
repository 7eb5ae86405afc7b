/*
 * bench/heartbeat-fsm: the cost of vmhad's state machine with synthetic
 * traffic. HOSTS hosts announce VMS VMs each every 2 s of virtual time, with
 * a storage reading per host every second, for SECONDS of virtual time; the
 * same messages are also only decoded (the codec alone) to split the cost.
 * Prints CPU time per announcement and the CPU share this is at the real
 * rate. Built and run by bench/heartbeat-fsm.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "heartbeat/msg.h"
#include "heartbeat/view.h"

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned int hosts = argc > 1 ? (unsigned int)atoi(argv[1]) : 3;
	unsigned int vms = argc > 2 ? (unsigned int)atoi(argv[2]) : 100;
	unsigned int seconds = argc > 3 ? (unsigned int)atoi(argv[3]) : 3600;
	struct vmha_view_config c = {.self_name = "h1",
	                             .storage_enabled = true,
	                             .storage_timeout_ms = 5000,
	                             .silence_timeout_ms = 6000};
	struct vmha_view *view = vmha_view_new(&c);
	struct vmha_member members[64];
	struct vmha_view_action act;
	char **msgs = NULL;
	size_t *lens = NULL;
	uint64_t announcements = 0;
	double t0, t1, t2;
	unsigned int h, v, t;

	if (view == NULL || hosts == 0 || hosts > 64 || vms > VMHA_MSG_MAX_VMS) {
		fprintf(stderr, "usage: heartbeat-fsm [HOSTS<=64] [VMS<=1024] [SECONDS]\n");
		return 2;
	}
	vmha_view_set_self_nodeid(view, 1);
	msgs = calloc(hosts * 2, sizeof(*msgs));
	lens = calloc(hosts * 2, sizeof(*lens));
	for (h = 0; h < hosts; h++) {
		members[h].nodeid = h + 1;
		members[h].pid = 1000 + h;
		members[h].reason = VMHA_REASON_JOIN;
	}
	vmha_view_ring(view, 0, 1, 4, &members[0].nodeid, 0);
	vmha_view_confchg(view, 0, members, hosts, NULL, 0, members, hosts);
	vmha_view_quorum(view, 0, true);
	t0 = cpu_s();
	for (t = 0; t < seconds; t++) {
		uint64_t now = (uint64_t)t * 1000;

		for (h = 0; h < hosts; h++) {
			char name[16];

			snprintf(name, sizeof(name), "h%u", h + 1);
			vmha_view_storage(view, now, name, 7, t, VMHA_SLOT_QUORATE);
			if (t % 2 == 0) {
				struct vmha_announce a = {0};
				char *buf = NULL;
				size_t len = 0;

				snprintf(a.host, sizeof(a.host), "%s", name);
				a.incarnation = 7;
				a.seq = t / 2 + 1;
				a.cpus = 32;
				a.memory_kib = 268435456;
				a.memory_free_kib = 134217728 - t;
				a.n_vms = vms;
				a.vms = calloc(vms + 1, sizeof(*a.vms));
				for (v = 0; v < vms; v++) {
					snprintf(a.vms[v].name, sizeof(a.vms[v].name), "h%u-vm%04u",
					         h + 1, v);
					snprintf(a.vms[v].uuid, sizeof(a.vms[v].uuid),
					         "00000000-0000-4000-8000-%04x%08x", h, v);
					a.vms[v].vcpus = 2;
					a.vms[v].memory_kib = 2097152;
				}
				/* the encoding is the sender's cost: counted too */
				vmha_msg_encode(&a, &buf, &len);
				vmha_view_message(view, now, h + 1, 1000 + h, buf, len);
				free(msgs[h]);
				msgs[h] = buf;
				lens[h] = len;
				free(a.vms);
				announcements++;
			}
		}
		vmha_view_tick(view, now);
		while (vmha_view_next_action(view, &act)) {
		}
	}
	t1 = cpu_s();
	for (t = 0; t < announcements; t++) {
		struct vmha_announce a;
		char err[128];

		vmha_msg_decode(msgs[t % hosts], lens[t % hosts], &a, err, sizeof(err));
		vmha_msg_announce_clear(&a);
	}
	t2 = cpu_s();
	printf("heartbeat-fsm: %u hosts x %u vms, %u s of virtual time, %" PRIu64
	       " announcements of %zu bytes\n",
	       hosts, vms, seconds, announcements, lens[0]);
	printf("  state machine + codec: %.1f us per announcement, %.4f %% of one cpu at the real "
	       "rate\n",
	       (t1 - t0) * 1e6 / (double)announcements, 100.0 * (t1 - t0) / seconds);
	printf("  decoding alone:        %.1f us per announcement\n",
	       (t2 - t1) * 1e6 / (double)announcements);
	for (h = 0; h < hosts; h++) {
		free(msgs[h]);
	}
	free(msgs);
	free(lens);
	vmha_view_free(view);
	return 0;
}

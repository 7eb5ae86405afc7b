/*
 * Replays the event scripts (<case>.fo-events) of tests/failover through the failover coordinator
 * (heartbeat/failover.c) on several fake hosts, every one fed the same
 * ordered inputs (as CPG would deliver them), and compares the action log
 * with the expected one (diff -u on failure; VMHA_REGENERATE=1 rewrites it).
 *
 * tests/failover/cases.list: one line per case, "name description".
 * Every SEND action of an observer is multicast: encoded, decoded and
 * delivered to every observer in one order with that observer as the sender,
 * after the command that caused it (unless "hold on" keeps them queued).
 * Every observer starts quorate, with a fence device.
 * Commands (one per line, '#' comments):
 *   observers H... [no-fence-device] [restart-delay=MS] [max-hosts=N]   hosts that run a
 *      [max-restart=N] [max-relocate=N] [start-grace=MS]   coordinator (and its settings)
 *   host H cpus=N memory=MIB [vms=NAME[:VCPUS:MIB],...] [health=degraded] [inc=N] [seq=N]
 *      [watchdog=MS] [self-fence-delay=MS] [fence-device] [standby] [synced]
 *                                  H's announcement (incarnation, seq: of its vmhad;
 *                                  its safety settings when any of watchdog=,
 *                                  self-fence-delay=, fence-device is given; whether
 *                                  it holds the table: an observer's as its engine
 *                                  says, another host's only when synced is given)
 *   vm NAME cpu=N memory=MIB [priority=P] [restart=never] [group=G] [allowed=H,...]
 *      [preferred=H,...] [desired=started|stopped|disabled] [only=H,...]
 *                                  the registry (only=: in these observers' snapshots only)
 *   cluster H...                   corosync's nodelist: the cluster's hosts
 *   registry-read N                N registry snapshots applied on every observer
 *   unprotect VM                   VM left the registry
 *   join H                         a fresh vmhad on H (no history; the registry's VMs) observes;
 *                                  its view has not heard the members (itself too) until
 *                                  each announces
 *   leave H                        H left the membership (offline in every observer's view)
 *   joining H                      H is a member again (nodeup) and has not announced yet
 *   down H [only=H2,...]           H left; every observer's view (or only those) says down
 *   view-down H only=H2,...        only these observers' views say H is down (still a member
 *                                  elsewhere: timers differ)
 *   self-fenced-slot H             every observer reads a fresh self-fenced slot of H
 *   fence-ok H [TEXT] / fence-fail H [TEXT]   the coordinator's fence of H ended
 *   quorum yes|no [H...]           quorum of these observers (default all)
 *   membership [only=H,...]        a membership change: quorum unknown until the next quorum
 *   self-fence H yes|no            observer H fenced itself (or not any more)
 *   unheard H N                    observer H's view knows N members of its configuration
 *                                  by nodeid alone (not heard since its vmhad joined;
 *                                  set by hand from now on)
 *   unclear H H2 yes|no            observer H's view holds host H2 unclear or alarming
 *   tick MS                        the virtual clock advances by MS; every observer ticks
 *   hold on|off                    keep multicast messages queued / deliver them as they come
 *   flush                          deliver the queued messages now
 *   fenced H [TEXT] [from=S]       CPG message "fenced" (S: the sending host, "-" for a
 *                                  process that is not vmhad; default the coordinator)
 *   assign VM H [TEXT] [from=S]    CPG message "assign"
 *   start VM H ok|fail [TEXT] [from=S]   CPG message "start" (default sender H)
 *   raw TEXT                       a raw CPG message (codec check)
 *   coordinator                    each observer's coordinator
 *   show                           each observer's VM table
 *   expect-same                    all observers' tables are identical
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>

#include <cmocka.h>

#include "cases_list.h"

#include "heartbeat/failover.h"
#include "heartbeat/msg.h"
#include "planner/model.h"
#include "util.h"

#ifndef FO_SCENARIO_DIR
#error "FO_SCENARIO_DIR must name tests/failover"
#endif

#define MAX_OBS   8
#define MAX_SPECS 64
#define MAX_WIRE  256
#define MAX_HOSTS 32
/* deliveries one drain may make before the case fails as a livelock */
#define MAX_DELIVERIES 100000

struct wire_msg {
	char sender[VMHA_NAME_SIZE];
	struct vmha_failover_msg m;
};

struct replay {
	size_t n_obs;
	char names[MAX_OBS][VMHA_NAME_SIZE];
	struct vmha_failover *fo[MAX_OBS];
	struct vmha_failover_config config;
	/* registry snapshots applied so far ("registry-read") */
	uint64_t registry_gen;
	/* the registry so far, for observers that join later */
	size_t n_specs;
	struct vmha_failover_vm specs[MAX_SPECS];
	char spec_only[MAX_SPECS][256];
	/* multicast messages not delivered yet, in CPG order */
	size_t n_wire;
	struct wire_msg wire[MAX_WIRE];
	bool hold;
	/* hosts that announced and did not leave since (CPG members) */
	size_t n_online;
	char online[MAX_HOSTS][VMHA_NAME_SIZE];
	/* per observer that joined: the members its view has not heard yet (as
	 * vmhad's view: itself too); "unheard" sets the count by hand instead */
	bool tracking[MAX_OBS];
	size_t n_unheard[MAX_OBS];
	char unheard[MAX_OBS][MAX_HOSTS][VMHA_NAME_SIZE];
	uint64_t now_ms;
	FILE *log;
	char *log_buf;
	size_t log_len;
	const char *file;
	unsigned int line;
};

static void fail_at(struct replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail_at(struct replay *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("%s:%u: %s", r->file, r->line, msg);
}

static const char *kind_name(enum vmha_failover_action_kind k)
{
	switch (k) {
	case VMHA_FAILOVER_EVENT:
		return "event";
	case VMHA_FAILOVER_FENCE:
		return "FENCE";
	case VMHA_FAILOVER_START:
		return "START";
	case VMHA_FAILOVER_STRANDED:
		return "STRANDED";
	case VMHA_FAILOVER_SEND:
		return "SEND";
	}
	return "?";
}

static bool csv_lists(const char *csv, const char *name)
{
	char buf[256];
	char *save = NULL;
	char *tok = NULL;

	snprintf(buf, sizeof(buf), "%s", csv);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, name) == 0) {
			return true;
		}
	}
	return false;
}

static void deliver(struct replay *r, const char *sender, const struct vmha_failover_msg *m);

/* Log every observer's actions; queue what they multicast; deliver it unless held. */
static void drain(struct replay *r)
{
	struct vmha_failover_action a;
	size_t delivered = 0;
	size_t i;

	for (;;) {
		for (i = 0; i < r->n_obs; i++) {
			while (vmha_failover_next_action(r->fo[i], &a)) {
				fprintf(r->log, "%s %s %s\n", r->names[i], kind_name(a.kind),
				        a.text);
				if (a.kind != VMHA_FAILOVER_SEND) {
					continue;
				}
				if (r->n_wire == MAX_WIRE) {
					fail_at(r, "more than %d messages in flight", MAX_WIRE);
				}
				snprintf(r->wire[r->n_wire].sender, VMHA_NAME_SIZE, "%s",
				         r->names[i]);
				r->wire[r->n_wire].m = a.msg;
				r->n_wire++;
			}
		}
		if (r->hold || r->n_wire == 0) {
			return;
		}
		{
			struct wire_msg w = r->wire[0];

			/* members that answer each other for ever never settle: a failure, not a hang */
			if (++delivered > MAX_DELIVERIES) {
				fail_at(r,
				        "no quiet after %d deliveries: the members keep answering "
				        "each other",
				        MAX_DELIVERIES);
			}
			memmove(&r->wire[0], &r->wire[1], (r->n_wire - 1) * sizeof(r->wire[0]));
			r->n_wire--;
			fprintf(r->log, "~ deliver %s %s %s from %s\n", w.m.type, w.m.host, w.m.vm,
			        w.sender);
			deliver(r, w.sender, &w.m);
		}
	}
}

static char *table(struct replay *r, size_t i)
{
	json_object *o = vmha_failover_to_json(r->fo[i]);
	char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));

	json_object_put(o);
	return s;
}

static void parse_vms(struct replay *r, const char *list, struct vmha_announce *a)
{
	char buf[1024];
	char *save = NULL;
	char *tok = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		struct vmha_vm_info *vi = NULL;
		unsigned int vcpus = 1;
		unsigned long mib = 256;
		char *colon = strchr(tok, ':');

		a->vms = realloc(a->vms, (a->n_vms + 1) * sizeof(*a->vms));
		assert_non_null(a->vms);
		vi = &a->vms[a->n_vms++];
		memset(vi, 0, sizeof(*vi));
		if (colon != NULL) {
			*colon = '\0';
			if (sscanf(colon + 1, "%u:%lu", &vcpus, &mib) != 2) {
				fail_at(r, "vms: '%s' is not NAME:VCPUS:MIB", tok);
			}
		}
		snprintf(vi->name, sizeof(vi->name), "%s", tok);
		vi->state = VMHA_VM_RUNNING;
		vi->vcpus = vcpus;
		vi->memory_kib = (uint64_t)mib * 1024;
	}
}

/* Through the codec, as CPG would carry it, to every observer in turn. */
static void deliver(struct replay *r, const char *sender, const struct vmha_failover_msg *m)
{
	char *buf = NULL;
	size_t len = 0;
	struct vmha_failover_msg back;
	char err[256];
	size_t i;
	int rc;

	rc = vmha_failover_msg_encode(m, &buf, &len);
	if (rc < 0) {
		fail_at(r, "cannot encode: %s", strerror(-rc));
	}
	rc = vmha_failover_msg_decode(buf, len, &back, err, sizeof(err));
	free(buf);
	if (rc < 0) {
		fail_at(r, "cannot decode: %s", err);
	}
	for (i = 0; i < r->n_obs; i++) {
		rc = vmha_failover_message(r->fo[i], r->now_ms, sender, &back);
		if (rc < 0) {
			fprintf(r->log, "%s message rc=%d\n", r->names[i], rc);
		}
	}
}

static ssize_t obs_index(const struct replay *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_obs; i++) {
		if (strcmp(r->names[i], name) == 0) {
			return (ssize_t)i;
		}
	}
	return -1;
}

static struct vmha_failover *new_observer(struct replay *r, const char *name)
{
	struct vmha_failover_config c = r->config;
	struct vmha_failover *fo = NULL;
	size_t k;

	c.self_name = name;
	fo = vmha_failover_new(&c);
	assert_non_null(fo);
	vmha_failover_set_quorum(fo, true);
	for (k = 0; k < r->n_specs; k++) {
		if (r->spec_only[k][0] == '\0' || csv_lists(r->spec_only[k], name)) {
			assert_int_equal(vmha_failover_protect(fo, &r->specs[k]), 0);
		}
	}
	return fo;
}

/* "from=S" among the arguments: the sender (NULL for "-"); dflt otherwise. */
static const char *sender_arg(char **args, size_t *n, const char *dflt)
{
	size_t k;

	for (k = 0; k < *n; k++) {
		if (strncmp(args[k], "from=", 5) == 0) {
			const char *s = args[k] + 5;

			args[k] = args[*n - 1];
			(*n)--;
			return strcmp(s, "-") == 0 ? NULL : s;
		}
	}
	return dflt;
}

static void message_cmd(struct replay *r, const char *type, char **args, size_t n)
{
	struct vmha_failover_msg m;
	const char *c = r->n_obs > 0 ? vmha_failover_coordinator(r->fo[0]) : NULL;
	char dflt[VMHA_NAME_SIZE];
	const char *sender = NULL;

	snprintf(dflt, sizeof(dflt), "%s", c != NULL ? c : "");
	memset(&m, 0, sizeof(m));
	snprintf(m.type, sizeof(m.type), "%s", type);
	if (strcmp(type, "fenced") == 0) {
		sender = sender_arg(args, &n, dflt);
		snprintf(m.host, sizeof(m.host), "%s", args[1]);
		snprintf(m.text, sizeof(m.text), "%s", n > 2 ? args[2] : "agents");
	} else if (strcmp(type, "assign") == 0) {
		sender = sender_arg(args, &n, dflt);
		snprintf(m.vm, sizeof(m.vm), "%s", args[1]);
		snprintf(m.host, sizeof(m.host), "%s", args[2]);
		snprintf(m.text, sizeof(m.text), "%s", n > 3 ? args[3] : "capacity");
	} else {
		sender = sender_arg(args, &n, args[2]);
		snprintf(m.vm, sizeof(m.vm), "%s", args[1]);
		snprintf(m.host, sizeof(m.host), "%s", args[2]);
		m.ok = strcmp(args[3], "ok") == 0;
		snprintf(m.text, sizeof(m.text), "%s", n > 4 ? args[4] : "");
	}
	deliver(r, sender, &m);
}

/* Remove name from list (n entries); @return whether it was there. */
static bool list_remove(char list[][VMHA_NAME_SIZE], size_t *n, const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strcmp(list[i], name) == 0) {
			memmove(list[i], list[i + 1], (*n - i - 1) * sizeof(list[0]));
			(*n)--;
			return true;
		}
	}
	return false;
}

/* Host name announced: a member now, heard by every observer that joined. */
static void heard(struct replay *r, const char *name)
{
	size_t i;

	list_remove(r->online, &r->n_online, name);
	assert_true(r->n_online < MAX_HOSTS);
	snprintf(r->online[r->n_online++], VMHA_NAME_SIZE, "%s", name);
	for (i = 0; i < r->n_obs; i++) {
		if (r->tracking[i] && list_remove(r->unheard[i], &r->n_unheard[i], name)) {
			vmha_failover_set_unheard(r->fo[i], r->n_unheard[i]);
		}
	}
}

/* Observer j's vmhad joined: its view has heard no member yet, itself neither. */
static void joined(struct replay *r, size_t j)
{
	size_t i;

	r->tracking[j] = true;
	r->n_unheard[j] = 0;
	for (i = 0; i < r->n_online; i++) {
		if (strcmp(r->online[i], r->names[j]) != 0) {
			snprintf(r->unheard[j][r->n_unheard[j]++], VMHA_NAME_SIZE, "%s",
			         r->online[i]);
		}
	}
	snprintf(r->unheard[j][r->n_unheard[j]++], VMHA_NAME_SIZE, "%s", r->names[j]);
	vmha_failover_set_unheard(r->fo[j], r->n_unheard[j]);
}

static void host_cmd(struct replay *r, char **args, size_t n)
{
	struct vmha_announce a = {0};
	ssize_t self = obs_index(r, args[1]);
	size_t i;
	size_t k;

	snprintf(a.host, sizeof(a.host), "%s", args[1]);
	/* as vmhad announces it (heartbeat/vmhad_announce.c) */
	a.synced = self >= 0 && vmha_failover_synced(r->fo[self]);
	for (k = 2; k < n; k++) {
		if (strncmp(args[k], "cpus=", 5) == 0) {
			a.cpus = (uint32_t)strtoul(args[k] + 5, NULL, 10);
		} else if (strncmp(args[k], "memory=", 7) == 0) {
			a.memory_kib = strtoull(args[k] + 7, NULL, 10) * 1024;
		} else if (strncmp(args[k], "vms=", 4) == 0) {
			parse_vms(r, args[k] + 4, &a);
		} else if (strcmp(args[k], "health=degraded") == 0) {
			a.health = VMHA_HEALTH_DEGRADED;
		} else if (strcmp(args[k], "standby") == 0) {
			a.standby = true;
		} else if (strcmp(args[k], "synced") == 0) {
			a.synced = true;
		} else if (strncmp(args[k], "inc=", 4) == 0) {
			a.incarnation = strtoull(args[k] + 4, NULL, 10);
		} else if (strncmp(args[k], "seq=", 4) == 0) {
			a.seq = strtoull(args[k] + 4, NULL, 10);
		} else if (strncmp(args[k], "watchdog=", 9) == 0) {
			a.has_safety = true;
			a.safety.watchdog_timeout_ms = strtoull(args[k] + 9, NULL, 10);
		} else if (strncmp(args[k], "self-fence-delay=", 17) == 0) {
			a.has_safety = true;
			a.safety.self_fence_delay_ms = strtoull(args[k] + 17, NULL, 10);
		} else if (strcmp(args[k], "fence-device") == 0) {
			a.has_safety = true;
			a.safety.fence_device = true;
		} else {
			fail_at(r, "host: unknown '%s'", args[k]);
		}
	}
	for (i = 0; i < r->n_obs; i++) {
		assert_int_equal(vmha_failover_announce(r->fo[i], r->now_ms, &a), 0);
		vmha_failover_host_online(r->fo[i], a.host, true);
	}
	heard(r, a.host);
	vmha_msg_announce_clear(&a);
}

static void vm_cmd(struct replay *r, char **args, size_t n)
{
	struct vmha_failover_vm v;
	const char *only = "";
	size_t i;
	size_t k;

	memset(&v, 0, sizeof(v));
	v.restart = true;
	v.vcpus = 1;
	v.memory_mib = 256;
	snprintf(v.name, sizeof(v.name), "%s", args[1]);
	for (k = 2; k < n; k++) {
		if (strncmp(args[k], "cpu=", 4) == 0) {
			v.vcpus = (uint32_t)strtoul(args[k] + 4, NULL, 10);
		} else if (strncmp(args[k], "memory=", 7) == 0) {
			v.memory_mib = strtoull(args[k] + 7, NULL, 10);
		} else if (strncmp(args[k], "priority=", 9) == 0) {
			if (vmha_model_priority_parse(args[k] + 9, &v.priority) < 0) {
				fail_at(r, "bad priority '%s'", args[k] + 9);
			}
		} else if (strcmp(args[k], "restart=never") == 0) {
			v.restart = false;
		} else if (strncmp(args[k], "group=", 6) == 0) {
			snprintf(v.group, sizeof(v.group), "%s", args[k] + 6);
		} else if (strncmp(args[k], "allowed=", 8) == 0) {
			snprintf(v.allowed, sizeof(v.allowed), "%s", args[k] + 8);
		} else if (strncmp(args[k], "preferred=", 10) == 0) {
			snprintf(v.preferred, sizeof(v.preferred), "%s", args[k] + 10);
		} else if (strncmp(args[k], "only=", 5) == 0) {
			only = args[k] + 5;
		} else if (strncmp(args[k], "desired=", 8) == 0) {
			if (vmha_registry_desired_parse(args[k] + 8, &v.desired) < 0) {
				fail_at(r, "bad desired state '%s'", args[k] + 8);
			}
		} else {
			fail_at(r, "vm: unknown '%s'", args[k]);
		}
	}
	for (i = 0; i < r->n_obs; i++) {
		if (only[0] == '\0' || csv_lists(only, r->names[i])) {
			assert_int_equal(vmha_failover_protect(r->fo[i], &v), 0);
		}
	}
	assert_true(r->n_specs < MAX_SPECS);
	snprintf(r->spec_only[r->n_specs], sizeof(r->spec_only[0]), "%s", only);
	r->specs[r->n_specs++] = v;
}

/* The observers named by "only=H,..." among args[from..] (all when absent). */
static bool selected(char **args, size_t n, size_t from, const char *name)
{
	size_t k;

	for (k = from; k < n; k++) {
		if (strncmp(args[k], "only=", 5) == 0) {
			return csv_lists(args[k] + 5, name);
		}
	}
	return true;
}

static void run_line(struct replay *r, char *line)
{
	char *args[32] = {NULL};
	size_t n = 0;
	char *save = NULL;
	char *tok = NULL;
	size_t i;
	size_t k;

	line[strcspn(line, "\n")] = '\0';
	if (line[0] == '#' || line[0] == '\0') {
		return;
	}
	if (strncmp(line, "raw ", 4) == 0) {
		struct vmha_failover_msg m;
		char err[256];
		int rc = vmha_failover_msg_decode(line + 4, strlen(line + 4), &m, err, sizeof(err));

		fprintf(r->log, "decode rc=%d %s\n", rc, err);
		return;
	}
	for (tok = strtok_r(line, " \t", &save); tok != NULL && n < 32;
	     tok = strtok_r(NULL, " \t", &save)) {
		args[n++] = tok;
	}
	if (strcmp(args[0], "observers") == 0) {
		r->config.fence_device = true;
		for (k = 1; k < n; k++) {
			if (strcmp(args[k], "no-fence-device") == 0) {
				r->config.fence_device = false;
			} else if (strncmp(args[k], "restart-delay=", 14) == 0) {
				r->config.restart_delay_ms = strtoull(args[k] + 14, NULL, 10);
			} else if (strncmp(args[k], "start-grace=", 12) == 0) {
				r->config.start_grace_ms = strtoull(args[k] + 12, NULL, 10);
			} else if (strncmp(args[k], "max-hosts=", 10) == 0) {
				r->config.max_hosts = strtoull(args[k] + 10, NULL, 10);
			} else if (strncmp(args[k], "max-restart=", 12) == 0) {
				r->config.recover_limits = true;
				r->config.max_restart =
				        (unsigned int)strtoul(args[k] + 12, NULL, 10);
			} else if (strncmp(args[k], "max-relocate=", 13) == 0) {
				r->config.recover_limits = true;
				r->config.max_relocate =
				        (unsigned int)strtoul(args[k] + 13, NULL, 10);
			}
		}
		r->config.max_parallel_starts = 2;
		for (i = 1; i < n && r->n_obs < MAX_OBS; i++) {
			if (strchr(args[i], '=') != NULL ||
			    strcmp(args[i], "no-fence-device") == 0) {
				continue;
			}
			snprintf(r->names[r->n_obs], VMHA_NAME_SIZE, "%s", args[i]);
			r->fo[r->n_obs] = new_observer(r, args[i]);
			r->n_obs++;
		}
	} else if (strcmp(args[0], "host") == 0 && n >= 2) {
		host_cmd(r, args, n);
	} else if (strcmp(args[0], "vm") == 0 && n >= 2) {
		vm_cmd(r, args, n);
	} else if (strcmp(args[0], "coordinator") == 0 && n == 1) {
		for (i = 0; i < r->n_obs; i++) {
			const char *c = vmha_failover_coordinator(r->fo[i]);

			fprintf(r->log, "%s coordinator %s\n", r->names[i], c != NULL ? c : "none");
		}
	} else if (strcmp(args[0], "join") == 0 && n == 2) {
		ssize_t j = obs_index(r, args[1]);

		if (j < 0) {
			assert_true(r->n_obs < MAX_OBS);
			j = (ssize_t)r->n_obs++;
			snprintf(r->names[j], VMHA_NAME_SIZE, "%s", args[1]);
		}
		vmha_failover_free(r->fo[j]);
		r->fo[j] = new_observer(r, args[1]);
		joined(r, (size_t)j);
	} else if ((strcmp(args[0], "leave") == 0 || strcmp(args[0], "down") == 0) && n >= 2) {
		list_remove(r->online, &r->n_online, args[1]);
		for (i = 0; i < r->n_obs; i++) {
			vmha_failover_host_online(r->fo[i], args[1], false);
		}
		drain(r);
		for (i = 0; strcmp(args[0], "down") == 0 && i < r->n_obs; i++) {
			if (selected(args, n, 2, r->names[i])) {
				vmha_failover_host_down(r->fo[i], r->now_ms, args[1]);
			}
		}
	} else if (strcmp(args[0], "joining") == 0 && n == 2) {
		for (i = 0; i < r->n_obs; i++) {
			vmha_failover_host_joining(r->fo[i], args[1]);
		}
	} else if (strcmp(args[0], "nodes-join") == 0 && n == 1) {
		for (i = 0; i < r->n_obs; i++) {
			vmha_failover_nodes_joined(r->fo[i]);
		}
	} else if (strcmp(args[0], "view-down") == 0 && n >= 3) {
		for (i = 0; i < r->n_obs; i++) {
			if (selected(args, n, 2, r->names[i])) {
				vmha_failover_host_down(r->fo[i], r->now_ms, args[1]);
			}
		}
	} else if (strcmp(args[0], "self-fenced-slot") == 0 && n == 2) {
		for (i = 0; i < r->n_obs; i++) {
			vmha_failover_host_self_fenced(r->fo[i], r->now_ms, args[1]);
		}
	} else if ((strcmp(args[0], "fence-ok") == 0 || strcmp(args[0], "fence-fail") == 0) &&
	           n >= 2) {
		for (i = 0; i < r->n_obs; i++) {
			if (vmha_failover_is_coordinator(r->fo[i])) {
				vmha_failover_fence_done(r->fo[i], r->now_ms, args[1],
				                         strcmp(args[0], "fence-ok") == 0,
				                         n > 2 ? args[2] : "agents");
			}
		}
	} else if (strcmp(args[0], "quorum") == 0 && n >= 2) {
		for (i = 0; i < r->n_obs; i++) {
			bool listed = n == 2;

			for (k = 2; k < n; k++) {
				listed = listed || strcmp(args[k], r->names[i]) == 0;
			}
			if (listed) {
				vmha_failover_set_quorum(r->fo[i], strcmp(args[1], "yes") == 0);
			}
		}
	} else if (strcmp(args[0], "membership") == 0) {
		/* a membership change: its quorum is unknown until the next "quorum" */
		for (i = 0; i < r->n_obs; i++) {
			if (selected(args, n, 1, r->names[i])) {
				vmha_failover_await_quorum(r->fo[i]);
			}
		}
	} else if (strcmp(args[0], "self-fence") == 0 && n == 3) {
		ssize_t j = obs_index(r, args[1]);

		if (j < 0) {
			fail_at(r, "no observer '%s'", args[1]);
		}
		vmha_failover_set_self_fenced(r->fo[j], strcmp(args[2], "yes") == 0);
	} else if (strcmp(args[0], "unheard") == 0 && n == 3) {
		ssize_t j = obs_index(r, args[1]);

		if (j < 0) {
			fail_at(r, "no observer '%s'", args[1]);
		}
		r->tracking[j] = false;
		vmha_failover_set_unheard(r->fo[j], strtoul(args[2], NULL, 10));
	} else if (strcmp(args[0], "unclear") == 0 && n == 4) {
		ssize_t j = obs_index(r, args[1]);

		if (j < 0) {
			fail_at(r, "no observer '%s'", args[1]);
		}
		assert_int_equal(
		        vmha_failover_host_unclear(r->fo[j], args[2], strcmp(args[3], "yes") == 0),
		        0);
	} else if (strcmp(args[0], "tick") == 0 && n == 2) {
		r->now_ms += strtoull(args[1], NULL, 10);
		for (i = 0; i < r->n_obs; i++) {
			vmha_failover_tick(r->fo[i], r->now_ms);
		}
	} else if (strcmp(args[0], "cluster") == 0 && n >= 2) {
		/* corosync's nodelist */
		for (i = 0; i < r->n_obs; i++) {
			for (k = 1; k < n; k++) {
				assert_int_equal(vmha_failover_cluster_host(r->fo[i], args[k]), 0);
			}
		}
	} else if (strcmp(args[0], "registry-read") == 0 && n == 2) {
		/* N registry snapshots applied on every observer */
		for (k = strtoul(args[1], NULL, 10); k > 0; k--) {
			r->registry_gen++;
			for (i = 0; i < r->n_obs; i++) {
				vmha_failover_set_registry_gen(r->fo[i], r->registry_gen);
				vmha_failover_tick(r->fo[i], r->now_ms);
			}
		}
	} else if (strcmp(args[0], "hold") == 0 && n == 2) {
		r->hold = strcmp(args[1], "on") == 0;
	} else if (strcmp(args[0], "flush") == 0) {
		r->hold = false;
		drain(r);
		r->hold = true;
	} else if (strcmp(args[0], "assign") == 0 && n >= 3) {
		message_cmd(r, "assign", args, n);
	} else if (strcmp(args[0], "unprotect") == 0 && n == 2) {
		for (i = 0; i < r->n_obs; i++) {
			int rc = vmha_failover_unprotect(r->fo[i], args[1]);

			if (rc < 0) {
				fprintf(r->log, "%s unprotect rc=%s\n", r->names[i], strerror(-rc));
			}
		}
	} else if (strcmp(args[0], "fenced") == 0 && n >= 2) {
		message_cmd(r, "fenced", args, n);
	} else if (strcmp(args[0], "start") == 0 && n >= 4) {
		message_cmd(r, "start", args, n);
	} else if (strcmp(args[0], "show") == 0) {
		for (i = 0; i < r->n_obs; i++) {
			char *s = table(r, i);

			fprintf(r->log, "%s table %s\n", r->names[i], s);
			free(s);
		}
	} else if (strcmp(args[0], "expect-same") == 0) {
		char *first = table(r, 0);

		for (i = 1; i < r->n_obs; i++) {
			char *s = table(r, i);

			if (strcmp(s, first) != 0) {
				fail_at(r, "observers '%s' and '%s' differ:\n%s\n%s", r->names[0],
				        r->names[i], first, s);
			}
			free(s);
		}
		fprintf(r->log, "all %zu observers agree\n", r->n_obs);
		free(first);
	} else {
		fail_at(r, "unknown command '%s'", args[0]);
	}
	drain(r);
}

static void run_case(void **state)
{
	const struct cases_list_case *c = *state;
	struct replay r;
	char path[600], expected_path[600], actual_path[600];
	char line[2048];
	FILE *in = NULL;
	size_t i;

	memset(&r, 0, sizeof(r));
	/* .scenario is the planner's cluster description: one suffix, one format */
	snprintf(path, sizeof(path), "%s/%s.scenario", FO_SCENARIO_DIR, c->name);
	if (access(path, F_OK) == 0) {
		fail_msg("'%s': a failover event script is named %s.fo-events", path, c->name);
	}
	snprintf(path, sizeof(path), "%s/%s.fo-events", FO_SCENARIO_DIR, c->name);
	snprintf(expected_path, sizeof(expected_path), "%s/%s.expected", FO_SCENARIO_DIR, c->name);
	r.file = path;
	in = fopen(path, "re");
	if (in == NULL) {
		fail_msg("cannot read '%s'", path);
	}
	r.log = open_memstream(&r.log_buf, &r.log_len);
	assert_non_null(r.log);
	while (fgets(line, sizeof(line), in) != NULL) {
		r.line++;
		if (line[0] != '#' && line[0] != '\n') {
			fprintf(r.log, "> %s", line);
		}
		run_line(&r, line);
	}
	fclose(in);
	fclose(r.log);
	for (i = 0; i < r.n_obs; i++) {
		vmha_failover_free(r.fo[i]);
	}
	snprintf(actual_path, sizeof(actual_path), "%s.actual", c->name);
	cases_list_expect(c->name, expected_path, actual_path, r.log_buf);
	free(r.log_buf);
}

int main(void)
{
	return cases_list_run("failover_scenarios", FO_SCENARIO_DIR "/cases.list", run_case);
}

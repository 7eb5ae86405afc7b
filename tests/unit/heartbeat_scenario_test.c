/*
 * Replays the event scripts (<case>.hb-events) of tests/heartbeat through the state machine
 * (heartbeat/view.c) with several fake hosts on a virtual clock, and
 * compares the event log with the expected one (diff -u on failure;
 * VMHA_REGENERATE=1 rewrites the expectations).
 *
 * tests/heartbeat/cases.list: one line per case, "name description".
 * tests/heartbeat/<name>.hb-events: the input, one command per line (see
 * tests/heartbeat/README.md); <name>.expected: the event log.
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cases_list.h"

#include "heartbeat/msg.h"
#include "heartbeat/view.h"
#include "util.h"

#ifndef HB_SCENARIO_DIR
#error "HB_SCENARIO_DIR must name tests/heartbeat"
#endif

#define MAX_OBSERVERS 16
#define MAX_MEMBERS   32

struct replay {
	uint64_t now_ms;
	bool storage;
	uint64_t storage_timeout_ms;
	uint64_t silence_timeout_ms;
	size_t n_obs;
	uint32_t obs_nodeid[MAX_OBSERVERS];
	char names[MAX_MEMBERS + 1][VMHA_NAME_SIZE];
	struct vmha_view *views[MAX_OBSERVERS];
	FILE *log;
	char *log_buf;
	size_t log_len;
	const char *file;
	unsigned int line;
};

static const char *node_name(struct replay *r, uint32_t nodeid)
{
	static char buf[VMHA_NAME_SIZE];

	if (nodeid <= MAX_MEMBERS && r->names[nodeid][0] != '\0') {
		return r->names[nodeid];
	}
	snprintf(buf, sizeof(buf), "h%" PRIu32, nodeid);
	return buf;
}

static void fail_at(struct replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail_at(struct replay *r, const char *fmt, ...)
{
	va_list ap;
	char msg[256];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("%s:%u: %s", r->file, r->line, msg);
}

static const char *kind_name(enum vmha_action_kind kind)
{
	switch (kind) {
	case VMHA_ACTION_EVENT:
		return "event";
	case VMHA_ACTION_ANNOUNCE:
		return "announce";
	case VMHA_ACTION_HOST_DOWN:
		return "HOST_DOWN";
	case VMHA_ACTION_QUORUM_LOST:
		return "QUORUM_LOST";
	}
	return "?";
}

static void drain(struct replay *r, size_t i)
{
	struct vmha_view_action a;

	while (vmha_view_next_action(r->views[i], &a)) {
		fprintf(r->log, "t=%" PRIu64 " %s %s %s\n", r->now_ms,
		        node_name(r, r->obs_nodeid[i]), kind_name(a.kind), a.text);
	}
}

/* "N" or "N/PID" with an optional ":reason". */
static int parse_member(const char *text, struct vmha_member *m)
{
	char buf[64];
	char *colon = NULL;
	char *slash = NULL;
	uint64_t n = 0;
	static const char *const reasons[] = {"join", "leave", "nodedown", "nodeup", "procdown"};
	size_t i;

	snprintf(buf, sizeof(buf), "%s", text);
	m->reason = VMHA_REASON_JOIN;
	colon = strchr(buf, ':');
	if (colon != NULL) {
		*colon++ = '\0';
		for (i = 0; i < 5; i++) {
			if (strcmp(colon, reasons[i]) == 0) {
				m->reason = (enum vmha_cpg_reason)i;
				break;
			}
		}
		if (i == 5) {
			return -EINVAL;
		}
	}
	slash = strchr(buf, '/');
	if (slash != NULL) {
		*slash++ = '\0';
	}
	if (vmha_util_parse_u64(buf, &n) < 0 || n == 0 || n > MAX_MEMBERS) {
		return -EINVAL;
	}
	m->nodeid = (uint32_t)n;
	m->pid = 1000 + m->nodeid;
	if (slash != NULL) {
		if (vmha_util_parse_u64(slash, &n) < 0) {
			return -EINVAL;
		}
		m->pid = (uint32_t)n;
	}
	return 0;
}

/* "key=a,b,c" into members. */
static int parse_list(struct replay *r, const char *arg, const char *key, struct vmha_member *out,
                      size_t *n_out)
{
	char buf[512];
	char *save = NULL;
	char *tok = NULL;
	size_t klen = strlen(key);

	*n_out = 0;
	if (strncmp(arg, key, klen) != 0 || arg[klen] != '=') {
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", arg + klen + 1);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (*n_out >= MAX_MEMBERS || parse_member(tok, &out[*n_out]) < 0) {
			fail_at(r, "bad member '%s' in %s", tok, key);
			return -EINVAL;
		}
		(*n_out)++;
	}
	return 0;
}

static int parse_bool_word(const char *s, bool *out)
{
	return vmha_util_parse_bool(s, out);
}

/* Build announcement bytes from "announce N key=value..." arguments. */
static char *build_announce(struct replay *r, char **args, size_t n_args, uint32_t *nodeid,
                            uint32_t *pid, size_t *len)
{
	struct vmha_announce a = {0};
	struct vmha_vm_info vms[64];
	struct vmha_member m;
	char *out = NULL;
	size_t i;

	memset(vms, 0, sizeof(vms));
	if (n_args < 1 || parse_member(args[0], &m) < 0) {
		fail_at(r, "announce needs a node id");
		return NULL;
	}
	*nodeid = m.nodeid;
	*pid = m.pid;
	snprintf(a.host, sizeof(a.host), "%s", node_name(r, m.nodeid));
	a.incarnation = 1;
	a.seq = 1;
	a.cpus = 4;
	a.memory_kib = 8388608;
	a.memory_free_kib = 4194304;
	a.vms = vms;
	for (i = 1; i < n_args; i++) {
		char *eq = strchr(args[i], '=');
		const char *v = NULL;
		uint64_t n = 0;

		if (eq == NULL) {
			fail_at(r, "announce: expected key=value, got '%s'", args[i]);
			return NULL;
		}
		*eq = '\0';
		v = eq + 1;
		if (strcmp(args[i], "name") == 0) {
			snprintf(a.host, sizeof(a.host), "%s", v);
		} else if (strcmp(args[i], "health") == 0) {
			a.health = strcmp(v, "ok") == 0 ? VMHA_HEALTH_OK : VMHA_HEALTH_DEGRADED;
		} else if (strcmp(args[i], "standby") == 0) {
			parse_bool_word(v, &a.standby);
		} else if (strcmp(args[i], "vms") == 0) {
			char buf[1024];
			char *save = NULL;
			char *tok = NULL;

			snprintf(buf, sizeof(buf), "%s", v);
			for (tok = strtok_r(buf, ",", &save); tok != NULL && a.n_vms < 64;
			     tok = strtok_r(NULL, ",", &save)) {
				struct vmha_vm_info *vm = &vms[a.n_vms++];
				char *state = strchr(tok, '/');
				unsigned int h = 0;
				const char *c = NULL;
				int k;

				vm->vcpus = 1;
				vm->memory_kib = 1048576;
				vm->state = VMHA_VM_RUNNING;
				if (state != NULL) {
					*state++ = '\0';
					for (k = 0; k <= VMHA_VM_OTHER; k++) {
						if (strcmp(state, vmha_msg_vm_state_name(
						                          (enum vmha_vm_state)k)) ==
						    0) {
							vm->state = (enum vmha_vm_state)k;
						}
					}
				}
				snprintf(vm->name, sizeof(vm->name), "%s", tok);
				for (c = tok; *c != '\0'; c++) {
					h = h * 31u + (unsigned char)*c;
				}
				snprintf(vm->uuid, sizeof(vm->uuid),
				         "00000000-0000-4000-8000-%012x", h);
			}
		} else if (vmha_util_parse_u64(v, &n) == 0) {
			if (strcmp(args[i], "seq") == 0) {
				a.seq = n;
			} else if (strcmp(args[i], "inc") == 0) {
				a.incarnation = n;
			} else if (strcmp(args[i], "cpus") == 0) {
				a.cpus = (uint32_t)n;
			} else if (strcmp(args[i], "mem") == 0) {
				a.memory_kib = n;
			} else if (strcmp(args[i], "free") == 0) {
				a.memory_free_kib = n;
			} else {
				fail_at(r, "announce: unknown key '%s'", args[i]);
				return NULL;
			}
		} else {
			fail_at(r, "announce: bad value for '%s'", args[i]);
			return NULL;
		}
	}
	if (vmha_msg_encode(&a, &out, len) < 0) {
		fail_at(r, "announce: cannot encode");
		return NULL;
	}
	return out;
}

static void set_clock(struct replay *r, uint64_t t)
{
	size_t i;

	if (t < r->now_ms) {
		fail_at(r, "time goes back from %" PRIu64 " to %" PRIu64, r->now_ms, t);
	}
	r->now_ms = t;
	for (i = 0; i < r->n_obs; i++) {
		assert_int_equal(vmha_view_tick(r->views[i], r->now_ms), 0);
		drain(r, i);
	}
}

static void create_observers(struct replay *r, char **args, size_t n_args)
{
	size_t i;

	for (i = 0; i < n_args && r->n_obs < MAX_OBSERVERS; i++) {
		struct vmha_view_config c = {0};
		uint64_t n = 0;

		if (vmha_util_parse_u64(args[i], &n) < 0 || n == 0 || n > MAX_MEMBERS) {
			fail_at(r, "observers: bad node id '%s'", args[i]);
		}
		c.self_name = node_name(r, (uint32_t)n);
		c.storage_enabled = r->storage;
		c.storage_timeout_ms = r->storage_timeout_ms;
		c.silence_timeout_ms = r->silence_timeout_ms;
		r->obs_nodeid[r->n_obs] = (uint32_t)n;
		r->views[r->n_obs] = vmha_view_new(&c);
		assert_non_null(r->views[r->n_obs]);
		assert_int_equal(vmha_view_set_self_nodeid(r->views[r->n_obs], (uint32_t)n), 0);
		r->n_obs++;
	}
}

static void show(struct replay *r, const bool *to)
{
	size_t i;

	for (i = 0; i < r->n_obs; i++) {
		char *dump = NULL;

		if (!to[i]) {
			continue;
		}
		dump = vmha_view_dump(r->views[i], r->now_ms);

		assert_non_null(dump);
		fprintf(r->log, "t=%" PRIu64 " %s dump\n%s", r->now_ms,
		        node_name(r, r->obs_nodeid[i]), dump);
		free(dump);
	}
}

/* Observers' dumps without their first ("view self=...") line must match. */
static void expect_same(struct replay *r, char **args, size_t n_args)
{
	char *first = NULL;
	size_t i, j;
	bool same = true;

	for (i = 0; i < r->n_obs; i++) {
		char *dump = NULL;
		char *body = NULL;
		bool listed = n_args == 0;

		for (j = 0; j < n_args; j++) {
			if (strtoul(args[j], NULL, 10) == r->obs_nodeid[i]) {
				listed = true;
			}
		}
		if (!listed) {
			continue;
		}
		dump = vmha_view_dump(r->views[i], r->now_ms);
		assert_non_null(dump);
		body = strchr(dump, ' ');
		body = body != NULL ? strchr(body + 1, ' ') : dump; /* skip "view self=hN" */
		if (first == NULL) {
			first = strdup(body);
		} else if (strcmp(first, body) != 0) {
			same = false;
		}
		free(dump);
	}
	fprintf(r->log, "t=%" PRIu64 " views %s\n", r->now_ms, same ? "agree" : "DIFFER");
	free(first);
	if (!same) {
		fail_at(r, "expect-same: the observers' views differ (see the event log)");
	}
}

static void run_line(struct replay *r, char *line)
{
	char *args[64];
	size_t n = 0;
	size_t i;
	char *save = NULL;
	char *tok = NULL;
	bool to[MAX_OBSERVERS];
	const char *cmd = NULL;
	char *hash = strchr(line, '#');
	char *raw = NULL;

	line[strcspn(line, "\n")] = '\0';
	if (strncmp(line, "raw ", 4) != 0 && strstr(line, " raw ") == NULL && hash != NULL) {
		*hash = '\0';
	}
	raw = strstr(line, "raw ");
	for (i = 0; i < MAX_OBSERVERS; i++) {
		to[i] = true;
	}
	for (tok = strtok_r(line, " \t\n", &save); tok != NULL && n < 64;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		args[n++] = tok;
		if (strcmp(tok, "raw") == 0 && n + 1 < 64) {
			/* node id, then the rest of the line verbatim */
			tok = strtok_r(NULL, " \t\n", &save);
			if (tok != NULL) {
				args[n++] = tok;
				args[n++] = save != NULL ? save : "";
			}
			break;
		}
	}
	(void)raw;
	if (n == 0) {
		return;
	}
	if (strcmp(args[0], "to") == 0 && n >= 2) {
		char buf[128];

		for (i = 0; i < MAX_OBSERVERS; i++) {
			to[i] = false;
		}
		snprintf(buf, sizeof(buf), "%s", args[1]);
		for (tok = strtok_r(buf, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save)) {
			uint64_t id = 0;

			if (vmha_util_parse_u64(tok, &id) < 0) {
				fail_at(r, "to: bad node id '%s'", tok);
			}
			for (i = 0; i < r->n_obs; i++) {
				if (r->obs_nodeid[i] == id) {
					to[i] = true;
				}
			}
		}
		memmove(args, args + 2, (n - 2) * sizeof(args[0]));
		n -= 2;
		if (n == 0) {
			fail_at(r, "to: no command");
		}
	}
	cmd = args[0];
	if (strcmp(cmd, "config") == 0) {
		for (i = 1; i < n; i++) {
			uint64_t v = 0;
			char *eq = strchr(args[i], '=');

			if (eq == NULL || vmha_util_parse_u64(eq + 1, &v) < 0) {
				fail_at(r, "config: expected key=number, got '%s'", args[i]);
			}
			*eq = '\0';
			if (strcmp(args[i], "storage") == 0) {
				r->storage = v != 0;
			} else if (strcmp(args[i], "storage_timeout") == 0) {
				r->storage_timeout_ms = v;
			} else if (strcmp(args[i], "silence") == 0) {
				r->silence_timeout_ms = v;
			} else {
				fail_at(r, "config: unknown key '%s'", args[i]);
			}
		}
		return;
	}
	if (strcmp(cmd, "name") == 0 && n == 3) {
		uint64_t id = 0;

		if (vmha_util_parse_u64(args[1], &id) < 0 || id == 0 || id > MAX_MEMBERS) {
			fail_at(r, "name: bad node id");
		}
		snprintf(r->names[id], VMHA_NAME_SIZE, "%s", args[2]);
		return;
	}
	if (strcmp(cmd, "observers") == 0) {
		create_observers(r, args + 1, n - 1);
		return;
	}
	if (strcmp(cmd, "at") == 0 && n == 2) {
		uint64_t t = 0;

		if (vmha_util_parse_u64(args[1], &t) < 0) {
			fail_at(r, "at: bad time");
		}
		set_clock(r, t);
		return;
	}
	if (strcmp(cmd, "show") == 0) {
		show(r, to);
		return;
	}
	if (strcmp(cmd, "expect-same") == 0) {
		expect_same(r, args + 1, n - 1);
		return;
	}
	for (i = 0; i < r->n_obs; i++) {
		struct vmha_member members[MAX_MEMBERS], left[MAX_MEMBERS], joined[MAX_MEMBERS];
		size_t n_members = 0, n_left = 0, n_joined = 0;
		int rc = 0;

		if (!to[i]) {
			continue;
		}
		if (strcmp(cmd, "ring") == 0 && n >= 2) {
			uint32_t nodes[MAX_MEMBERS];
			unsigned long rn = 0;
			unsigned long long rs = 0;
			size_t k;

			if (sscanf(args[1], "%lx.%llx", &rn, &rs) != 2) {
				fail_at(r, "ring: expected NODEID.SEQ (hex)");
			}
			for (k = 2; k < n && k - 2 < MAX_MEMBERS; k++) {
				nodes[k - 2] = (uint32_t)strtoul(args[k], NULL, 10);
			}
			rc = vmha_view_ring(r->views[i], r->now_ms, (uint32_t)rn, rs, nodes, n - 2);
		} else if (strcmp(cmd, "confchg") == 0 && n == 4) {
			if (parse_list(r, args[1], "members", members, &n_members) < 0 ||
			    parse_list(r, args[2], "left", left, &n_left) < 0 ||
			    parse_list(r, args[3], "joined", joined, &n_joined) < 0) {
				fail_at(r, "confchg: expected members=.. left=.. joined=..");
			}
			rc = vmha_view_confchg(r->views[i], r->now_ms, members, n_members, left,
			                       n_left, joined, n_joined);
		} else if (strcmp(cmd, "announce") == 0) {
			char *copy[64];
			uint32_t nodeid = 0, pid = 0;
			size_t len = 0;
			char *msg = NULL;
			size_t k;

			/* build_announce() edits its arguments: give it copies */
			for (k = 1; k < n; k++) {
				copy[k - 1] = strdup(args[k]);
			}
			msg = build_announce(r, copy, n - 1, &nodeid, &pid, &len);
			for (k = 1; k < n; k++) {
				free(copy[k - 1]);
			}
			if (msg == NULL) {
				return;
			}
			rc = vmha_view_message(r->views[i], r->now_ms, nodeid, pid, msg, len);
			free(msg);
			rc = rc == -EBADMSG ? 0 : rc;
		} else if (strcmp(cmd, "raw") == 0 && n == 3) {
			struct vmha_member m;

			if (parse_member(args[1], &m) < 0) {
				fail_at(r, "raw: bad node id");
			}
			rc = vmha_view_message(r->views[i], r->now_ms, m.nodeid, m.pid, args[2],
			                       strlen(args[2]));
			rc = rc == -EBADMSG ? 0 : rc;
		} else if (strcmp(cmd, "quorum") == 0 && n == 2) {
			bool q = false;

			if (parse_bool_word(args[1], &q) < 0) {
				fail_at(r, "quorum: yes or no");
			}
			rc = vmha_view_quorum(r->views[i], r->now_ms, q);
		} else if (strcmp(cmd, "storage") == 0 && n >= 4) {
			uint64_t inc = 0, seq = 0;
			unsigned int flags = 0;

			if (sscanf(args[2], "inc=%" SCNu64, &inc) != 1 ||
			    sscanf(args[3], "seq=%" SCNu64, &seq) != 1) {
				fail_at(r, "storage: expected HOST inc=N seq=N [self_fenced] "
				           "[quorate]");
			}
			if (n >= 5 && strcmp(args[4], "self_fenced") == 0) {
				flags |= VMHA_SLOT_SELF_FENCED;
			}
			rc = vmha_view_storage(r->views[i], r->now_ms, args[1], inc, seq, flags);
		} else if (strcmp(cmd, "bind") == 0 && n == 3) {
			struct vmha_member m;

			if (parse_member(args[1], &m) < 0) {
				fail_at(r, "bind: bad node id");
			}
			rc = vmha_view_bind_node(r->views[i], m.nodeid, args[2]);
		} else if (strcmp(cmd, "fenced") == 0 && n == 2) {
			rc = vmha_view_fenced(r->views[i], r->now_ms, args[1]);
			fprintf(r->log, "t=%" PRIu64 " %s fenced %s: rc=%d\n", r->now_ms,
			        node_name(r, r->obs_nodeid[i]), args[1], rc);
			rc = 0;
		} else {
			fail_at(r, "unknown command '%s' or wrong arguments", cmd);
		}
		if (rc < 0) {
			fail_at(r, "'%s' returned %d", cmd, rc);
		}
		drain(r, i);
	}
}

static void run_case(void **state)
{
	const struct cases_list_case *c = *state;
	struct replay r;
	char path[1024], expected_path[1024], actual_path[1024];
	char line[2048];
	FILE *in = NULL;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.storage = true;
	r.storage_timeout_ms = 3000;
	r.silence_timeout_ms = 10000;
	/* .scenario is the planner's cluster description: one suffix, one format */
	snprintf(path, sizeof(path), "%s/%s.scenario", HB_SCENARIO_DIR, c->name);
	if (access(path, F_OK) == 0) {
		fail_msg("'%s': a heartbeat event script is named %s.hb-events", path, c->name);
	}
	snprintf(path, sizeof(path), "%s/%s.hb-events", HB_SCENARIO_DIR, c->name);
	snprintf(expected_path, sizeof(expected_path), "%s/%s.expected", HB_SCENARIO_DIR, c->name);
	r.file = path;
	in = fopen(path, "re");
	if (in == NULL) {
		fail_msg("cannot read '%s'", path);
	}
	r.log = open_memstream(&r.log_buf, &r.log_len);
	assert_non_null(r.log);
	while (fgets(line, sizeof(line), in) != NULL) {
		r.line++;
		fprintf(r.log, "%s", line[0] == '#' || line[0] == '\n' ? "" : "> ");
		if (line[0] != '#' && line[0] != '\n') {
			fprintf(r.log, "%s", line);
		}
		run_line(&r, line);
	}
	fclose(in);
	fclose(r.log);
	for (i = 0; i < r.n_obs; i++) {
		vmha_view_free(r.views[i]);
	}
	snprintf(actual_path, sizeof(actual_path), "%s.actual", c->name);
	cases_list_expect(c->name, expected_path, actual_path, r.log_buf);
	free(r.log_buf);
}

int main(void)
{
	return cases_list_run("heartbeat_scenarios", HB_SCENARIO_DIR "/cases.list", run_case);
}

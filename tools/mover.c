/* The mover of vmha host evacuate and vmha plan --rebalance --apply (see mover.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deadline.h"
#include "mover.h"
#include "planner/model.h"
#include "planner/plan.h"
#include "vm_guard.h"

/* The host entry called name in the status JSON, or NULL. */
static json_object *find_host(json_object *status, const char *name)
{
	json_object *hosts = NULL;
	size_t i;

	if (!json_object_object_get_ex(status, "hosts", &hosts)) {
		return NULL;
	}
	for (i = 0; i < json_object_array_length(hosts); i++) {
		json_object *h = json_object_array_get_idx(hosts, i);
		const char *hn = vmha_cmd_vm_jstr(h, "name");

		if (hn != NULL && strcmp(hn, name) == 0) {
			return h;
		}
	}
	return NULL;
}

/* The status as it will be once vm runs on target (admission of the next moves). */
static void apply_move(json_object *status, const struct vmha_move *mv)
{
	json_object *src = find_host(status, mv->source);
	json_object *dst = find_host(status, mv->target);
	json_object *svms = NULL;
	json_object *dvms = NULL;
	size_t i;

	if (src == NULL || dst == NULL || !json_object_object_get_ex(src, "vms", &svms) ||
	    !json_object_object_get_ex(dst, "vms", &dvms)) {
		return;
	}
	for (i = 0; i < json_object_array_length(svms); i++) {
		json_object *v = json_object_array_get_idx(svms, i);
		const char *vn = vmha_cmd_vm_jstr(v, "name");

		if (vn != NULL && strcmp(vn, mv->vm) == 0) {
			json_object_array_add(dvms, json_object_get(v));
			json_object_array_del_idx(svms, i, 1);
			return;
		}
	}
}

static int cmp_moves(const void *a, const void *b)
{
	const struct vmha_move *x = a;
	const struct vmha_move *y = b;

	if (x->priority != y->priority) {
		return x->priority > y->priority ? -1 : 1;
	}
	return strcmp(x->vm, y->vm);
}

static int build(struct vmha_registry *reg, json_object *status, struct vmha_model **m,
                 struct vmha_plan **p, char *err, size_t errlen)
{
	size_t unused = 0;
	int rc = vmha_cmd_vm_build_model(reg, status, NULL, NULL, m, &unused, err, errlen);

	if (rc < 0) {
		return rc;
	}
	*p = vmha_plan_new(*m);
	if (*p == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int vmha_mover_plan_evacuation(struct vmha_registry *reg, json_object *status, const char *host,
                               struct vmha_move **out, size_t *n, char *err, size_t errlen)
{
	struct vmha_model *m = NULL;
	struct vmha_plan *p = NULL;
	struct vmha_move *moves = NULL;
	struct vmha_registry_vm *rv = NULL;
	size_t hi = 0;
	size_t count = 0;
	size_t v;
	int rc;

	*out = NULL;
	*n = 0;
	rc = build(reg, status, &m, &p, err, errlen);
	if (rc < 0) {
		goto out;
	}
	rc = vmha_model_host_find(m, host, &hi);
	if (rc < 0) {
		snprintf(err, errlen, "host '%s' is not in the cluster model", host);
		goto out;
	}
	moves = calloc(vmha_model_vm_count(m) + 1, sizeof(*moves));
	if (moves == NULL) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* an evacuation moves every VM, whatever its restart policy after a failure */
	for (v = 0; v < vmha_model_vm_count(m); v++) {
		if (vmha_model_vm_host(m, v) == (long)hi) {
			vmha_model_vm_set_restart(m, v, true);
		}
	}
	rc = vmha_plan_run(p, &hi, 1, NULL, 0, 0);
	if (rc < 0) {
		snprintf(err, errlen, "the planner failed: %s", strerror(-rc));
		goto out;
	}
	for (v = 0; v < vmha_model_vm_count(m); v++) {
		struct vmha_move *mv = &moves[count];

		if (vmha_model_vm_host(m, v) != (long)hi) {
			continue;
		}
		count++;
		snprintf(mv->vm, sizeof(mv->vm), "%s", vmha_model_vm_name(m, v));
		snprintf(mv->source, sizeof(mv->source), "%s", host);
		mv->priority = vmha_model_vm_priority(m, v);
		if (vmha_registry_load(reg, mv->vm, &rv, NULL) < 0) {
			mv->result = VMHA_MOVE_STAYS;
			snprintf(mv->reason, sizeof(mv->reason),
			         "not in the registry: no domain XML to migrate it with");
			continue;
		}
		vmha_registry_vm_free(rv);
		rv = NULL;
		if (vmha_plan_outcome(p, v) == VMHA_PLAN_RESTART && vmha_plan_target(p, v) >= 0) {
			snprintf(mv->target, sizeof(mv->target), "%s",
			         vmha_model_host_name(m, (size_t)vmha_plan_target(p, v)));
		} else {
			mv->result = VMHA_MOVE_STAYS;
			snprintf(mv->reason, sizeof(mv->reason), "no host can take it: %s",
			         vmha_plan_reason(p, v)[0] != '\0' ? vmha_plan_reason(p, v)
			                                           : "no room");
		}
	}
	qsort(moves, count, sizeof(*moves), cmp_moves);
	*out = moves;
	*n = count;
	moves = NULL;
out:
	free(moves);
	vmha_plan_free(p);
	vmha_model_free(m);
	return rc;
}

int vmha_mover_plan_rebalance(struct vmha_registry *reg, json_object *status, const char *fail,
                              struct vmha_move **out, size_t *n, char *err, size_t errlen)
{
	struct vmha_model *m = NULL;
	struct vmha_plan *p = NULL;
	struct vmha_move *moves = NULL;
	size_t *failed = NULL;
	size_t nfailed = 0;
	char *copy = strdup(fail);
	char *save = NULL;
	char *item = NULL;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	rc = copy == NULL ? -ENOMEM : build(reg, status, &m, &p, err, errlen);
	if (rc < 0) {
		goto out;
	}
	failed = calloc(vmha_model_host_count(m) + 1, sizeof(*failed));
	if (failed == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		if (nfailed >= vmha_model_host_count(m) ||
		    vmha_model_host_find(m, item, &failed[nfailed]) < 0) {
			snprintf(err, errlen, "--fail: field 'host': no host '%s'", item);
			rc = -EINVAL;
			goto out;
		}
		nfailed++;
	}
	rc = vmha_plan_run(p, failed, nfailed, NULL, 0, VMHA_PLAN_REBALANCE);
	if (rc < 0) {
		snprintf(err, errlen, "the planner failed: %s", strerror(-rc));
		goto out;
	}
	moves = calloc(vmha_plan_migration_count(p) + 1, sizeof(*moves));
	if (moves == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < vmha_plan_migration_count(p); i++) {
		size_t vm = 0;
		size_t from = 0;
		size_t to = 0;
		size_t for_vm = 0;

		vmha_plan_migration(p, i, &vm, &from, &to, &for_vm);
		snprintf(moves[i].vm, sizeof(moves[i].vm), "%s", vmha_model_vm_name(m, vm));
		snprintf(moves[i].source, sizeof(moves[i].source), "%s",
		         vmha_model_host_name(m, from));
		snprintf(moves[i].target, sizeof(moves[i].target), "%s",
		         vmha_model_host_name(m, to));
		moves[i].priority = vmha_model_vm_priority(m, vm);
	}
	*n = vmha_plan_migration_count(p);
	*out = moves;
	moves = NULL;
out:
	if (rc == -ENOMEM && err[0] == '\0') {
		snprintf(err, errlen, "out of memory");
	}
	free(moves);
	free(failed);
	free(copy);
	vmha_plan_free(p);
	vmha_model_free(m);
	return rc;
}

const char *vmha_move_result_name(enum vmha_move_result r)
{
	switch (r) {
	case VMHA_MOVE_MOVED:
		return "moved";
	case VMHA_MOVE_ADMITTED:
		return "admitted";
	case VMHA_MOVE_STAYS:
		return "stays";
	case VMHA_MOVE_FAILED:
		return "failed";
	default:
		return "pending";
	}
}

json_object *vmha_mover_to_json(const struct vmha_move *moves, size_t n)
{
	json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; arr != NULL && i < n; i++) {
		const struct vmha_move *mv = &moves[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "vm", json_object_new_string(mv->vm));
		json_object_object_add(o, "source", json_object_new_string(mv->source));
		json_object_object_add(o, "target",
		                       mv->target[0] != '\0' ? json_object_new_string(mv->target)
		                                             : NULL);
		json_object_object_add(o, "priority", json_object_new_int64(mv->priority));
		json_object_object_add(o, "result",
		                       json_object_new_string(vmha_move_result_name(mv->result)));
		json_object_object_add(o, "reason",
		                       mv->reason[0] != '\0' ? json_object_new_string(mv->reason)
		                                             : NULL);
		json_object_object_add(o, "elapsed_ms",
		                       mv->result == VMHA_MOVE_MOVED ||
		                                       mv->result == VMHA_MOVE_FAILED
		                               ? json_object_new_uint64(mv->elapsed_ms)
		                               : NULL);
		json_object_array_add(arr, o);
	}
	return arr;
}

static void report(const struct vm_opts *o, const struct vmha_move *mv, size_t k, size_t n)
{
	if (o->json) {
		return;
	}
	switch (mv->result) {
	case VMHA_MOVE_MOVED:
		printf("[%zu/%zu] %s -> %s ... ok (%.1f s)\n", k, n, mv->vm, mv->target,
		       (double)mv->elapsed_ms / 1000.0);
		break;
	case VMHA_MOVE_ADMITTED:
		printf("[%zu/%zu] %s -> %s ... admitted (dry run: not moved)\n", k, n, mv->vm,
		       mv->target);
		break;
	case VMHA_MOVE_FAILED:
		printf("[%zu/%zu] %s -> %s ... failed (%.1f s): %s; it stays on %s\n", k, n, mv->vm,
		       mv->target, (double)mv->elapsed_ms / 1000.0, mv->reason, mv->source);
		break;
	default:
		printf("[%zu/%zu] %s stays on %s: %s\n", k, n, mv->vm, mv->source, mv->reason);
		break;
	}
	fflush(stdout);
}

/* Admission of one move against the cluster as the earlier moves leave it. */
static bool admit(struct vmha_registry *reg, json_object *status, const char *policy,
                  struct vmha_move *mv, struct vmha_registry_vm **vm)
{
	char err[512] = "";
	char *rerr = NULL;
	bool ok = false;
	int rc;

	if (mv->target[0] == '\0') {
		return false;
	}
	if (vmha_vm_guard_check(status, mv->vm, mv->reason, sizeof(mv->reason)) < 0) {
		return false;
	}
	rc = vmha_registry_load(reg, mv->vm, vm, &rerr);
	if (rc < 0) {
		snprintf(mv->reason, sizeof(mv->reason), "the registry: %s",
		         rerr != NULL ? rerr : strerror(-rc));
		free(rerr);
		return false;
	}
	rc = vmha_cmd_vm_migrate_admission(reg, status, *vm, mv->target, policy, &ok, mv->reason,
	                                   sizeof(mv->reason), err, sizeof(err));
	if (rc < 0) {
		snprintf(mv->reason, sizeof(mv->reason), "admission control: %.480s", err);
		ok = false;
	}
	if (!ok) {
		vmha_registry_vm_free(*vm);
		*vm = NULL;
	}
	return ok;
}

struct child {
	pid_t pid;
	int fd;
	size_t idx;
	uint64_t start_ms;
};

/* Run one migration in a child process; its reason comes back through a pipe. */
static int spawn(const struct vm_opts *o, const char *self, const struct vmha_registry_vm *vm,
                 const struct vmha_move *mv, struct child *c)
{
	char why[512] = "";
	int fds[2];
	int rc;

	if (pipe(fds) < 0) {
		return -errno;
	}
	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	if (c->pid < 0) {
		rc = -errno;
		close(fds[0]);
		close(fds[1]);
		return rc;
	}
	if (c->pid == 0) {
		close(fds[0]);
		rc = vmha_cmd_vm_migrate_do(vm, mv->source, self, mv->target, o, false, why,
		                            sizeof(why));
		if (rc < 0 && write(fds[1], why, strlen(why)) < 0) {
			_exit(2);
		}
		_exit(rc == 0 ? 0 : 1);
	}
	close(fds[1]);
	c->fd = fds[0];
	c->start_ms = vmha_clock_now_ms();
	return 0;
}

/* Wait for one child; fill in its move. @return the move's index, or n when none */
static size_t reap(struct child *kids, size_t *nkids, struct vmha_move *moves, size_t n)
{
	int status = 0;
	pid_t pid = waitpid(-1, &status, 0);
	size_t idx = n;
	size_t i;

	for (i = 0; i < *nkids; i++) {
		struct child *c = &kids[i];
		struct vmha_move *mv = NULL;
		ssize_t got;

		if (c->pid != pid) {
			continue;
		}
		idx = c->idx;
		mv = &moves[idx];
		mv->elapsed_ms = vmha_clock_now_ms() - c->start_ms;
		got = read(c->fd, mv->reason, sizeof(mv->reason) - 1);
		mv->reason[got > 0 ? got : 0] = '\0';
		close(c->fd);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			mv->result = VMHA_MOVE_MOVED;
		} else {
			mv->result = VMHA_MOVE_FAILED;
			if (mv->reason[0] == '\0') {
				snprintf(mv->reason, sizeof(mv->reason), "the migration process %s",
				         WIFSIGNALED(status) ? "was killed" : "failed");
			}
		}
		kids[i] = kids[--*nkids];
		break;
	}
	if (pid < 0 && errno == ECHILD) {
		/* nothing left to wait for (cannot happen unless reaped elsewhere) */
		for (i = 0; i < *nkids; i++) {
			moves[kids[i].idx].result = VMHA_MOVE_FAILED;
			snprintf(moves[kids[i].idx].reason, sizeof(moves[kids[i].idx].reason),
			         "the migration process was lost");
			close(kids[i].fd);
		}
		*nkids = 0;
	}
	return idx;
}

/* Start the moves after next (until parallel run); report those that do not start. */
static void launch(struct vmha_registry *reg, json_object *status, const struct vm_opts *o,
                   const char *policy, const char *self, unsigned int parallel,
                   struct vmha_move *moves, size_t n, size_t *next, struct child *kids,
                   size_t *nkids)
{
	while (*next < n && *nkids < parallel) {
		struct vmha_move *mv = &moves[(*next)++];
		struct vmha_registry_vm *vm = NULL;

		if (mv->result != VMHA_MOVE_PENDING) {
			report(o, mv, *next, n);
			continue;
		}
		if (!admit(reg, status, policy, mv, &vm)) {
			mv->result = VMHA_MOVE_STAYS;
			report(o, mv, *next, n);
			continue;
		}
		apply_move(status, mv);
		if (o->dry_run) {
			mv->result = VMHA_MOVE_ADMITTED;
			report(o, mv, *next, n);
		} else if (spawn(o, self, vm, mv, &kids[*nkids]) < 0) {
			mv->result = VMHA_MOVE_FAILED;
			snprintf(mv->reason, sizeof(mv->reason), "cannot start a process");
			report(o, mv, *next, n);
		} else {
			kids[(*nkids)++].idx = *next - 1;
		}
		vmha_registry_vm_free(vm);
	}
}

size_t vmha_mover_run(struct vmha_registry *reg, json_object *status, const struct vm_opts *o,
                      const char *policy, unsigned int parallel, struct vmha_move *moves, size_t n)
{
	struct child *kids = NULL;
	json_object *daemon = NULL;
	const char *self = NULL;
	size_t nkids = 0;
	size_t next = 0;
	size_t bad = 0;
	size_t i;

	if (parallel == 0) {
		parallel = 1;
	}
	kids = calloc(parallel, sizeof(*kids));
	if (json_object_object_get_ex(status, "daemon", &daemon)) {
		self = vmha_cmd_vm_jstr(daemon, "host");
	}
	while (kids != NULL && (next < n || nkids > 0)) {
		launch(reg, status, o, policy, self, parallel, moves, n, &next, kids, &nkids);
		if (nkids > 0) {
			size_t idx = reap(kids, &nkids, moves, n);

			if (idx < n) {
				report(o, &moves[idx], idx + 1, n);
			}
		}
	}
	for (i = 0; i < n; i++) {
		if (kids == NULL && moves[i].result == VMHA_MOVE_PENDING) {
			moves[i].result = VMHA_MOVE_FAILED;
			snprintf(moves[i].reason, sizeof(moves[i].reason), "out of memory");
		}
		bad += moves[i].result != VMHA_MOVE_MOVED && moves[i].result != VMHA_MOVE_ADMITTED;
	}
	/* vmhad relocates each VM once its target announces it */
	for (i = 0; !o->dry_run && i < n; i++) {
		if (moves[i].result == VMHA_MOVE_MOVED &&
		    !vmha_cmd_vm_caught_up(o, moves[i].vm, moves[i].target) && !o->json) {
			printf("note: vmhad does not see '%s' on '%s' yet; check 'vmha status'\n",
			       moves[i].vm, moves[i].target);
		}
	}
	free(kids);
	return bad;
}

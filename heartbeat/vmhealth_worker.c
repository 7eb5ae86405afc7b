/* The VM health worker (see vmhealth_worker.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heartbeat/vmhealth_worker.h"
#include "deadline.h"
#include "log.h"
#include "virt.h"
#include "worker.h"

#define MAX_EVENTS 32
#define MAX_STATUS 1024
/* the guest agent's ping, as QEMU's guest agent protocol names it */
#define PING_CMD           "{\"execute\":\"guest-ping\"}"
#define OPEN_TIMEOUT_MS    10000
#define LIST_TIMEOUT_MS    10000
#define DESTROY_TIMEOUT_MS 30000
/*
 * libvirt synchronises with the agent (guest-sync) before every command and
 * waits up to 5 s for that (QEMU_AGENT_WAIT_TIME in libvirt's qemu_agent.c)
 * besides the command's own timeout: a ping's deadline covers both.
 */
#define LIBVIRT_AGENT_SYNC_MS 5000
#define PING_MARGIN_MS        3000

struct vmha_vmhealth_worker {
	struct vmha_worker *thread;
	char uri[256];
	uint64_t interval_ms;
	unsigned int timeout_s;
	int (*agent_call)(struct vmha_virt_domain *d, const char *cmd, unsigned int timeout_s,
	                  uint64_t deadline_ms, char **result);
	/* guarded by the worker's lock */
	char (*names)[VMHA_NAME_SIZE];
	size_t n_names;
	struct vmha_vmhealth_event events[MAX_EVENTS];
	size_t n_events;
	struct vmha_vmhealth_status *status;
	size_t n_status;
	/* the thread's own */
	struct vmha_vmhealth *table;
	struct vmha_virt *virt;
	bool open_failed_logged;
};

static int cmp_status(const void *a, const void *b)
{
	return strcmp(((const struct vmha_vmhealth_status *)a)->vm,
	              ((const struct vmha_vmhealth_status *)b)->vm);
}

/* Queue an event for the main loop (lock held). */
static void push_event(struct vmha_vmhealth_worker *w, const struct vmha_vmhealth_event *ev)
{
	if (w->n_events == MAX_EVENTS) {
		memmove(&w->events[0], &w->events[1], (MAX_EVENTS - 1) * sizeof(w->events[0]));
		w->n_events--;
	}
	w->events[w->n_events++] = *ev;
	vmha_worker_wake_loop(w->thread);
}

/* A connection that works, opened again after a missed deadline. */
static int connect_virt(struct vmha_vmhealth_worker *w)
{
	int rc = 0;

	if (w->virt != NULL && !vmha_virt_is_wedged(w->virt) && vmha_virt_is_alive(w->virt)) {
		return 0;
	}
	vmha_virt_free(w->virt);
	w->virt = NULL;
	rc = vmha_virt_open(w->uri, 0, vmha_deadline_in_ms(OPEN_TIMEOUT_MS), &w->virt);
	if (rc < 0) {
		if (!w->open_failed_logged) {
			vmha_warn("vm health: cannot connect to '%s': %s", w->uri,
			          vmha_virt_open_error());
		}
		w->open_failed_logged = true;
		w->virt = NULL;
		return rc;
	}
	w->open_failed_logged = false;
	return 0;
}

/* Whether a job (a migration, a save) runs on the domain; false when it cannot be told. */
static bool job_runs(struct vmha_vmhealth_worker *w, struct vmha_virt_domain *dom)
{
	struct vmha_virt_job_stats *st = NULL;
	bool runs = false;

	if (vmha_virt_is_wedged(w->virt)) {
		return false;
	}
	st = vmha_virt_job_stats_new();
	if (st != NULL &&
	    vmha_virt_domain_get_job_stats(dom, vmha_deadline_in_ms(LIST_TIMEOUT_MS), st) == 0) {
		runs = vmha_virt_job_stats_type(st) != VIR_DOMAIN_JOB_NONE;
	}
	vmha_virt_job_stats_free(st);
	return runs;
}

/* Ping one running VM's agent: its input for the rule, and its run (domain id). */
static enum vmha_vmhealth_input ping(struct vmha_vmhealth_worker *w,
                                     const struct vmha_virt_domain_info *info, int64_t *run,
                                     struct vmha_virt_domain **dom, bool *unknown, char *why,
                                     size_t why_size)
{
	char *reply = NULL;
	enum vmha_vmhealth_input in = VMHA_VMHEALTH_IN_FAILED;
	uint64_t deadline = vmha_deadline_in_ms((uint64_t)w->timeout_s * 1000 +
	                                        LIBVIRT_AGENT_SYNC_MS + PING_MARGIN_MS);
	int rc = vmha_virt_domain_lookup(w->virt, info->uuid, info->name,
	                                 vmha_deadline_in_ms(LIST_TIMEOUT_MS), dom);

	*run = 0;
	if (rc < 0) {
		/* gone meanwhile; or libvirt failed, which tells nothing about the guest */
		snprintf(why, why_size, "lookup: %s", vmha_virt_error(w->virt));
		*unknown = rc != -ENOENT;
		return VMHA_VMHEALTH_IN_NOT_RUNNING;
	}
	*run = (int64_t)vmha_virt_domain_id(*dom);
	rc = w->agent_call(*dom, PING_CMD, w->timeout_s, deadline, &reply);
	if (rc == 0 && reply != NULL && strstr(reply, "\"return\"") != NULL) {
		in = VMHA_VMHEALTH_IN_OK;
	} else if (rc == -ETIMEDOUT && vmha_virt_is_wedged(w->virt)) {
		/* libvirt itself did not answer: nothing is known about the guest */
		*unknown = true;
		snprintf(why, why_size, "libvirt did not answer within the deadline");
	} else if (rc == -ENOTCONN) {
		in = VMHA_VMHEALTH_IN_NOT_CONNECTED;
		snprintf(why, why_size, "%s", vmha_virt_error(w->virt));
	} else if (rc == 0) {
		snprintf(why, why_size, "unexpected reply '%.200s'", reply != NULL ? reply : "");
	} else {
		snprintf(why, why_size, "%s", vmha_virt_error(w->virt));
	}
	if (in != VMHA_VMHEALTH_IN_OK && why[0] == '\0') {
		snprintf(why, why_size, "%s", strerror(rc < 0 ? -rc : EIO));
	}
	if (in != VMHA_VMHEALTH_IN_OK && !*unknown && job_runs(w, *dom)) {
		/* a migration (or another job) may slow the guest: not its failure */
		*unknown = true;
		snprintf(why, why_size, "a libvirt job (migration) runs");
	}
	free(reply);
	return in;
}

/* Destroy an unhealthy VM here (this host only) and tell the main loop. */
static void destroy(struct vmha_vmhealth_worker *w, struct vmha_virt_domain *dom, const char *vm,
                    bool first, const char *why)
{
	struct vmha_vmhealth_event ev;
	enum vmha_vmhealth_state st = VMHA_VMHEALTH_UNHEALTHY;
	int rc = dom != NULL
	                 ? vmha_virt_domain_destroy(dom, 0, vmha_deadline_in_ms(DESTROY_TIMEOUT_MS))
	                 : -ENOENT;

	memset(&ev, 0, sizeof(ev));
	snprintf(ev.vm, sizeof(ev.vm), "%s", vm);
	(void)vmha_vmhealth_get(w->table, vm, &st, &ev.failed);
	ev.rc = rc;
	ev.first = first;
	snprintf(ev.why, sizeof(ev.why), "%s",
	         rc < 0 && w->virt != NULL ? vmha_virt_error(w->virt)
	         : rc < 0                  ? "no libvirt connection"
	                                   : why);
	vmha_worker_lock(w->thread);
	push_event(w, &ev);
	vmha_worker_unlock(w->thread);
}

/* Look at one opted-in VM (from this round's list of active domains). */
static void check_vm(struct vmha_vmhealth_worker *w, const char *vm,
                     const struct vmha_virt_domain_info *active, size_t n_active)
{
	const struct vmha_virt_domain_info *info = NULL;
	struct vmha_virt_domain *dom = NULL;
	enum vmha_vmhealth_input in = VMHA_VMHEALTH_IN_NOT_RUNNING;
	enum vmha_vmhealth_action act = VMHA_VMHEALTH_NOTHING;
	char why[256] = "";
	int64_t run = 0;
	bool unknown = false;
	size_t i;

	if (connect_virt(w) < 0) {
		/* no connection (a call outlived its deadline): nothing is judged */
		vmha_vmhealth_keep(w->table, vm);
		return;
	}
	for (i = 0; i < n_active; i++) {
		if (strcmp(active[i].name, vm) == 0) {
			info = &active[i];
		}
	}
	if (info != NULL && info->state == VIR_DOMAIN_RUNNING) {
		in = ping(w, info, &run, &dom, &unknown, why, sizeof(why));
	}
	if (unknown) {
		vmha_warn("vm health: vm '%s': %s (not counted)", vm, why);
		vmha_vmhealth_keep(w->table, vm);
		goto out;
	}
	if (vmha_vmhealth_observe(w->table, vm, run, in, &act) < 0) {
		goto out;
	}
	if (in != VMHA_VMHEALTH_IN_OK && in != VMHA_VMHEALTH_IN_NOT_RUNNING) {
		vmha_debug("vm health: vm '%s': %s (%s)", vm, vmha_vmhealth_input_name(in), why);
	}
	if (act != VMHA_VMHEALTH_NOTHING) {
		destroy(w, dom, vm, act == VMHA_VMHEALTH_DESTROY, why);
	}
out:
	vmha_virt_domain_free(dom);
}

/* Publish what this round saw (lock held). */
static void publish_status(struct vmha_vmhealth_worker *w)
{
	size_t n = vmha_vmhealth_count(w->table);
	size_t i;

	if (n > MAX_STATUS) {
		n = MAX_STATUS;
	}
	w->n_status = 0;
	for (i = 0; i < n; i++) {
		struct vmha_vmhealth_status *s = &w->status[w->n_status];
		const char *name = vmha_vmhealth_name(w->table, i);

		snprintf(s->vm, sizeof(s->vm), "%s", name);
		if (vmha_vmhealth_get(w->table, name, &s->state, &s->failed) == 0) {
			w->n_status++;
		}
	}
	qsort(w->status, w->n_status, sizeof(w->status[0]), cmp_status);
}

/* One round over the opted-in VMs (lock not held). */
static void round_once(struct vmha_vmhealth_worker *w, char (*names)[VMHA_NAME_SIZE], size_t n)
{
	struct vmha_virt_domain_info *active = NULL;
	size_t n_active = 0;
	size_t i;
	/* nothing known (no connection, no listing): nothing is judged, nothing forgotten */
	bool judged = n == 0;

	if (n > 0 && connect_virt(w) == 0) {
		if (vmha_virt_list_active(w->virt, vmha_deadline_in_ms(LIST_TIMEOUT_MS), &active,
		                          &n_active) < 0) {
			vmha_warn("vm health: cannot list the vms of '%s': %s", w->uri,
			          vmha_virt_error(w->virt));
		} else {
			judged = true;
			for (i = 0; i < n; i++) {
				check_vm(w, names[i], active, n_active);
			}
		}
	}
	if (judged) {
		vmha_vmhealth_end_round(w->table);
	}
	free(active);
}

static void health_thread(struct vmha_worker *t, void *arg)
{
	struct vmha_vmhealth_worker *w = arg;
	char(*names)[VMHA_NAME_SIZE] = NULL;
	size_t n = 0;
	uint64_t t0;
	uint64_t took;

	vmha_worker_lock(t);
	while (!vmha_worker_stopping(t)) {
		free(names);
		names = NULL;
		n = w->n_names;
		if (n > 0) {
			names = malloc(n * sizeof(*names));
			if (names == NULL) {
				n = 0;
			} else {
				memcpy(names, w->names, n * sizeof(*names));
			}
		}
		vmha_worker_unlock(t);
		t0 = vmha_clock_now_ms();
		round_once(w, names, n);
		took = vmha_clock_now_ms() - t0;
		vmha_worker_lock(t);
		publish_status(w);
		if (took < w->interval_ms && !vmha_worker_stopping(t)) {
			(void)vmha_worker_wait_ms(t, w->interval_ms - took);
		}
	}
	vmha_worker_unlock(t);
	free(names);
}

struct vmha_vmhealth_worker *vmha_vmhealth_worker_new(const struct vmha_vmhealth_worker_opts *o)
{
	struct vmha_vmhealth_worker *w = NULL;

	if (o == NULL || o->uri == NULL || o->interval_ms == 0 || o->timeout_ms == 0 ||
	    o->failures == 0) {
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		return NULL;
	}
	snprintf(w->uri, sizeof(w->uri), "%s", o->uri);
	w->interval_ms = o->interval_ms;
	w->timeout_s = (unsigned int)((o->timeout_ms + 999) / 1000);
	w->agent_call = o->agent_call != NULL ? o->agent_call : vmha_virt_domain_agent_command;
	w->table = vmha_vmhealth_new(o->failures);
	w->status = calloc(MAX_STATUS, sizeof(*w->status));
	if (w->table == NULL || w->status == NULL) {
		goto fail;
	}
	w->thread = vmha_worker_new("vm health", health_thread, w, true);
	if (w->thread == NULL) {
		goto fail;
	}
	return w;
fail:
	vmha_vmhealth_free(w->table);
	free(w->status);
	free(w);
	return NULL;
}

int vmha_vmhealth_worker_set_vms(struct vmha_vmhealth_worker *w,
                                 const char (*names)[VMHA_NAME_SIZE], size_t n)
{
	char(*copy)[VMHA_NAME_SIZE] = NULL;

	if (w == NULL) {
		return 0;
	}
	if (n > 0) {
		copy = malloc(n * sizeof(*copy));
		if (copy == NULL) {
			return -ENOMEM;
		}
		memcpy(copy, names, n * sizeof(*copy));
	}
	vmha_worker_lock(w->thread);
	free(w->names);
	w->names = copy;
	w->n_names = n;
	vmha_worker_unlock(w->thread);
	return 0;
}

int vmha_vmhealth_worker_fd(const struct vmha_vmhealth_worker *w)
{
	return w != NULL ? vmha_worker_fd(w->thread) : -1;
}

bool vmha_vmhealth_worker_take(struct vmha_vmhealth_worker *w, struct vmha_vmhealth_event *ev)
{
	bool got = false;

	if (w == NULL) {
		return false;
	}
	vmha_worker_lock(w->thread);
	if (w->n_events > 0) {
		*ev = w->events[0];
		memmove(&w->events[0], &w->events[1], (w->n_events - 1) * sizeof(w->events[0]));
		w->n_events--;
		got = true;
	}
	if (w->n_events == 0) {
		vmha_worker_drain(w->thread);
	}
	vmha_worker_unlock(w->thread);
	return got;
}

size_t vmha_vmhealth_worker_status(struct vmha_vmhealth_worker *w, struct vmha_vmhealth_status *out,
                                   size_t max)
{
	size_t n = 0;

	if (w == NULL) {
		return 0;
	}
	vmha_worker_lock(w->thread);
	n = w->n_status < max ? w->n_status : max;
	memcpy(out, w->status, n * sizeof(*out));
	vmha_worker_unlock(w->thread);
	return n;
}

void vmha_vmhealth_worker_free(struct vmha_vmhealth_worker *w)
{
	if (w == NULL) {
		return;
	}
	if (!vmha_worker_stop(w->thread, 3000)) {
		return; /* stuck in libvirt: the thread still uses w */
	}
	vmha_virt_free(w->virt);
	vmha_vmhealth_free(w->table);
	free(w->names);
	free(w->status);
	free(w);
}

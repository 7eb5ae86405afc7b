/*
 * vmhad, standalone mode: the thin I/O layer around the failover coordinator
 * (heartbeat/coordinator.c): its sends, starts and fences, registry reads in
 * the loader thread, the self-fence's VM list and record, actuator results.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qb/qbloop.h>

#include "deadline.h"
#include "fencing/sfworker.h"
#include "heartbeat/vmhad_int.h"
#include "log.h"
#include "util.h"

#define FENCE_TIMEOUT_MS   60000
#define FENCE_RETRY_MS     5000
#define REGISTRY_RELOAD_MS 5000

static void remember_text(struct daemon *d, const char *kind, const char *host, const char *text)
{
	struct vmha_view_action a;

	memset(&a, 0, sizeof(a));
	snprintf(a.host, sizeof(a.host), "%s", host);
	snprintf(a.text, sizeof(a.text), "%.250s", text);
	vmhad_remember(d, kind, &a);
}

static int co_start(void *opaque, const char *vm)
{
	struct daemon *d = opaque;

	if (!vmha_selfguard_may_start(d->guard)) {
		/* inquorate, or fenced itself: no start until quorum returns */
		vmha_warn("vm '%s': start refused: this host is inquorate or fenced itself", vm);
		return -EPERM;
	}
	vmha_notify_decision(d->notify, "assign", vm, "assigned to this host by the coordinator");
	/* the worker reads the domain XML from the registry: never the main loop */
	return vmha_actuator_start(d->act, d->conf.libvirt_uri, d->conf.host_name, vm,
	                           d->conf.registry_dir, d->conf.start_timeout_ms);
}

static int co_fence(void *opaque, const char *host)
{
	struct daemon *d = opaque;
	int rc;

	if (d->fence_cfg == NULL) {
		return -ENODEV;
	}
	rc = vmha_actuator_fence(d->act, d->fence_cfg, host, FENCE_TIMEOUT_MS);
	if (rc == 0) {
		vmha_notice("fencing host '%s'", host);
	}
	return rc;
}

static void co_remember(void *opaque, const char *kind, const char *host, const char *text)
{
	remember_text(opaque, kind, host, text);
}

/*
 * A registry snapshot read by the loader thread: protect what it lists;
 * what left it is no longer protected (unless its failover is pending).
 */
static void apply_registry(struct daemon *d, const struct vmha_regload_snapshot *snap)
{
	if (snap->rc < 0) {
		if (!d->registry_error_logged) {
			vmha_err("%s", snap->err);
		}
		d->registry_error_logged = true;
		return;
	}
	if (d->registry_error_logged) {
		vmha_notice("vm registry '%s' readable again", d->conf.registry_dir);
	}
	d->registry_error_logged = false;
	if (strcmp(snap->failed_err, d->registry_vm_error) != 0) {
		if (snap->failed_err[0] != '\0') {
			vmha_err("%s", snap->failed_err);
		}
		snprintf(d->registry_vm_error, sizeof(d->registry_vm_error), "%s",
		         snap->failed_err);
	}
	vmha_coordinator_apply_registry(d->co, snap);
	vmhad_health_registry(d, snap);
	vmha_debug("vm registry '%s' read in %" PRIu64 " ms: %zu vms", d->conf.registry_dir,
	           snap->duration_ms, snap->n_vms);
}

static int32_t on_regload_fd(int32_t fd, int32_t revents, void *data)
{
	struct daemon *d = data;
	struct vmha_regload_snapshot *snap = NULL;

	(void)fd;
	(void)revents;
	if (!vmha_regload_take(d->rl, &snap)) {
		return 0;
	}
	apply_registry(d, snap);
	if (d->registry_stuck_logged) {
		vmha_notice("vm registry '%s' read again (%" PRIu64 " ms)", d->conf.registry_dir,
		            snap->duration_ms);
		d->registry_stuck_logged = false;
	}
	vmha_regload_snapshot_free(snap);
	return 0;
}

/* Ask for a registry read (in the loader thread; the main loop goes on). */
void vmhad_registry_refresh(struct daemon *d)
{
	vmha_regload_request(d->rl);
	d->registry_loaded_ms = vmha_clock_now_ms();
}

/* Each tick: periodic reads, a read that hangs. */
void vmhad_registry_tick(struct daemon *d, uint64_t now)
{
	uint64_t busy = vmha_regload_busy_ms(d->rl, now);

	if (busy >= d->conf.storage_timeout_ms && !d->registry_stuck_logged) {
		vmha_err("reading the vm registry '%s' hangs for %" PRIu64
		         " ms: shared storage hangs? (heartbeats go on)",
		         d->conf.registry_dir, busy);
		d->registry_stuck_logged = true;
	}
	if (busy == 0 && now - d->registry_loaded_ms >= REGISTRY_RELOAD_MS) {
		/* VMs added since: protected from now on (a self-fence stops them) */
		vmhad_registry_refresh(d);
	}
}

/* The protected VMs that run here, as the failover table says (UUIDs from the last inventory). */
static size_t guard_vms(struct daemon *d, struct vmha_sfworker_vm *out, size_t max)
{
	size_t n = 0;
	size_t i, j;

	for (i = 0; d->fo != NULL && i < vmha_failover_vm_count(d->fo) && n < max; i++) {
		const char *name = vmha_failover_vm_name(d->fo, i);
		const char *where = vmha_failover_vm_location(d->fo, name);

		if (where == NULL || strcmp(where, d->conf.host_name) != 0) {
			continue;
		}
		memset(&out[n], 0, sizeof(out[n]));
		snprintf(out[n].name, sizeof(out[n].name), "%s", name);
		for (j = 0; j < d->last_inv.n_vms; j++) {
			if (strcmp(d->last_inv.vms[j].name, name) == 0) {
				snprintf(out[n].uuid, sizeof(out[n].uuid), "%s",
				         d->last_inv.vms[j].uuid);
			}
		}
		n++;
	}
	return n;
}

/* Every tick: the VMs the self-fence stops, its outcome, its record for the storage thread. */
void vmhad_guard_tick(struct daemon *d)
{
	static struct vmha_sfworker_vm vms[VMHA_MSG_MAX_VMS];
	struct vmha_sfworker_vm *rec = NULL;
	size_t n = guard_vms(d, vms, VMHA_MSG_MAX_VMS);
	bool complete = false;
	bool fenced;
	char *slot = NULL;

	vmha_selfguard_set_vms(d->guard, vms, n);
	fenced = vmha_selfguard_self_fenced(d->guard);
	if (fenced != d->self_fenced) {
		if (fenced) {
			remember_text(d, "self_fenced", d->conf.host_name, "protected vms stopped");
		}
		vmha_coordinator_set_self_fenced(d->co, fenced);
	}
	d->self_fenced = fenced;
	if (!vmha_selfguard_take_record(d->guard, &rec, &n, &complete)) {
		return;
	}
	if (d->storage == NULL ||
	    asprintf(&slot, "%s/%s.slot", d->conf.storage_dir, d->conf.host_name) < 0) {
		free(rec);
		return;
	}
	(void)vmha_storage_worker_set_record(d->storage, slot, d->conf.host_name, rec, n, complete);
	free(slot);
}

/* Protected VMs still running here, for the watchdog's disarm rule. */
size_t vmhad_protected_running_here(struct daemon *d)
{
	static struct vmha_sfworker_vm vms[VMHA_MSG_MAX_VMS];

	return guard_vms(d, vms, VMHA_MSG_MAX_VMS);
}

static void on_actuator_result(struct daemon *d, const struct vmha_actuator_result *r)
{
	uint64_t now = vmha_clock_now_ms();

	if (r->kind == VMHA_ACTUATOR_FENCE) {
		if (r->ok) {
			vmha_notice("host '%s' fenced in %" PRIu64 " ms: %s", r->host,
			            r->duration_ms, r->text);
		}
		vmha_notify_fence_result(d->notify, r->host, r->ok, r->duration_ms, r->text);
		vmha_coordinator_fence_done(d->co, now, r->host, r->ok, r->text);
		return;
	}
	if (r->ok) {
		vmha_notice("vm '%s' started in %" PRIu64 " ms", r->vm, r->duration_ms);
	} else if (!r->unknown) {
		vmha_err("vm '%s' did not start: %s", r->vm, r->text);
	}
	vmha_notify_start_result(d->notify, r->vm, r->ok, r->unknown, r->duration_ms, r->text);
	d->last_start_result_ms = now;
	vmha_coordinator_start_done(d->co, now, r->vm, r->ok, r->unknown, r->text);
}

static int32_t on_actuator_fd(int32_t fd, int32_t revents, void *data)
{
	struct daemon *d = data;
	struct vmha_actuator_result r;

	(void)fd;
	(void)revents;
	while (vmha_actuator_take(d->act, &r)) {
		on_actuator_result(d, &r);
	}
	return 0;
}

int vmhad_setup_failover(struct daemon *d)
{
	struct vmha_failover_config fc = {0};
	struct vmha_coordinator_ops ops = {
	        .opaque = d,
	        .send = vmhad_cpg_send,
	        .start = co_start,
	        .fence = co_fence,
	        .remember = co_remember,
	};
	char err[512];
	int rc = 0;

	if (d->conf.fence_config[0] != '\0') {
		rc = vmha_fence_config_load(d->conf.fence_config, &d->fence_cfg, err, sizeof(err));
		if (rc == 0) {
			rc = vmha_fence_config_validate(d->fence_cfg, vmha_deadline_in_ms(30000),
			                                err, sizeof(err));
		}
		if (rc < 0) {
			vmha_err("fencing configuration: %s", err);
			return rc;
		}
	} else {
		vmha_warn("no fence_config: a down host counts as fenced only when its storage "
		          "slot says it fenced itself, or after restart_delay (%" PRIu64 " ms) "
		          "when it announced a watchdog",
		          d->conf.restart_delay_ms);
	}
	fc.self_name = d->conf.host_name;
	fc.max_parallel_starts = d->conf.max_parallel_starts;
	fc.fence_device = d->fence_cfg != NULL;
	fc.restart_delay_ms = d->conf.restart_delay_ms;
	fc.fence_retry_ms = FENCE_RETRY_MS;
	fc.recover_limits = true;
	fc.max_restart = d->conf.max_restart;
	fc.max_relocate = d->conf.max_relocate;
	/* a start of the vmhad before (it crashed) ends within its start_timeout */
	fc.start_grace_ms = d->conf.start_timeout_ms;
	d->co = vmha_coordinator_new(&fc, &ops);
	d->fo = vmha_coordinator_failover(d->co);
	d->act = vmha_actuator_new();
	d->rl = vmha_regload_new(d->conf.registry_dir);
	if (d->co == NULL || d->act == NULL || d->rl == NULL) {
		return -ENOMEM;
	}
	vmhad_registry_refresh(d);
	return 0;
}

int vmhad_watch_failover(struct daemon *d)
{
	int rc = qb_loop_poll_add(d->loop, QB_LOOP_HIGH, vmha_actuator_fd(d->act), POLLIN, d,
	                          on_actuator_fd);

	if (rc == 0) {
		rc = qb_loop_poll_add(d->loop, QB_LOOP_HIGH, vmha_regload_fd(d->rl), POLLIN, d,
		                      on_regload_fd);
	}
	if (rc < 0) {
		vmha_err("cannot watch the failover actuator: %s", strerror(-rc));
		return rc;
	}
	return vmhad_health_setup(d);
}

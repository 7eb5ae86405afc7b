/* Live migration of one domain (see migration.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "domxml.h"
#include "log.h"
#include "migration.h"
#include "precheck.h"

/* Keepalive probe interval for the target connection. */
#define KEEPALIVE_S 2
/* Longest the target's libvirtd may take to accept a connection. */
#define OPEN_TIMEOUT_MS 10000
/* the first look at a running migration's progress (then every poll_ms) */
#define FIRST_POLL_MS 200

struct vmha_migration_progress {
	uint64_t elapsed_ms;
	uint64_t remaining_bytes;
	uint64_t total_bytes;
	uint64_t rate_bps;
	uint64_t dirty_rate_pps;
	uint64_t iteration;
	uint64_t disk_total_bytes;
	uint64_t disk_processed_bytes;
	bool postcopy;
};

struct vmha_migration {
	struct vmha_virt_domain *dom;
	struct vmha_migspec *spec;
	struct vmha_virt *dv;
	struct vmha_virt_job *job;
	char *target;
	char name[256];
	char uuid[VIR_UUID_STRING_BUFLEN];
	uint64_t poll_ms;
	vmha_migration_progress_fn progress_fn;
	void *progress_opaque;
	volatile sig_atomic_t *cancel;
	struct vmha_migration_progress last;
	/* the most left in the current pass, and in the one before */
	uint64_t first_iteration;
	uint64_t pass_iteration;
	uint64_t pass_peak_bytes;
	uint64_t prev_pass_peak_bytes;
	char reason[1024];
};

static int fail(struct vmha_migration *m, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->reason, sizeof(m->reason), fmt, ap);
	va_end(ap);
	return rc;
}

struct vmha_migration *vmha_migration_new_spec(struct vmha_virt_domain *dom, const char *target,
                                               struct vmha_migspec *spec)
{
	struct vmha_migration *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		vmha_migspec_free(spec);
		return NULL;
	}
	m->dom = dom;
	m->spec = spec;
	m->target = strdup(target);
	if (m->target == NULL || m->spec == NULL || vmha_migspec_remote_uri(spec) == NULL) {
		vmha_migration_free(m);
		return NULL;
	}
	snprintf(m->name, sizeof(m->name), "%s", vmha_virt_domain_name(dom));
	if (vmha_virt_domain_uuid(dom, m->uuid) < 0) {
		m->uuid[0] = '\0';
	}
	m->poll_ms = 1000;
	return m;
}

struct vmha_migration *vmha_migration_new(struct vmha_virt_domain *dom, const char *target,
                                          const char *dconnuri)
{
	return vmha_migration_new_spec(dom, target, vmha_migspec_new(dconnuri));
}

void vmha_migration_free(struct vmha_migration *m)
{
	if (m == NULL) {
		return;
	}
	vmha_virt_job_free(m->job);
	vmha_virt_free(m->dv);
	vmha_migspec_free(m->spec);
	free(m->target);
	free(m);
}

struct vmha_migspec *vmha_migration_spec(struct vmha_migration *m)
{
	return m->spec;
}

int vmha_migration_set_params(struct vmha_migration *m, unsigned int flags,
                              virTypedParameterPtr params, int nparams)
{
	return vmha_migspec_set_params(m->spec, flags, params, nparams) < 0 ? -ENOMEM : 0;
}

int vmha_migration_add_copy_storage(struct vmha_migration *m, bool incremental, const char *dev)
{
	vmha_migspec_add_flags(m->spec, incremental ? VIR_MIGRATE_NON_SHARED_INC
	                                            : VIR_MIGRATE_NON_SHARED_DISK);
	return vmha_migspec_add_string(m->spec, VIR_MIGRATE_PARAM_MIGRATE_DISKS, dev);
}

void vmha_migration_set_max_downtime(struct vmha_migration *m, uint64_t downtime_ms)
{
	vmha_migspec_set_max_downtime(m->spec, downtime_ms);
}

void vmha_migration_set_postcopy(struct vmha_migration *m, unsigned int after_iterations,
                                 bool after_first_pass)
{
	vmha_migspec_set_postcopy(m->spec, after_iterations, after_first_pass);
}

void vmha_migration_set_start_resources(struct vmha_migration *m, bool start_resources)
{
	vmha_migspec_set_start_resources(m->spec, start_resources);
}

int vmha_migration_set_cpu_xml(struct vmha_migration *m, const char *cpu_xml)
{
	return vmha_migspec_set_cpu_xml(m->spec, cpu_xml);
}

void vmha_migration_set_progress_fn(struct vmha_migration *m, vmha_migration_progress_fn fn,
                                    void *opaque)
{
	m->progress_fn = fn;
	m->progress_opaque = opaque;
}

void vmha_migration_set_cancel(struct vmha_migration *m, volatile sig_atomic_t *cancel)
{
	m->cancel = cancel;
}

void vmha_migration_set_poll_ms(struct vmha_migration *m, uint64_t poll_ms)
{
	m->poll_ms = poll_ms > 0 ? poll_ms : 1000;
}

static int connect_target(struct vmha_migration *m, uint64_t deadline_ms)
{
	uint64_t d = vmha_deadline_in_ms(OPEN_TIMEOUT_MS);
	int rc = 0;

	if (m->dv != NULL) {
		goto out;
	}
	rc = vmha_virt_open(vmha_migspec_remote_uri(m->spec), KEEPALIVE_S,
	                    d < deadline_ms ? d : deadline_ms, &m->dv);
	if (rc < 0) {
		rc = fail(m, -EHOSTUNREACH, "target libvirtd '%s' of host '%s' is unreachable: %s",
		          vmha_migspec_remote_uri(m->spec), m->target, vmha_virt_open_error());
	}
out:
	return rc;
}

int vmha_migration_precheck(struct vmha_migration *m, uint64_t deadline_ms)
{
	struct vmha_precheck *pc = vmha_precheck_new(m->dom, m->target, m->spec);
	int rc;

	m->reason[0] = '\0';
	if (pc == NULL) {
		rc = fail(m, -ENOMEM, "out of memory");
		goto out;
	}
	rc = vmha_precheck_run(pc, deadline_ms);
	if (rc < 0) {
		fail(m, rc, "%s", vmha_precheck_reason(pc));
		goto out;
	}
	/* the connection serves the arrival check */
	vmha_virt_free(m->dv);
	m->dv = vmha_precheck_take_target(pc);
out:
	vmha_precheck_free(pc);
	return rc;
}

uint64_t vmha_migration_eta_ms(uint64_t remaining_bytes, uint64_t rate_bps)
{
	if (rate_bps == 0) {
		return UINT64_MAX;
	}
	if (remaining_bytes > UINT64_MAX / 1000) {
		return remaining_bytes / rate_bps * 1000;
	}
	return remaining_bytes * 1000 / rate_bps;
}

bool vmha_migration_would_miss(uint64_t now_ms, uint64_t abort_ms, uint64_t pass_bytes,
                               uint64_t rate_bps, uint64_t slack_ms)
{
	uint64_t eta_ms = vmha_migration_eta_ms(pass_bytes, rate_bps);

	if (rate_bps == 0) {
		return false;
	}
	return eta_ms >= abort_ms || now_ms + eta_ms + slack_ms > abort_ms;
}

/* Track the most left per pass (see vmha_migration_would_miss()). */
static uint64_t pass_bytes(struct vmha_migration *m, uint64_t iteration, uint64_t remaining)
{
	if (m->first_iteration == UINT64_MAX) {
		m->first_iteration = iteration;
		m->pass_iteration = iteration;
	}
	if (iteration != m->pass_iteration) {
		/* the first pass's peak is the whole memory, not what a pass resends */
		m->prev_pass_peak_bytes =
		        m->pass_iteration == m->first_iteration ? 0 : m->pass_peak_bytes;
		m->pass_peak_bytes = 0;
		m->pass_iteration = iteration;
	}
	if (remaining > m->pass_peak_bytes) {
		m->pass_peak_bytes = remaining;
	}
	/* the first pass sends everything once: what is left of it is the estimate
	 * (libvirt counts it as iteration 0 or 1, depending on the version) */
	if (iteration == m->first_iteration) {
		return remaining;
	}
	return m->pass_peak_bytes > m->prev_pass_peak_bytes ? m->pass_peak_bytes
	                                                    : m->prev_pass_peak_bytes;
}

/* One poll while the job runs: progress, downtime, post-copy. */
static void poll_progress(struct vmha_migration *m, uint64_t abort_ms, uint64_t deadline_ms,
                          bool *downtime_set, bool *postcopy_started)
{
	struct vmha_virt_job_stats *st = NULL;
	uint64_t remaining_bytes = 0;
	uint64_t total_bytes = 0;
	uint64_t rate_bps = 0;
	uint64_t dirty_rate_pps = 0;
	uint64_t iteration = 0;
	bool after_n = false;
	bool eta_late = false;

	if (!*downtime_set && vmha_migspec_max_downtime_ms(m->spec) > 0 &&
	    vmha_virt_domain_set_max_downtime(m->dom, vmha_migspec_max_downtime_ms(m->spec),
	                                      deadline_ms) == 0) {
		*downtime_set = true;
	}
	st = vmha_virt_job_stats_new();
	if (st == NULL || vmha_virt_domain_get_job_stats(m->dom, deadline_ms, st) < 0 ||
	    vmha_virt_job_stats_type(st) == VIR_DOMAIN_JOB_NONE) {
		goto out;
	}
	remaining_bytes = vmha_virt_job_stats_remaining_bytes(st);
	total_bytes = vmha_virt_job_stats_total_bytes(st);
	rate_bps = vmha_virt_job_stats_bandwidth_bps(st);
	dirty_rate_pps = vmha_virt_job_stats_dirty_rate_pps(st);
	iteration = vmha_virt_job_stats_iteration(st);
	m->last.elapsed_ms = vmha_virt_job_stats_elapsed_ms(st);
	m->last.remaining_bytes = remaining_bytes;
	m->last.total_bytes = total_bytes;
	m->last.rate_bps = rate_bps;
	m->last.dirty_rate_pps = dirty_rate_pps;
	m->last.iteration = iteration;
	m->last.disk_total_bytes = vmha_virt_job_stats_disk_total_bytes(st);
	m->last.disk_processed_bytes = vmha_virt_job_stats_disk_processed_bytes(st);
	m->last.postcopy = vmha_virt_job_stats_postcopy(st) || *postcopy_started;
	vmha_info("migration of '%s' to '%s': %" PRIu64 " of %" PRIu64
	          " MiB left, iteration %" PRIu64 ", dirty rate %" PRIu64 " pages/s, %" PRIu64
	          " MiB/s",
	          m->name, m->target, remaining_bytes >> 20, total_bytes >> 20, iteration,
	          dirty_rate_pps, rate_bps >> 20);
	if (m->progress_fn != NULL) {
		m->progress_fn(&m->last, m->progress_opaque);
	}
	if (!(vmha_migspec_flags(m->spec) & VIR_MIGRATE_POSTCOPY) || *postcopy_started) {
		goto out;
	}
	/* the iteration rules wait for the first pass; the deadline does not (a
	 * slow first pass, e.g. after slow pre-checks, would end in an abort) */
	after_n = iteration >= 1 && vmha_migspec_postcopy_after(m->spec) > 0 &&
	          iteration >= vmha_migspec_postcopy_after(m->spec);
	/* slack: two polls and the switch itself */
	eta_late = vmha_migration_would_miss(vmha_clock_now_ms(), abort_ms,
	                                     pass_bytes(m, iteration, remaining_bytes), rate_bps,
	                                     2 * m->poll_ms + 1000);
	if (after_n || (iteration >= 1 && vmha_migspec_postcopy_after_first(m->spec)) || eta_late) {
		vmha_notice("switching the migration of '%s' to post-copy (%s)", m->name,
		            eta_late ? "would miss the deadline" : "iterations");
		if (vmha_virt_domain_start_postcopy(m->dom, deadline_ms) == 0) {
			*postcopy_started = true;
		}
	}
out:
	vmha_virt_job_stats_free(st);
}

/* Abort the job and wait for it; 0 when it finished after all. */
static int abort_job(struct vmha_migration *m, int why, uint64_t deadline_ms)
{
	int state = 0;
	int reason = 0;
	int rc;

	vmha_virt_domain_abort_job(m->dom, deadline_ms);
	rc = vmha_virt_job_wait(m->job, deadline_ms);
	if (rc == 0) {
		vmha_notice("migration of '%s' to '%s' finished while being aborted", m->name,
		            m->target);
		goto out;
	}
	if (vmha_virt_domain_get_state(m->dom, deadline_ms, &state, &reason) < 0) {
		state = VIR_DOMAIN_NOSTATE;
	}
	rc = fail(m, why, "migration of '%s' to '%s' aborted %s; the domain is %s on the source",
	          m->name, m->target, why == -ECANCELED ? "on request" : "before the deadline",
	          vmha_virt_state_name(state));
out:
	return rc;
}

int vmha_migration_run(struct vmha_migration *m, uint64_t abort_ms, uint64_t deadline_ms)
{
	bool downtime_set = false;
	bool postcopy_started = false;
	virTypedParameterPtr params;
	unsigned int polls;
	int nparams = 0;
	int rc;

	m->reason[0] = '\0';
	memset(&m->last, 0, sizeof(m->last));
	m->first_iteration = UINT64_MAX;
	m->pass_iteration = 0;
	m->pass_peak_bytes = 0;
	m->prev_pass_peak_bytes = 0;
	if (abort_ms > deadline_ms) {
		abort_ms = deadline_ms;
	}
	vmha_virt_job_free(m->job);
	m->job = NULL;
	params = vmha_migspec_params(m->spec, &nparams);
	rc = vmha_virt_domain_migrate_start(m->dom, vmha_migspec_remote_uri(m->spec), params,
	                                    nparams, vmha_migspec_flags(m->spec), &m->job);
	if (rc < 0) {
		rc = fail(m, -EIO, "cannot start the migration of '%s' to '%s': %s", m->name,
		          m->target, vmha_virt_domain_error(m->dom));
		goto out;
	}
	for (polls = 0;; polls++) {
		/* the first look comes early: a short migration still shows progress */
		uint64_t wait_ms = vmha_deadline_in_ms(
		        polls == 0 && m->poll_ms > FIRST_POLL_MS ? FIRST_POLL_MS : m->poll_ms);
		/* a migration in post-copy cannot be aborted: it may use the deadline */
		uint64_t until_ms = postcopy_started ? deadline_ms : abort_ms;

		rc = vmha_virt_job_wait(m->job, wait_ms < until_ms ? wait_ms : until_ms);
		if (rc != -EINPROGRESS) {
			break;
		}
		if (m->cancel != NULL && *m->cancel) {
			vmha_warn("migration of '%s' to '%s' cancelled: aborting it", m->name,
			          m->target);
			rc = abort_job(m, -ECANCELED, deadline_ms);
			goto out;
		}
		if (vmha_deadline_expired(until_ms)) {
			vmha_err(
			        "migration of '%s' to '%s' would outlast its deadline: aborting it",
			        m->name, m->target);
			rc = abort_job(m, -ETIMEDOUT, deadline_ms);
			goto out;
		}
		poll_progress(m, abort_ms, deadline_ms, &downtime_set, &postcopy_started);
	}
	if (rc < 0) {
		rc = fail(m, -EIO, "live migration of '%s' to '%s' failed: %s", m->name, m->target,
		          vmha_virt_job_error(m->job));
		goto out;
	}
	vmha_notice("domain '%s' migrated to '%s'", m->name, m->target);
out:
	return rc;
}

int vmha_migration_verify_arrival(struct vmha_migration *m, uint64_t deadline_ms)
{
	struct vmha_virt_domain *there = NULL;
	int state = 0;
	int reason = 0;
	int rc;

	m->reason[0] = '\0';
	rc = connect_target(m, deadline_ms);
	if (rc < 0) {
		goto out;
	}
	rc = vmha_virt_domain_lookup(m->dv, m->uuid, m->name, deadline_ms, &there);
	if (rc == -ENOENT) {
		rc = fail(m, -ESRCH, "domain '%s' did not arrive on '%s'", m->name, m->target);
		goto out;
	}
	if (rc == 0) {
		rc = vmha_virt_domain_get_state(there, deadline_ms, &state, &reason);
	}
	if (rc < 0) {
		rc = fail(m, rc, "cannot ask '%s' about domain '%s': %s", m->target, m->name,
		          vmha_virt_error(m->dv));
		goto out;
	}
	if (state != VIR_DOMAIN_RUNNING) {
		rc = fail(m, -ESRCH, "domain '%s' is %s on '%s' after the migration", m->name,
		          vmha_virt_state_name(state), m->target);
	}
out:
	vmha_virt_domain_free(there);
	return rc;
}

const char *vmha_migration_reason(const struct vmha_migration *m)
{
	return m->reason;
}

const struct vmha_migration_progress *vmha_migration_last_progress(const struct vmha_migration *m)
{
	return &m->last;
}

uint64_t vmha_migration_progress_elapsed_ms(const struct vmha_migration_progress *p)
{
	return p->elapsed_ms;
}

uint64_t vmha_migration_progress_remaining_bytes(const struct vmha_migration_progress *p)
{
	return p->remaining_bytes;
}

uint64_t vmha_migration_progress_total_bytes(const struct vmha_migration_progress *p)
{
	return p->total_bytes;
}

uint64_t vmha_migration_progress_rate_bps(const struct vmha_migration_progress *p)
{
	return p->rate_bps;
}

uint64_t vmha_migration_progress_dirty_rate_pps(const struct vmha_migration_progress *p)
{
	return p->dirty_rate_pps;
}

uint64_t vmha_migration_progress_iteration(const struct vmha_migration_progress *p)
{
	return p->iteration;
}

uint64_t vmha_migration_progress_disk_total_bytes(const struct vmha_migration_progress *p)
{
	return p->disk_total_bytes;
}

uint64_t vmha_migration_progress_disk_processed_bytes(const struct vmha_migration_progress *p)
{
	return p->disk_processed_bytes;
}

bool vmha_migration_progress_postcopy(const struct vmha_migration_progress *p)
{
	return p->postcopy;
}

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

/* Keepalive probe interval for the target connection. */
#define KEEPALIVE_S 2
/* Longest the target's libvirtd may take to accept a connection. */
#define OPEN_TIMEOUT_MS 10000

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
	struct vmha_virt *dv;
	struct vmha_virt_job *job;
	char *target;
	char *dconnuri;
	char name[256];
	char uuid[VIR_UUID_STRING_BUFLEN];
	unsigned int flags;
	virTypedParameterPtr params;
	int nparams;
	uint64_t downtime_ms;
	unsigned int postcopy_after;
	bool postcopy_after_first;
	bool start_resources;
	char *cpu_xml;
	uint64_t poll_ms;
	vmha_migration_progress_fn progress_fn;
	void *progress_opaque;
	volatile sig_atomic_t *cancel;
	struct vmha_migration_progress last;
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

struct vmha_migration *vmha_migration_new(struct vmha_virt_domain *dom, const char *target,
                                          const char *dconnuri)
{
	struct vmha_migration *m = calloc(1, sizeof(*m));

	if (m == NULL)
		goto fail;
	m->dom = dom;
	m->target = strdup(target);
	m->dconnuri = strdup(dconnuri);
	if (m->target == NULL || m->dconnuri == NULL)
		goto fail;
	snprintf(m->name, sizeof(m->name), "%s", vmha_virt_domain_name(dom));
	if (vmha_virt_domain_uuid(dom, m->uuid) < 0)
		m->uuid[0] = '\0';
	m->flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER;
	m->poll_ms = 1000;
	return m;
fail:
	vmha_migration_free(m);
	return NULL;
}

void vmha_migration_free(struct vmha_migration *m)
{
	if (m == NULL)
		return;
	vmha_virt_job_free(m->job);
	vmha_virt_free(m->dv);
	virTypedParamsFree(m->params, m->nparams);
	free(m->target);
	free(m->dconnuri);
	free(m->cpu_xml);
	free(m);
}

int vmha_migration_set_params(struct vmha_migration *m, unsigned int flags,
                              virTypedParameterPtr params, int nparams)
{
	int max = 0;
	int i;
	int rc = 0;

	virTypedParamsFree(m->params, m->nparams);
	m->params = NULL;
	m->nparams = 0;
	m->flags = flags;
	for (i = 0; i < nparams && rc == 0; i++) {
		const virTypedParameter *p = &params[i];

		switch (p->type) {
		case VIR_TYPED_PARAM_STRING:
			rc = virTypedParamsAddString(&m->params, &m->nparams, &max, p->field,
			                             p->value.s);
			break;
		case VIR_TYPED_PARAM_INT:
			rc = virTypedParamsAddInt(&m->params, &m->nparams, &max, p->field,
			                          p->value.i);
			break;
		case VIR_TYPED_PARAM_UINT:
			rc = virTypedParamsAddUInt(&m->params, &m->nparams, &max, p->field,
			                           p->value.ui);
			break;
		case VIR_TYPED_PARAM_LLONG:
			rc = virTypedParamsAddLLong(&m->params, &m->nparams, &max, p->field,
			                            p->value.l);
			break;
		case VIR_TYPED_PARAM_ULLONG:
			rc = virTypedParamsAddULLong(&m->params, &m->nparams, &max, p->field,
			                             p->value.ul);
			break;
		case VIR_TYPED_PARAM_DOUBLE:
			rc = virTypedParamsAddDouble(&m->params, &m->nparams, &max, p->field,
			                             p->value.d);
			break;
		case VIR_TYPED_PARAM_BOOLEAN:
			rc = virTypedParamsAddBoolean(&m->params, &m->nparams, &max, p->field,
			                              p->value.b);
			break;
		default:
			rc = -1;
			break;
		}
	}
	return rc < 0 ? -ENOMEM : 0;
}

int vmha_migration_add_copy_storage(struct vmha_migration *m, bool incremental, const char *dev)
{
	int max = m->nparams;

	m->flags |= incremental ? VIR_MIGRATE_NON_SHARED_INC : VIR_MIGRATE_NON_SHARED_DISK;
	if (virTypedParamsAddString(&m->params, &m->nparams, &max, VIR_MIGRATE_PARAM_MIGRATE_DISKS,
	                            dev) < 0)
		return -ENOMEM;
	return 0;
}

void vmha_migration_set_max_downtime(struct vmha_migration *m, uint64_t downtime_ms)
{
	m->downtime_ms = downtime_ms;
}

void vmha_migration_set_postcopy(struct vmha_migration *m, unsigned int after_iterations,
                                 bool after_first_pass)
{
	m->postcopy_after = after_iterations;
	m->postcopy_after_first = after_first_pass;
}

void vmha_migration_set_start_resources(struct vmha_migration *m, bool start_resources)
{
	m->start_resources = start_resources;
}

int vmha_migration_set_cpu_xml(struct vmha_migration *m, const char *cpu_xml)
{
	free(m->cpu_xml);
	m->cpu_xml = NULL;
	if (cpu_xml != NULL && (m->cpu_xml = strdup(cpu_xml)) == NULL)
		return -ENOMEM;
	return 0;
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

	if (m->dv != NULL)
		goto out;
	rc = vmha_virt_open(m->dconnuri, KEEPALIVE_S, d < deadline_ms ? d : deadline_ms, &m->dv);
	if (rc < 0)
		rc = fail(m, -EHOSTUNREACH, "target libvirtd '%s' of host '%s' is unreachable: %s",
		          m->dconnuri, m->target, vmha_virt_open_error());
out:
	return rc;
}

static int check_not_active(struct vmha_migration *m, uint64_t deadline_ms)
{
	struct vmha_virt_domain *there = NULL;
	int state = 0;
	int reason = 0;
	int rc = 0;

	/* by UUID, then by name: libvirt refuses either clash */
	if (vmha_virt_domain_lookup(m->dv, m->uuid, m->name, deadline_ms, &there) < 0)
		vmha_virt_domain_lookup(m->dv, NULL, m->name, deadline_ms, &there);
	if (there != NULL && vmha_virt_domain_get_state(there, deadline_ms, &state, &reason) == 0 &&
	    state != VIR_DOMAIN_SHUTOFF)
		rc = fail(m, -EEXIST, "domain '%s' is already active on '%s' (%s)", m->name,
		          m->target, vmha_virt_state_name(state));
	vmha_virt_domain_free(there);
	return rc;
}

static int check_disks(struct vmha_migration *m, const struct vmha_domxml *dx, uint64_t deadline_ms)
{
	enum vmha_virt_disk found = VMHA_VIRT_DISK_UNCHECKED;
	char pool[256];
	size_t i;
	int rc = 0;

	/* disks copied by the migration need not exist on the target */
	if (m->flags & (VIR_MIGRATE_NON_SHARED_DISK | VIR_MIGRATE_NON_SHARED_INC))
		goto out;
	for (i = 0; i < vmha_domxml_disk_count(dx); i++) {
		const char *path = vmha_domxml_disk(dx, i);

		rc = vmha_virt_disk_check(m->dv, path, deadline_ms, &found, pool, sizeof(pool));
		if (rc < 0) {
			rc = fail(m, rc, "cannot check disk '%s' of domain '%s' on '%s': %s", path,
			          m->name, m->target, vmha_virt_error(m->dv));
			goto out;
		}
		if (found == VMHA_VIRT_DISK_MISSING) {
			rc = fail(m, -ENOENT,
			          "disk '%s' of domain '%s' does not exist on '%s' (storage pool "
			          "'%s')",
			          path, m->name, m->target, pool);
			goto out;
		}
		if (found == VMHA_VIRT_DISK_UNCHECKED)
			/* libvirt itself fails the migration before any memory
			 * moves when the target's QEMU cannot open the disk */
			vmha_notice("disk '%s' of domain '%s' cannot be checked on '%s': no active "
			            "storage pool there covers its directory",
			            path, m->name, m->target);
		else
			vmha_debug("disk '%s' of domain '%s' exists on '%s'", path, m->name,
			           m->target);
	}
out:
	return rc;
}

static int check_resources(struct vmha_migration *m, const struct vmha_domxml *dx,
                           uint64_t deadline_ms)
{
	uint64_t free_bytes = 0;
	bool ok = false;
	size_t i;
	int rc = 0;

	if (vmha_virt_node_free_memory(m->dv, deadline_ms, &free_bytes) == 0 &&
	    free_bytes / 1024 < vmha_domxml_memory_kib(dx)) {
		rc = fail(m, -ENOMEM,
		          "'%s' has %" PRIu64 " MiB free, domain '%s' needs %" PRIu64 " MiB",
		          m->target, free_bytes / 1024 / 1024, m->name,
		          vmha_domxml_memory_kib(dx) / 1024);
		goto out;
	}
	for (i = 0; i < vmha_domxml_network_count(dx); i++) {
		const char *net = vmha_domxml_network(dx, i);

		if (m->start_resources)
			rc = vmha_virt_network_ensure_active(m->dv, net, deadline_ms);
		else
			rc = vmha_virt_network_is_active(m->dv, net, deadline_ms, &ok);
		if (rc < 0 || (!m->start_resources && !ok)) {
			rc = fail(m, -ENODEV, "virtual network '%s' is not active on '%s'", net,
			          m->target);
			goto out;
		}
	}
	for (i = 0; i < vmha_domxml_bridge_count(dx); i++) {
		const char *br = vmha_domxml_bridge(dx, i);

		rc = vmha_virt_interface_exists(m->dv, br, deadline_ms, &ok);
		if (rc == 0 && !ok) {
			rc = fail(m, -ENODEV, "bridge '%s' does not exist on '%s'", br, m->target);
			goto out;
		}
		if (rc < 0)
			vmha_info("cannot check bridge '%s' on '%s': %s", br, m->target,
			          vmha_virt_error(m->dv));
		rc = 0;
	}
	for (i = 0; i < vmha_domxml_pool_count(dx) && m->start_resources; i++) {
		rc = vmha_virt_pool_ensure_active(m->dv, vmha_domxml_pool(dx, i), deadline_ms);
		if (rc < 0) {
			rc = fail(m, -ENODEV, "storage pool '%s' cannot be started on '%s'",
			          vmha_domxml_pool(dx, i), m->target);
			goto out;
		}
	}
	rc = check_disks(m, dx, deadline_ms);
	if (rc < 0)
		goto out;
	/* the configured CPU only: the live definition has every guest's CPU
	 * expanded to a model and features, which a comparison with the
	 * target's host CPU would wrongly refuse (libvirt checks the guest
	 * CPU itself when the migration begins) */
	if (m->cpu_xml != NULL && strstr(m->cpu_xml, "host-passthrough") == NULL &&
	    strstr(m->cpu_xml, "host-model") == NULL && strstr(m->cpu_xml, "<model") != NULL) {
		rc = vmha_virt_compare_cpu(m->dv, vmha_domxml_type(dx), m->cpu_xml, deadline_ms);
		if (rc == -EINVAL) {
			rc = fail(m, -EINVAL, "the CPU of domain '%s' is not compatible with '%s'",
			          m->name, m->target);
			goto out;
		}
		rc = 0;
	}
out:
	return rc;
}

int vmha_migration_precheck(struct vmha_migration *m, uint64_t deadline_ms)
{
	struct vmha_domxml *dx = NULL;
	char *xml = NULL;
	char err[512] = "";
	int rc;

	m->reason[0] = '\0';
	rc = connect_target(m, deadline_ms);
	if (rc < 0)
		goto out;
	rc = check_not_active(m, deadline_ms);
	if (rc < 0)
		goto out;
	/* the live definition is what migrates (not a config file on disk) */
	rc = vmha_virt_domain_get_xml(m->dom, VIR_DOMAIN_XML_MIGRATABLE, deadline_ms, &xml);
	if (rc < 0) {
		rc = fail(m, rc, "cannot read the definition of domain '%s': %s", m->name,
		          vmha_virt_domain_error(m->dom));
		goto out;
	}
	rc = vmha_domxml_parse_string(xml, &dx, err, sizeof(err));
	if (rc < 0) {
		rc = fail(m, rc, "cannot parse the definition of domain '%s': %s", m->name, err);
		goto out;
	}
	rc = check_resources(m, dx, deadline_ms);
out:
	vmha_domxml_free(dx);
	free(xml);
	return rc;
}

uint64_t vmha_migration_eta_ms(uint64_t remaining_bytes, uint64_t rate_bps)
{
	if (rate_bps == 0)
		return UINT64_MAX;
	if (remaining_bytes > UINT64_MAX / 1000)
		return remaining_bytes / rate_bps * 1000;
	return remaining_bytes * 1000 / rate_bps;
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

	if (!*downtime_set && m->downtime_ms > 0 &&
	    vmha_virt_domain_set_max_downtime(m->dom, m->downtime_ms, deadline_ms) == 0)
		*downtime_set = true;
	st = vmha_virt_job_stats_new();
	if (st == NULL || vmha_virt_domain_get_job_stats(m->dom, deadline_ms, st) < 0 ||
	    vmha_virt_job_stats_type(st) == VIR_DOMAIN_JOB_NONE)
		goto out;
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
	if (m->progress_fn != NULL)
		m->progress_fn(&m->last, m->progress_opaque);
	if (!(m->flags & VIR_MIGRATE_POSTCOPY) || *postcopy_started || iteration < 1)
		goto out;
	after_n = m->postcopy_after > 0 && iteration >= m->postcopy_after;
	eta_late =
	        rate_bps > 0 &&
	        vmha_clock_now_ms() + vmha_migration_eta_ms(remaining_bytes, rate_bps) > abort_ms;
	if (after_n || m->postcopy_after_first || eta_late) {
		vmha_notice("switching the migration of '%s' to post-copy (%s)", m->name,
		            eta_late ? "would miss the deadline" : "iterations");
		if (vmha_virt_domain_start_postcopy(m->dom, deadline_ms) == 0)
			*postcopy_started = true;
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
	if (vmha_virt_domain_get_state(m->dom, deadline_ms, &state, &reason) < 0)
		state = VIR_DOMAIN_NOSTATE;
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
	int rc;

	m->reason[0] = '\0';
	memset(&m->last, 0, sizeof(m->last));
	if (abort_ms > deadline_ms)
		abort_ms = deadline_ms;
	vmha_virt_job_free(m->job);
	m->job = NULL;
	rc = vmha_virt_domain_migrate_start(m->dom, m->dconnuri, m->params, m->nparams, m->flags,
	                                    &m->job);
	if (rc < 0) {
		rc = fail(m, -EIO, "cannot start the migration of '%s' to '%s': %s", m->name,
		          m->target, vmha_virt_domain_error(m->dom));
		goto out;
	}
	for (;;) {
		uint64_t wait_ms = vmha_deadline_in_ms(m->poll_ms);

		rc = vmha_virt_job_wait(m->job, wait_ms < abort_ms ? wait_ms : abort_ms);
		if (rc != -EINPROGRESS)
			break;
		if (m->cancel != NULL && *m->cancel) {
			vmha_warn("migration of '%s' to '%s' cancelled: aborting it", m->name,
			          m->target);
			rc = abort_job(m, -ECANCELED, deadline_ms);
			goto out;
		}
		if (vmha_deadline_expired(abort_ms)) {
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
	if (rc < 0)
		goto out;
	rc = vmha_virt_domain_lookup(m->dv, m->uuid, m->name, deadline_ms, &there);
	if (rc == -ENOENT) {
		rc = fail(m, -ESRCH, "domain '%s' did not arrive on '%s'", m->name, m->target);
		goto out;
	}
	if (rc == 0)
		rc = vmha_virt_domain_get_state(there, deadline_ms, &state, &reason);
	if (rc < 0) {
		rc = fail(m, rc, "cannot ask '%s' about domain '%s': %s", m->target, m->name,
		          vmha_virt_error(m->dv));
		goto out;
	}
	if (state != VIR_DOMAIN_RUNNING)
		rc = fail(m, -ESRCH, "domain '%s' is %s on '%s' after the migration", m->name,
		          vmha_virt_state_name(state), m->target);
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

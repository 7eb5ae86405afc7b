/* Migration jobs through the libvirt boundary (see virt_job.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include <pthread.h>

#include "virt.h"
#include "virt_call.h"

struct vmha_virt_job {
	struct vmha_virt_call *c;
};

/* libvirt has no public copy of typed parameters. */
static int params_copy(virTypedParameterPtr src, int n, virTypedParameterPtr *dst, int *ndst)
{
	int max = 0;
	int r = 0;
	int i;

	*dst = NULL;
	*ndst = 0;
	for (i = 0; i < n && r == 0; i++) {
		const virTypedParameter *p = &src[i];

		switch (p->type) {
		case VIR_TYPED_PARAM_INT:
			r = virTypedParamsAddInt(dst, ndst, &max, p->field, p->value.i);
			break;
		case VIR_TYPED_PARAM_UINT:
			r = virTypedParamsAddUInt(dst, ndst, &max, p->field, p->value.ui);
			break;
		case VIR_TYPED_PARAM_LLONG:
			r = virTypedParamsAddLLong(dst, ndst, &max, p->field, p->value.l);
			break;
		case VIR_TYPED_PARAM_ULLONG:
			r = virTypedParamsAddULLong(dst, ndst, &max, p->field, p->value.ul);
			break;
		case VIR_TYPED_PARAM_DOUBLE:
			r = virTypedParamsAddDouble(dst, ndst, &max, p->field, p->value.d);
			break;
		case VIR_TYPED_PARAM_BOOLEAN:
			r = virTypedParamsAddBoolean(dst, ndst, &max, p->field, p->value.b);
			break;
		case VIR_TYPED_PARAM_STRING:
			r = virTypedParamsAddString(dst, ndst, &max, p->field, p->value.s);
			break;
		default:
			r = -1;
		}
	}
	return r < 0 ? -ENOMEM : 0;
}

static int fn_migrate(struct vmha_virt_call *c)
{
	return virDomainMigrateToURI3(c->dom, c->s1, c->params, (unsigned int)c->nparams, c->flags);
}

int vmha_virt_domain_migrate_start(struct vmha_virt_domain *d, const char *dconnuri,
                                   virTypedParameterPtr params, int nparams, unsigned int flags,
                                   struct vmha_virt_job **out)
{
	struct vmha_virt_job *job = NULL;
	struct vmha_virt_call *c = NULL;
	int rc = 0;

	*out = NULL;
	if (d->v->wedged) {
		rc = -ETIMEDOUT;
		goto out;
	}
	job = calloc(1, sizeof(*job));
	c = vmha_virt_call_on_dom(d, fn_migrate);
	if (job == NULL || c == NULL || (c->s1 = strdup(dconnuri)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = params_copy(params, nparams, &c->params, &c->nparams);
	if (rc < 0) {
		goto out;
	}
	c->flags = flags;
	rc = vmha_virt_call_start(c);
	if (rc < 0) {
		goto out;
	}
	job->c = c;
	c = NULL;
	*out = job;
	job = NULL;
out:
	vmha_virt_call_unref(c);
	free(job);
	return rc;
}

int vmha_virt_job_wait(struct vmha_virt_job *job, uint64_t deadline_ms)
{
	int rc = vmha_virt_call_wait(job->c, deadline_ms);

	if (rc == -ETIMEDOUT) {
		return -EINPROGRESS;
	}
	return job->c->rc;
}

const char *vmha_virt_job_error(const struct vmha_virt_job *job)
{
	return job->c->error;
}

void vmha_virt_job_free(struct vmha_virt_job *job)
{
	bool done;

	if (job == NULL) {
		return;
	}
	pthread_mutex_lock(&job->c->lock);
	done = job->c->done;
	pthread_mutex_unlock(&job->c->lock);
	if (done) {
		pthread_join(job->c->thread, NULL);
	} else {
		pthread_detach(job->c->thread);
	}
	vmha_virt_call_unref(job->c);
	free(job);
}

static int fn_job_stats(struct vmha_virt_call *c)
{
	return virDomainGetJobStats(c->dom, &c->out_i1, &c->out_params, &c->out_nparams, 0);
}

static uint64_t param_u64(virTypedParameterPtr params, int nparams, const char *name)
{
	unsigned long long v = 0;

	if (virTypedParamsGetULLong(params, nparams, name, &v) <= 0) {
		v = 0;
	}
	return v;
}

struct vmha_virt_job_stats {
	int type;                      /* VIR_DOMAIN_JOB_* */
	uint64_t time_elapsed_ms;      /* since the job started */
	uint64_t data_total_bytes;     /* memory + disk to transfer */
	uint64_t data_remaining_bytes; /* left to transfer */
	uint64_t dirty_rate_pps;       /* pages dirtied per second */
	uint64_t iteration;            /* precopy iteration */
	uint64_t bandwidth_bps;        /* bytes per second (memory) */
	uint64_t disk_total_bytes;     /* disks to copy (storage migration) */
	uint64_t disk_processed_bytes; /* disks copied so far */
	bool postcopy;                 /* running in post-copy */
	int operation;                 /* VIR_DOMAIN_JOB_OPERATION_* (0: unknown) */
};

struct vmha_virt_job_stats *vmha_virt_job_stats_new(void)
{
	return calloc(1, sizeof(struct vmha_virt_job_stats));
}

void vmha_virt_job_stats_free(struct vmha_virt_job_stats *st)
{
	free(st);
}

int vmha_virt_job_stats_type(const struct vmha_virt_job_stats *st)
{
	return st->type;
}

uint64_t vmha_virt_job_stats_elapsed_ms(const struct vmha_virt_job_stats *st)
{
	return st->time_elapsed_ms;
}

uint64_t vmha_virt_job_stats_total_bytes(const struct vmha_virt_job_stats *st)
{
	return st->data_total_bytes;
}

uint64_t vmha_virt_job_stats_remaining_bytes(const struct vmha_virt_job_stats *st)
{
	return st->data_remaining_bytes;
}

uint64_t vmha_virt_job_stats_dirty_rate_pps(const struct vmha_virt_job_stats *st)
{
	return st->dirty_rate_pps;
}

uint64_t vmha_virt_job_stats_iteration(const struct vmha_virt_job_stats *st)
{
	return st->iteration;
}

uint64_t vmha_virt_job_stats_bandwidth_bps(const struct vmha_virt_job_stats *st)
{
	return st->bandwidth_bps;
}

bool vmha_virt_job_stats_postcopy(const struct vmha_virt_job_stats *st)
{
	return st->postcopy;
}

uint64_t vmha_virt_job_stats_disk_total_bytes(const struct vmha_virt_job_stats *st)
{
	return st->disk_total_bytes;
}

uint64_t vmha_virt_job_stats_disk_processed_bytes(const struct vmha_virt_job_stats *st)
{
	return st->disk_processed_bytes;
}

int vmha_virt_job_stats_operation(const struct vmha_virt_job_stats *st)
{
	return st->operation;
}

int vmha_virt_domain_get_job_stats(struct vmha_virt_domain *d, uint64_t deadline_ms,
                                   struct vmha_virt_job_stats *stats)
{
	struct vmha_virt_call *c = vmha_virt_call_on_dom(d, fn_job_stats);
	int rc = 0;

	memset(stats, 0, sizeof(*stats));
	if (c == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmha_virt_call_run(d->v, c, deadline_ms);
	if (rc < 0) {
		goto out;
	}
	stats->type = c->out_i1;
	stats->time_elapsed_ms =
	        param_u64(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_TIME_ELAPSED);
	stats->data_total_bytes =
	        param_u64(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_DATA_TOTAL);
	stats->data_remaining_bytes =
	        param_u64(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_DATA_REMAINING);
	stats->dirty_rate_pps =
	        param_u64(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE);
	stats->iteration =
	        param_u64(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_MEMORY_ITERATION);
	stats->bandwidth_bps = param_u64(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_MEMORY_BPS);
	stats->disk_total_bytes =
	        param_u64(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_DISK_TOTAL);
	stats->disk_processed_bytes =
	        param_u64(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_DISK_PROCESSED);
	stats->postcopy =
	        param_u64(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_MEMORY_POSTCOPY_REQS) > 0;
	if (virTypedParamsGetInt(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_OPERATION,
	                         &stats->operation) <= 0) {
		stats->operation = 0;
	}
out:
	vmha_virt_call_unref(c);
	return rc;
}

static int fn_abort_job(struct vmha_virt_call *c)
{
	return virDomainAbortJob(c->dom);
}

int vmha_virt_domain_abort_job(struct vmha_virt_domain *d, uint64_t deadline_ms)
{
	return vmha_virt_call_dom_simple(d, fn_abort_job, 0, NULL, deadline_ms);
}

static int fn_postcopy(struct vmha_virt_call *c)
{
	return virDomainMigrateStartPostCopy(c->dom, 0);
}

int vmha_virt_domain_start_postcopy(struct vmha_virt_domain *d, uint64_t deadline_ms)
{
	return vmha_virt_call_dom_simple(d, fn_postcopy, 0, NULL, deadline_ms);
}

static int fn_max_downtime(struct vmha_virt_call *c)
{
	return virDomainMigrateSetMaxDowntime(c->dom, c->out_u1, 0);
}

int vmha_virt_domain_set_max_downtime(struct vmha_virt_domain *d, uint64_t downtime_ms,
                                      uint64_t deadline_ms)
{
	struct vmha_virt_call *c = vmha_virt_call_on_dom(d, fn_max_downtime);
	int rc = 0;

	if (c == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	c->out_u1 = downtime_ms;
	rc = vmha_virt_call_run(d->v, c, deadline_ms);
out:
	vmha_virt_call_unref(c);
	return rc;
}

/*
 * Migration jobs: start, wait, statistics, abort, post-copy, downtime.
 * Part of the libvirt boundary: see virt.h (errors, deadlines).
 */
#ifndef VMHA_VIRT_JOB_H
#define VMHA_VIRT_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

struct vmha_virt;
struct vmha_virt_domain;

/** A running migration (virDomainMigrateToURI3 in the worker). */
struct vmha_virt_job;

/**
 * Start virDomainMigrateToURI3 without waiting for it. params are copied.
 *
 * @return 0 and *out, or -errno
 */
int vmha_virt_domain_migrate_start(struct vmha_virt_domain *d, const char *dconnuri,
                                   virTypedParameterPtr params, int nparams, unsigned int flags,
                                   struct vmha_virt_job **out);

/**
 * Wait for a started migration until deadline_ms.
 *
 * @return 0 when it finished successfully, -EINPROGRESS when still running
 *         at the deadline, or the migration's -errno
 */
int vmha_virt_job_wait(struct vmha_virt_job *job, uint64_t deadline_ms);

/** @return the libvirt message of a failed job ("" if none) */
const char *vmha_virt_job_error(const struct vmha_virt_job *job);

/** Free a finished job; an unfinished one is abandoned to its thread. NULL is a no-op. */
void vmha_virt_job_free(struct vmha_virt_job *job);

/** Progress of a migration job (opaque). */
struct vmha_virt_job_stats;

/** @return empty (zeroed) job statistics, or NULL */
struct vmha_virt_job_stats *vmha_virt_job_stats_new(void);

/** Free job statistics. NULL is a no-op. */
void vmha_virt_job_stats_free(struct vmha_virt_job_stats *st);

/** @return the job type, VIR_DOMAIN_JOB_* */
int vmha_virt_job_stats_type(const struct vmha_virt_job_stats *st);

/** @return the time since the job started, in ms */
uint64_t vmha_virt_job_stats_elapsed_ms(const struct vmha_virt_job_stats *st);

/** @return the bytes to transfer (memory + disk) */
uint64_t vmha_virt_job_stats_total_bytes(const struct vmha_virt_job_stats *st);

/** @return the bytes left to transfer */
uint64_t vmha_virt_job_stats_remaining_bytes(const struct vmha_virt_job_stats *st);

/** @return the pages dirtied per second */
uint64_t vmha_virt_job_stats_dirty_rate_pps(const struct vmha_virt_job_stats *st);

/** @return the precopy iteration */
uint64_t vmha_virt_job_stats_iteration(const struct vmha_virt_job_stats *st);

/** @return the memory bandwidth in bytes per second */
uint64_t vmha_virt_job_stats_bandwidth_bps(const struct vmha_virt_job_stats *st);

/** @return whether the job runs in post-copy */
bool vmha_virt_job_stats_postcopy(const struct vmha_virt_job_stats *st);

/** @return the job operation, VIR_DOMAIN_JOB_OPERATION_* (0: unknown) */
int vmha_virt_job_stats_operation(const struct vmha_virt_job_stats *st);

/** @return the bytes of disks a storage migration copies (0: none) */
uint64_t vmha_virt_job_stats_disk_total_bytes(const struct vmha_virt_job_stats *st);

/** @return the bytes of disks copied so far */
uint64_t vmha_virt_job_stats_disk_processed_bytes(const struct vmha_virt_job_stats *st);

/** Fill stats with the current job's statistics. @return 0 or -errno */
int vmha_virt_domain_get_job_stats(struct vmha_virt_domain *d, uint64_t deadline_ms,
                                   struct vmha_virt_job_stats *stats);

/** Abort the domain's current job. @return 0 or -errno */
int vmha_virt_domain_abort_job(struct vmha_virt_domain *d, uint64_t deadline_ms);

/** Switch a running migration to post-copy. @return 0 or -errno */
int vmha_virt_domain_start_postcopy(struct vmha_virt_domain *d, uint64_t deadline_ms);

/** Set the maximum downtime of the running migration. @return 0 or -errno */
int vmha_virt_domain_set_max_downtime(struct vmha_virt_domain *d, uint64_t downtime_ms,
                                      uint64_t deadline_ms);

#endif /* VMHA_VIRT_JOB_H */

/*
 * Live migration of one running domain to another host, shared by the
 * agent's migrate_to and by `vmha vm migrate`.
 *
 * Peer-to-peer virDomainMigrateToURI3 (lib/virt runs it in a worker), with
 * the settings of one lib/migspec built once by the caller:
 *   1. vmha_migration_precheck() runs lib/precheck before anything moves
 *      (URIs, name resolution, the target's libvirtd, host identity,
 *      architecture and versions, the migration port, the domain not active
 *      there, memory, virtual networks, bridges, storage pools, disk paths
 *      and a compatible CPU);
 *   2. vmha_migration_run() starts the migration, reports progress every poll
 *      (log, and an optional callback), sets the maximum downtime, switches
 *      to post-copy when asked (after N iterations, after the first pass, or
 *      when the ETA would miss the abort time) and aborts the job itself at
 *      the abort time or on a cancel request, so the domain keeps running on
 *      the source.
 * Failures leave a reason (vmha_migration_reason()) that names the domain,
 * the target host and what is wrong, for an ocf-exit-reason or the terminal.
 */
#ifndef VMHA_MIGRATION_H
#define VMHA_MIGRATION_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

#include "migspec.h"
#include "virt.h"

/** One migration of one domain. */
struct vmha_migration;
/** A snapshot of a running migration's progress. */
struct vmha_migration_progress;

/** Called after each poll with the current progress. */
typedef void (*vmha_migration_progress_fn)(const struct vmha_migration_progress *p, void *opaque);

/**
 * A migration of dom (a running domain on its source connection) to the
 * host called target (for messages) with settings spec (taken over, also on
 * failure; its remote URI must be set). dom must outlive the migration.
 *
 * @return the migration, or NULL on ENOMEM (or spec NULL, or without a URI)
 */
struct vmha_migration *vmha_migration_new_spec(struct vmha_virt_domain *dom, const char *target,
                                               struct vmha_migspec *spec);

/**
 * vmha_migration_new_spec() with default settings to the libvirt at
 * dconnuri (vmha_migspec_new()).
 *
 * @return the migration, or NULL on ENOMEM
 */
struct vmha_migration *vmha_migration_new(struct vmha_virt_domain *dom, const char *target,
                                          const char *dconnuri);

/** Free; NULL is a no-op. A job still running is abandoned to its thread. */
void vmha_migration_free(struct vmha_migration *m);

/** @return the migration's settings (owned by m), to add to before it runs */
struct vmha_migspec *vmha_migration_spec(struct vmha_migration *m);

/** Shorthand for vmha_migspec_set_params() on m's settings. @return 0 or -ENOMEM */
int vmha_migration_set_params(struct vmha_migration *m, unsigned int flags,
                              virTypedParameterPtr params, int nparams);

/**
 * Copy the disk dev (vda, ...) with libvirt's NBD disk copy: adds
 * VIR_MIGRATE_NON_SHARED_INC (incremental) or _DISK and dev to
 * VIR_MIGRATE_PARAM_MIGRATE_DISKS; call after vmha_migration_set_params().
 * @return 0 or -ENOMEM
 */
int vmha_migration_add_copy_storage(struct vmha_migration *m, bool incremental, const char *dev);

/** Shorthand for vmha_migspec_set_max_downtime() on m's settings. */
void vmha_migration_set_max_downtime(struct vmha_migration *m, uint64_t downtime_ms);

/** Shorthand for vmha_migspec_set_postcopy() on m's settings. */
void vmha_migration_set_postcopy(struct vmha_migration *m, unsigned int after_iterations,
                                 bool after_first_pass);

/** Shorthand for vmha_migspec_set_start_resources() on m's settings. */
void vmha_migration_set_start_resources(struct vmha_migration *m, bool start_resources);

/**
 * Shorthand for vmha_migspec_set_cpu_xml() on m's settings: the <cpu>
 * element of the domain's configured definition (NULL, host-model or
 * host-passthrough: not compared; the live definition has every CPU
 * expanded to a model and features, so it is not used for this).
 *
 * @return 0 or -ENOMEM
 */
int vmha_migration_set_cpu_xml(struct vmha_migration *m, const char *cpu_xml);

/** Progress callback, called from vmha_migration_run() (NULL: log only). */
void vmha_migration_set_progress_fn(struct vmha_migration *m, vmha_migration_progress_fn fn,
                                    void *opaque);

/** A flag that, once non-zero (e.g. set by a SIGINT handler), aborts the migration. */
void vmha_migration_set_cancel(struct vmha_migration *m, volatile sig_atomic_t *cancel);

/** Progress polling interval (default 1000 ms). */
void vmha_migration_set_poll_ms(struct vmha_migration *m, uint64_t poll_ms);

/**
 * Run the pre-checks (lib/precheck, against the domain's live definition);
 * the target connection they open is kept for the arrival check.
 *
 * @return 0, or vmha_precheck_run()'s -errno (reason set: "pre-check
 *         'NAME' failed: ...")
 */
int vmha_migration_precheck(struct vmha_migration *m, uint64_t deadline_ms);

/**
 * Migrate, polling progress, until done, abort_ms (the job is aborted) or a
 * cancel request; deadline_ms bounds everything including the wait for the
 * aborted job to end.
 *
 * @return 0 migrated; -ETIMEDOUT aborted at abort_ms; -ECANCELED aborted on
 *         request; -EIO failed (reason set)
 */
int vmha_migration_run(struct vmha_migration *m, uint64_t abort_ms, uint64_t deadline_ms);

/**
 * After a successful run: check on the target that the domain runs there
 * (connects when the pre-checks did not).
 *
 * @return 0 when running there, -ESRCH when absent or not running, or -errno
 */
int vmha_migration_verify_arrival(struct vmha_migration *m, uint64_t deadline_ms);

/** @return why the last step failed ("" if none) */
const char *vmha_migration_reason(const struct vmha_migration *m);

/** @return the last progress seen (valid until m is freed) */
const struct vmha_migration_progress *vmha_migration_last_progress(const struct vmha_migration *m);

/** @return milliseconds since the migration started */
uint64_t vmha_migration_progress_elapsed_ms(const struct vmha_migration_progress *p);
/** @return bytes (memory and disks) still to transfer */
uint64_t vmha_migration_progress_remaining_bytes(const struct vmha_migration_progress *p);
/** @return bytes to transfer in total */
uint64_t vmha_migration_progress_total_bytes(const struct vmha_migration_progress *p);
/** @return the transfer rate, bytes per second */
uint64_t vmha_migration_progress_rate_bps(const struct vmha_migration_progress *p);
/** @return pages dirtied per second */
uint64_t vmha_migration_progress_dirty_rate_pps(const struct vmha_migration_progress *p);
/** @return the precopy iteration */
uint64_t vmha_migration_progress_iteration(const struct vmha_migration_progress *p);
/** @return bytes of disks a storage migration copies (0: no disk copy) */
uint64_t vmha_migration_progress_disk_total_bytes(const struct vmha_migration_progress *p);
/** @return bytes of disks copied so far */
uint64_t vmha_migration_progress_disk_processed_bytes(const struct vmha_migration_progress *p);
/** @return whether the migration runs in post-copy */
bool vmha_migration_progress_postcopy(const struct vmha_migration_progress *p);

/**
 * Milliseconds until remaining bytes are sent at rate bps, or UINT64_MAX
 * when the rate is 0 (pure; used for the post-copy switch and the terminal).
 */
uint64_t vmha_migration_eta_ms(uint64_t remaining_bytes, uint64_t rate_bps);

/**
 * Whether a pre-copy that still has pass_bytes to send at rate_bps would end
 * after abort_ms, counting slack_ms for the switch to post-copy and the polls
 * in between (pure). pass_bytes is the largest amount left in the current or
 * the previous pass: inside a pass the amount left falls towards 0 before the
 * next pass finds the pages dirtied meanwhile, so the current value alone
 * would often look early enough. A rate of 0 (not measured yet) says no.
 */
bool vmha_migration_would_miss(uint64_t now_ms, uint64_t abort_ms, uint64_t pass_bytes,
                               uint64_t rate_bps, uint64_t slack_ms);

#endif /* VMHA_MIGRATION_H */

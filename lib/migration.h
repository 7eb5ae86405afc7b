/*
 * Live migration of one running domain to another host, shared by the
 * agent's migrate_to and by `vmha vm migrate`.
 *
 * Peer-to-peer virDomainMigrateToURI3 (lib/virt runs it in a worker):
 *   1. vmha_migration_precheck() connects to the target's libvirtd and checks,
 *      before anything moves, that the domain is not active there, that the
 *      target has the memory, the virtual networks, the bridges, the storage
 *      pools and the disk paths it uses, and a compatible CPU;
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

#include "virt.h"

/** One migration of one domain. */
struct vmha_migration;
/** A snapshot of a running migration's progress. */
struct vmha_migration_progress;

/** Called after each poll with the current progress. */
typedef void (*vmha_migration_progress_fn)(const struct vmha_migration_progress *p, void *opaque);

/**
 * A migration of dom (a running domain on its source connection) to the
 * host called target (for messages) whose libvirt URI is dconnuri.
 * dom must outlive the migration.
 *
 * @return the migration, or NULL on ENOMEM
 */
struct vmha_migration *vmha_migration_new(struct vmha_virt_domain *dom, const char *target,
                                          const char *dconnuri);

/** Free; NULL is a no-op. A job still running is abandoned to its thread. */
void vmha_migration_free(struct vmha_migration *m);

/**
 * Set VIR_MIGRATE_* flags and typed parameters (copied).
 * @return 0 or -ENOMEM
 */
int vmha_migration_set_params(struct vmha_migration *m, unsigned int flags,
                              virTypedParameterPtr params, int nparams);

/**
 * Copy the disk dev (vda, ...) with libvirt's NBD disk copy: adds
 * VIR_MIGRATE_NON_SHARED_INC (incremental) or _DISK and dev to
 * VIR_MIGRATE_PARAM_MIGRATE_DISKS; call after vmha_migration_set_params().
 * @return 0 or -ENOMEM
 */
int vmha_migration_add_copy_storage(struct vmha_migration *m, bool incremental, const char *dev);

/** Maximum downtime to set once the migration runs (0: libvirt's default). */
void vmha_migration_set_max_downtime(struct vmha_migration *m, uint64_t downtime_ms);

/**
 * With VIR_MIGRATE_POSTCOPY: switch to post-copy after after_iterations
 * precopy iterations (0: not by count), after the first pass when
 * after_first_pass, and whenever the ETA would pass the abort time.
 */
void vmha_migration_set_postcopy(struct vmha_migration *m, unsigned int after_iterations,
                                 bool after_first_pass);

/** Whether the pre-checks start inactive networks and pools on the target. */
void vmha_migration_set_start_resources(struct vmha_migration *m, bool start_resources);

/**
 * The <cpu> element of the domain's configured definition, compared with
 * the CPU the target's hypervisor provides (NULL, host-model or
 * host-passthrough: not compared; libvirt checks the guest CPU itself when
 * the migration begins). The live definition is not used for this: it has
 * every CPU expanded to a model and features.
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
 * Connect to the target (keepalive) and run the pre-checks against the
 * domain's live definition.
 *
 * @return 0; -EHOSTUNREACH target libvirtd unreachable; -EEXIST active
 *         there; -ENOMEM not enough free memory; -ENODEV a network, bridge
 *         or pool missing; -ENOENT a disk path missing; -EINVAL CPU
 *         incompatible; or another -errno (reason set in every case)
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

#endif /* VMHA_MIGRATION_H */

/*
 * The settings of one live migration, built once and handed on as they are:
 * the agent builds them from its parameters (agent/migrate.c), `vmha vm
 * migrate` from its options, the pre-checks (lib/precheck) read them, and
 * lib/migration runs them (lib/virt copies the typed parameters once more
 * into the worker thread that owns them while virDomainMigrateToURI3 runs).
 *
 * They hold the target's libvirt URI, the migration data URI, the
 * VIR_MIGRATE_* flags (LIVE and PEER2PEER always), libvirt's typed
 * parameters, the maximum downtime, when to switch to post-copy, whether the
 * pre-checks start inactive networks and pools, the configured <cpu>
 * element, and virsh's --timeout (which the agent's job loop acts on).
 */
#ifndef VMHA_MIGSPEC_H
#define VMHA_MIGSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

/** The settings of one migration. */
struct vmha_migspec;

/**
 * Settings for a migration to the libvirt at remote_uri (may be NULL, set
 * later), flags LIVE | PEER2PEER, nothing else.
 *
 * @return the settings, or NULL on ENOMEM
 */
struct vmha_migspec *vmha_migspec_new(const char *remote_uri);

/** Free; NULL is a no-op. */
void vmha_migspec_free(struct vmha_migspec *s);

/** Set the target's libvirt URI (virDomainMigrateToURI3's dconnuri). @return 0 or -ENOMEM */
int vmha_migspec_set_remote_uri(struct vmha_migspec *s, const char *uri);

/** Set the migration data URI (VIR_MIGRATE_PARAM_URI). @return 0 or -ENOMEM */
int vmha_migspec_set_migrate_uri(struct vmha_migspec *s, const char *uri);

/** Add VIR_MIGRATE_* flags. */
void vmha_migspec_add_flags(struct vmha_migspec *s, unsigned int flags);

/** Add a typed string parameter (repeatable ones may be added more than once). @return 0 or -ENOMEM */
int vmha_migspec_add_string(struct vmha_migspec *s, const char *name, const char *value);

/** Add a typed int parameter. @return 0 or -ENOMEM */
int vmha_migspec_add_int(struct vmha_migspec *s, const char *name, int value);

/** Add a typed unsigned long long parameter. @return 0 or -ENOMEM */
int vmha_migspec_add_ullong(struct vmha_migspec *s, const char *name, uint64_t value);

/** @return whether a typed parameter called name is set */
bool vmha_migspec_has_param(const struct vmha_migspec *s, const char *name);

/** @return the first string parameter called name, or NULL */
const char *vmha_migspec_string_param(const struct vmha_migspec *s, const char *name);

/**
 * Replace flags and typed parameters with copies of the given ones (for a
 * caller that has its own array; builders use the adders above).
 *
 * @return 0 or -ENOMEM
 */
int vmha_migspec_set_params(struct vmha_migspec *s, unsigned int flags, virTypedParameterPtr params,
                            int nparams);

/** Limit the bandwidth to mibs MiB/s unless a bandwidth is set already (0: none). @return 0 or -ENOMEM */
int vmha_migspec_set_bandwidth_mibs(struct vmha_migspec *s, uint64_t mibs);

/** Maximum downtime to set once the migration runs (0: libvirt's default). */
void vmha_migspec_set_max_downtime(struct vmha_migspec *s, uint64_t downtime_ms);

/**
 * With VIR_MIGRATE_POSTCOPY: switch to post-copy after after_iterations
 * precopy iterations (0: not by count), after the first pass when
 * after_first_pass, and whenever the ETA would pass the abort time.
 */
void vmha_migspec_set_postcopy(struct vmha_migspec *s, unsigned int after_iterations,
                               bool after_first_pass);

/** Whether the pre-checks start inactive networks and pools on the target. */
void vmha_migspec_set_start_resources(struct vmha_migspec *s, bool start_resources);

/**
 * The <cpu> element of the domain's configured definition (NULL: none),
 * compared by the pre-checks with the CPU the target can provide.
 *
 * @return 0 or -ENOMEM
 */
int vmha_migspec_set_cpu_xml(struct vmha_migspec *s, const char *cpu_xml);

/** virsh's --timeout N: after N s suspend the source (or switch to post-copy when postcopy). */
void vmha_migspec_set_timeout(struct vmha_migspec *s, unsigned int timeout_s, bool postcopy);

/** @return the target's libvirt URI, or NULL */
const char *vmha_migspec_remote_uri(const struct vmha_migspec *s);
/** @return the migration data URI, or NULL for the hypervisor's default */
const char *vmha_migspec_migrate_uri(const struct vmha_migspec *s);
/** @return VIR_MIGRATE_* flags */
unsigned int vmha_migspec_flags(const struct vmha_migspec *s);
/** @return the typed parameters (owned by s) and their count */
virTypedParameterPtr vmha_migspec_params(const struct vmha_migspec *s, int *nparams);
/** @return the maximum downtime (0: libvirt's default) */
uint64_t vmha_migspec_max_downtime_ms(const struct vmha_migspec *s);
/** @return the precopy iterations before post-copy (0: not by count) */
unsigned int vmha_migspec_postcopy_after(const struct vmha_migspec *s);
/** @return true when post-copy is to start after the first precopy pass */
bool vmha_migspec_postcopy_after_first(const struct vmha_migspec *s);
/** @return whether the pre-checks start inactive networks and pools */
bool vmha_migspec_start_resources(const struct vmha_migspec *s);
/** @return the configured <cpu> element, or NULL */
const char *vmha_migspec_cpu_xml(const struct vmha_migspec *s);
/** @return --timeout N, or 0 when not given */
unsigned int vmha_migspec_timeout_s(const struct vmha_migspec *s);
/** @return true for --timeout-postcopy, false for suspend (the default) */
bool vmha_migspec_timeout_postcopy(const struct vmha_migspec *s);
/** @return whether the migration copies non-shared disks (--copy-storage-all or -inc) */
bool vmha_migspec_copies_storage(const struct vmha_migspec *s);

/**
 * Check the settings as a whole: the URIs' syntax (the target's, the data
 * URI, the disks URI: lib/uri), --copy-storage-all with -inc, tunnelled
 * with parallel connections.
 *
 * @return 0, or -EINVAL with reason naming the setting and the problem
 */
int vmha_migspec_check(const struct vmha_migspec *s, char *reason, size_t reason_len);

/** @return a one-line description of URI, flags and parameters, for the log (valid until s changes) */
const char *vmha_migspec_describe(struct vmha_migspec *s);

#endif /* VMHA_MIGSPEC_H */

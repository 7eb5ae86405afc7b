/*
 * libvirt access with a deadline on every call.
 *
 * Every call runs in a worker thread while the caller waits on the
 * monotonic clock; a call that outlives its deadline returns -ETIMEDOUT and
 * marks the connection wedged (later calls fail at once), so a hung libvirtd
 * never hangs the caller. Remote connections get libvirt keepalive on top.
 * libvirt's errors are converted to -errno here and nowhere else:
 *   -ENOENT        no such domain
 *   -EEXIST        domain already exists / is active
 *   -EINVAL        invalid argument, XML or operation for the current state
 *   -EPROTONOSUPPORT  no driver for the URI
 *   -ECONNREFUSED  hypervisor unreachable (libvirtd down)
 *   -EPIPE         connection lost during a call
 *   -EOPNOTSUPP    not supported by the driver
 *   -EACCES        authentication or access denied
 *   -ETIMEDOUT     deadline passed, or libvirt timed out
 *   -ECANCELED     job aborted
 *   -EIO           anything else
 * The libvirt message of the last failure is kept for exit reasons.
 */
#ifndef VMHA_VIRT_H
#define VMHA_VIRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

/** A connection to one hypervisor. */
struct vmha_virt;
/** A domain on a connection. */
struct vmha_virt_domain;

/**
 * Open a connection to uri (NULL: libvirt's default) and, for a remote URI
 * (one naming a host), enable keepalive (interval keepalive_s, 3 missed
 * probes). Local connections rely on the per-call deadlines alone.
 *
 * @param uri          hypervisor URI
 * @param deadline_ms  monotonic deadline for the whole open
 * @param out          the connection on success
 * @return 0 or -errno (see above); vmha_virt_open_error() tells why
 */
int vmha_virt_open(const char *uri, unsigned int keepalive_s, uint64_t deadline_ms,
                   struct vmha_virt **out);

/** @return the libvirt message of the last failed vmha_virt_open() in this thread */
const char *vmha_virt_open_error(void);

/** Close the connection (unless wedged: then it is abandoned); NULL is a no-op. */
void vmha_virt_free(struct vmha_virt *v);

/** @return the libvirt message of the last failed call on v ("" if none) */
const char *vmha_virt_error(const struct vmha_virt *v);

/** @return true once a call on v missed its deadline */
bool vmha_virt_is_wedged(const struct vmha_virt *v);

/** @return the canonical URI of the connection, or NULL; caller frees */
char *vmha_virt_uri(struct vmha_virt *v, uint64_t deadline_ms);

/**
 * Look a domain up by UUID (if uuid is non-NULL and non-empty) else by name.
 *
 * @return 0 and *out, -ENOENT when there is none, or -errno
 */
int vmha_virt_domain_lookup(struct vmha_virt *v, const char *uuid, const char *name,
                            uint64_t deadline_ms, struct vmha_virt_domain **out);

/** Release a domain handle; NULL is a no-op. */
void vmha_virt_domain_free(struct vmha_virt_domain *d);

/**
 * Start a transient domain from XML (virDomainCreateXML).
 *
 * @return 0 and *out (may be NULL to discard), or -errno
 */
int vmha_virt_domain_create_xml(struct vmha_virt *v, const char *xml, unsigned int flags,
                                uint64_t deadline_ms, struct vmha_virt_domain **out);

/** Define a persistent domain from XML. @return 0 and *out (may be NULL), or -errno */
int vmha_virt_domain_define_xml(struct vmha_virt *v, const char *xml, uint64_t deadline_ms,
                                struct vmha_virt_domain **out);

/** Start a defined domain. @return 0 or -errno */
int vmha_virt_domain_start(struct vmha_virt_domain *d, uint64_t deadline_ms);

/** Pause a running domain (virDomainSuspend). @return 0 or -errno */
int vmha_virt_domain_suspend(struct vmha_virt_domain *d, uint64_t deadline_ms);

/** Resume a paused domain (virDomainResume). @return 0 or -errno */
int vmha_virt_domain_resume(struct vmha_virt_domain *d, uint64_t deadline_ms);

/** Remove a domain's persistent definition. @return 0 or -errno */
int vmha_virt_domain_undefine(struct vmha_virt_domain *d, uint64_t deadline_ms);

/** @return 0 and the state and reason (VIR_DOMAIN_*), or -errno */
int vmha_virt_domain_get_state(struct vmha_virt_domain *d, uint64_t deadline_ms, int *state,
                               int *reason);

/** Ask the guest to shut down (VIR_DOMAIN_SHUTDOWN_* flags). @return 0 or -errno */
int vmha_virt_domain_shutdown(struct vmha_virt_domain *d, unsigned int flags, uint64_t deadline_ms);

/** Destroy (VIR_DOMAIN_DESTROY_* flags). @return 0 or -errno */
int vmha_virt_domain_destroy(struct vmha_virt_domain *d, unsigned int flags, uint64_t deadline_ms);

/** @return 0 and the domain XML in *xml (caller frees), or -errno */
int vmha_virt_domain_get_xml(struct vmha_virt_domain *d, unsigned int flags, uint64_t deadline_ms,
                             char **xml);

/** @return 0 and vCPUs and maximum memory (KiB), or -errno */
int vmha_virt_domain_get_info(struct vmha_virt_domain *d, uint64_t deadline_ms, unsigned int *vcpus,
                              uint64_t *max_memory_kib);

/** Save the domain's state to path (stops it). @return 0 or -errno */
int vmha_virt_domain_save(struct vmha_virt_domain *d, const char *path, uint64_t deadline_ms);

/** Restore a domain from a state file. @return 0 or -errno */
int vmha_virt_domain_restore(struct vmha_virt *v, const char *path, uint64_t deadline_ms);

/** @return the libvirt message of the last failed call on d's connection ("" if none) */
const char *vmha_virt_domain_error(const struct vmha_virt_domain *d);

/** @return the domain's name (owned by d) */
const char *vmha_virt_domain_name(const struct vmha_virt_domain *d);

/** Copy the UUID string (VIR_UUID_STRING_BUFLEN bytes) into uuid. @return 0 or -errno */
int vmha_virt_domain_uuid(const struct vmha_virt_domain *d, char *uuid);

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

/** @return 0 and whether the host interface (e.g. a bridge) exists, or -errno */
int vmha_virt_interface_exists(struct vmha_virt *v, const char *name, uint64_t deadline_ms,
                               bool *exists);

/** @return 0 and the free memory of the host in bytes, or -errno */
int vmha_virt_node_free_memory(struct vmha_virt *v, uint64_t deadline_ms, uint64_t *free_bytes);

/** @return 0 and whether the named network exists and is active, or -errno */
int vmha_virt_network_is_active(struct vmha_virt *v, const char *name, uint64_t deadline_ms,
                                bool *active);

/** Start the named network if inactive. @return 0 or -errno */
int vmha_virt_network_ensure_active(struct vmha_virt *v, const char *name, uint64_t deadline_ms);

/** Start the named storage pool if inactive, else refresh it. @return 0 or -errno */
int vmha_virt_pool_ensure_active(struct vmha_virt *v, const char *name, uint64_t deadline_ms);

/** Whether a disk path exists on a host, as its storage pools tell. */
enum vmha_virt_disk {
	VMHA_VIRT_DISK_PRESENT = 0, /**< a volume with that path exists */
	VMHA_VIRT_DISK_MISSING,   /**< the active pool covering its directory has no such volume */
	VMHA_VIRT_DISK_UNCHECKED, /**< no active pool covers its directory: cannot tell */
};

/**
 * Check that a disk (file or block device) exists at path on v's host.
 * libvirt has no remote file probe, so the host's storage pools answer:
 * the active pool whose target path is the disk's directory is refreshed
 * and asked for a volume at path; without such a pool, a volume at path
 * in any pool (e.g. a logical volume) still counts as present.
 *
 * @param pool      the covering pool's name, or "" (may be NULL)
 * @param pool_len  size of pool
 * @param out       the answer
 * @return 0 and *out, or -errno (the pool could not be refreshed, ...)
 */
int vmha_virt_disk_check(struct vmha_virt *v, const char *path, uint64_t deadline_ms,
                         enum vmha_virt_disk *out, char *pool, size_t pool_len);

/**
 * Compare the domain's CPU definition (XML of a <cpu> element) with the CPU
 * the hypervisor of type virttype ("kvm", ...) can provide on v's host
 * (virConnectCompareHypervisorCPU), or with the host CPU when virttype is
 * NULL or the driver cannot compare that way.
 *
 * @return 0 when compatible, -EINVAL when incompatible, or -errno
 */
int vmha_virt_compare_cpu(struct vmha_virt *v, const char *virttype, const char *cpu_xml,
                          uint64_t deadline_ms);

/** Convert a VIR_DOMAIN_* state to a lowercase name ("running", ...). */
const char *vmha_virt_state_name(int state);

/**
 * A caller's libvirt calls on conn (and conn2, the second connection or
 * NULL), run by vmha_virt_call() in a worker; returns < 0 on a libvirt
 * error (its message becomes vmha_virt_error()), 0 otherwise.
 */
typedef int (*vmha_virt_call_fn)(virConnectPtr conn, virConnectPtr conn2, void *opaque);

/**
 * Run fn(v's connection, v2's or NULL, opaque) in a worker bounded by
 * deadline_ms, for the modules whose libvirt calls (storage volumes,
 * streams) this file does not wrap. opaque is the caller's again on every
 * result but -ETIMEDOUT: then the worker may still use it and free_fn
 * frees it when the worker ends (the caller must not touch it).
 *
 * @return 0, -ETIMEDOUT (v is wedged), or the -errno of fn's libvirt error
 */
int vmha_virt_call(struct vmha_virt *v, struct vmha_virt *v2, vmha_virt_call_fn fn, void *opaque,
                   void (*free_fn)(void *opaque), uint64_t deadline_ms);

#endif /* VMHA_VIRT_H */

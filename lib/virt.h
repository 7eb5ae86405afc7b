/*
 * libvirt access with a deadline on every call.
 *
 * Every call runs in a worker thread while the caller waits on the
 * monotonic clock; a call that outlives its deadline returns -ETIMEDOUT and
 * marks the connection wedged (later calls fail at once), so a hung libvirtd
 * never hangs the caller. Remote connections get libvirt keepalive on top.
 * libvirt's errors are converted to -errno in one place (virt_call.c):
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
 *
 * The boundary is split by concern; including this header gives all of it:
 *   virt.h          connections (open with a deadline, errors, wedged state)
 *   virt_domain.h   domain lookup, lifecycle, state, definition and info
 *   virt_job.h      migration jobs and their statistics
 *   virt_host.h     host facts (memory, CPU, versions, networks, bridges)
 *   virt_storage.h  storage pools and disk presence
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

/** vmha_virt_open_flags(): a read-only connection (virConnectOpenReadOnly). */
#define VMHA_VIRT_OPEN_READONLY 1u

/**
 * vmha_virt_open() with flags (VMHA_VIRT_OPEN_*).
 *
 * @return 0 or -errno (see above); vmha_virt_open_error() tells why
 */
int vmha_virt_open_flags(const char *uri, unsigned int keepalive_s, unsigned int flags,
                         uint64_t deadline_ms, struct vmha_virt **out);

/** @return the libvirt message of the last failed vmha_virt_open() in this thread */
const char *vmha_virt_open_error(void);

/** Close the connection (unless wedged: then it is abandoned); NULL is a no-op. */
void vmha_virt_free(struct vmha_virt *v);

/** @return the libvirt message of the last failed call on v ("" if none) */
const char *vmha_virt_error(const struct vmha_virt *v);

/** @return true once a call on v missed its deadline */
bool vmha_virt_is_wedged(const struct vmha_virt *v);

/** @return true while v's connection is up as far as the client knows (no RPC) */
bool vmha_virt_is_alive(const struct vmha_virt *v);

/** @return the canonical URI of the connection, or NULL; caller frees */
char *vmha_virt_uri(struct vmha_virt *v, uint64_t deadline_ms);

#include "virt_domain.h"
#include "virt_host.h"
#include "virt_job.h"
#include "virt_storage.h"

/**
 * A caller's libvirt calls on conn (and conn2, the second connection or
 * NULL), run by vmha_virt_run() in a worker; returns < 0 on a libvirt
 * error (its message becomes vmha_virt_error()), 0 otherwise.
 */
typedef int (*vmha_virt_run_fn)(virConnectPtr conn, virConnectPtr conn2, void *opaque);

/**
 * Run fn(v's connection, v2's or NULL, opaque) in a worker bounded by
 * deadline_ms, for the modules whose libvirt calls (storage volumes,
 * streams) lib/virt does not wrap. opaque is the caller's again on every
 * result but -ETIMEDOUT: then the worker may still use it and free_fn
 * frees it when the worker ends (the caller must not touch it).
 *
 * @return 0, -ETIMEDOUT (v is wedged), or the -errno of fn's libvirt error
 */
int vmha_virt_run(struct vmha_virt *v, struct vmha_virt *v2, vmha_virt_run_fn fn, void *opaque,
                  void (*free_fn)(void *opaque), uint64_t deadline_ms);

#endif /* VMHA_VIRT_H */

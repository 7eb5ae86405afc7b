/*
 * Pre-checks of a live migration, run before anything moves, by the agent's
 * migrate_to and by `vmha vm migrate` (through lib/migration). Each failure
 * names its check and the values it found, for an ocf-exit-reason or the
 * terminal. In order (the first failure stops them):
 *
 *   uri       the URIs' syntax and their combination (lib/migspec), e.g. an
 *             empty port as in qemu+ssh://host:/system
 *   resolve   the target host name of the URI (and of the migration URI)
 *             does not resolve to a loopback address on this host (the
 *             classic "127.0.1.1 node2" line in /etc/hosts; an address or
 *             "localhost" in the URI is taken as meant)
 *   libvirt   the target's libvirtd answers (keepalive on)
 *   active    the domain is not active on the target (also what a URI that
 *             reaches this host itself meets first)
 *   identity  the target is another host: not the same host UUID as this
 *             one, and a host name that is not "localhost..." and does not
 *             resolve to a loopback address here (without a migration URI,
 *             the target hands its host name to this host's QEMU)
 *   arch      the same host CPU architecture
 *   version   the target's libvirt and hypervisor (QEMU) are not older than
 *             the source's
 *   port      the migration port (the migration URI's, else 49215, the end
 *             of QEMU's default range) on the target answers a TCP connect
 *             within a bound (a refused connection counts as reachable:
 *             nothing listens there until the migration starts)
 *   memory    the target has the guest's memory free
 *   network   its virtual networks are active there (or started)
 *   bridge    its bridges exist there
 *   pool      its storage pools are active there (when started by us)
 *   disk      its disk paths exist there (unless the storage is copied)
 *   cpu       its configured CPU model is compatible with the target's
 *
 * Each check's cost is kept (vmha_precheck_cost_ms()) and logged.
 */
#ifndef VMHA_PRECHECK_H
#define VMHA_PRECHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migspec.h"
#include "virt.h"

/** One run of the pre-checks. */
struct vmha_precheck;

/** Longest the port check waits for the target's answer (ms). */
#define VMHA_PRECHECK_PORT_TIMEOUT_MS 1000
/** The first port of QEMU's default migration port range (qemu.conf migration_port_min). */
#define VMHA_PRECHECK_MIGRATION_PORT_MIN 49152
/** The last port of that range (migration_port_max). */
#define VMHA_PRECHECK_MIGRATION_PORT_MAX 49215

/**
 * The port the 'port' check probes for a migration with migrate_uri (NULL:
 * none). The URI's port when it names one; else the last port of QEMU's
 * default range, not the first: libvirt gives an incoming migration the
 * lowest free port, and QEMU takes the first connection to it as the
 * migration stream, so a probe of 49152 would break a migration coming in
 * to the target at that moment.
 *
 * @return a port number
 */
unsigned int vmha_precheck_probe_port(const char *migrate_uri);

/**
 * Pre-checks of migrating dom (running on its source connection) to the
 * host called target (for messages) with settings spec. dom and spec must
 * outlive the pre-checks.
 *
 * @return the pre-checks, or NULL on ENOMEM
 */
struct vmha_precheck *vmha_precheck_new(struct vmha_virt_domain *dom, const char *target,
                                        const struct vmha_migspec *spec);

/** Free (with the target connection unless taken); NULL is a no-op. */
void vmha_precheck_free(struct vmha_precheck *pc);

/**
 * Run the checks in order until one fails, each bounded by deadline_ms.
 *
 * @return 0; -EINVAL uri, arch, version or cpu; -EADDRNOTAVAIL resolve or
 *         identity; -EHOSTUNREACH libvirt or port; -EEXIST active; -ENOMEM
 *         memory; -ENODEV network, bridge or pool; -ENOENT disk; or another
 *         -errno (the reason is set in every case)
 */
int vmha_precheck_run(struct vmha_precheck *pc, uint64_t deadline_ms);

/** @return why the pre-checks failed ("" if they passed) */
const char *vmha_precheck_reason(const struct vmha_precheck *pc);

/** @return the name of the failed check, or NULL */
const char *vmha_precheck_failed(const struct vmha_precheck *pc);

/** @return how many checks ran (passed, and the failed one) */
size_t vmha_precheck_count(const struct vmha_precheck *pc);

/** @return the name of the i-th check that ran */
const char *vmha_precheck_name(const struct vmha_precheck *pc, size_t i);

/** @return the cost of the i-th check that ran, in ms */
uint64_t vmha_precheck_cost_ms(const struct vmha_precheck *pc, size_t i);

/**
 * Hand over the target connection opened by the checks (NULL if none), for
 * the migration's later steps; the caller frees it.
 */
struct vmha_virt *vmha_precheck_take_target(struct vmha_precheck *pc);

/**
 * The checks that need no connection (uri, and resolve for a target URI
 * whose host is known, not a "%n" pattern): for validate-all, so that
 * Pacemaker sees configuration problems before a migration.
 *
 * @return 0, or -EINVAL / -EADDRNOTAVAIL with reason naming the check
 */
int vmha_precheck_config(const struct vmha_migspec *spec, uint64_t deadline_ms, char *reason,
                         size_t reason_len);

/**
 * Compare what source and target libvirt say about themselves (identity by
 * host UUID and host name, arch, version), pure.
 *
 * @param check  receives the failed check's name ("identity", "arch",
 *               "version"), or NULL
 * @return 0, or -EADDRNOTAVAIL (identity) / -EINVAL with reason
 */
int vmha_precheck_compare_hosts(const struct vmha_virt_host_facts *src,
                                const struct vmha_virt_host_facts *dst, const char *target,
                                const char **check, char *reason, size_t reason_len);

/**
 * Format a libvirt version number (major * 1000000 + minor * 1000 + micro)
 * as "major.minor.micro" into buf.
 */
void vmha_precheck_version_text(unsigned long version, char *buf, size_t len);

#endif /* VMHA_PRECHECK_H */

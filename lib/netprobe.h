/*
 * Network probes with a bound, for the migration pre-checks: name
 * resolution on this host (getaddrinfo in a worker thread that is left to
 * finish on its own when the caller gives up) and a TCP connect.
 */
#ifndef VMHA_NETPROBE_H
#define VMHA_NETPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Resolve host on this host (getaddrinfo in a worker, bounded by
 * deadline_ms) and tell its first address.
 *
 * @param addr      receives the first address as text
 * @param loopback  receives whether it is a loopback address (127/8, ::1)
 * @return 0, -ENOENT when host does not resolve, -ETIMEDOUT, or -errno
 */
int vmha_netprobe_resolve(const char *host, uint64_t deadline_ms, char *addr, size_t addr_len,
                          bool *loopback);

/**
 * A TCP connect to host:port bounded by timeout_ms.
 *
 * @return 0 when it connected or was refused (the host answers), -ETIMEDOUT
 *         when no answer came, or -errno (unreachable, no such host)
 */
int vmha_netprobe_tcp(const char *host, unsigned int port, uint64_t timeout_ms);

#endif /* VMHA_NETPROBE_H */

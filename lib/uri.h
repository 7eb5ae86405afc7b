/* Syntax checks of libvirt and migration URIs (the agent's parameters, the CLI's targets). */
#ifndef VMHA_URI_H
#define VMHA_URI_H

#include <stddef.h>

/**
 * Check a URI's scheme and authority: "scheme:" and, after "//" (or at
 * once, as in QEMU's tcp:HOST:PORT), an optional "user@", a host name, IPv4 or [IPv6] address (may be empty, may
 * hold the %n placeholder) and an optional ":port" from 1 to 65535; no
 * blanks or control characters (so "qemu+ssh://host:/system" is refused).
 *
 * @param what  the parameter or option named in the reason
 * @return 0, or -EINVAL with reason naming what, the URI and the problem
 */
int vmha_uri_check(const char *what, const char *uri, char *reason, size_t reason_len);

/**
 * The host and port of a URI: "scheme://[user@]host[:port]/path" or
 * "tcp:host:port" (libvirt's migration URIs); brackets of an [IPv6]
 * address are removed.
 *
 * @param host   receives the host ("" when the URI names none)
 * @param port   receives the port (0 when the URI names none)
 * @return 0, or -EINVAL when the URI has no scheme or the host does not fit
 */
int vmha_uri_host_port(const char *uri, char *host, size_t host_len, unsigned int *port);

#endif /* VMHA_URI_H */

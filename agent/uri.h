/* Syntax checks of the URIs the agent is given (libvirt, migration data). */
#ifndef VMHA_AGENT_URI_H
#define VMHA_AGENT_URI_H

#include <stddef.h>

/**
 * Check a URI's scheme and authority: "scheme:" and, after "//", an
 * optional "user@", a host name, IPv4 or [IPv6] address (may be empty, may
 * hold the %n placeholder) and an optional ":port" from 1 to 65535; no
 * blanks or control characters (so "qemu+ssh://host:/system" is refused).
 *
 * @param what  the parameter or option named in the reason
 * @return 0, or -EINVAL with reason naming what, the URI and the problem
 */
int vmha_uri_check(const char *what, const char *uri, char *reason, size_t reason_len);

#endif /* VMHA_AGENT_URI_H */

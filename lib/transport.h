/*
 * The libvirt transport of the connections the CLI opens to other hosts
 * (start, stop, migrate, evacuate): "qemu+TRANSPORT://HOST/system", as the
 * agent builds its peer URI from migration_transport.
 */
#ifndef VMHA_LIB_TRANSPORT_H
#define VMHA_LIB_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

/** The transport used when none is configured. */
#define VMHA_TRANSPORT_DEFAULT "tcp"

/** @return whether name is a libvirt remote transport vmha supports (tcp, ssh, tls, libssh, libssh2) */
bool vmha_transport_is_valid(const char *name);

/** @return the supported transports, comma-separated, for messages */
const char *vmha_transport_names(void);

/**
 * The libvirt URI of host over transport.
 *
 * @param transport  NULL or "" for VMHA_TRANSPORT_DEFAULT
 * @return 0 and *out ("qemu+ssh://h2/system", caller frees); -EINVAL for an
 *         unknown transport or an invalid host name; -ENOMEM
 */
int vmha_transport_uri(const char *transport, const char *host, char **out);

#endif /* VMHA_LIB_TRANSPORT_H */

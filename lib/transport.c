/* The libvirt transport of the CLI's remote connections (see transport.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport.h"
#include "util.h"

static const char *const transports[] = {"tcp", "ssh", "tls", "libssh", "libssh2"};

bool vmha_transport_is_valid(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof(transports) / sizeof(transports[0]); i++) {
		if (strcmp(name, transports[i]) == 0) {
			return true;
		}
	}
	return false;
}

const char *vmha_transport_names(void)
{
	return "tcp, ssh, tls, libssh, libssh2";
}

int vmha_transport_uri(const char *transport, const char *host, char **out)
{
	const char *t =
	        transport != NULL && transport[0] != '\0' ? transport : VMHA_TRANSPORT_DEFAULT;

	*out = NULL;
	if (!vmha_transport_is_valid(t) || !vmha_util_name_is_valid(host)) {
		return -EINVAL;
	}
	if (asprintf(out, "qemu+%s://%s/system", t, host) < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

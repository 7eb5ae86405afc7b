/* What vmha takes from vmhad.conf (see cli_conf.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_conf.h"
#include "heartbeat/hbconf.h"
#include "transport.h"

#ifndef VMHA_CONFDIR
#define VMHA_CONFDIR "/etc/vmha"
#endif

static char cli_transport[16];
static int cli_state; /* 0 unknown, 1 known, -1 bad file */

int vmha_cli_conf_set_transport(const char *cmd, const char *transport)
{
	if (!vmha_transport_is_valid(transport)) {
		fprintf(stderr, "vmha %s: --transport: '%s' is not a libvirt transport (%s)\n", cmd,
		        transport, vmha_transport_names());
		return -EINVAL;
	}
	snprintf(cli_transport, sizeof(cli_transport), "%s", transport);
	cli_state = 1;
	return 0;
}

const char *vmha_cli_conf_transport(void)
{
	const char *path = getenv("VMHA_CONF");
	struct vmha_hbconf conf;
	char err[512] = "";
	int rc;

	if (cli_state == 0) {
		if (path == NULL || path[0] == '\0') {
			path = VMHA_CONFDIR "/vmhad.conf";
		}
		rc = vmha_hbconf_load(path, &conf, err, sizeof(err));
		if (rc == -ENOENT) {
			vmha_hbconf_defaults(&conf);
			rc = 0;
		}
		if (rc < 0) {
			fprintf(stderr, "vmha: %s\n", err);
			cli_state = -1;
		} else {
			snprintf(cli_transport, sizeof(cli_transport), "%s",
			         conf.migration_transport);
			cli_state = 1;
		}
	}
	return cli_state == 1 ? cli_transport : NULL;
}

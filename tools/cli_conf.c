/* What vmha takes from vmhad.conf (see cli_conf.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_conf.h"
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

/*
 * migration_transport from the file (vmhad checks the other keys; a key
 * this build does not know must not stop the CLI). @return 0, -ENOENT, or
 * -EINVAL after a message naming the file, line and key
 */
static int read_transport(const char *path)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	unsigned int lineno = 0;
	int rc = 0;

	if (f == NULL) {
		return errno == ENOENT ? -ENOENT : 0;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = line;
		char *value = NULL;
		char *end = NULL;

		lineno++;
		s[strcspn(s, "#\n")] = '\0';
		s += strspn(s, " \t");
		if (strncmp(s, "migration_transport", 19) != 0) {
			continue;
		}
		value = s + 19 + strspn(s + 19, " \t");
		if (*value != '=') {
			continue;
		}
		value++;
		value += strspn(value, " \t");
		end = value + strlen(value);
		while (end > value && (end[-1] == ' ' || end[-1] == '\t')) {
			*--end = '\0';
		}
		if (!vmha_transport_is_valid(value)) {
			fprintf(stderr,
			        "vmha: %s:%u: key 'migration_transport': value '%.64s' is not a "
			        "libvirt transport (%s)\n",
			        path, lineno, value, vmha_transport_names());
			rc = -EINVAL;
			break;
		}
		snprintf(cli_transport, sizeof(cli_transport), "%s", value);
	}
	fclose(f);
	return rc;
}

const char *vmha_cli_conf_transport(void)
{
	const char *path = getenv("VMHA_CONF");

	if (cli_state == 0) {
		if (path == NULL || path[0] == '\0') {
			path = VMHA_CONFDIR "/vmhad.conf";
		}
		snprintf(cli_transport, sizeof(cli_transport), "%s", VMHA_TRANSPORT_DEFAULT);
		cli_state = read_transport(path) == -EINVAL ? -1 : 1;
	}
	return cli_state == 1 ? cli_transport : NULL;
}

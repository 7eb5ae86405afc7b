/* vmha status: not yet implemented (issue 6). */
#include "config.h"

#include <stdio.h>

#include "commands.h"

int vmha_cmd_status(int argc, char **argv)
{
	fprintf(stderr, "vmha status: not yet implemented in vmha %s (issue 6)\n", PACKAGE_VERSION);
	return VMHA_EXIT_USAGE;
}

/* vmha vm: not yet implemented (issue 8). */
#include "config.h"

#include <stdio.h>

#include "commands.h"

int vmha_cmd_vm(int argc, char **argv)
{
	fprintf(stderr, "vmha vm: not yet implemented in vmha %s (issue 8)\n", PACKAGE_VERSION);
	return VMHA_EXIT_USAGE;
}

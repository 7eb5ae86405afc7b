/* vmha fence: not yet implemented (issue 7). */
#include "config.h"

#include <stdio.h>

#include "commands.h"

int vmha_cmd_fence(int argc, char **argv)
{
	fprintf(stderr, "vmha fence: not yet implemented in vmha %s (issue 7)\n", PACKAGE_VERSION);
	return VMHA_EXIT_USAGE;
}

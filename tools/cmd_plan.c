/* vmha plan admission: not yet implemented (issue 4). */
#include "config.h"

#include <stdio.h>

#include "commands.h"

int vmha_cmd_plan(int argc, char **argv)
{
	fprintf(stderr, "vmha plan: not yet implemented in vmha %s (issue 4)\n", PACKAGE_VERSION);
	return VMHA_EXIT_USAGE;
}

int vmha_cmd_admission(int argc, char **argv)
{
	fprintf(stderr, "vmha admission: not yet implemented in vmha %s (issue 4)\n",
	        PACKAGE_VERSION);
	return VMHA_EXIT_USAGE;
}

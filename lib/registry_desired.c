/* The desired states of a registry entry (no other dependency: the failover engine links it). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "registry.h"

static const char *const desired_names[] = {
        [VMHA_DESIRED_STARTED] = "started",
        [VMHA_DESIRED_STOPPED] = "stopped",
        [VMHA_DESIRED_DISABLED] = "disabled",
};

int vmha_registry_desired_parse(const char *text, enum vmha_registry_desired *out)
{
	size_t i;

	for (i = 0; text != NULL && i < sizeof(desired_names) / sizeof(desired_names[0]); i++) {
		if (strcmp(text, desired_names[i]) == 0) {
			*out = (enum vmha_registry_desired)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *vmha_registry_desired_name(enum vmha_registry_desired desired)
{
	return (size_t)desired < sizeof(desired_names) / sizeof(desired_names[0])
	               ? desired_names[desired]
	               : "?";
}

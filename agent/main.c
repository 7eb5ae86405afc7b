/*
 * ocf:vmha:VirtualDomain: entry point. Parses OCF_RESKEY_*, runs the action
 * and converts its result to an OCF exit code here, printing exactly one
 * "ocf-exit-reason:" line for a failure.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "log.h"
#include "metadata.h"
#include "ocf.h"
#include "params.h"

static const char *env_get(const char *name, void *opaque)
{
	return getenv(name);
}

int main(int argc, char **argv)
{
	struct vmha_params *p = NULL;
	char reason[1024] = "";
	const char *action = argc > 1 ? argv[1] : NULL;
	enum vmha_ocf_rc ocf = VMHA_OCF_SUCCESS;
	int rc = 0;

	vmha_log_init("VirtualDomain", VMHA_LOG_TO_SYSLOG | VMHA_LOG_TO_STDERR);
	if (action == NULL || argc > 2) {
		vmha_metadata_usage(argv[0]);
		rc = -E2BIG;
		snprintf(reason, sizeof(reason), "exactly one action is expected");
		goto out;
	}
	if (strcmp(action, "meta-data") == 0) {
		rc = vmha_metadata_print();
		goto out;
	}
	if (strcmp(action, "usage") == 0 || strcmp(action, "help") == 0) {
		vmha_metadata_usage(argv[0]);
		goto out;
	}
	p = vmha_params_new();
	if (p == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmha_params_parse(p, env_get, NULL, reason, sizeof(reason));
	if (rc < 0) {
		goto out;
	}
	rc = vmha_actions_run(action, p, reason, sizeof(reason));
out:
	ocf = vmha_ocf_rc_from_errno(rc);
	if (ocf != VMHA_OCF_SUCCESS && ocf != VMHA_OCF_NOT_RUNNING) {
		if (reason[0] == '\0') {
			snprintf(reason, sizeof(reason), "%s failed: %s",
			         action != NULL ? action : "agent", strerror(-rc));
		}
		fprintf(stderr, "ocf-exit-reason:%s\n", reason);
	}
	vmha_params_free(p);
	vmha_log_fini();
	return (int)ocf;
}

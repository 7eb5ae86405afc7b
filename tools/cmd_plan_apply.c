/* vmha plan --rebalance --apply (see cmd_plan_apply.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli_conf.h"
#include "cmd_plan_apply.h"
#include "cmd_vm_int.h"
#include "commands.h"
#include "mover.h"
#include "util.h"

int vmha_plan_apply_option(struct plan_apply_opts *ap, int c, const char *arg)
{
	uint64_t n = 0;

	ap->other_option = true;
	if (c == 'P') {
		if (vmha_util_parse_u64(arg, &n) < 0 || n < 1 || n > 16) {
			fprintf(stderr,
			        "vmha plan: --parallel: '%s' is not a number from 1 to 16\n", arg);
			return -EINVAL;
		}
		ap->parallel = (unsigned int)n;
	} else if (c == 'p') {
		ap->policy = arg;
	} else if (c == 'n') {
		ap->dry_run = true;
	} else if (c == 'd') {
		ap->dir = arg;
	} else if (vmha_cli_conf_set_transport("plan", arg) < 0) {
		return -EINVAL;
	}
	return 0;
}

int vmha_plan_apply(const struct plan_apply_opts *ap, bool has_source, bool rebalance,
                    const char **fail_lists, size_t nlists)
{
	struct vm_opts o;
	struct vmha_registry *reg = NULL;
	json_object *status = NULL;
	struct vmha_move *moves = NULL;
	char fail[1024] = "";
	char err[512] = "";
	size_t used = 0;
	size_t n = 0;
	size_t bad = 0;
	size_t i;
	int rc = VMHA_EXIT_USAGE;

	memset(&o, 0, sizeof(o));
	o.dry_run = ap->dry_run;
	o.json = ap->json;
	o.dir = ap->dir != NULL ? ap->dir : getenv("VMHA_REGISTRY_DIR");
	if (o.dir == NULL || o.dir[0] == '\0') {
		o.dir = DEFAULT_REGISTRY_DIR;
	}
	if (!ap->apply || !rebalance) {
		fprintf(stderr, "vmha plan: --parallel, --policy, --dry-run, --transport and --dir "
		                "go with --rebalance --apply\n");
		goto out;
	}
	if (has_source) {
		fprintf(stderr, "vmha plan: --apply plans on the local vmhad's cluster: no FILE, "
		                "--cib or --live\n");
		goto out;
	}
	for (i = 0; i < nlists; i++) {
		int k = snprintf(fail + used, sizeof(fail) - used, "%s%s", used > 0 ? "," : "",
		                 fail_lists[i]);

		if (k < 0 || (size_t)k >= sizeof(fail) - used) {
			fprintf(stderr, "vmha plan: --fail: the list is too long\n");
			goto out;
		}
		used += (size_t)k;
	}
	rc = VMHA_EXIT_NO;
	reg = vmha_registry_open(o.dir);
	if (reg == NULL) {
		fprintf(stderr, "vmha plan: cannot open the registry '%s': %s\n", o.dir,
		        strerror(errno));
		goto out;
	}
	status = vmha_cmd_vm_read_status(&o);
	if (status == NULL) {
		goto out;
	}
	if (vmha_mover_plan_rebalance(reg, status, fail, &moves, &n, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmha plan: %s\n", err);
		rc = VMHA_EXIT_USAGE;
		goto out;
	}
	if (!o.json) {
		printf("rebalance for the failure of %s: %zu live migration%s%s\n", fail, n,
		       n == 1 ? "" : "s", o.dry_run ? " (dry run)" : "");
	}
	bad = vmha_mover_run(reg, status, &o, ap->policy, ap->parallel, moves, n);
	if (o.json) {
		json_object *obj = json_object_new_object();

		json_object_object_add(obj, "fail", json_object_new_string(fail));
		json_object_object_add(obj, "dry_run", json_object_new_boolean(o.dry_run));
		json_object_object_add(obj, "moves", vmha_mover_to_json(moves, n));
		json_object_object_add(obj, "all_moved", json_object_new_boolean(bad == 0));
		printf("%s\n", json_object_to_json_string_ext(
		                       obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		                                    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(obj);
	} else {
		printf("%zu of %zu moves %s\n", n - bad, n, o.dry_run ? "admitted" : "made");
	}
	rc = bad == 0 ? VMHA_EXIT_OK : VMHA_EXIT_NO;
out:
	free(moves);
	json_object_put(status);
	vmha_registry_free(reg);
	return rc;
}

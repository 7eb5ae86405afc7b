/*
 * vmha plan / vmha admission: the restart planner and admission control
 * on a scenario file or a Pacemaker CIB (planner/).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cmd_plan_apply.h"
#include "commands.h"
#include "planner/admission.h"
#include "planner/cib.h"
#include "planner/model.h"
#include "planner/plan.h"
#include "planner/scenario.h"

#define LIVE_TIMEOUT_MS 30000

struct source {
	const char *file;
	const char *cib;
	bool live;
};

static int load_model(const char *cmd, const struct source *src, const char *add,
                      struct vmha_model **out, long *added)
{
	struct vmha_model *m = NULL;
	char err[1024] = "";
	int rc = 0;
	int n = (src->file != NULL) + (src->cib != NULL) + (src->live ? 1 : 0);

	*added = -1;
	if (n != 1) {
		fprintf(stderr, "vmha %s: give exactly one of FILE, --cib FILE and --live\n", cmd);
		rc = -EINVAL;
		goto out;
	}
	m = vmha_model_new();
	if (m == NULL) {
		rc = -ENOMEM;
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	if (src->file != NULL) {
		rc = vmha_scenario_parse_file(src->file, m, err, sizeof(err));
	} else if (src->cib != NULL) {
		rc = vmha_cib_parse_file(src->cib, m, err, sizeof(err));
	} else {
		rc = vmha_cib_read_live(m, LIVE_TIMEOUT_MS, err, sizeof(err));
	}
	if (rc < 0) {
		goto fail;
	}
	if (add != NULL) {
		size_t before = vmha_model_vm_count(m);

		if (strncmp(add, "vm", 2) != 0 || (add[2] != ' ' && add[2] != '\t')) {
			snprintf(err, sizeof(err), "--add: field 'kind': '%s' is not 'vm NAME ...'",
			         add);
			rc = -EINVAL;
			goto fail;
		}
		rc = vmha_scenario_parse_line("--add", add, m, err, sizeof(err));
		if (rc < 0) {
			goto fail;
		}
		if (vmha_model_vm_count(m) != before + 1) {
			snprintf(err, sizeof(err), "--add: field 'name': no vm given");
			rc = -EINVAL;
			goto fail;
		}
	}
	{
		/* the added VM is the last one added: remember its name */
		char *name = NULL;

		if (add != NULL) {
			name = strdup(vmha_model_vm_name(m, vmha_model_vm_count(m) - 1));
			if (name == NULL) {
				rc = -ENOMEM;
				snprintf(err, sizeof(err), "out of memory");
				goto fail;
			}
		}
		rc = vmha_model_finish(m, err, sizeof(err));
		if (rc == 0 && name != NULL) {
			size_t v;

			for (v = 0; v < vmha_model_vm_count(m); v++) {
				if (strcmp(vmha_model_vm_name(m, v), name) == 0) {
					*added = (long)v;
				}
			}
		}
		free(name);
		if (rc < 0) {
			goto fail;
		}
	}
	*out = m;
	m = NULL;
	goto out;
fail:
	fprintf(stderr, "vmha %s: %s\n", cmd, err);
out:
	vmha_model_free(m);
	return rc;
}

static void print_json(struct json_object *o)
{
	printf("%s\n",
	       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	                                                 JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void plan_usage(FILE *out)
{
	fprintf(out,
	        "Usage: vmha plan FILE|--cib FILE|--live --fail HOST[,HOST...] [--rebalance] "
	        "[--json]\n"
	        "       vmha plan --rebalance --apply --fail HOST[,HOST...] [--parallel N]\n"
	        "                 [--policy P] [--dry-run] [--transport T] [--json]\n"
	        "\n"
	        "Where the VMs of the failed hosts restart, in what order, and which cannot\n"
	        "(and why). FILE is a scenario file ('-' for stdin); --cib reads a Pacemaker\n"
	        "CIB ('-' for stdin, e.g. from 'cibadmin -Q'); --live runs 'cibadmin -Q'.\n"
	        "\n"
	        "  --fail H[,H...]  the hosts that fail (may be repeated)\n"
	        "  --rebalance      propose live migrations that make room for stranded VMs\n"
	        "  --json           one JSON object\n"
	        "  --apply          with --rebalance, on the standalone cluster of the local\n"
	        "                   vmhad (its status and the registry, no FILE): carry out\n"
	        "                   the proposed live migrations, each as 'vmha host\n"
	        "                   evacuate' moves a VM (admission control, pre-checks,\n"
	        "                   --parallel N at once, default 2; --policy P each move\n"
	        "                   must keep; --dry-run only checks; --transport as for\n"
	        "                   'vmha vm'); a move that cannot be made is reported\n"
	        "\n"
	        "Exit status: 0 every displaced VM restarts (--apply: every move made), 1 some\n"
	        "VM is stranded (--apply: some move was not made), 2 bad input.\n");
}

static int add_failed(const char *cmd, const struct vmha_model *m, const char *list, size_t *failed,
                      size_t *nfailed)
{
	char *copy = strdup(list);
	char *save = NULL;
	char *item = NULL;
	int rc = 0;

	if (copy == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (*copy == '\0') {
		fprintf(stderr, "vmha %s: --fail: field 'host': empty list\n", cmd);
		rc = -EINVAL;
		goto out;
	}
	for (item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		size_t h = 0;

		if (vmha_model_host_find(m, item, &h) < 0) {
			fprintf(stderr, "vmha %s: --fail: field 'host': no node '%s'\n", cmd, item);
			rc = -EINVAL;
			goto out;
		}
		failed[(*nfailed)++] = h;
	}
out:
	free(copy);
	return rc;
}

static const char *prio_name(int64_t prio, char *buf, size_t len)
{
	return vmha_model_priority_format(prio, buf, len);
}

static void plan_text(const struct vmha_model *m, const struct vmha_plan *p)
{
	size_t nv = vmha_model_vm_count(m);
	size_t nh = vmha_model_host_count(m);
	size_t h;
	size_t v;
	size_t i;
	size_t n_restart = 0;
	size_t n_never = 0;
	size_t shown = 0;
	char pb[32];

	printf("failed:");
	for (h = 0; h < nh; h++) {
		if (vmha_plan_host_failed(p, h)) {
			printf("%s%s", shown++ > 0 ? "," : " ", vmha_model_host_name(m, h));
		}
	}
	printf("\n");
	for (v = 0; v < nv; v++) {
		long from = vmha_model_vm_host(m, v);
		const char *fromname = from >= 0 ? vmha_model_host_name(m, (size_t)from) : "-";

		prio_name(vmha_model_vm_priority(m, v), pb, sizeof(pb));
		switch (vmha_plan_outcome(p, v)) {
		case VMHA_PLAN_RESTART:
			n_restart++;
			printf("restart %s on %s (from %s, order %zu, priority %s)\n",
			       vmha_model_vm_name(m, v),
			       vmha_model_host_name(m, (size_t)vmha_plan_target(p, v)), fromname,
			       vmha_plan_order(p, v), pb);
			break;
		case VMHA_PLAN_STRANDED:
			printf("stranded %s (from %s, priority %s): %s\n", vmha_model_vm_name(m, v),
			       fromname, pb, vmha_plan_reason(p, v));
			break;
		case VMHA_PLAN_NOT_RESTARTED:
			n_never++;
			printf("not restarted %s (from %s): %s\n", vmha_model_vm_name(m, v),
			       fromname, vmha_plan_reason(p, v));
			break;
		case VMHA_PLAN_UNAFFECTED:
			break;
		}
	}
	for (i = 0; i < vmha_plan_migration_count(p); i++) {
		size_t vm;
		size_t from;
		size_t to;
		size_t for_vm;

		vmha_plan_migration(p, i, &vm, &from, &to, &for_vm);
		printf("migrate %s from %s to %s (makes room for %s)\n", vmha_model_vm_name(m, vm),
		       vmha_model_host_name(m, from), vmha_model_host_name(m, to),
		       vmha_model_vm_name(m, for_vm));
	}
	printf("summary: %zu displaced, %zu restart, %zu stranded, %zu not restarted, %zu "
	       "migrations\n",
	       vmha_plan_displaced_count(p), n_restart, vmha_plan_stranded_count(p), n_never,
	       vmha_plan_migration_count(p));
	if (vmha_plan_budget_hit(p)) {
		printf("search: stopped at its step budget (a plan that restarts more may "
		       "exist)\n");
	}
}

static struct json_object *plan_json(const struct vmha_model *m, const struct vmha_plan *p)
{
	struct json_object *o = json_object_new_object();
	struct json_object *failed = json_object_new_array();
	struct json_object *restarts = json_object_new_array();
	struct json_object *stranded = json_object_new_array();
	struct json_object *never = json_object_new_array();
	struct json_object *migs = json_object_new_array();
	size_t h;
	size_t v;
	size_t i;
	char pb[32];

	for (h = 0; h < vmha_model_host_count(m); h++) {
		if (vmha_plan_host_failed(p, h)) {
			json_object_array_add(failed,
			                      json_object_new_string(vmha_model_host_name(m, h)));
		}
	}
	for (v = 0; v < vmha_model_vm_count(m); v++) {
		enum vmha_plan_outcome oc = vmha_plan_outcome(p, v);
		struct json_object *e = NULL;
		long from = vmha_model_vm_host(m, v);

		if (oc == VMHA_PLAN_UNAFFECTED) {
			continue;
		}
		e = json_object_new_object();
		json_object_object_add(e, "vm", json_object_new_string(vmha_model_vm_name(m, v)));
		json_object_object_add(
		        e, "from",
		        from >= 0 ? json_object_new_string(vmha_model_host_name(m, (size_t)from))
		                  : NULL);
		json_object_object_add(e, "priority",
		                       json_object_new_string(prio_name(
		                               vmha_model_vm_priority(m, v), pb, sizeof(pb))));
		if (oc == VMHA_PLAN_RESTART) {
			json_object_object_add(e, "host",
			                       json_object_new_string(vmha_model_host_name(
			                               m, (size_t)vmha_plan_target(p, v))));
			json_object_object_add(
			        e, "order", json_object_new_int64((int64_t)vmha_plan_order(p, v)));
			json_object_array_add(restarts, e);
		} else {
			json_object_object_add(e, "reason",
			                       json_object_new_string(vmha_plan_reason(p, v)));
			json_object_array_add(oc == VMHA_PLAN_STRANDED ? stranded : never, e);
		}
	}
	for (i = 0; i < vmha_plan_migration_count(p); i++) {
		struct json_object *e = json_object_new_object();
		size_t vm;
		size_t from;
		size_t to;
		size_t for_vm;

		vmha_plan_migration(p, i, &vm, &from, &to, &for_vm);
		json_object_object_add(e, "vm", json_object_new_string(vmha_model_vm_name(m, vm)));
		json_object_object_add(e, "from",
		                       json_object_new_string(vmha_model_host_name(m, from)));
		json_object_object_add(e, "to",
		                       json_object_new_string(vmha_model_host_name(m, to)));
		json_object_object_add(e, "for",
		                       json_object_new_string(vmha_model_vm_name(m, for_vm)));
		json_object_array_add(migs, e);
	}
	json_object_object_add(o, "failed", failed);
	json_object_object_add(o, "restarts", restarts);
	json_object_object_add(o, "stranded", stranded);
	json_object_object_add(o, "not_restarted", never);
	json_object_object_add(o, "migrations", migs);
	json_object_object_add(o, "search_budget_hit",
	                       json_object_new_boolean(vmha_plan_budget_hit(p)));
	return o;
}

int vmha_cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"fail", required_argument, NULL, 'f'},
	        {"cib", required_argument, NULL, 'c'},
	        {"live", no_argument, NULL, 'l'},
	        {"json", no_argument, NULL, 'j'},
	        {"rebalance", no_argument, NULL, 'r'},
	        {"apply", no_argument, NULL, 'A'},
	        {"parallel", required_argument, NULL, 'P'},
	        {"policy", required_argument, NULL, 'p'},
	        {"dry-run", no_argument, NULL, 'n'},
	        {"transport", required_argument, NULL, 'T'},
	        {"dir", required_argument, NULL, 'd'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct plan_apply_opts ap = {.parallel = 2};
	struct source src = {NULL, NULL, false};
	struct vmha_model *m = NULL;
	struct vmha_plan *p = NULL;
	const char **fail_lists = NULL;
	size_t nlists = 0;
	size_t *failed = NULL;
	size_t nfailed = 0;
	size_t i;
	long added = -1;
	bool json = false;
	unsigned int flags = 0;
	int rc = VMHA_EXIT_USAGE;
	int c;

	fail_lists = calloc((size_t)argc + 1, sizeof(*fail_lists));
	if (fail_lists == NULL) {
		goto out;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fail_lists[nlists++] = optarg;
			break;
		case 'c':
			src.cib = optarg;
			break;
		case 'l':
			src.live = true;
			break;
		case 'j':
			json = true;
			break;
		case 'r':
			flags |= VMHA_PLAN_REBALANCE;
			break;
		case 'A':
			ap.apply = true;
			break;
		case 'P':
		case 'p':
		case 'n':
		case 'T':
		case 'd':
			if (vmha_plan_apply_option(&ap, c, optarg) < 0) {
				goto out;
			}
			break;
		case 'h':
			plan_usage(stdout);
			rc = VMHA_EXIT_OK;
			goto out;
		default:
			plan_usage(stderr);
			goto out;
		}
	}
	if (optind < argc) {
		src.file = argv[optind++];
	}
	if (optind < argc) {
		fprintf(stderr, "vmha plan: unexpected argument '%s'\n", argv[optind]);
		goto out;
	}
	if (nlists == 0) {
		fprintf(stderr, "vmha plan: --fail HOST[,HOST...] is required\n");
		goto out;
	}
	if (ap.apply || ap.other_option) {
		ap.json = json;
		rc = vmha_plan_apply(&ap, src.file != NULL || src.cib != NULL || src.live,
		                     (flags & VMHA_PLAN_REBALANCE) != 0, fail_lists, nlists);
		goto out;
	}
	if (load_model("plan", &src, NULL, &m, &added) < 0) {
		goto out;
	}
	{
		/* at most one host per comma-separated item */
		size_t items = 0;
		const char *s;

		for (i = 0; i < nlists; i++) {
			items++;
			for (s = fail_lists[i]; *s != '\0'; s++) {
				items += *s == ',';
			}
		}
		failed = calloc(items, sizeof(*failed));
		if (failed == NULL) {
			fprintf(stderr, "vmha plan: out of memory\n");
			goto out;
		}
	}
	for (i = 0; i < nlists; i++) {
		if (add_failed("plan", m, fail_lists[i], failed, &nfailed) < 0) {
			goto out;
		}
	}
	p = vmha_plan_new(m);
	if (p == NULL || vmha_plan_run(p, failed, nfailed, NULL, 0, flags) < 0) {
		fprintf(stderr, "vmha plan: out of memory\n");
		goto out;
	}
	if (json) {
		struct json_object *o = plan_json(m, p);

		print_json(o);
		json_object_put(o);
	} else {
		plan_text(m, p);
	}
	rc = vmha_plan_stranded_count(p) > 0 ? VMHA_EXIT_NO : VMHA_EXIT_OK;
out:
	vmha_plan_free(p);
	vmha_model_free(m);
	free(failed);
	free(fail_lists);
	return rc;
}

static void admission_usage(FILE *out)
{
	fprintf(out,
	        "Usage: vmha admission FILE|--cib FILE|--live --policy POLICY [--add 'vm NAME "
	        "...'] "
	        "[--json]\n"
	        "\n"
	        "Does the cluster satisfy an admission-control policy (now, or with one more VM)?\n"
	        "\n"
	        "Policies:\n"
	        "  host-failures:N           every set of N hosts can fail and every VM restarts\n"
	        "  slots:N[,DIM=SIZE...]     vSphere-style slots; N hosts (largest first) may "
	        "fail\n"
	        "  percent:DIM=P[,DIM=P...]  P %% of each dimension is kept free for failover\n"
	        "  failover-hosts[:H,...]    dedicated failover hosts run nothing and absorb as\n"
	        "                            many host failures as there are failover hosts\n"
	        "\n"
	        "  --add 'vm NAME DIM=N ...'  would starting this VM keep the policy satisfied?\n"
	        "  --json                     one JSON object\n"
	        "\n"
	        "Exit status: 0 satisfied, 1 not satisfied, 2 bad input.\n");
}

static struct json_object *dims_json(const struct vmha_model *m, const struct vmha_admission *a,
                                     unsigned int (*get)(const struct vmha_admission *, size_t))
{
	struct json_object *o = json_object_new_object();
	size_t d;

	for (d = 0; d < vmha_model_dim_count(m); d++) {
		json_object_object_add(o, vmha_model_dim_name(m, d),
		                       json_object_new_int64(get(a, d)));
	}
	return o;
}

static bool has_packing(const struct vmha_admission *a)
{
	return vmha_admission_kind(a) != VMHA_ADMISSION_SLOTS;
}

static void admission_text(const struct vmha_model *m, const struct vmha_admission *a, long added)
{
	size_t nd = vmha_model_dim_count(m);
	size_t d;
	size_t h;
	size_t i;

	printf("policy: %s\n", vmha_admission_policy(a));
	if (added >= 0) {
		long host = vmha_admission_added_host(a);

		printf("added: %s on %s\n", vmha_model_vm_name(m, (size_t)added),
		       host >= 0 ? vmha_model_host_name(m, (size_t)host) : "(no node)");
	}
	printf("satisfied: %s\n", vmha_admission_satisfied(a) ? "yes" : "no");
	if (!vmha_admission_satisfied(a)) {
		printf("reason: %s\n", vmha_admission_reason(a));
	}
	if (added >= 0 && vmha_admission_added_host(a) < 0) {
		return;
	}
	printf("host failures tolerated: %s%zu\n",
	       vmha_admission_tolerated_exact(a) ? "" : "at least ", vmha_admission_tolerated(a));
	switch (vmha_admission_kind(a)) {
	case VMHA_ADMISSION_SLOTS:
		printf("slot:");
		for (d = 0; d < nd; d++) {
			printf(" %s=%" PRIu64, vmha_model_dim_name(m, d),
			       vmha_admission_slot(a, d));
		}
		printf("\nslots:");
		for (h = 0; h < vmha_model_host_count(m); h++) {
			printf(" %s=%" PRIu64, vmha_model_host_name(m, h),
			       vmha_admission_host_slots(a, h));
		}
		printf("\nused slots: %" PRIu64 "\nfree slots: %" PRIu64 "\n",
		       vmha_admission_used_slots(a), vmha_admission_free_slots(a));
		break;
	case VMHA_ADMISSION_PERCENT:
		printf("failover percent:");
		for (d = 0; d < nd; d++) {
			printf(" %s=%u", vmha_model_dim_name(m, d),
			       vmha_admission_failover_percent(a, d));
		}
		printf("\navailable percent:");
		for (d = 0; d < nd; d++) {
			printf(" %s=%u", vmha_model_dim_name(m, d),
			       vmha_admission_available_percent(a, d));
		}
		printf("\n");
		break;
	default:
		break;
	}
	if (has_packing(a) && vmha_admission_worst_count(a) > 0) {
		printf("worst case:");
		for (i = 0; i < vmha_admission_worst_count(a); i++) {
			printf("%s%s", i > 0 ? "," : " ",
			       vmha_model_host_name(m, vmha_admission_worst_host(a, i)));
		}
		printf("\n");
		for (i = 0; i < vmha_admission_stranded_count(a); i++) {
			size_t vm;
			const char *reason;

			vmha_admission_stranded(a, i, &vm, &reason);
			printf("stranded %s: %s\n", vmha_model_vm_name(m, vm), reason);
		}
	}
}

static struct json_object *admission_json(const struct vmha_model *m,
                                          const struct vmha_admission *a, long added)
{
	struct json_object *o = json_object_new_object();
	size_t d;
	size_t h;
	size_t i;

	json_object_object_add(o, "policy", json_object_new_string(vmha_admission_policy(a)));
	json_object_object_add(o, "satisfied",
	                       json_object_new_boolean(vmha_admission_satisfied(a)));
	json_object_object_add(o, "reason",
	                       vmha_admission_satisfied(a)
	                               ? NULL
	                               : json_object_new_string(vmha_admission_reason(a)));
	if (added >= 0) {
		struct json_object *e = json_object_new_object();
		long host = vmha_admission_added_host(a);

		json_object_object_add(
		        e, "vm", json_object_new_string(vmha_model_vm_name(m, (size_t)added)));
		json_object_object_add(
		        e, "host",
		        host >= 0 ? json_object_new_string(vmha_model_host_name(m, (size_t)host))
		                  : NULL);
		json_object_object_add(o, "added", e);
		if (host < 0) {
			return o;
		}
	}
	json_object_object_add(o, "host_failures_tolerated",
	                       json_object_new_int64((int64_t)vmha_admission_tolerated(a)));
	if (vmha_admission_kind(a) == VMHA_ADMISSION_SLOTS) {
		struct json_object *slot = json_object_new_object();
		struct json_object *slots = json_object_new_object();

		for (d = 0; d < vmha_model_dim_count(m); d++) {
			json_object_object_add(
			        slot, vmha_model_dim_name(m, d),
			        json_object_new_int64((int64_t)vmha_admission_slot(a, d)));
		}
		for (h = 0; h < vmha_model_host_count(m); h++) {
			json_object_object_add(
			        slots, vmha_model_host_name(m, h),
			        json_object_new_int64((int64_t)vmha_admission_host_slots(a, h)));
		}
		json_object_object_add(o, "slot", slot);
		json_object_object_add(o, "slots", slots);
		json_object_object_add(
		        o, "free_slots",
		        json_object_new_int64((int64_t)vmha_admission_free_slots(a)));
	}
	if (vmha_admission_kind(a) == VMHA_ADMISSION_PERCENT) {
		json_object_object_add(o, "failover_percent",
		                       dims_json(m, a, vmha_admission_failover_percent));
		json_object_object_add(o, "available_percent",
		                       dims_json(m, a, vmha_admission_available_percent));
	}
	if (has_packing(a)) {
		struct json_object *worst = json_object_new_array();
		struct json_object *stranded = json_object_new_array();

		for (i = 0; i < vmha_admission_worst_count(a); i++) {
			json_object_array_add(worst, json_object_new_string(vmha_model_host_name(
			                                     m, vmha_admission_worst_host(a, i))));
		}
		for (i = 0; i < vmha_admission_stranded_count(a); i++) {
			struct json_object *e = json_object_new_object();
			size_t vm;
			const char *reason;

			vmha_admission_stranded(a, i, &vm, &reason);
			json_object_object_add(e, "vm",
			                       json_object_new_string(vmha_model_vm_name(m, vm)));
			json_object_object_add(e, "reason", json_object_new_string(reason));
			json_object_array_add(stranded, e);
		}
		json_object_object_add(o, "worst_case", worst);
		json_object_object_add(o, "stranded", stranded);
	}
	return o;
}

int vmha_cmd_admission(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"policy", required_argument, NULL, 'p'},
	        {"cib", required_argument, NULL, 'c'},
	        {"live", no_argument, NULL, 'l'},
	        {"json", no_argument, NULL, 'j'},
	        {"add", required_argument, NULL, 'a'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct source src = {NULL, NULL, false};
	struct vmha_model *m = NULL;
	struct vmha_admission *a = NULL;
	const char *policy = NULL;
	const char *add = NULL;
	char err[1024] = "";
	long added = -1;
	bool json = false;
	int rc = VMHA_EXIT_USAGE;
	int r;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			policy = optarg;
			break;
		case 'c':
			src.cib = optarg;
			break;
		case 'l':
			src.live = true;
			break;
		case 'j':
			json = true;
			break;
		case 'a':
			add = optarg;
			break;
		case 'h':
			admission_usage(stdout);
			rc = VMHA_EXIT_OK;
			goto out;
		default:
			admission_usage(stderr);
			goto out;
		}
	}
	if (optind < argc) {
		src.file = argv[optind++];
	}
	if (optind < argc) {
		fprintf(stderr, "vmha admission: unexpected argument '%s'\n", argv[optind]);
		goto out;
	}
	if (policy == NULL) {
		fprintf(stderr, "vmha admission: --policy POLICY is required\n");
		goto out;
	}
	if (load_model("admission", &src, add, &m, &added) < 0) {
		goto out;
	}
	if (vmha_admission_new(m, policy, &a, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmha admission: %s\n", err);
		goto out;
	}
	r = vmha_admission_check(a, added);
	if (r < 0) {
		fprintf(stderr, "vmha admission: %s\n",
		        r == -E2BIG ? vmha_admission_reason(a) : "out of memory");
		goto out;
	}
	if (json) {
		struct json_object *o = admission_json(m, a, added);

		print_json(o);
		json_object_put(o);
	} else {
		admission_text(m, a, added);
	}
	rc = vmha_admission_satisfied(a) ? VMHA_EXIT_OK : VMHA_EXIT_NO;
out:
	vmha_admission_free(a);
	vmha_model_free(m);
	return rc;
}

/* Utilization published to Pacemaker (see utilization.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "context.h"
#include "log.h"
#include "utilization.h"
#include "virt.h"

bool vmha_utilization_wanted(const struct vmha_actx *c)
{
	const struct vmha_params *p = c->p;

	/* Pacemaker always passes its feature set; without it there is no
	 * cluster to write utilization to */
	if (vmha_params_instance(p) == NULL || getenv("OCF_RESKEY_crm_feature_set") == NULL) {
		return false;
	}
	return vmha_params_autoset_utilization(p, VMHA_PARAMS_UTILIZATION_CPU) ||
	       vmha_params_autoset_utilization(p, VMHA_PARAMS_UTILIZATION_HOST_MEMORY) ||
	       vmha_params_autoset_utilization(p, VMHA_PARAMS_UTILIZATION_HV_MEMORY) ||
	       vmha_params_unset_utilization(p, VMHA_PARAMS_UTILIZATION_CPU) ||
	       vmha_params_unset_utilization(p, VMHA_PARAMS_UTILIZATION_HOST_MEMORY) ||
	       vmha_params_unset_utilization(p, VMHA_PARAMS_UTILIZATION_HV_MEMORY);
}

/* Utilization: write an attribute only when its value changed since the
 * last write (cached next to the record), so a steady monitor starts no
 * process at all. */
void vmha_utilization_update(struct vmha_actx *c, struct vmha_virt_domain *dom)
{
	static const char *const attrs[] = {"cpu", "host_memory", "hv_memory"};
	const bool autoset[] = {
	        vmha_params_autoset_utilization(c->p, VMHA_PARAMS_UTILIZATION_CPU),
	        vmha_params_autoset_utilization(c->p, VMHA_PARAMS_UTILIZATION_HOST_MEMORY),
	        vmha_params_autoset_utilization(c->p, VMHA_PARAMS_UTILIZATION_HV_MEMORY)};
	const bool unset[] = {
	        vmha_params_unset_utilization(c->p, VMHA_PARAMS_UTILIZATION_CPU),
	        vmha_params_unset_utilization(c->p, VMHA_PARAMS_UTILIZATION_HOST_MEMORY),
	        vmha_params_unset_utilization(c->p, VMHA_PARAMS_UTILIZATION_HV_MEMORY)};
	char cache_path[4200];
	char cached[3][32] = {"", "", ""};
	char want[3][32] = {"", "", ""};
	char line[128];
	unsigned int vcpus = 0;
	uint64_t mem_kib = 0;
	bool changed = false;
	FILE *f;
	size_t i;

	if (dom == NULL) {
		return;
	}
	if (vmha_virt_domain_get_info(dom, c->deadline_ms, &vcpus, &mem_kib) < 0) {
		return;
	}
	for (i = 0; i < 3; i++) {
		if (autoset[i]) {
			snprintf(want[i], sizeof(want[i]), "%llu",
			         i == 0 ? (unsigned long long)vcpus
			                : (unsigned long long)(mem_kib / 1024));
		} else if (unset[i]) {
			snprintf(want[i], sizeof(want[i]), "-");
		}
	}
	snprintf(cache_path, sizeof(cache_path), "%s.util", c->record_path);
	f = fopen(cache_path, "re");
	if (f != NULL) {
		for (i = 0; i < 3 && fgets(line, sizeof(line), f) != NULL; i++) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(cached[i], sizeof(cached[i]), "%.31s", line);
		}
		fclose(f);
	}
	for (i = 0; i < 3; i++) {
		char *set_argv[] = {"crm_resource",
		                    "-Q",
		                    "-r",
		                    (char *)vmha_params_instance(c->p),
		                    "-z",
		                    "-p",
		                    (char *)attrs[i],
		                    "-v",
		                    want[i],
		                    NULL};
		char *del_argv[] = {"crm_resource",
		                    "-Q",
		                    "-r",
		                    (char *)vmha_params_instance(c->p),
		                    "-z",
		                    "-d",
		                    (char *)attrs[i],
		                    NULL};
		int r;

		if (want[i][0] == '\0' || strcmp(want[i], cached[i]) == 0) {
			continue;
		}
		r = vmha_cmd_run(strcmp(want[i], "-") == 0 ? del_argv : set_argv, c->deadline_ms,
		                 NULL, 0);
		if (r != 0) {
			vmha_warn("cannot set utilization '%s' of '%s' to '%s' (crm_resource: %d)",
			          attrs[i], vmha_params_instance(c->p), want[i], r);
			continue;
		}
		vmha_info("utilization '%s' of '%s' set to '%s'", attrs[i],
		          vmha_params_instance(c->p), want[i]);
		memcpy(cached[i], want[i], sizeof(cached[i]));
		changed = true;
	}
	if (!changed) {
		return;
	}
	f = fopen(cache_path, "we");
	if (f != NULL) {
		fprintf(f, "%s\n%s\n%s\n", cached[0], cached[1], cached[2]);
		fclose(f);
	}
}

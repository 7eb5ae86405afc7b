/* save_config_on_stop and sync_config_on_stop (see saveconfig.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "cmd.h"
#include "context.h"
#include "domxml.h"
#include "log.h"
#include "saveconfig.h"
#include "status.h"
#include "virt.h"

int vmha_saveconfig_save(struct vmha_actx *c, struct vmha_virt_domain *dom)
{
	struct vmha_domxml *check = NULL;
	char tmp[4200];
	char *xml = NULL;
	FILE *f = NULL;
	int rc;

	rc = vmha_virt_domain_get_xml(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE,
	                              c->deadline_ms, &xml);
	if (rc < 0) {
		vmha_warn("cannot read the XML of domain '%s': %s", c->name, vmha_virt_error(c->v));
		goto out;
	}
	if (c->dx != NULL && strcmp(vmha_domxml_text(c->dx), xml) == 0) {
		goto out;
	}
	rc = vmha_domxml_parse_string(xml, &check, NULL, 0);
	if (rc < 0 || strcmp(vmha_domxml_name(check), c->name) != 0) {
		vmha_warn("the XML of domain '%s' does not parse: config not saved", c->name);
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.vmha-tmp", vmha_params_config(c->p));
	f = fopen(tmp, "we");
	if (f == NULL || fputs(xml, f) < 0) {
		rc = -errno;
		vmha_warn("cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (fclose(f) != 0 || rename(tmp, vmha_params_config(c->p)) < 0) {
		f = NULL;
		rc = -errno;
		vmha_warn("cannot replace '%s': %s", vmha_params_config(c->p), strerror(errno));
		unlink(tmp);
		goto out;
	}
	f = NULL;
	vmha_notice("saved the configuration of domain '%s' to '%s'", c->name,
	            vmha_params_config(c->p));
	if (vmha_params_sync_config_on_stop(c->p)) {
		char *argv[] = {"csync2", "-x", (char *)vmha_params_config(c->p), NULL};
		int r = vmha_cmd_run(argv, c->deadline_ms, NULL, 0);

		if (r != 0) {
			vmha_warn("csync2 -x '%s' failed (%d)", vmha_params_config(c->p), r);
		}
	}
out:
	if (f != NULL) {
		fclose(f);
	}
	vmha_domxml_free(check);
	free(xml);
	return rc;
}

/* save_config_on_stop (and sync_config_on_stop) also on monitor and after
 * migrate_from, as the stock agent does, so that every node's config file
 * stays fresh. Not when the config was unreadable (the record identified
 * the guest: the file may be unmounted) or libvirt is unreachable. */
void vmha_saveconfig_while_running(struct vmha_actx *c)
{
	struct vmha_virt_domain *dom = NULL;

	if (!(vmha_params_save_config_on_stop(c->p) || vmha_params_sync_config_on_stop(c->p)) ||
	    c->from_record || c->dx == NULL || c->v == NULL || vmha_virt_is_wedged(c->v)) {
		return;
	}
	if (vmha_status_lookup(c, &dom) == 0) {
		vmha_saveconfig_save(c, dom);
	}
	vmha_virt_domain_free(dom);
}

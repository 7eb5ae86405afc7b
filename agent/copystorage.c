/* copy_storage: migrate_to without shared storage (see copystorage.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "copystorage.h"
#include "deadline.h"
#include "domxml.h"
#include "log.h"
#include "params.h"
#include "storage_copy.h"

/* Keepalive of the connection to the target's libvirtd. */
#define KEEPALIVE_S 2
/* Bound of each call while removing the target's volumes. */
#define CLEANUP_MS 30000

struct vmha_copystorage {
	struct vmha_virt *dst;
	struct vmha_storage_copy *sc;
	uint64_t deadline_ms;
};

void vmha_copystorage_finish(struct vmha_copystorage *cs, bool migrated)
{
	if (cs == NULL) {
		return;
	}
	if (!migrated && cs->sc != NULL && vmha_storage_copy_created_count(cs->sc) > 0 &&
	    vmha_storage_copy_remove_targets(cs->sc, vmha_deadline_in_ms(CLEANUP_MS)) < 0) {
		vmha_err("%s", vmha_storage_copy_reason(cs->sc));
	}
	vmha_storage_copy_free(cs->sc);
	vmha_virt_free(cs->dst);
	free(cs);
}

int vmha_copystorage_prepare(struct vmha_actx *c, struct vmha_virt_domain *dom,
                             struct vmha_migration *m, const char *target, const char *target_uri,
                             struct vmha_copystorage **out)
{
	const char *mode = vmha_params_copy_storage(c->p);
	struct vmha_copystorage *cs = NULL;
	struct vmha_domxml *dx = NULL;
	char *xml = NULL;
	char err[512] = "";
	size_t i;
	int rc = 0;

	*out = NULL;
	if (mode == NULL) {
		goto out;
	}
	cs = calloc(1, sizeof(*cs));
	if (cs == NULL) {
		rc = vmha_actx_fail(c, -ENOMEM, "out of memory");
		goto out;
	}
	cs->deadline_ms = c->deadline_ms;
	rc = vmha_virt_open(target_uri, KEEPALIVE_S, c->deadline_ms, &cs->dst);
	if (rc < 0) {
		rc = vmha_actx_fail(c, -EIO,
		                    "copy_storage: target libvirtd '%s' is unreachable: %s",
		                    target_uri, vmha_virt_open_error());
		goto out;
	}
	rc = vmha_virt_domain_get_xml(dom, VIR_DOMAIN_XML_MIGRATABLE, c->deadline_ms, &xml);
	if (rc == 0) {
		rc = vmha_domxml_parse_string(xml, &dx, err, sizeof(err));
	}
	if (rc < 0) {
		rc = vmha_actx_fail(c, -EIO, "copy_storage: cannot read the definition of '%s': %s",
		                    c->name, err[0] != '\0' ? err : vmha_virt_domain_error(dom));
		goto out;
	}
	cs->sc = vmha_storage_copy_new(c->v, cs->dst, target);
	if (cs->sc == NULL) {
		rc = vmha_actx_fail(c, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < vmha_domxml_file_disk_count(dx); i++) {
		rc = vmha_storage_copy_add_disk(cs->sc, vmha_domxml_file_disk(dx, i),
		                                vmha_domxml_file_disk_dev(dx, i), c->deadline_ms);
		if (rc < 0) {
			rc = vmha_actx_fail(c, -EIO, "copy_storage: %s",
			                    vmha_storage_copy_reason(cs->sc));
			goto out;
		}
	}
	for (i = 0; i < vmha_storage_copy_count(cs->sc) && rc == 0; i++) {
		rc = vmha_migration_add_copy_storage(m, strcmp(mode, "inc") == 0,
		                                     vmha_storage_copy_dev(cs->sc, i));
		if (rc < 0) {
			rc = vmha_actx_fail(c, -ENOMEM, "out of memory");
		}
	}
	if (rc == 0 && vmha_storage_copy_count(cs->sc) == 0) {
		vmha_notice("copy_storage: every disk of '%s' is on storage '%s' shares", c->name,
		            target);
	}
out:
	if (rc == 0) {
		*out = cs;
	} else {
		vmha_copystorage_finish(cs, true);
	}
	vmha_domxml_free(dx);
	free(xml);
	return rc;
}

int vmha_copystorage_create(struct vmha_actx *c, struct vmha_copystorage *cs)
{
	int rc = 0;

	if (cs != NULL && (rc = vmha_storage_copy_create_targets(cs->sc, c->deadline_ms)) < 0) {
		rc = vmha_actx_fail(c, -EIO, "copy_storage: %s", vmha_storage_copy_reason(cs->sc));
	}
	return rc;
}

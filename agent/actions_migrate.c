/* The agent's migrate_to and migrate_from (see actions_int.h). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "actions_int.h"
#include "cmd.h"
#include "context.h"
#include "copystorage.h"
#include "deadline.h"
#include "domxml.h"
#include "log.h"
#include "migrate.h"
#include "migration.h"
#include "migtimeout.h"
#include "ocf.h"
#include "precheck.h"
#include "record.h"
#include "saveconfig.h"
#include "shutdown_order.h"
#include "status.h"
#include "unblock.h"
#include "virt.h"

/* The migration plan's syntax (options, URIs): checked by validate-all and
 * at start, so that a bad option is found at configuration time, never
 * first by migrate_to. */
int actions_check_migrate_plan(struct vmha_actx *c)
{
	struct vmha_migspec *spec = NULL;
	int rc;

	rc = vmha_migrate_spec_new(c->p, vmha_params_migrate_target(c->p), "qemu:///system", &spec,
	                           c->reason, c->reason_len);
	vmha_migspec_free(spec);
	return rc;
}

/* validate-all: the pre-checks that need no connection (lib/precheck: the
 * URIs, and a target host that resolves to a loopback address here), so
 * that Pacemaker sees these configuration problems before a migration. */
int actions_check_migrate_config(struct vmha_actx *c)
{
	struct vmha_migspec *spec = NULL;
	int rc;

	rc = vmha_migrate_spec_new(c->p, vmha_params_migrate_target(c->p), "qemu:///system", &spec,
	                           c->reason, c->reason_len);
	if (rc == 0) {
		rc = vmha_precheck_config(spec, c->deadline_ms, c->reason, c->reason_len);
	}
	if (rc < 0 && rc != -ENOMEM) {
		rc = -EINVAL;
	}
	vmha_migspec_free(spec);
	return rc;
}

/* A guest that arrived paused because --timeout suspended it on the source
 * (libvirt resumes it on the target; this makes sure): resume it, so that it
 * never stays paused while monitor reports it running. */
static void resume_after_timeout(struct vmha_actx *c)
{
	struct vmha_migspec *plan = NULL;
	struct vmha_virt_domain *dom = NULL;

	if (vmha_migrate_spec_new(c->p, NULL, "qemu:///system", &plan, NULL, 0) < 0 ||
	    vmha_migspec_timeout_s(plan) == 0 || vmha_migspec_timeout_postcopy(plan)) {
		goto out;
	}
	if (vmha_status_lookup(c, &dom) == 0 && vmha_virt_domain_resume(dom, c->deadline_ms) == 0) {
		vmha_notice("domain '%s' resumed after its migration (suspended by --timeout)",
		            c->name);
	} else {
		vmha_warn("domain '%s' arrived paused and cannot be resumed", c->name);
	}
out:
	vmha_virt_domain_free(dom);
	vmha_migspec_free(plan);
}

/* After a failed migrate_to: when the guest runs on here, alone (running, never
 * switched to post-copy), start the watcher that gives it back to Pacemaker
 * once the target is fenced (unblock.h). */
static void unblock_after_failure(struct vmha_actx *c, struct vmha_virt_domain *dom,
                                  const struct vmha_migration *m)
{
	int state = 0;
	int reason = 0;

	if (vmha_params_instance(c->p) == NULL || vmha_params_migrate_source(c->p) == NULL ||
	    getenv("OCF_RESKEY_crm_feature_set") == NULL || !vmha_cmd_exists("crm_resource") ||
	    vmha_migration_progress_postcopy(vmha_migration_last_progress(m))) {
		return;
	}
	if (vmha_virt_domain_get_state(dom, c->deadline_ms, &state, &reason) < 0 ||
	    state != VIR_DOMAIN_RUNNING) {
		return;
	}
	if (vmha_unblock_spawn("/proc/self/exe") < 0) {
		vmha_warn("cannot start the watcher for '%s': after the target is fenced, run "
		          "crm_resource --cleanup",
		          c->name);
	}
}

/* migrate_to: the plan from the parameters, then lib/migration (pre-checks,
 * progress, post-copy, abort before Pacemaker's timeout). */
int actions_migrate_to(struct vmha_actx *c)
{
	struct vmha_migspec *spec = NULL;
	struct vmha_migration *m = NULL;
	struct vmha_migtimeout *t = NULL;
	struct vmha_virt_domain *dom = NULL;
	struct vmha_copystorage *cs = NULL;
	char *local_uri = NULL;
	const char *target = vmha_params_migrate_target(c->p);
	unsigned int timeout_s = 0;
	uint64_t abort_ms;
	uint64_t margin_ms;
	int rc;

	rc = vmha_status_identify(c, false);
	if (rc < 0) {
		goto out;
	}
	if (target == NULL) {
		rc = vmha_actx_fail(c, -EINVAL,
		                    "migrate_to needs OCF_RESKEY_CRM_meta_migrate_target");
		goto out;
	}
	rc = vmha_status_get(c, NULL, NULL);
	if (rc != 0 || c->v == NULL) {
		rc = vmha_actx_fail(c, -EIO, "domain '%s' is not active locally: cannot migrate it",
		                    c->name);
		goto out;
	}
	rc = vmha_status_lookup(c, &dom);
	if (rc < 0) {
		rc = vmha_actx_fail(c, -EIO, "cannot look up domain '%s': %s", c->name,
		                    vmha_virt_error(c->v));
		goto out;
	}
	local_uri = vmha_virt_uri(c->v, c->deadline_ms);
	/* the settings, built once, then handed to lib/migration as they are */
	rc = vmha_migrate_spec_new(c->p, target, local_uri, &spec, c->reason, c->reason_len);
	if (rc == -EINVAL) {
		/* start and validate-all refuse this; here it can only come from a
		 * reload: not fatal (OCF_ERR_GENERIC), the guest stays where it is */
		rc = -EIO;
	}
	if (rc < 0) {
		goto out;
	}
	if (c->dx != NULL && vmha_migspec_set_cpu_xml(spec, vmha_domxml_cpu_xml(c->dx)) < 0) {
		rc = vmha_actx_fail(c, -ENOMEM, "out of memory");
		goto out;
	}
	timeout_s = vmha_migspec_timeout_s(spec);
	m = vmha_migration_new_spec(dom, target, spec);
	spec = NULL;
	if (m == NULL) {
		rc = vmha_actx_fail(c, -ENOMEM, "out of memory");
		goto out;
	}
	rc = vmha_copystorage_prepare(c, dom, m, target,
	                              vmha_migspec_remote_uri(vmha_migration_spec(m)), &cs);
	if (rc < 0) {
		goto out;
	}
	if (vmha_params_migration_precheck(c->p)) {
		rc = vmha_migration_precheck(m, c->deadline_ms);
		if (rc < 0) {
			rc = vmha_actx_fail(c, -EIO, "%s", vmha_migration_reason(m));
			goto out;
		}
	}
	rc = vmha_copystorage_create(c, cs);
	if (rc < 0) {
		goto out;
	}
	if (vmha_params_save_config_on_stop(c->p) || vmha_params_sync_config_on_stop(c->p)) {
		vmha_saveconfig_save(c, dom);
	}
	/* abort ourselves well before Pacemaker's timeout */
	margin_ms = vmha_params_timeout_ms(c->p) / 10;
	if (margin_ms < 3000) {
		margin_ms = 3000;
	}
	abort_ms = c->deadline_ms > margin_ms ? c->deadline_ms - margin_ms : c->deadline_ms;
	if (timeout_s > 0) {
		t = vmha_migtimeout_new(dom, timeout_s,
		                        vmha_migspec_timeout_postcopy(vmha_migration_spec(m)),
		                        c->deadline_ms);
		if (t == NULL) {
			rc = vmha_actx_fail(c, -ENOMEM, "out of memory");
			goto out;
		}
		if (vmha_clock_now_ms() + (uint64_t)timeout_s * 1000 >= abort_ms) {
			vmha_warn("'--timeout %u' of domain '%s' is longer than the migrate_to "
			          "timeout allows: the agent aborts first",
			          timeout_s, c->name);
		}
		vmha_migration_set_progress_fn(m, vmha_migtimeout_progress, t);
		vmha_migtimeout_start(t);
	}
	vmha_notice("migrating domain '%s' %s", c->name,
	            vmha_migspec_describe(vmha_migration_spec(m)));
	rc = vmha_migration_run(m, abort_ms, c->deadline_ms);
	if (rc < 0) {
		vmha_migtimeout_failed(t);
		unblock_after_failure(c, dom, m);
	}
	if (rc == -ETIMEDOUT) {
		rc = vmha_actx_fail(c, -ETIMEDOUT, "%s (operation timeout)",
		                    vmha_migration_reason(m));
		goto out;
	}
	if (rc < 0) {
		rc = vmha_actx_fail(c, -EIO, "%s", vmha_migration_reason(m));
		goto out;
	}
out:
	vmha_copystorage_finish(cs, rc == 0);
	vmha_migration_free(m);
	vmha_migtimeout_free(t);
	vmha_virt_domain_free(dom);
	vmha_migspec_free(spec);
	free(local_uri);
	return rc;
}

int actions_migrate_from(struct vmha_actx *c)
{
	int state = 0;
	int reason = 0;
	int rc;

	rc = vmha_status_identify(c, false);
	if (rc < 0) {
		return rc;
	}
	vmha_shutdown_order_add(c);
	for (;;) {
		c->reason[0] = '\0';
		rc = vmha_status_get(c, &state, &reason);
		if (rc == 0 || rc == -ESRCH || rc == -EIO ||
		    vmha_deadline_expired(c->deadline_ms)) {
			break;
		}
		usleep(VMHA_ACTX_POLL_MS * 1000);
	}
	if (rc == -ESRCH) {
		return vmha_actx_fail(c, -EIO, "domain '%s' did not arrive from '%s'", c->name,
		                      vmha_params_migrate_source(c->p) != NULL
		                              ? vmha_params_migrate_source(c->p)
		                              : "its source");
	}
	if (rc < 0) {
		return vmha_actx_fail(c, -EIO, "domain '%s' is not running after the migration",
		                      c->name);
	}
	if (state == VIR_DOMAIN_PAUSED) {
		resume_after_timeout(c);
	}
	vmha_record_write(c);
	vmha_saveconfig_while_running(c);
	vmha_notice("domain '%s' arrived from '%s' (%s)", c->name,
	            vmha_params_migrate_source(c->p) != NULL ? vmha_params_migrate_source(c->p)
	                                                     : "its source",
	            vmha_ocf_state_reason_name(state, reason));
	return actions_run_monitor_scripts(c);
}

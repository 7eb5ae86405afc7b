/* The agent's actions (see actions.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "actions.h"
#include "context.h"
#include "cmd.h"
#include "copystorage.h"
#include "deadline.h"
#include "domxml.h"
#include "log.h"
#include "migrate.h"
#include "migration.h"
#include "migtimeout.h"
#include "ocf.h"
#include "overlay.h"
#include "precheck.h"
#include "qemuproc.h"
#include "record.h"
#include "saveconfig.h"
#include "shutdown_order.h"
#include "status.h"
#include "unblock.h"
#include "utilization.h"
#include "virt.h"

static int run_monitor_scripts(struct vmha_actx *c)
{
	char *copy = NULL;
	char *save = NULL;
	char *script;
	int rc = 0;

	if (vmha_params_monitor_scripts(c->p) == NULL) {
		return 0;
	}
	copy = strdup(vmha_params_monitor_scripts(c->p));
	if (copy == NULL) {
		return -ENOMEM;
	}
	for (script = strtok_r(copy, " \t", &save); script != NULL;
	     script = strtok_r(NULL, " \t", &save)) {
		char *argv[] = {script, NULL};
		int r = vmha_cmd_run(argv, c->deadline_ms, NULL, 0);

		if (r != 0) {
			rc = vmha_actx_fail(c, -EIO, "monitor script '%s' for domain '%s' %s %d",
			                    script, c->name, r < 0 ? "failed:" : "exited with",
			                    r < 0 ? -r : r);
			break;
		}
		vmha_debug("monitor script '%s' for domain '%s' succeeded", script, c->name);
	}
	free(copy);
	return rc;
}

static int prepare_overlay(struct vmha_actx *c)
{
	char path[4096];
	int rc;

	rc = vmha_overlay_path(vmha_params_config(c->p), c->dx, vmha_params_backingfile(c->p), path,
	                       sizeof(path), c->reason, c->reason_len);
	if (rc < 0) {
		goto out;
	}
	rc = vmha_overlay_check(vmha_params_backingfile(c->p), path, vmha_params_copyindirs(c->p),
	                        c->reason, c->reason_len);
	if (rc < 0) {
		goto out;
	}
	if (!vmha_overlay_wanted(path, vmha_params_stateless(c->p))) {
		vmha_info("domain '%s' keeps its copy-on-write image '%s'", c->name, path);
		goto out;
	}
	rc = vmha_overlay_create(vmha_params_backingfile(c->p), path, vmha_params_copyindirs(c->p),
	                         c->deadline_ms, c->reason, c->reason_len);
out:
	return rc;
}

static bool domain_gone(void *opaque);

static int action_monitor(struct vmha_actx *c)
{
	struct vmha_virt_domain *dom = NULL;
	int rc;

	rc = vmha_status_identify(c, false);
	if (rc < 0) {
		return rc;
	}
	rc = vmha_status_get(c, NULL, NULL);
	if (rc == -EINPROGRESS) {
		return -EIO;
	}
	if (rc != 0) {
		return rc;
	}
	rc = run_monitor_scripts(c);
	if (rc < 0) {
		return rc;
	}
	if (vmha_utilization_wanted(c) && c->v != NULL && !vmha_virt_is_wedged(c->v) &&
	    vmha_status_lookup(c, &dom) == 0) {
		vmha_utilization_update(c, dom);
		vmha_virt_domain_free(dom);
	}
	vmha_saveconfig_while_running(c);
	return 0;
}

static int start_resources(struct vmha_actx *c, struct vmha_virt *v)
{
	size_t i;
	int rc = 0;

	if (!vmha_params_start_resources(c->p) || c->dx == NULL) {
		return 0;
	}
	for (i = 0; i < vmha_domxml_pool_count(c->dx) && rc == 0; i++) {
		rc = vmha_virt_pool_ensure_active(v, vmha_domxml_pool(c->dx, i), c->deadline_ms);
		if (rc < 0) {
			rc = vmha_actx_fail(c, -EIO, "cannot start storage pool '%s': %s",
			                    vmha_domxml_pool(c->dx, i), vmha_virt_error(v));
		}
	}
	for (i = 0; i < vmha_domxml_network_count(c->dx) && rc == 0; i++) {
		rc = vmha_virt_network_ensure_active(v, vmha_domxml_network(c->dx, i),
		                                     c->deadline_ms);
		if (rc < 0) {
			rc = vmha_actx_fail(c, -EIO, "cannot start virtual network '%s': %s",
			                    vmha_domxml_network(c->dx, i), vmha_virt_error(v));
		}
	}
	return rc;
}

/* The migration plan's syntax (options, URIs): checked by validate-all and
 * at start, so that a bad option is found at configuration time, never
 * first by migrate_to. */
static int check_migrate_plan(struct vmha_actx *c)
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
static int check_migrate_config(struct vmha_actx *c)
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

/* Start found the domain paused for an incoming migration. Pacemaker starts
 * here only when it holds the guest for stopped everywhere: the migration's
 * source is gone (a host lost mid-migration), and its half-arrived copy has
 * never run. Give it a third of the time to finish or vanish; then destroy
 * it, so that start begins afresh. 0 (it runs after all), -ESRCH (gone, or
 * destroyed), or the last status. */
static int settle_incoming(struct vmha_actx *c, int *state, int *reason)
{
	struct vmha_virt_domain *dom = NULL;
	uint64_t wait_ms = vmha_deadline_share(c->deadline_ms, 33);
	int rc = -EINPROGRESS;

	vmha_notice("domain '%s' is %s at start: waiting for its incoming migration to end",
	            c->name, vmha_ocf_state_reason_name(*state, *reason));
	while (rc == -EINPROGRESS && !vmha_deadline_expired(wait_ms)) {
		usleep(VMHA_ACTX_POLL_MS * 1000);
		c->reason[0] = '\0';
		rc = vmha_status_get(c, state, reason);
	}
	if (rc != -EINPROGRESS) {
		goto out;
	}
	if (vmha_status_lookup(c, &dom) < 0) {
		goto out;
	}
	vmha_warn("domain '%s' is still %s: destroying the stale incoming copy (its source is "
	          "gone) to start afresh",
	          c->name, vmha_ocf_state_reason_name(*state, *reason));
	if (vmha_virt_domain_destroy(dom, 0, c->deadline_ms) == 0 &&
	    vmha_deadline_wait(vmha_deadline_share(c->deadline_ms, 50), VMHA_ACTX_POLL_MS,
	                       domain_gone, c) == 0) {
		rc = -ESRCH;
	}
	c->reason[0] = '\0';
out:
	vmha_virt_domain_free(dom);
	return rc;
}

static int action_start(struct vmha_actx *c)
{
	struct vmha_virt_domain *dom = NULL;
	char state_file[4096];
	char uuid[VIR_UUID_STRING_BUFLEN];
	int state = 0;
	int reason = 0;
	int rc;

	rc = vmha_status_identify(c, true);
	if (rc < 0) {
		goto out;
	}
	rc = check_migrate_plan(c);
	if (rc < 0) {
		goto out;
	}
	/* before the guest runs, as the stock agent: a host shutdown from now
	 * on lets Pacemaker move it first */
	vmha_shutdown_order_add(c);
	rc = vmha_status_get(c, &state, &reason);
	if (rc == -EINPROGRESS) {
		rc = settle_incoming(c, &state, &reason);
	}
	if (rc == 0) {
		vmha_info("domain '%s' is already running", c->name);
		vmha_record_write(c);
		goto out;
	}
	if (rc == -EINPROGRESS) {
		rc = vmha_actx_fail(c, -EIO, "cannot start domain '%s': it is %s", c->name,
		                    vmha_ocf_state_reason_name(state, reason));
		goto out;
	}
	if (rc != -ESRCH) {
		rc = vmha_actx_fail(c, rc, "cannot start domain '%s': libvirt is unreachable",
		                    c->name);
		goto out;
	}
	if (c->v == NULL) {
		/* /proc says not running, but libvirtd is needed to start it */
		rc = vmha_actx_fail(c, -EIO, "cannot start domain '%s': libvirtd is unreachable",
		                    c->name);
		goto out;
	}
	c->reason[0] = '\0';
	rc = start_resources(c, c->v);
	if (rc < 0) {
		goto out;
	}
	vmha_record_write(c);
	if (vmha_params_snapshot(c->p) != NULL) {
		snprintf(state_file, sizeof(state_file), "%s/%s.state", vmha_params_snapshot(c->p),
		         c->name);
		if (access(state_file, F_OK) == 0) {
			rc = vmha_virt_domain_restore(c->v, state_file, c->deadline_ms);
			if (rc < 0) {
				rc = vmha_actx_fail(c, -EIO,
				                    "cannot restore domain '%s' from '%s': %s",
				                    c->name, state_file, vmha_virt_error(c->v));
				goto out;
			}
			unlink(state_file);
			vmha_notice("domain '%s' restored from '%s'", c->name, state_file);
			goto wait;
		}
	}
	if (vmha_params_backingfile(c->p) != NULL) {
		rc = prepare_overlay(c);
		if (rc < 0) {
			goto out;
		}
	}
	/* an inactive persistent definition of the same name would get in the
	 * way of the transient start (the config file stays the reference) */
	if (vmha_status_lookup(c, &dom) == 0) {
		if (vmha_virt_domain_get_state(dom, c->deadline_ms, &state, &reason) == 0 &&
		    state == VIR_DOMAIN_SHUTOFF) {
			vmha_info("undefining inactive domain '%s' before starting it from '%s'",
			          c->name, vmha_params_config(c->p));
			vmha_virt_domain_undefine(dom, c->deadline_ms);
		}
		vmha_virt_domain_free(dom);
		dom = NULL;
	}
	rc = vmha_virt_domain_create_xml(c->v, vmha_domxml_text(c->dx), 0, c->deadline_ms, &dom);
	if (rc < 0) {
		rc = vmha_actx_fail(c, vmha_status_unreachable(rc) ? rc : -EIO,
		                    "cannot start domain '%s': %s", c->name, vmha_virt_error(c->v));
		goto out;
	}
	if (vmha_virt_domain_uuid(dom, uuid) == 0) {
		snprintf(c->uuid, sizeof(c->uuid), "%s", uuid);
		vmha_record_write(c);
	}
	vmha_notice("domain '%s' (uuid '%s') started", c->name, c->uuid);
wait:
	rc = vmha_status_wait_running(c);
	if (rc == 0) {
		rc = run_monitor_scripts(c);
	} else {
		rc = vmha_actx_fail(c, -EIO, "domain '%s' did not reach the running state",
		                    c->name);
	}
out:
	vmha_virt_domain_free(dom);
	return rc;
}

/* true when the guest is verifiably gone (undefined or shut off). */
static bool domain_gone(void *opaque)
{
	struct vmha_actx *c = opaque;
	struct vmha_virt_domain *dom = NULL;
	int state = 0;
	int reason = 0;
	int rc;

	rc = vmha_status_lookup(c, &dom);
	if (rc == -ENOENT) {
		return true;
	}
	if (rc < 0) {
		return false;
	}
	rc = vmha_virt_domain_get_state(dom, c->deadline_ms, &state, &reason);
	vmha_virt_domain_free(dom);
	return rc == -ENOENT || (rc == 0 && state == VIR_DOMAIN_SHUTOFF);
}

static int action_stop(struct vmha_actx *c)
{
	struct vmha_virt_domain *dom = NULL;
	unsigned int flags = 0;
	uint64_t phase_ms;
	int rc;

	rc = vmha_status_identify(c, false);
	if (rc < 0) {
		goto out;
	}
	rc = vmha_status_get(c, NULL, NULL);
	if (rc == -ESRCH) {
		vmha_info("domain '%s' is not running", c->name);
		rc = 0;
		goto done;
	}
	if (c->v == NULL || vmha_virt_is_wedged(c->v)) {
		rc = vmha_actx_fail(c, -EIO, "cannot stop domain '%s': libvirtd is unreachable",
		                    c->name);
		goto out;
	}
	c->reason[0] = '\0';
	rc = vmha_status_lookup(c, &dom);
	if (rc == -ENOENT) {
		rc = 0;
		goto done;
	}
	if (rc < 0) {
		rc = vmha_actx_fail(c, rc, "cannot look up domain '%s': %s", c->name,
		                    vmha_virt_error(c->v));
		goto out;
	}
	if (vmha_params_force_stop(c->p)) {
		goto destroy;
	}
	if (vmha_params_save_config_on_stop(c->p) || vmha_params_sync_config_on_stop(c->p)) {
		vmha_saveconfig_save(c, dom);
	}
	if (vmha_params_snapshot(c->p) != NULL) {
		char state_file[4096];

		snprintf(state_file, sizeof(state_file), "%s/%s.state", vmha_params_snapshot(c->p),
		         c->name);
		if (vmha_virt_domain_save(dom, state_file,
		                          vmha_deadline_share(c->deadline_ms, 80)) == 0 &&
		    vmha_deadline_wait(c->deadline_ms, VMHA_ACTX_POLL_MS, domain_gone, c) == 0) {
			vmha_notice("domain '%s' saved to '%s'", c->name, state_file);
			rc = 0;
			goto done;
		}
		vmha_err("cannot save domain '%s' to '%s': %s", c->name, state_file,
		         vmha_virt_error(c->v));
	}
	vmha_params_shutdown_flags(vmha_params_shutdown_mode(c->p), &flags, NULL, 0);
	phase_ms = vmha_deadline_share(c->deadline_ms,
	                               (unsigned int)vmha_params_shutdown_timeout_share(c->p));
	vmha_info("asking domain '%s' to shut down (%" PRIu64 " ms)", c->name,
	          vmha_deadline_remaining_ms(phase_ms));
	rc = vmha_virt_domain_shutdown(dom, flags, phase_ms);
	if (rc < 0) {
		vmha_warn("graceful shutdown of domain '%s' refused: %s", c->name,
		          vmha_virt_error(c->v));
	} else if (vmha_deadline_wait(phase_ms, VMHA_ACTX_POLL_MS, domain_gone, c) == 0) {
		goto gone;
	}
destroy:
	/* SIGTERM first, with half of what is left, then SIGKILL */
	phase_ms = vmha_deadline_share(c->deadline_ms, 50);
	vmha_notice("destroying domain '%s'", c->name);
	rc = vmha_virt_domain_destroy(dom, VIR_DOMAIN_DESTROY_GRACEFUL, phase_ms);
	if (rc < 0) {
		vmha_warn("graceful destroy of domain '%s' failed: %s", c->name,
		          vmha_virt_error(c->v));
	}
	if (vmha_deadline_wait(phase_ms, VMHA_ACTX_POLL_MS, domain_gone, c) == 0) {
		goto gone;
	}
	rc = vmha_virt_domain_destroy(dom, 0, c->deadline_ms);
	if (rc < 0 && rc != -EINVAL) {
		vmha_warn("destroy of domain '%s' failed: %s", c->name, vmha_virt_error(c->v));
	}
	if (vmha_deadline_wait(c->deadline_ms, VMHA_ACTX_POLL_MS, domain_gone, c) == 0) {
		goto gone;
	}
	rc = vmha_actx_fail(c, -EIO, "domain '%s' is still running after destroy: %s", c->name,
	                    vmha_virt_error(c->v));
	goto out;
gone:
	rc = 0;
	vmha_notice("domain '%s' stopped", c->name);
done:
	if (rc == 0) {
		unlink(c->record_path);
		vmha_shutdown_order_remove(c);
	}
out:
	vmha_virt_domain_free(dom);
	return rc;
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
static int action_migrate_to(struct vmha_actx *c)
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

static int action_migrate_from(struct vmha_actx *c)
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
	return run_monitor_scripts(c);
}

static int action_validate(struct vmha_actx *c)
{
	char *copy = NULL;
	char *save = NULL;
	char *script;
	int rc;

	rc = vmha_params_check(c->p, c->reason, c->reason_len);
	if (rc < 0) {
		goto out;
	}
	rc = vmha_status_identify(c, !c->from_record);
	if (rc < 0) {
		goto out;
	}
	rc = check_migrate_config(c);
	if (rc < 0) {
		goto out;
	}
	if (vmha_params_monitor_scripts(c->p) != NULL) {
		copy = strdup(vmha_params_monitor_scripts(c->p));
		if (copy == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		for (script = strtok_r(copy, " \t", &save); script != NULL;
		     script = strtok_r(NULL, " \t", &save)) {
			if (script[0] == '/' && access(script, X_OK) < 0) {
				rc = vmha_actx_fail(c, -ENOENT,
				                    "monitor script '%s' is not executable: %s",
				                    script, strerror(errno));
				goto out;
			}
		}
	}
	if (vmha_params_sync_config_on_stop(c->p) && access("/usr/sbin/csync2", X_OK) < 0 &&
	    access("/usr/bin/csync2", X_OK) < 0) {
		rc = vmha_actx_fail(c, -ENOENT,
		                    "sync_config_on_stop needs csync2, which is not installed");
		goto out;
	}
	if (vmha_params_snapshot(c->p) != NULL && access(vmha_params_snapshot(c->p), W_OK) < 0) {
		rc = vmha_actx_fail(c, -ENOENT, "snapshot directory '%s' is not writable: %s",
		                    vmha_params_snapshot(c->p), strerror(errno));
		goto out;
	}
	if (vmha_params_backingfile(c->p) != NULL) {
		char path[4096];

		rc = vmha_overlay_path(vmha_params_config(c->p), c->dx,
		                       vmha_params_backingfile(c->p), path, sizeof(path), c->reason,
		                       c->reason_len);
		if (rc == 0) {
			rc = vmha_overlay_check(vmha_params_backingfile(c->p), path,
			                        vmha_params_copyindirs(c->p), c->reason,
			                        c->reason_len);
		}
		if (rc < 0) {
			goto out;
		}
	}
	if (!vmha_status_local_qemu(c)) {
		vmha_notice(
		        "note: hypervisor '%s' is not the local QEMU driver: while libvirtd is "
		        "unreachable, monitor and stop cannot tell whether domain '%s' runs (the "
		        "fallback that reads /proc covers local QEMU guests only), so they fail "
		        "rather than guess",
		        vmha_params_hypervisor(c->p), c->name);
	}
out:
	free(copy);
	return rc;
}

int vmha_actions_run(const char *action, const struct vmha_params *p, char *reason,
                     size_t reason_len)
{
	struct vmha_actx c;
	uint64_t margin_ms;
	int rc;

	memset(&c, 0, sizeof(c));
	c.p = p;
	c.action = action;
	c.reason = reason;
	c.reason_len = reason_len;
	reason[0] = '\0';
	/* finish before Pacemaker's timeout, leaving time for process exit under load */
	margin_ms = vmha_params_timeout_ms(p) / 10;
	if (margin_ms > 5000) {
		margin_ms = 5000;
	}
	if (margin_ms < 1000) {
		margin_ms = 1000;
	}
	c.deadline_ms = vmha_deadline_in_ms(vmha_params_timeout_ms(p) > margin_ms
	                                            ? vmha_params_timeout_ms(p) - margin_ms
	                                            : vmha_params_timeout_ms(p));
	if (strcmp(action, "validate-all") == 0) {
		rc = action_validate(&c);
		goto out;
	}
	if (strcmp(action, VMHA_UNBLOCK_ACTION) == 0) {
		rc = vmha_unblock_watch(vmha_params_instance(p), vmha_params_migrate_source(p),
		                        vmha_params_migrate_target(p), VMHA_UNBLOCK_ALIVE_MS,
		                        vmha_deadline_in_ms(VMHA_UNBLOCK_WAIT_MS));
		goto out;
	}
	if (strcmp(action, "start") != 0 && strcmp(action, "stop") != 0 &&
	    strcmp(action, "monitor") != 0 && strcmp(action, "status") != 0 &&
	    strcmp(action, "migrate_to") != 0 && strcmp(action, "migrate_from") != 0 &&
	    strcmp(action, "reload-agent") != 0 && strcmp(action, "reload") != 0) {
		rc = vmha_actx_fail(&c, -EOPNOTSUPP, "action '%s' is not implemented", action);
		goto out;
	}
	rc = vmha_params_check(p, reason, reason_len);
	if (rc < 0) {
		goto out;
	}
	if (strcmp(action, "start") == 0) {
		rc = action_start(&c);
	} else if (strcmp(action, "stop") == 0) {
		rc = action_stop(&c);
	} else if (strcmp(action, "monitor") == 0 || strcmp(action, "status") == 0) {
		rc = action_monitor(&c);
	} else if (strcmp(action, "migrate_to") == 0) {
		rc = action_migrate_to(&c);
	} else if (strcmp(action, "migrate_from") == 0) {
		rc = action_migrate_from(&c);
	} else {
		/* reload(-agent): new migrate_options or URIs are checked now,
		 * not first by the next migration. Refusing would make Pacemaker
		 * stop the running guest (a configuration error is fatal), so
		 * the error is logged and the guest left alone; migrate_to
		 * refuses to move it with a non-fatal error. */
		if (check_migrate_plan(&c) < 0) {
			vmha_err("%s: domain '%s' keeps running, but migrate_to will refuse to "
			         "move it until the parameter is fixed",
			         reason, c.name[0] != '\0' ? c.name : "(unknown)");
			reason[0] = '\0';
		}
		rc = vmha_record_check_unchanged(&c);
	}
	if (rc == -ESRCH && vmha_actx_is_probe(&c)) {
		vmha_debug("probe: domain '%s' is not running", c.name);
	}
out:
	if (rc < 0 && rc != -ESRCH && reason[0] == '\0') {
		snprintf(reason, reason_len, "%s of '%s' failed: %s", action,
		         c.name[0] != '\0' ? c.name : "(unknown domain)", strerror(-rc));
	}
	vmha_domxml_free(c.dx);
	vmha_virt_free(c.v);
	return rc;
}

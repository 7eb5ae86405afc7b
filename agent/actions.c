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
#include "actions_int.h"
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
#include "virt_stop.h"
#include "status.h"
#include "unblock.h"
#include "utilization.h"
#include "virt.h"

int actions_run_monitor_scripts(struct vmha_actx *c)
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
	rc = actions_run_monitor_scripts(c);
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
	rc = actions_check_migrate_plan(c);
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
		rc = actions_run_monitor_scripts(c);
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
	bool off = false;
	int rc;

	rc = vmha_status_lookup(c, &dom);
	if (rc == -ENOENT) {
		return true;
	}
	if (rc < 0) {
		return false;
	}
	off = vmha_virt_domain_is_off(dom, c->deadline_ms);
	vmha_virt_domain_free(dom);
	return off;
}

static int action_stop(struct vmha_actx *c)
{
	struct vmha_virt_domain *dom = NULL;
	unsigned int flags = 0;
	bool graceful = false;
	int rc;

	rc = vmha_status_identify(c, false);
	if (rc < 0) {
		goto out;
	}
	rc = vmha_status_get(c, NULL, NULL);
	if (rc == -ESRCH) {
		vmha_info("domain '%s' is not running", c->name);
		rc = 0;
		goto out;
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
		goto out;
	}
	if (rc < 0) {
		rc = vmha_actx_fail(c, rc, "cannot look up domain '%s': %s", c->name,
		                    vmha_virt_error(c->v));
		goto out;
	}
	graceful = !vmha_params_force_stop(c->p);
	if (graceful &&
	    (vmha_params_save_config_on_stop(c->p) || vmha_params_sync_config_on_stop(c->p))) {
		vmha_saveconfig_save(c, dom);
	}
	if (graceful && vmha_params_snapshot(c->p) != NULL) {
		char state_file[4096];

		snprintf(state_file, sizeof(state_file), "%s/%s.state", vmha_params_snapshot(c->p),
		         c->name);
		if (vmha_virt_domain_save(dom, state_file,
		                          vmha_deadline_share(c->deadline_ms, 80)) == 0 &&
		    vmha_deadline_wait(c->deadline_ms, VMHA_ACTX_POLL_MS, domain_gone, c) == 0) {
			vmha_notice("domain '%s' saved to '%s'", c->name, state_file);
			rc = 0;
			goto out;
		}
		vmha_err("cannot save domain '%s' to '%s': %s", c->name, state_file,
		         vmha_virt_error(c->v));
	}
	if (graceful) {
		vmha_params_shutdown_flags(vmha_params_shutdown_mode(c->p), &flags, NULL, 0);
	}
	/* the one stop ladder: shutdown, SIGTERM, SIGKILL */
	rc = vmha_virt_domain_stop(
	        dom, graceful, flags,
	        vmha_deadline_share(c->deadline_ms,
	                            (unsigned int)vmha_params_shutdown_timeout_share(c->p)),
	        c->deadline_ms, 0);
	if (rc < 0) {
		rc = vmha_actx_fail(c, -EIO, "domain '%s' is still running after destroy: %s",
		                    c->name, vmha_virt_error(c->v));
		goto out;
	}
	vmha_notice("domain '%s' stopped", c->name);
out:
	if (rc == 0) {
		unlink(c->record_path);
		vmha_shutdown_order_remove(c);
	}
	vmha_virt_domain_free(dom);
	return rc;
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
	rc = actions_check_migrate_config(c);
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
		rc = actions_migrate_to(&c);
	} else if (strcmp(action, "migrate_from") == 0) {
		rc = actions_migrate_from(&c);
	} else {
		/* reload(-agent): new migrate_options or URIs are checked now,
		 * not first by the next migration. Refusing would make Pacemaker
		 * stop the running guest (a configuration error is fatal), so
		 * the error is logged and the guest left alone; migrate_to
		 * refuses to move it with a non-fatal error. */
		if (actions_check_migrate_plan(&c) < 0) {
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

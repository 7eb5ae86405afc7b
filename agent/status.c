/* Who the resource is and what state it is in (see status.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "context.h"
#include "deadline.h"
#include "domxml.h"
#include "log.h"
#include "ocf.h"
#include "qemuproc.h"
#include "record.h"
#include "status.h"
#include "virt.h"

/* Keepalive probe interval for remote connections. */
#define KEEPALIVE_S 2

int vmha_status_identify(struct vmha_actx *c, bool need_xml)
{
	char error[512] = "";
	int rc;

	vmha_record_path(c);
	rc = vmha_domxml_parse_file(vmha_params_config(c->p), &c->dx, error, sizeof(error));
	if (rc == 0) {
		snprintf(c->name, sizeof(c->name), "%s", vmha_domxml_name(c->dx));
		if (vmha_domxml_uuid(c->dx) != NULL) {
			snprintf(c->uuid, sizeof(c->uuid), "%s", vmha_domxml_uuid(c->dx));
		}
		return 0;
	}
	if (!need_xml && vmha_record_read(c) == 0) {
		vmha_warn("%s; using domain '%s' (uuid '%s') recorded at start", error, c->name,
		          c->uuid);
		c->from_record = true;
		return 0;
	}
	if (rc == -EINVAL) {
		return vmha_actx_fail(c, -EINVAL, "%s", error);
	}
	if (rc == -ENOENT || rc == -EACCES || rc == -ENOTDIR) {
		return vmha_actx_fail(
		        c, rc == -ENOTDIR ? -ENOENT : rc,
		        "configuration file '%s' does not exist or is not readable (%s)",
		        vmha_params_config(c->p), strerror(-rc));
	}
	return vmha_actx_fail(c, -EIO, "%s", error);
}

/* The local QEMU driver: its guests are processes on this host. */
bool vmha_status_local_qemu(const struct vmha_actx *c)
{
	const char *uri = vmha_params_hypervisor(c->p);
	const char *sep;

	if (uri == NULL) {
		return true;
	}
	if (strncmp(uri, "qemu", 4) != 0) {
		return false;
	}
	sep = strstr(uri, "://");
	return sep != NULL && sep[3] == '/';
}

bool vmha_status_unreachable(int rc)
{
	return rc == -ECONNREFUSED || rc == -ETIMEDOUT || rc == -EPIPE;
}

int vmha_status_connect(struct vmha_actx *c)
{
	uint64_t budget_ms;
	uint64_t deadline_ms;
	int rc;

	if (c->v != NULL) {
		return 0;
	}
	/* keep a third of the time for what follows (e.g. the /proc fallback) */
	budget_ms = vmha_deadline_remaining_ms(c->deadline_ms) * 2 / 3;
	if (budget_ms < 1000) {
		budget_ms = 1000;
	}
	deadline_ms = vmha_deadline_in_ms(budget_ms);
	if (deadline_ms > c->deadline_ms) {
		deadline_ms = c->deadline_ms;
	}
	rc = vmha_virt_open(vmha_params_hypervisor(c->p), KEEPALIVE_S, deadline_ms, &c->v);
	if (rc == -EPROTONOSUPPORT) {
		return vmha_actx_fail(
		        c, -EINVAL, "hypervisor URI '%s' names no usable libvirt driver: %s",
		        vmha_params_hypervisor(c->p) != NULL ? vmha_params_hypervisor(c->p)
		                                             : "(default)",
		        vmha_virt_open_error());
	}
	if (rc < 0) {
		vmha_warn("cannot connect to '%s': %s",
		          vmha_params_hypervisor(c->p) != NULL ? vmha_params_hypervisor(c->p)
		                                               : "(default)",
		          vmha_virt_open_error());
		/* keep the libvirt message for a reason given later */
		snprintf(c->reason, c->reason_len, "%s", "");
	}
	return rc;
}

/* 0 running, -ESRCH not running, -EIO failed, -EINPROGRESS migrating,
 * -ECONNREFUSED/-ETIMEDOUT/-EPIPE libvirt unreachable. */
int vmha_status_lookup(struct vmha_actx *c, struct vmha_virt_domain **dom)
{
	int rc = vmha_virt_domain_lookup(c->v, c->uuid, c->name, c->deadline_ms, dom);

	if (rc == -ENOENT && c->uuid[0] != '\0') {
		/* the config may lack a UUID that libvirt generated */
		rc = vmha_virt_domain_lookup(c->v, NULL, c->name, c->deadline_ms, dom);
	}
	return rc;
}

static int domain_state(struct vmha_actx *c, struct vmha_virt_domain *dom, int *state, int *reason)
{
	int tries;
	int rc = 0;

	for (tries = 0; tries < 8; tries++) {
		rc = vmha_virt_domain_get_state(dom, c->deadline_ms, state, reason);
		if (rc == -ENOENT) {
			return -ESRCH;
		}
		if (rc < 0) {
			return rc;
		}
		rc = vmha_ocf_domain_status(*state, *reason);
		if (rc != -EAGAIN) {
			return rc;
		}
		usleep(VMHA_ACTX_POLL_MS * 1000);
	}
	return rc;
}

/* Without libvirtd: ask /proc (QEMU only). */
static int status_from_proc(struct vmha_actx *c, int why)
{
	pid_t pid = 0;
	int rc;

	if (!vmha_status_local_qemu(c)) {
		return vmha_actx_fail(
		        c, why, "libvirt at '%s' is unreachable and the state of '%s' is unknown",
		        vmha_params_hypervisor(c->p), c->name);
	}
	rc = vmha_qemuproc_find(VMHA_QEMUPROC_SYSTEM_RUNDIR, c->name, &pid);
	if (rc == 0) {
		vmha_warn(
		        "libvirtd is unreachable (%s); QEMU process %ld of domain '%s' is running",
		        strerror(-why), (long)pid, c->name);
		return 0;
	}
	if (rc == -ESRCH) {
		vmha_warn("libvirtd is unreachable (%s); no QEMU process of domain '%s' runs",
		          strerror(-why), c->name);
		return -ESRCH;
	}
	return vmha_actx_fail(
	        c, why, "libvirtd is unreachable and /proc cannot be read: state of '%s' unknown",
	        c->name);
}

/* The guest's status, by libvirt, else by /proc. */
int vmha_status_get(struct vmha_actx *c, int *state_out, int *reason_out)
{
	struct vmha_virt_domain *dom = NULL;
	int state = VIR_DOMAIN_NOSTATE;
	int reason = 0;
	int rc;

	rc = vmha_status_connect(c);
	if (vmha_status_unreachable(rc)) {
		return status_from_proc(c, rc);
	}
	if (rc < 0) {
		return rc;
	}
	rc = vmha_status_lookup(c, &dom);
	if (rc == -ENOENT) {
		rc = -ESRCH;
		goto out;
	}
	if (vmha_status_unreachable(rc)) {
		rc = status_from_proc(c, rc);
		goto out;
	}
	if (rc < 0) {
		rc = vmha_actx_fail(c, rc, "cannot look up domain '%s': %s", c->name,
		                    vmha_virt_error(c->v));
		goto out;
	}
	rc = domain_state(c, dom, &state, &reason);
	if (vmha_status_unreachable(rc)) {
		rc = status_from_proc(c, rc);
		goto out;
	}
	if (rc == -EIO) {
		rc = vmha_actx_fail(c, -EIO, "domain '%s' is %s", c->name,
		                    vmha_ocf_state_reason_name(state, reason));
	} else if (rc == -EINPROGRESS) {
		rc = vmha_actx_fail(
		        c, -EINPROGRESS,
		        "domain '%s' is %s: waiting for an incoming migration or a start", c->name,
		        vmha_ocf_state_reason_name(state, reason));
	} else if (rc == -EAGAIN) {
		rc = vmha_actx_fail(c, -EIO, "domain '%s' has no state", c->name);
	}
	vmha_debug("domain '%s' is %s", c->name, vmha_ocf_state_reason_name(state, reason));
out:
	if (state_out != NULL) {
		*state_out = state;
	}
	if (reason_out != NULL) {
		*reason_out = reason;
	}
	vmha_virt_domain_free(dom);
	return rc;
}

/* Wait until the guest runs; 0, or the last status. */
int vmha_status_wait_running(struct vmha_actx *c)
{
	int rc;

	for (;;) {
		c->reason[0] = '\0';
		rc = vmha_status_get(c, NULL, NULL);
		if (rc == 0 || rc == -EIO || vmha_deadline_expired(c->deadline_ms)) {
			return rc;
		}
		usleep(VMHA_ACTX_POLL_MS * 1000);
	}
}

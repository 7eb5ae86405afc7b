/* Domains through the libvirt boundary (see virt_domain.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "virt.h"
#include "virt_call.h"

static struct vmha_virt_domain *domain_wrap(struct vmha_virt *v, virDomainPtr *dom)
{
	struct vmha_virt_domain *d = calloc(1, sizeof(*d));
	const char *name;

	if (d == NULL) {
		return NULL;
	}
	d->v = v;
	d->dom = *dom;
	*dom = NULL;
	/* local: the name is cached in the object, no RPC */
	name = virDomainGetName(d->dom);
	snprintf(d->name, sizeof(d->name), "%s", name != NULL ? name : "");
	return d;
}

static int fn_lookup(struct vmha_virt_call *c)
{
	if (c->s1 != NULL) {
		c->out_dom = virDomainLookupByUUIDString(c->conn, c->s1);
	} else {
		c->out_dom = virDomainLookupByName(c->conn, c->s2);
	}
	return c->out_dom == NULL ? -1 : 0;
}

int vmha_virt_domain_lookup(struct vmha_virt *v, const char *uuid, const char *name,
                            uint64_t deadline_ms, struct vmha_virt_domain **out)
{
	struct vmha_virt_call *c = NULL;
	int rc = 0;

	*out = NULL;
	if ((uuid == NULL || uuid[0] == '\0') && (name == NULL || name[0] == '\0')) {
		rc = -EINVAL;
		snprintf(v->error, sizeof(v->error), "neither a UUID nor a name to look up");
		goto out;
	}
	c = vmha_virt_call_on_conn(v, fn_lookup);
	if (c == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (uuid != NULL && uuid[0] != '\0') {
		c->s1 = strdup(uuid);
	} else {
		c->s2 = strdup(name);
	}
	if (c->s1 == NULL && c->s2 == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmha_virt_call_run(v, c, deadline_ms);
	if (rc < 0) {
		goto out;
	}
	*out = domain_wrap(v, &c->out_dom);
	if (*out == NULL) {
		rc = -ENOMEM;
	}
out:
	vmha_virt_call_unref(c);
	return rc;
}

void vmha_virt_domain_free(struct vmha_virt_domain *d)
{
	if (d == NULL) {
		return;
	}
	virDomainFree(d->dom);
	free(d);
}

static int fn_create_xml(struct vmha_virt_call *c)
{
	c->out_dom = virDomainCreateXML(c->conn, c->s1, c->flags);
	return c->out_dom == NULL ? -1 : 0;
}

static int fn_define_xml(struct vmha_virt_call *c)
{
	c->out_dom = virDomainDefineXML(c->conn, c->s1);
	return c->out_dom == NULL ? -1 : 0;
}

static int domain_from_xml(struct vmha_virt *v, vmha_virt_call_fn fn, const char *xml,
                           unsigned int flags, uint64_t deadline_ms, struct vmha_virt_domain **out)
{
	struct vmha_virt_call *c = NULL;
	int rc = 0;

	if (out != NULL) {
		*out = NULL;
	}
	c = vmha_virt_call_on_conn(v, fn);
	if (c == NULL || (c->s1 = strdup(xml)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	c->flags = flags;
	rc = vmha_virt_call_run(v, c, deadline_ms);
	if (rc < 0 || out == NULL) {
		goto out;
	}
	*out = domain_wrap(v, &c->out_dom);
	if (*out == NULL) {
		rc = -ENOMEM;
	}
out:
	vmha_virt_call_unref(c);
	return rc;
}

int vmha_virt_domain_create_xml(struct vmha_virt *v, const char *xml, unsigned int flags,
                                uint64_t deadline_ms, struct vmha_virt_domain **out)
{
	return domain_from_xml(v, fn_create_xml, xml, flags, deadline_ms, out);
}

int vmha_virt_domain_define_xml(struct vmha_virt *v, const char *xml, uint64_t deadline_ms,
                                struct vmha_virt_domain **out)
{
	return domain_from_xml(v, fn_define_xml, xml, 0, deadline_ms, out);
}

static int fn_start(struct vmha_virt_call *c)
{
	return virDomainCreate(c->dom);
}

int vmha_virt_domain_start(struct vmha_virt_domain *d, uint64_t deadline_ms)
{
	return vmha_virt_call_dom_simple(d, fn_start, 0, NULL, deadline_ms);
}

static int fn_suspend(struct vmha_virt_call *c)
{
	return virDomainSuspend(c->dom);
}

int vmha_virt_domain_suspend(struct vmha_virt_domain *d, uint64_t deadline_ms)
{
	return vmha_virt_call_dom_simple(d, fn_suspend, 0, NULL, deadline_ms);
}

static int fn_resume(struct vmha_virt_call *c)
{
	return virDomainResume(c->dom);
}

int vmha_virt_domain_resume(struct vmha_virt_domain *d, uint64_t deadline_ms)
{
	return vmha_virt_call_dom_simple(d, fn_resume, 0, NULL, deadline_ms);
}

static int fn_undefine(struct vmha_virt_call *c)
{
	return virDomainUndefine(c->dom);
}

int vmha_virt_domain_undefine(struct vmha_virt_domain *d, uint64_t deadline_ms)
{
	return vmha_virt_call_dom_simple(d, fn_undefine, 0, NULL, deadline_ms);
}

static int fn_get_state(struct vmha_virt_call *c)
{
	return virDomainGetState(c->dom, &c->out_i1, &c->out_i2, 0);
}

int vmha_virt_domain_get_state(struct vmha_virt_domain *d, uint64_t deadline_ms, int *state,
                               int *reason)
{
	struct vmha_virt_call *c = NULL;
	int rc = vmha_virt_call_dom_run(d, fn_get_state, 0, NULL, deadline_ms, &c);

	if (rc == 0) {
		*state = c->out_i1;
		*reason = c->out_i2;
	}
	vmha_virt_call_unref(c);
	return rc;
}

static int fn_shutdown(struct vmha_virt_call *c)
{
	return virDomainShutdownFlags(c->dom, c->flags);
}

int vmha_virt_domain_shutdown(struct vmha_virt_domain *d, unsigned int flags, uint64_t deadline_ms)
{
	return vmha_virt_call_dom_simple(d, fn_shutdown, flags, NULL, deadline_ms);
}

static int fn_destroy(struct vmha_virt_call *c)
{
	return virDomainDestroyFlags(c->dom, c->flags);
}

int vmha_virt_domain_destroy(struct vmha_virt_domain *d, unsigned int flags, uint64_t deadline_ms)
{
	return vmha_virt_call_dom_simple(d, fn_destroy, flags, NULL, deadline_ms);
}

static int fn_get_xml(struct vmha_virt_call *c)
{
	c->out_str = virDomainGetXMLDesc(c->dom, c->flags);
	return c->out_str == NULL ? -1 : 0;
}

int vmha_virt_domain_get_xml(struct vmha_virt_domain *d, unsigned int flags, uint64_t deadline_ms,
                             char **xml)
{
	struct vmha_virt_call *c = NULL;
	int rc = vmha_virt_call_dom_run(d, fn_get_xml, flags, NULL, deadline_ms, &c);

	*xml = NULL;
	if (rc == 0) {
		*xml = c->out_str;
		c->out_str = NULL;
	}
	vmha_virt_call_unref(c);
	return rc;
}

static int fn_get_info(struct vmha_virt_call *c)
{
	virDomainInfo info;

	if (virDomainGetInfo(c->dom, &info) < 0) {
		return -1;
	}
	c->out_u1 = info.maxMem;
	c->out_u2 = info.nrVirtCpu;
	return 0;
}

int vmha_virt_domain_get_info(struct vmha_virt_domain *d, uint64_t deadline_ms, unsigned int *vcpus,
                              uint64_t *max_memory_kib)
{
	struct vmha_virt_call *c = NULL;
	int rc = vmha_virt_call_dom_run(d, fn_get_info, 0, NULL, deadline_ms, &c);

	if (rc == 0) {
		*vcpus = c->out_u2;
		*max_memory_kib = c->out_u1;
	}
	vmha_virt_call_unref(c);
	return rc;
}

static int fn_save(struct vmha_virt_call *c)
{
	return virDomainSave(c->dom, c->s1);
}

int vmha_virt_domain_save(struct vmha_virt_domain *d, const char *path, uint64_t deadline_ms)
{
	return vmha_virt_call_dom_simple(d, fn_save, 0, path, deadline_ms);
}

static int fn_restore(struct vmha_virt_call *c)
{
	return virDomainRestore(c->conn, c->s1);
}

int vmha_virt_domain_restore(struct vmha_virt *v, const char *path, uint64_t deadline_ms)
{
	struct vmha_virt_call *c = NULL;
	int rc = vmha_virt_call_conn_run(v, fn_restore, 0, path, deadline_ms, &c);

	vmha_virt_call_unref(c);
	return rc;
}

const char *vmha_virt_domain_error(const struct vmha_virt_domain *d)
{
	return d->v != NULL ? d->v->error : "";
}

struct vmha_virt *vmha_virt_domain_conn(const struct vmha_virt_domain *d)
{
	return d->v;
}

const char *vmha_virt_domain_name(const struct vmha_virt_domain *d)
{
	return d->name;
}

int vmha_virt_domain_uuid(const struct vmha_virt_domain *d, char *uuid)
{
	/* local: the UUID is cached in the object, no RPC */
	return virDomainGetUUIDString(d->dom, uuid) < 0 ? -EIO : 0;
}

const char *vmha_virt_state_name(int state)
{
	switch (state) {
	case VIR_DOMAIN_NOSTATE:
		return "no state";
	case VIR_DOMAIN_RUNNING:
		return "running";
	case VIR_DOMAIN_BLOCKED:
		return "blocked";
	case VIR_DOMAIN_PAUSED:
		return "paused";
	case VIR_DOMAIN_SHUTDOWN:
		return "in shutdown";
	case VIR_DOMAIN_SHUTOFF:
		return "shut off";
	case VIR_DOMAIN_CRASHED:
		return "crashed";
	case VIR_DOMAIN_PMSUSPENDED:
		return "pmsuspended";
	default:
		return "unknown";
	}
}

static int fn_list_active(struct vmha_virt_call *c)
{
	struct vmha_virt_domain_info *list = NULL;
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(c->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	int kept = 0;
	int i;

	if (n < 0) {
		return -1;
	}
	list = n > 0 ? calloc((size_t)n, sizeof(*list)) : NULL;
	for (i = 0; i < n; i++) {
		struct vmha_virt_domain_info *di = list != NULL ? &list[kept] : NULL;
		const char *name = virDomainGetName(doms[i]);
		virDomainInfo info;

		if (di != NULL && name != NULL && virDomainGetUUIDString(doms[i], di->uuid) == 0 &&
		    virDomainGetInfo(doms[i], &info) == 0 &&
		    virDomainGetState(doms[i], &di->state, &di->reason, 0) == 0) {
			snprintf(di->name, sizeof(di->name), "%s", name);
			di->vcpus = info.nrVirtCpu;
			di->memory_kib = info.memory;
			kept++;
		}
		virDomainFree(doms[i]);
	}
	free(doms);
	virResetLastError();
	if (n > 0 && list == NULL) {
		c->out_i1 = -1;
		return 0;
	}
	c->out_ptr = list;
	c->out_i1 = kept;
	return 0;
}

int vmha_virt_list_active(struct vmha_virt *v, uint64_t deadline_ms,
                          struct vmha_virt_domain_info **out, size_t *n)
{
	struct vmha_virt_call *c = vmha_virt_call_on_conn(v, fn_list_active);
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (c == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmha_virt_call_run(v, c, deadline_ms);
	if (rc == 0 && c->out_i1 < 0) {
		rc = -ENOMEM;
	}
	if (rc == 0) {
		*out = c->out_ptr;
		*n = (size_t)c->out_i1;
		c->out_ptr = NULL;
	}
out:
	vmha_virt_call_unref(c);
	return rc;
}

static int fn_agent_command(struct vmha_virt_call *c)
{
	c->out_str = virDomainQemuAgentCommand(c->dom, c->s1, (int)c->u1, 0);
	return c->out_str == NULL ? -1 : 0;
}

int vmha_virt_domain_agent_command(struct vmha_virt_domain *d, const char *cmd,
                                   unsigned int timeout_s, uint64_t deadline_ms, char **result)
{
	struct vmha_virt_call *c = NULL;
	int rc = 0;

	*result = NULL;
	if (cmd == NULL || timeout_s == 0 || timeout_s > 3600) {
		rc = -EINVAL;
		goto out;
	}
	c = vmha_virt_call_on_dom(d, fn_agent_command);
	if (c == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	c->s1 = strdup(cmd);
	c->u1 = timeout_s;
	if (c->s1 == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmha_virt_call_run(d->v, c, deadline_ms);
	if (rc == 0) {
		*result = c->out_str;
		c->out_str = NULL;
	} else if (rc != -ETIMEDOUT || !d->v->wedged) {
		/* libvirt gives one code for "not connected" and "no answer in time" */
		if (strstr(c->error, "not connected") != NULL ||
		    strstr(c->error, "not configured") != NULL) {
			rc = -ENOTCONN;
		}
	}
out:
	vmha_virt_call_unref(c);
	return rc;
}

unsigned int vmha_virt_domain_id(const struct vmha_virt_domain *d)
{
	/* local: the id is cached in libvirt's object, no RPC */
	return virDomainGetID(d->dom);
}

/* Host facts through the libvirt boundary (see virt_host.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "virt.h"
#include "virt_call.h"

static int fn_interface(struct vmha_virt_call *c)
{
	virInterfacePtr iface = virInterfaceLookupByName(c->conn, c->s1);

	if (iface == NULL) {
		const virError *err = virGetLastError();

		if (err != NULL && err->code == VIR_ERR_NO_INTERFACE) {
			c->out_i1 = 0;
			return 0;
		}
		return -1;
	}
	c->out_i1 = 1;
	virInterfaceFree(iface);
	return 0;
}

int vmha_virt_interface_exists(struct vmha_virt *v, const char *name, uint64_t deadline_ms,
                               bool *exists)
{
	struct vmha_virt_call *c = vmha_virt_call_on_conn(v, fn_interface);
	int rc = 0;

	if (c == NULL || (c->s1 = strdup(name)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmha_virt_call_run(v, c, deadline_ms);
	if (rc == 0)
		*exists = c->out_i1 > 0;
out:
	vmha_virt_call_unref(c);
	return rc;
}

static int fn_free_memory(struct vmha_virt_call *c)
{
	c->out_u1 = virNodeGetFreeMemory(c->conn);
	return c->out_u1 == 0 ? -1 : 0;
}

int vmha_virt_node_free_memory(struct vmha_virt *v, uint64_t deadline_ms, uint64_t *free_bytes)
{
	struct vmha_virt_call *c = vmha_virt_call_on_conn(v, fn_free_memory);
	int rc = 0;

	if (c == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmha_virt_call_run(v, c, deadline_ms);
	if (rc == 0)
		*free_bytes = c->out_u1;
out:
	vmha_virt_call_unref(c);
	return rc;
}

static int fn_network(struct vmha_virt_call *c)
{
	virNetworkPtr net = virNetworkLookupByName(c->conn, c->s1);
	int rc = 0;

	if (net == NULL)
		return -1;
	c->out_i1 = virNetworkIsActive(net);
	if (c->out_i1 < 0) {
		rc = -1;
	} else if (c->out_i1 == 0 && c->flags != 0) {
		rc = virNetworkCreate(net);
		c->out_i1 = rc == 0;
	}
	virNetworkFree(net);
	return rc;
}

int vmha_virt_network_is_active(struct vmha_virt *v, const char *name, uint64_t deadline_ms,
                                bool *active)
{
	struct vmha_virt_call *c = vmha_virt_call_on_conn(v, fn_network);
	int rc = 0;

	if (c == NULL || (c->s1 = strdup(name)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmha_virt_call_run(v, c, deadline_ms);
	if (rc == 0)
		*active = c->out_i1 > 0;
out:
	vmha_virt_call_unref(c);
	return rc;
}

int vmha_virt_network_ensure_active(struct vmha_virt *v, const char *name, uint64_t deadline_ms)
{
	struct vmha_virt_call *c = vmha_virt_call_on_conn(v, fn_network);
	int rc = 0;

	if (c == NULL || (c->s1 = strdup(name)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	c->flags = 1;
	rc = vmha_virt_call_run(v, c, deadline_ms);
out:
	vmha_virt_call_unref(c);
	return rc;
}

static int fn_compare_cpu(struct vmha_virt_call *c)
{
	int r = VIR_CPU_COMPARE_ERROR;

	if (c->s2 != NULL) {
		const virError *err = NULL;

		r = virConnectCompareHypervisorCPU(c->conn, NULL, NULL, NULL, c->s2, c->s1, 0);
		err = r == VIR_CPU_COMPARE_ERROR ? virGetLastError() : NULL;
		if (err != NULL && err->code != VIR_ERR_NO_SUPPORT)
			return -1;
		if (err != NULL)
			virResetLastError();
	}
	if (r == VIR_CPU_COMPARE_ERROR)
		r = virConnectCompareCPU(c->conn, c->s1, 0);

	if (r == VIR_CPU_COMPARE_ERROR)
		return -1;
	c->out_i1 = r;
	return 0;
}

int vmha_virt_compare_cpu(struct vmha_virt *v, const char *virttype, const char *cpu_xml,
                          uint64_t deadline_ms)
{
	struct vmha_virt_call *c = vmha_virt_call_on_conn(v, fn_compare_cpu);
	int rc = 0;

	if (c == NULL || (c->s1 = strdup(cpu_xml)) == NULL ||
	    (virttype != NULL && (c->s2 = strdup(virttype)) == NULL)) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmha_virt_call_run(v, c, deadline_ms);
	if (rc == 0 && c->out_i1 == VIR_CPU_COMPARE_INCOMPATIBLE) {
		rc = -EINVAL;
		snprintf(v->error, sizeof(v->error), "the host CPU is incompatible");
	}
out:
	vmha_virt_call_unref(c);
	return rc;
}

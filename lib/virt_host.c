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
	struct vmha_virt_call *c = NULL;
	int rc = vmha_virt_call_conn_run(v, fn_interface, 0, name, deadline_ms, &c);

	if (rc == 0) {
		*exists = c->out_i1 > 0;
	}
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
	struct vmha_virt_call *c = NULL;
	int rc = vmha_virt_call_conn_run(v, fn_free_memory, 0, NULL, deadline_ms, &c);

	if (rc == 0) {
		*free_bytes = c->out_u1;
	}
	vmha_virt_call_unref(c);
	return rc;
}

static int fn_network(struct vmha_virt_call *c)
{
	virNetworkPtr net = virNetworkLookupByName(c->conn, c->s1);
	int rc = 0;

	if (net == NULL) {
		return -1;
	}
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
	struct vmha_virt_call *c = NULL;
	int rc = vmha_virt_call_conn_run(v, fn_network, 0, name, deadline_ms, &c);

	if (rc == 0) {
		*active = c->out_i1 > 0;
	}
	vmha_virt_call_unref(c);
	return rc;
}

int vmha_virt_network_ensure_active(struct vmha_virt *v, const char *name, uint64_t deadline_ms)
{
	struct vmha_virt_call *c = NULL;
	/* flags 1: start it when inactive */
	int rc = vmha_virt_call_conn_run(v, fn_network, 1, name, deadline_ms, &c);

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
		if (err != NULL && err->code != VIR_ERR_NO_SUPPORT) {
			return -1;
		}
		if (err != NULL) {
			virResetLastError();
		}
	}
	if (r == VIR_CPU_COMPARE_ERROR) {
		r = virConnectCompareCPU(c->conn, c->s1, 0);
	}

	if (r == VIR_CPU_COMPARE_ERROR) {
		return -1;
	}
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

static int fn_node_info(struct vmha_virt_call *c)
{
	virNodeInfo info;

	if (virNodeGetInfo(c->conn, &info) < 0) {
		return -1;
	}
	c->out_u1 = info.memory;
	c->out_u2 = info.cpus;
	return 0;
}

int vmha_virt_node_info(struct vmha_virt *v, uint64_t deadline_ms, unsigned int *cpus,
                        uint64_t *memory_kib)
{
	struct vmha_virt_call *c = NULL;
	int rc = vmha_virt_call_conn_run(v, fn_node_info, 0, NULL, deadline_ms, &c);

	if (rc == 0) {
		*cpus = c->out_u2;
		*memory_kib = c->out_u1;
	}
	vmha_virt_call_unref(c);
	return rc;
}

struct vmha_virt_host_facts {
	char hostname[256];
	unsigned long lib_version;
	unsigned long hv_version;
	char hv_type[32];
	char arch[32];
	char uuid[VIR_UUID_STRING_BUFLEN];
};

/* The text of the first <tag>...</tag> between from and end, into buf. */
static void xml_text(const char *from, const char *end, const char *tag, char *buf, size_t len)
{
	char open_tag[64];
	char close_tag[64];
	const char *s;
	const char *e;

	buf[0] = '\0';
	snprintf(open_tag, sizeof(open_tag), "<%s>", tag);
	snprintf(close_tag, sizeof(close_tag), "</%s>", tag);
	s = from != NULL ? strstr(from, open_tag) : NULL;
	if (s == NULL || (end != NULL && s > end)) {
		return;
	}
	s += strlen(open_tag);
	e = strstr(s, close_tag);
	if (e == NULL || (end != NULL && e > end)) {
		return;
	}
	snprintf(buf, len, "%.*s", (int)(e - s), s);
}

static int fn_host_facts(struct vmha_virt_call *c)
{
	struct vmha_virt_host_facts *f = c->out_ptr;
	unsigned long lib = 0;
	unsigned long hv = 0;
	const char *type = NULL;
	const char *host = NULL;
	const char *host_end = NULL;
	char *name = NULL;
	char *caps = NULL;

	name = virConnectGetHostname(c->conn);
	if (name == NULL) {
		return -1;
	}
	snprintf(f->hostname, sizeof(f->hostname), "%s", name);
	free(name);
	if (virConnectGetLibVersion(c->conn, &lib) < 0) {
		return -1;
	}
	f->lib_version = lib;
	/* 0 when the driver cannot tell */
	if (virConnectGetVersion(c->conn, &hv) == 0) {
		f->hv_version = hv;
	} else {
		virResetLastError();
	}
	type = virConnectGetType(c->conn);
	snprintf(f->hv_type, sizeof(f->hv_type), "%s", type != NULL ? type : "");
	caps = virConnectGetCapabilities(c->conn);
	if (caps == NULL) {
		return -1;
	}
	host = strstr(caps, "<host>");
	host_end = host != NULL ? strstr(host, "</host>") : NULL;
	xml_text(host, host_end, "uuid", f->uuid, sizeof(f->uuid));
	xml_text(host, host_end, "arch", f->arch, sizeof(f->arch));
	free(caps);
	return 0;
}

int vmha_virt_host_facts_get(struct vmha_virt *v, uint64_t deadline_ms,
                             struct vmha_virt_host_facts **out)
{
	struct vmha_virt_call *c = vmha_virt_call_on_conn(v, fn_host_facts);
	int rc = 0;

	*out = NULL;
	if (c == NULL || (c->out_ptr = calloc(1, sizeof(struct vmha_virt_host_facts))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmha_virt_call_run(v, c, deadline_ms);
	if (rc == 0) {
		*out = c->out_ptr;
		c->out_ptr = NULL;
	}
out:
	vmha_virt_call_unref(c);
	return rc;
}

struct vmha_virt_host_facts *vmha_virt_host_facts_new(const char *hostname,
                                                      unsigned long lib_version,
                                                      unsigned long hv_version, const char *arch,
                                                      const char *uuid)
{
	struct vmha_virt_host_facts *f = calloc(1, sizeof(*f));

	if (f == NULL) {
		return NULL;
	}
	snprintf(f->hostname, sizeof(f->hostname), "%s", hostname != NULL ? hostname : "");
	f->lib_version = lib_version;
	f->hv_version = hv_version;
	snprintf(f->arch, sizeof(f->arch), "%s", arch != NULL ? arch : "");
	snprintf(f->uuid, sizeof(f->uuid), "%s", uuid != NULL ? uuid : "");
	return f;
}

void vmha_virt_host_facts_free(struct vmha_virt_host_facts *f)
{
	free(f);
}

const char *vmha_virt_host_facts_hostname(const struct vmha_virt_host_facts *f)
{
	return f->hostname;
}

unsigned long vmha_virt_host_facts_lib_version(const struct vmha_virt_host_facts *f)
{
	return f->lib_version;
}

unsigned long vmha_virt_host_facts_hv_version(const struct vmha_virt_host_facts *f)
{
	return f->hv_version;
}

const char *vmha_virt_host_facts_hv_type(const struct vmha_virt_host_facts *f)
{
	return f->hv_type;
}

const char *vmha_virt_host_facts_arch(const struct vmha_virt_host_facts *f)
{
	return f->arch;
}

const char *vmha_virt_host_facts_uuid(const struct vmha_virt_host_facts *f)
{
	return f->uuid;
}

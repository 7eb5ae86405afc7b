/* Connections to libvirt with a deadline on every call (see virt.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "virt.h"
#include "virt_call.h"

static __thread char open_error[512];

/* A URI naming a host ("qemu+ssh://h/system") reaches libvirtd over the
 * network; "qemu:///system" is a local socket, bounded by the deadlines. */
static bool uri_is_remote(const char *uri)
{
	const char *sep = uri != NULL ? strstr(uri, "://") : NULL;

	return sep != NULL && sep[3] != '/' && sep[3] != '\0';
}

static int fn_open(struct vmha_virt_call *c)
{
	c->out_conn = c->flags & VMHA_VIRT_OPEN_READONLY ? virConnectOpenReadOnly(c->s1)
	                                                 : virConnectOpen(c->s1);
	if (c->out_conn == NULL) {
		return -1;
	}
	if (c->u1 > 0) {
		/* 1: not supported by the driver (local drivers) */
		if (virConnectSetKeepAlive(c->out_conn, (int)c->u1, 3) < 0) {
			virResetLastError();
		}
	}
	return 0;
}

int vmha_virt_open_flags(const char *uri, unsigned int keepalive_s, unsigned int flags,
                         uint64_t deadline_ms, struct vmha_virt **out)
{
	struct vmha_virt *v = NULL;
	struct vmha_virt_call *c = NULL;
	int rc = 0;

	*out = NULL;
	open_error[0] = '\0';
	vmha_virt_call_init();
	c = vmha_virt_call_new(fn_open);
	v = calloc(1, sizeof(*v));
	if (c == NULL || v == NULL) {
		rc = -ENOMEM;
		snprintf(open_error, sizeof(open_error), "out of memory");
		goto out;
	}
	if (uri != NULL && uri[0] != '\0') {
		c->s1 = strdup(uri);
		if (c->s1 == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	c->flags = flags;
	if (keepalive_s > 0 && uri_is_remote(uri)) {
		if (vmha_virt_call_event_loop()) {
			c->u1 = keepalive_s;
		}
	}
	rc = vmha_virt_call_run(NULL, c, deadline_ms);
	if (rc < 0) {
		snprintf(open_error, sizeof(open_error), "%s", c->error);
		goto out;
	}
	v->conn = c->out_conn;
	c->out_conn = NULL;
	*out = v;
	v = NULL;
out:
	vmha_virt_call_unref(c);
	free(v);
	return rc;
}

int vmha_virt_open(const char *uri, unsigned int keepalive_s, uint64_t deadline_ms,
                   struct vmha_virt **out)
{
	return vmha_virt_open_flags(uri, keepalive_s, 0, deadline_ms, out);
}

const char *vmha_virt_open_error(void)
{
	return open_error;
}

void vmha_virt_free(struct vmha_virt *v)
{
	if (v == NULL) {
		return;
	}
	/* a wedged connection may still be used by an abandoned worker: it
	 * holds its own reference, so closing ours is safe but may block on a
	 * hung daemon; leave it to process exit instead */
	if (!v->wedged && v->conn != NULL) {
		virConnectClose(v->conn);
	}
	free(v);
}

const char *vmha_virt_error(const struct vmha_virt *v)
{
	return v != NULL ? v->error : "";
}

bool vmha_virt_is_wedged(const struct vmha_virt *v)
{
	return v != NULL && v->wedged;
}

bool vmha_virt_is_alive(const struct vmha_virt *v)
{
	/* local: the client's own state of the socket, no RPC */
	return v != NULL && !v->wedged && v->conn != NULL && virConnectIsAlive(v->conn) == 1;
}

static int fn_uri(struct vmha_virt_call *c)
{
	c->out_str = virConnectGetURI(c->conn);
	return c->out_str == NULL ? -1 : 0;
}

char *vmha_virt_uri(struct vmha_virt *v, uint64_t deadline_ms)
{
	struct vmha_virt_call *c = vmha_virt_call_on_conn(v, fn_uri);
	char *uri = NULL;

	if (c == NULL) {
		goto out;
	}
	if (vmha_virt_call_run(v, c, deadline_ms) == 0) {
		uri = c->out_str;
		c->out_str = NULL;
	}
out:
	vmha_virt_call_unref(c);
	return uri;
}

static int fn_run(struct vmha_virt_call *c)
{
	return c->ext_fn(c->conn, c->conn2, c->ext_opaque);
}

int vmha_virt_run(struct vmha_virt *v, struct vmha_virt *v2, vmha_virt_run_fn fn, void *opaque,
                  void (*free_fn)(void *opaque), uint64_t deadline_ms)
{
	struct vmha_virt_call *c = vmha_virt_call_on_conn(v, fn_run);
	int rc;

	if (c == NULL) {
		return -ENOMEM;
	}
	c->ext_fn = fn;
	c->ext_opaque = opaque;
	c->ext_free = free_fn;
	if (v2 != NULL && v2->conn != NULL) {
		virConnectRef(v2->conn);
		c->conn2 = v2->conn;
	}
	rc = vmha_virt_call_run(v, c, deadline_ms);
	/* the worker finished (or never started): the caller keeps opaque,
	 * except on -ETIMEDOUT, where the last one to let go frees it */
	if (rc != -ETIMEDOUT) {
		c->ext_opaque = NULL;
	}
	vmha_virt_call_unref(c);
	return rc;
}

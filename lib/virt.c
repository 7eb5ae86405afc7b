/* libvirt access with a deadline on every call (see virt.h). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvirt/virterror.h>

#include "deadline.h"
#include "log.h"
#include "virt.h"

struct vmha_virt {
	virConnectPtr conn;
	bool wedged;
	char error[512];
};

struct vmha_virt_domain {
	struct vmha_virt *v;
	virDomainPtr dom;
	char name[256];
};

struct call;
typedef int (*call_fn)(struct call *c);

/* One libvirt call run by a worker thread. Heap-allocated and reference
 * counted so that a caller that gives up (deadline) can leave it to the
 * worker; everything the worker touches is owned by the call. */
struct call {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	int refs;
	bool done;
	call_fn fn;
	int rc;
	char error[512];
	/* inputs (owned) */
	virConnectPtr conn;
	virDomainPtr dom;
	char *s1;
	char *s2;
	unsigned int flags;
	unsigned int u1;
	virTypedParameterPtr params;
	int nparams;
	/* outputs */
	virConnectPtr out_conn;
	virDomainPtr out_dom;
	char *out_str;
	int out_i1;
	int out_i2;
	unsigned long long out_u1;
	unsigned int out_u2;
	virTypedParameterPtr out_params;
	int out_nparams;
	/* vmha_virt_call(): a caller's function, a second connection */
	vmha_virt_call_fn ext_fn;
	void *ext_opaque;
	void (*ext_free)(void *opaque);
	virConnectPtr conn2;
};

static pthread_once_t virt_once = PTHREAD_ONCE_INIT;
static __thread char open_error[512];

static void virt_quiet_error(void *opaque, virErrorPtr err)
{
	/* libvirt would print every error on stderr; errors are reported by
	 * their callers instead */
}

static void *virt_event_loop(void *opaque)
{
	for (;;) {
		if (virEventRunDefaultImpl() < 0) {
			struct timespec ts = {0, 100 * 1000 * 1000};

			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

static pthread_once_t virt_event_once = PTHREAD_ONCE_INIT;
static bool virt_event_ready;

static void virt_init_once(void)
{
	virInitialize();
	virSetErrorFunc(NULL, virt_quiet_error);
}

/* libvirt's event loop, needed for keepalive only: started on the first
 * remote connection, so local ones cost no extra thread. */
static void virt_event_init_once(void)
{
	pthread_t t;

	if (virEventRegisterDefaultImpl() < 0) {
		vmha_warn("cannot register libvirt's event loop: keepalive disabled");
		return;
	}
	if (pthread_create(&t, NULL, virt_event_loop, NULL) != 0) {
		vmha_warn("cannot start libvirt's event loop: keepalive disabled");
		return;
	}
	pthread_detach(t);
	virt_event_ready = true;
}

/* A URI naming a host ("qemu+ssh://h/system") reaches libvirtd over the
 * network; "qemu:///system" is a local socket, bounded by the deadlines. */
static bool uri_is_remote(const char *uri)
{
	const char *sep = uri != NULL ? strstr(uri, "://") : NULL;

	return sep != NULL && sep[3] != '/' && sep[3] != '\0';
}

/* The one place where libvirt's error codes become -errno. */
static int virt_errno_from(const virError *err, bool opening)
{
	if (err == NULL)
		return -EIO;
	switch (err->code) {
	case VIR_ERR_NO_DOMAIN:
		return -ENOENT;
	case VIR_ERR_DOM_EXIST:
		return -EEXIST;
	case VIR_ERR_INVALID_ARG:
	case VIR_ERR_XML_ERROR:
	case VIR_ERR_XML_DETAIL:
	case VIR_ERR_XML_INVALID_SCHEMA:
	case VIR_ERR_CONFIG_UNSUPPORTED:
	case VIR_ERR_OPERATION_INVALID:
	case VIR_ERR_MIGRATE_UNSAFE:
	case VIR_ERR_INVALID_NETWORK:
	case VIR_ERR_NO_NETWORK:
	case VIR_ERR_NO_STORAGE_POOL:
		return -EINVAL;
	case VIR_ERR_NO_CONNECT:
		return opening ? -EPROTONOSUPPORT : -ECONNREFUSED;
	case VIR_ERR_NO_SUPPORT:
	case VIR_ERR_ARGUMENT_UNSUPPORTED:
		return -EOPNOTSUPP;
	case VIR_ERR_AUTH_FAILED:
	case VIR_ERR_AUTH_CANCELLED:
	case VIR_ERR_AUTH_UNAVAILABLE:
	case VIR_ERR_ACCESS_DENIED:
		return -EACCES;
	case VIR_ERR_OPERATION_TIMEOUT:
	case VIR_ERR_AGENT_UNRESPONSIVE:
		return -ETIMEDOUT;
	case VIR_ERR_OPERATION_ABORTED:
		return -ECANCELED;
	case VIR_ERR_CPU_INCOMPATIBLE:
		return -EINVAL;
	default:
		break;
	}
	if (opening)
		return -ECONNREFUSED;
	if (err->domain == VIR_FROM_RPC || err->domain == VIR_FROM_REMOTE)
		return -EPIPE;
	return -EIO;
}

static struct call *call_new(call_fn fn)
{
	struct call *c = calloc(1, sizeof(*c));
	pthread_condattr_t attr;

	if (c == NULL)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cond, &attr);
	pthread_condattr_destroy(&attr);
	c->refs = 1;
	c->fn = fn;
	return c;
}

static void call_unref(struct call *c)
{
	bool last;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (!last)
		return;
	if (c->dom != NULL)
		virDomainFree(c->dom);
	if (c->out_dom != NULL)
		virDomainFree(c->out_dom);
	if (c->conn != NULL)
		virConnectClose(c->conn);
	if (c->out_conn != NULL)
		virConnectClose(c->out_conn);
	if (c->conn2 != NULL)
		virConnectClose(c->conn2);
	if (c->ext_opaque != NULL && c->ext_free != NULL)
		c->ext_free(c->ext_opaque);
	virTypedParamsFree(c->params, c->nparams);
	virTypedParamsFree(c->out_params, c->out_nparams);
	free(c->s1);
	free(c->s2);
	free(c->out_str);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c);
}

static void *call_worker(void *opaque)
{
	struct call *c = opaque;
	int lv_rc;
	int rc = 0;

	lv_rc = c->fn(c);
	pthread_mutex_lock(&c->lock);
	if (lv_rc < 0) {
		const virError *err = virGetLastError();

		rc = virt_errno_from(err, c->fn != NULL && c->conn == NULL && c->dom == NULL);
		snprintf(c->error, sizeof(c->error), "%s",
		         err != NULL && err->message != NULL ? err->message
		                                             : "unknown libvirt error");
	}
	c->rc = rc;
	c->done = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	virResetLastError();
	call_unref(c);
	return NULL;
}

static int call_start(struct call *c)
{
	int rc = 0;

	c->refs++;
	if (pthread_create(&c->thread, NULL, call_worker, c) != 0) {
		c->refs--;
		snprintf(c->error, sizeof(c->error), "cannot start a worker thread");
		rc = -EAGAIN;
	}
	return rc;
}

/* Wait for c until deadline_ms; 0 when done (c->rc holds the result). */
static int call_wait(struct call *c, uint64_t deadline_ms)
{
	int rc = 0;

	pthread_mutex_lock(&c->lock);
	while (!c->done) {
		if (deadline_ms == VMHA_DEADLINE_NEVER) {
			pthread_cond_wait(&c->cond, &c->lock);
		} else {
			struct timespec ts = {(time_t)(deadline_ms / 1000),
			                      (long)(deadline_ms % 1000) * 1000000L};

			if (pthread_cond_timedwait(&c->cond, &c->lock, &ts) == ETIMEDOUT &&
			    !c->done) {
				rc = -ETIMEDOUT;
				break;
			}
		}
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* Run c in a worker and wait for it; on a missed deadline the call is left
 * to its thread and v is marked wedged. */
static int call_run(struct vmha_virt *v, struct call *c, uint64_t deadline_ms)
{
	int rc = 0;

	if (v != NULL && v->wedged) {
		rc = -ETIMEDOUT;
		snprintf(v->error, sizeof(v->error),
		         "an earlier libvirt call did not return in time");
		goto out;
	}
	if (vmha_deadline_expired(deadline_ms)) {
		rc = -ETIMEDOUT;
		snprintf(c->error, sizeof(c->error), "deadline passed before the libvirt call");
		goto copy;
	}
	rc = call_start(c);
	if (rc < 0)
		goto copy;
	rc = call_wait(c, deadline_ms);
	if (rc == -ETIMEDOUT) {
		pthread_detach(c->thread);
		snprintf(c->error, sizeof(c->error), "libvirt did not answer within the deadline");
		if (v != NULL)
			v->wedged = true;
		goto copy_unlocked;
	}
	pthread_join(c->thread, NULL);
	rc = c->rc;
copy:
	if (v != NULL && rc < 0)
		snprintf(v->error, sizeof(v->error), "%s", c->error);
	goto out;
copy_unlocked:
	if (v != NULL)
		snprintf(v->error, sizeof(v->error), "libvirt did not answer within the deadline");
out:
	return rc;
}

static int fn_open(struct call *c)
{
	c->out_conn = virConnectOpen(c->s1);
	if (c->out_conn == NULL)
		return -1;
	if (c->u1 > 0) {
		/* 1: not supported by the driver (local drivers) */
		if (virConnectSetKeepAlive(c->out_conn, (int)c->u1, 3) < 0)
			virResetLastError();
	}
	return 0;
}

int vmha_virt_open(const char *uri, unsigned int keepalive_s, uint64_t deadline_ms,
                   struct vmha_virt **out)
{
	struct vmha_virt *v = NULL;
	struct call *c = NULL;
	int rc = 0;

	*out = NULL;
	open_error[0] = '\0';
	pthread_once(&virt_once, virt_init_once);
	c = call_new(fn_open);
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
	if (keepalive_s > 0 && uri_is_remote(uri)) {
		pthread_once(&virt_event_once, virt_event_init_once);
		if (virt_event_ready)
			c->u1 = keepalive_s;
	}
	rc = call_run(NULL, c, deadline_ms);
	if (rc < 0) {
		snprintf(open_error, sizeof(open_error), "%s", c->error);
		goto out;
	}
	v->conn = c->out_conn;
	c->out_conn = NULL;
	*out = v;
	v = NULL;
out:
	call_unref(c);
	free(v);
	return rc;
}

const char *vmha_virt_open_error(void)
{
	return open_error;
}

void vmha_virt_free(struct vmha_virt *v)
{
	if (v == NULL)
		return;
	/* a wedged connection may still be used by an abandoned worker: it
	 * holds its own reference, so closing ours is safe but may block on a
	 * hung daemon; leave it to process exit instead */
	if (!v->wedged && v->conn != NULL)
		virConnectClose(v->conn);
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

static struct call *call_on_conn(struct vmha_virt *v, call_fn fn)
{
	struct call *c = call_new(fn);

	if (c == NULL)
		return NULL;
	virConnectRef(v->conn);
	c->conn = v->conn;
	return c;
}

static struct call *call_on_dom(struct vmha_virt_domain *d, call_fn fn)
{
	struct call *c = call_new(fn);

	if (c == NULL)
		return NULL;
	virDomainRef(d->dom);
	c->dom = d->dom;
	return c;
}

static int fn_uri(struct call *c)
{
	c->out_str = virConnectGetURI(c->conn);
	return c->out_str == NULL ? -1 : 0;
}

char *vmha_virt_uri(struct vmha_virt *v, uint64_t deadline_ms)
{
	struct call *c = call_on_conn(v, fn_uri);
	char *uri = NULL;

	if (c == NULL)
		goto out;
	if (call_run(v, c, deadline_ms) == 0) {
		uri = c->out_str;
		c->out_str = NULL;
	}
out:
	call_unref(c);
	return uri;
}

static struct vmha_virt_domain *domain_wrap(struct vmha_virt *v, virDomainPtr *dom)
{
	struct vmha_virt_domain *d = calloc(1, sizeof(*d));
	const char *name;

	if (d == NULL)
		return NULL;
	d->v = v;
	d->dom = *dom;
	*dom = NULL;
	/* local: the name is cached in the object, no RPC */
	name = virDomainGetName(d->dom);
	snprintf(d->name, sizeof(d->name), "%s", name != NULL ? name : "");
	return d;
}

static int fn_lookup(struct call *c)
{
	if (c->s1 != NULL)
		c->out_dom = virDomainLookupByUUIDString(c->conn, c->s1);
	else
		c->out_dom = virDomainLookupByName(c->conn, c->s2);
	return c->out_dom == NULL ? -1 : 0;
}

int vmha_virt_domain_lookup(struct vmha_virt *v, const char *uuid, const char *name,
                            uint64_t deadline_ms, struct vmha_virt_domain **out)
{
	struct call *c = NULL;
	int rc = 0;

	*out = NULL;
	if ((uuid == NULL || uuid[0] == '\0') && (name == NULL || name[0] == '\0')) {
		rc = -EINVAL;
		snprintf(v->error, sizeof(v->error), "neither a UUID nor a name to look up");
		goto out;
	}
	c = call_on_conn(v, fn_lookup);
	if (c == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (uuid != NULL && uuid[0] != '\0')
		c->s1 = strdup(uuid);
	else
		c->s2 = strdup(name);
	if (c->s1 == NULL && c->s2 == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = call_run(v, c, deadline_ms);
	if (rc < 0)
		goto out;
	*out = domain_wrap(v, &c->out_dom);
	if (*out == NULL)
		rc = -ENOMEM;
out:
	call_unref(c);
	return rc;
}

void vmha_virt_domain_free(struct vmha_virt_domain *d)
{
	if (d == NULL)
		return;
	virDomainFree(d->dom);
	free(d);
}

static int fn_create_xml(struct call *c)
{
	c->out_dom = virDomainCreateXML(c->conn, c->s1, c->flags);
	return c->out_dom == NULL ? -1 : 0;
}

static int fn_define_xml(struct call *c)
{
	c->out_dom = virDomainDefineXML(c->conn, c->s1);
	return c->out_dom == NULL ? -1 : 0;
}

static int domain_from_xml(struct vmha_virt *v, call_fn fn, const char *xml, unsigned int flags,
                           uint64_t deadline_ms, struct vmha_virt_domain **out)
{
	struct call *c = NULL;
	int rc = 0;

	if (out != NULL)
		*out = NULL;
	c = call_on_conn(v, fn);
	if (c == NULL || (c->s1 = strdup(xml)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	c->flags = flags;
	rc = call_run(v, c, deadline_ms);
	if (rc < 0 || out == NULL)
		goto out;
	*out = domain_wrap(v, &c->out_dom);
	if (*out == NULL)
		rc = -ENOMEM;
out:
	call_unref(c);
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

/* Run a domain call that has no outputs beyond its status. */
static int domain_simple(struct vmha_virt_domain *d, call_fn fn, unsigned int flags, const char *s1,
                         uint64_t deadline_ms)
{
	struct call *c = call_on_dom(d, fn);
	int rc = 0;

	if (c == NULL || (s1 != NULL && (c->s1 = strdup(s1)) == NULL)) {
		rc = -ENOMEM;
		goto out;
	}
	c->flags = flags;
	rc = call_run(d->v, c, deadline_ms);
out:
	call_unref(c);
	return rc;
}

static int fn_start(struct call *c)
{
	return virDomainCreate(c->dom);
}

int vmha_virt_domain_start(struct vmha_virt_domain *d, uint64_t deadline_ms)
{
	return domain_simple(d, fn_start, 0, NULL, deadline_ms);
}

static int fn_suspend(struct call *c)
{
	return virDomainSuspend(c->dom);
}

int vmha_virt_domain_suspend(struct vmha_virt_domain *d, uint64_t deadline_ms)
{
	return domain_simple(d, fn_suspend, 0, NULL, deadline_ms);
}

static int fn_resume(struct call *c)
{
	return virDomainResume(c->dom);
}

int vmha_virt_domain_resume(struct vmha_virt_domain *d, uint64_t deadline_ms)
{
	return domain_simple(d, fn_resume, 0, NULL, deadline_ms);
}

static int fn_undefine(struct call *c)
{
	return virDomainUndefine(c->dom);
}

int vmha_virt_domain_undefine(struct vmha_virt_domain *d, uint64_t deadline_ms)
{
	return domain_simple(d, fn_undefine, 0, NULL, deadline_ms);
}

static int fn_get_state(struct call *c)
{
	return virDomainGetState(c->dom, &c->out_i1, &c->out_i2, 0);
}

int vmha_virt_domain_get_state(struct vmha_virt_domain *d, uint64_t deadline_ms, int *state,
                               int *reason)
{
	struct call *c = call_on_dom(d, fn_get_state);
	int rc = 0;

	if (c == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = call_run(d->v, c, deadline_ms);
	if (rc < 0)
		goto out;
	*state = c->out_i1;
	*reason = c->out_i2;
out:
	call_unref(c);
	return rc;
}

static int fn_shutdown(struct call *c)
{
	return virDomainShutdownFlags(c->dom, c->flags);
}

int vmha_virt_domain_shutdown(struct vmha_virt_domain *d, unsigned int flags, uint64_t deadline_ms)
{
	return domain_simple(d, fn_shutdown, flags, NULL, deadline_ms);
}

static int fn_destroy(struct call *c)
{
	return virDomainDestroyFlags(c->dom, c->flags);
}

int vmha_virt_domain_destroy(struct vmha_virt_domain *d, unsigned int flags, uint64_t deadline_ms)
{
	return domain_simple(d, fn_destroy, flags, NULL, deadline_ms);
}

static int fn_get_xml(struct call *c)
{
	c->out_str = virDomainGetXMLDesc(c->dom, c->flags);
	return c->out_str == NULL ? -1 : 0;
}

int vmha_virt_domain_get_xml(struct vmha_virt_domain *d, unsigned int flags, uint64_t deadline_ms,
                             char **xml)
{
	struct call *c = call_on_dom(d, fn_get_xml);
	int rc = 0;

	*xml = NULL;
	if (c == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	c->flags = flags;
	rc = call_run(d->v, c, deadline_ms);
	if (rc < 0)
		goto out;
	*xml = c->out_str;
	c->out_str = NULL;
out:
	call_unref(c);
	return rc;
}

static int fn_get_info(struct call *c)
{
	virDomainInfo info;

	if (virDomainGetInfo(c->dom, &info) < 0)
		return -1;
	c->out_u1 = info.maxMem;
	c->out_u2 = info.nrVirtCpu;
	return 0;
}

int vmha_virt_domain_get_info(struct vmha_virt_domain *d, uint64_t deadline_ms, unsigned int *vcpus,
                              uint64_t *max_memory_kib)
{
	struct call *c = call_on_dom(d, fn_get_info);
	int rc = 0;

	if (c == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = call_run(d->v, c, deadline_ms);
	if (rc < 0)
		goto out;
	*vcpus = c->out_u2;
	*max_memory_kib = c->out_u1;
out:
	call_unref(c);
	return rc;
}

static int fn_save(struct call *c)
{
	return virDomainSave(c->dom, c->s1);
}

int vmha_virt_domain_save(struct vmha_virt_domain *d, const char *path, uint64_t deadline_ms)
{
	return domain_simple(d, fn_save, 0, path, deadline_ms);
}

static int fn_restore(struct call *c)
{
	return virDomainRestore(c->conn, c->s1);
}

int vmha_virt_domain_restore(struct vmha_virt *v, const char *path, uint64_t deadline_ms)
{
	struct call *c = call_on_conn(v, fn_restore);
	int rc = 0;

	if (c == NULL || (c->s1 = strdup(path)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = call_run(v, c, deadline_ms);
out:
	call_unref(c);
	return rc;
}

const char *vmha_virt_domain_error(const struct vmha_virt_domain *d)
{
	return d->v != NULL ? d->v->error : "";
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

struct vmha_virt_job {
	struct call *c;
};

/* libvirt has no public copy of typed parameters. */
static int params_copy(virTypedParameterPtr src, int n, virTypedParameterPtr *dst, int *ndst)
{
	int max = 0;
	int r = 0;
	int i;

	*dst = NULL;
	*ndst = 0;
	for (i = 0; i < n && r == 0; i++) {
		const virTypedParameter *p = &src[i];

		switch (p->type) {
		case VIR_TYPED_PARAM_INT:
			r = virTypedParamsAddInt(dst, ndst, &max, p->field, p->value.i);
			break;
		case VIR_TYPED_PARAM_UINT:
			r = virTypedParamsAddUInt(dst, ndst, &max, p->field, p->value.ui);
			break;
		case VIR_TYPED_PARAM_LLONG:
			r = virTypedParamsAddLLong(dst, ndst, &max, p->field, p->value.l);
			break;
		case VIR_TYPED_PARAM_ULLONG:
			r = virTypedParamsAddULLong(dst, ndst, &max, p->field, p->value.ul);
			break;
		case VIR_TYPED_PARAM_DOUBLE:
			r = virTypedParamsAddDouble(dst, ndst, &max, p->field, p->value.d);
			break;
		case VIR_TYPED_PARAM_BOOLEAN:
			r = virTypedParamsAddBoolean(dst, ndst, &max, p->field, p->value.b);
			break;
		case VIR_TYPED_PARAM_STRING:
			r = virTypedParamsAddString(dst, ndst, &max, p->field, p->value.s);
			break;
		default:
			r = -1;
		}
	}
	return r < 0 ? -ENOMEM : 0;
}

static int fn_migrate(struct call *c)
{
	return virDomainMigrateToURI3(c->dom, c->s1, c->params, (unsigned int)c->nparams, c->flags);
}

int vmha_virt_domain_migrate_start(struct vmha_virt_domain *d, const char *dconnuri,
                                   virTypedParameterPtr params, int nparams, unsigned int flags,
                                   struct vmha_virt_job **out)
{
	struct vmha_virt_job *job = NULL;
	struct call *c = NULL;
	int rc = 0;

	*out = NULL;
	if (d->v->wedged) {
		rc = -ETIMEDOUT;
		goto out;
	}
	job = calloc(1, sizeof(*job));
	c = call_on_dom(d, fn_migrate);
	if (job == NULL || c == NULL || (c->s1 = strdup(dconnuri)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = params_copy(params, nparams, &c->params, &c->nparams);
	if (rc < 0)
		goto out;
	c->flags = flags;
	rc = call_start(c);
	if (rc < 0)
		goto out;
	job->c = c;
	c = NULL;
	*out = job;
	job = NULL;
out:
	call_unref(c);
	free(job);
	return rc;
}

int vmha_virt_job_wait(struct vmha_virt_job *job, uint64_t deadline_ms)
{
	int rc = call_wait(job->c, deadline_ms);

	if (rc == -ETIMEDOUT)
		return -EINPROGRESS;
	return job->c->rc;
}

const char *vmha_virt_job_error(const struct vmha_virt_job *job)
{
	return job->c->error;
}

void vmha_virt_job_free(struct vmha_virt_job *job)
{
	bool done;

	if (job == NULL)
		return;
	pthread_mutex_lock(&job->c->lock);
	done = job->c->done;
	pthread_mutex_unlock(&job->c->lock);
	if (done)
		pthread_join(job->c->thread, NULL);
	else
		pthread_detach(job->c->thread);
	call_unref(job->c);
	free(job);
}

static int fn_job_stats(struct call *c)
{
	return virDomainGetJobStats(c->dom, &c->out_i1, &c->out_params, &c->out_nparams, 0);
}

static uint64_t param_u64(virTypedParameterPtr params, int nparams, const char *name)
{
	unsigned long long v = 0;

	if (virTypedParamsGetULLong(params, nparams, name, &v) <= 0)
		v = 0;
	return v;
}

struct vmha_virt_job_stats {
	int type;                      /* VIR_DOMAIN_JOB_* */
	uint64_t time_elapsed_ms;      /* since the job started */
	uint64_t data_total_bytes;     /* memory + disk to transfer */
	uint64_t data_remaining_bytes; /* left to transfer */
	uint64_t dirty_rate_pps;       /* pages dirtied per second */
	uint64_t iteration;            /* precopy iteration */
	uint64_t bandwidth_bps;        /* bytes per second (memory) */
	uint64_t disk_total_bytes;     /* disks to copy (storage migration) */
	uint64_t disk_processed_bytes; /* disks copied so far */
	bool postcopy;                 /* running in post-copy */
	int operation;                 /* VIR_DOMAIN_JOB_OPERATION_* (0: unknown) */
};

struct vmha_virt_job_stats *vmha_virt_job_stats_new(void)
{
	return calloc(1, sizeof(struct vmha_virt_job_stats));
}

void vmha_virt_job_stats_free(struct vmha_virt_job_stats *st)
{
	free(st);
}

int vmha_virt_job_stats_type(const struct vmha_virt_job_stats *st)
{
	return st->type;
}

uint64_t vmha_virt_job_stats_elapsed_ms(const struct vmha_virt_job_stats *st)
{
	return st->time_elapsed_ms;
}

uint64_t vmha_virt_job_stats_total_bytes(const struct vmha_virt_job_stats *st)
{
	return st->data_total_bytes;
}

uint64_t vmha_virt_job_stats_remaining_bytes(const struct vmha_virt_job_stats *st)
{
	return st->data_remaining_bytes;
}

uint64_t vmha_virt_job_stats_dirty_rate_pps(const struct vmha_virt_job_stats *st)
{
	return st->dirty_rate_pps;
}

uint64_t vmha_virt_job_stats_iteration(const struct vmha_virt_job_stats *st)
{
	return st->iteration;
}

uint64_t vmha_virt_job_stats_bandwidth_bps(const struct vmha_virt_job_stats *st)
{
	return st->bandwidth_bps;
}

bool vmha_virt_job_stats_postcopy(const struct vmha_virt_job_stats *st)
{
	return st->postcopy;
}

int vmha_virt_job_stats_operation(const struct vmha_virt_job_stats *st)
{
	return st->operation;
}

uint64_t vmha_virt_job_stats_disk_total_bytes(const struct vmha_virt_job_stats *st)
{
	return st->disk_total_bytes;
}

uint64_t vmha_virt_job_stats_disk_processed_bytes(const struct vmha_virt_job_stats *st)
{
	return st->disk_processed_bytes;
}

int vmha_virt_domain_get_job_stats(struct vmha_virt_domain *d, uint64_t deadline_ms,
                                   struct vmha_virt_job_stats *stats)
{
	struct call *c = call_on_dom(d, fn_job_stats);
	int rc = 0;

	memset(stats, 0, sizeof(*stats));
	if (c == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = call_run(d->v, c, deadline_ms);
	if (rc < 0)
		goto out;
	stats->type = c->out_i1;
	stats->time_elapsed_ms =
	        param_u64(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_TIME_ELAPSED);
	stats->data_total_bytes =
	        param_u64(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_DATA_TOTAL);
	stats->data_remaining_bytes =
	        param_u64(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_DATA_REMAINING);
	stats->dirty_rate_pps =
	        param_u64(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE);
	stats->iteration =
	        param_u64(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_MEMORY_ITERATION);
	stats->bandwidth_bps = param_u64(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_MEMORY_BPS);
	stats->disk_total_bytes =
	        param_u64(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_DISK_TOTAL);
	stats->disk_processed_bytes =
	        param_u64(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_DISK_PROCESSED);
	stats->postcopy =
	        param_u64(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_MEMORY_POSTCOPY_REQS) > 0;
	if (virTypedParamsGetInt(c->out_params, c->out_nparams, VIR_DOMAIN_JOB_OPERATION,
	                         &stats->operation) <= 0)
		stats->operation = 0;
out:
	call_unref(c);
	return rc;
}

static int fn_abort_job(struct call *c)
{
	return virDomainAbortJob(c->dom);
}

int vmha_virt_domain_abort_job(struct vmha_virt_domain *d, uint64_t deadline_ms)
{
	return domain_simple(d, fn_abort_job, 0, NULL, deadline_ms);
}

static int fn_postcopy(struct call *c)
{
	return virDomainMigrateStartPostCopy(c->dom, 0);
}

int vmha_virt_domain_start_postcopy(struct vmha_virt_domain *d, uint64_t deadline_ms)
{
	return domain_simple(d, fn_postcopy, 0, NULL, deadline_ms);
}

static int fn_max_downtime(struct call *c)
{
	return virDomainMigrateSetMaxDowntime(c->dom, c->out_u1, 0);
}

int vmha_virt_domain_set_max_downtime(struct vmha_virt_domain *d, uint64_t downtime_ms,
                                      uint64_t deadline_ms)
{
	struct call *c = call_on_dom(d, fn_max_downtime);
	int rc = 0;

	if (c == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	c->out_u1 = downtime_ms;
	rc = call_run(d->v, c, deadline_ms);
out:
	call_unref(c);
	return rc;
}

static int fn_interface(struct call *c)
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
	struct call *c = call_on_conn(v, fn_interface);
	int rc = 0;

	if (c == NULL || (c->s1 = strdup(name)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = call_run(v, c, deadline_ms);
	if (rc == 0)
		*exists = c->out_i1 > 0;
out:
	call_unref(c);
	return rc;
}

static int fn_free_memory(struct call *c)
{
	c->out_u1 = virNodeGetFreeMemory(c->conn);
	return c->out_u1 == 0 ? -1 : 0;
}

int vmha_virt_node_free_memory(struct vmha_virt *v, uint64_t deadline_ms, uint64_t *free_bytes)
{
	struct call *c = call_on_conn(v, fn_free_memory);
	int rc = 0;

	if (c == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = call_run(v, c, deadline_ms);
	if (rc == 0)
		*free_bytes = c->out_u1;
out:
	call_unref(c);
	return rc;
}

static int fn_network(struct call *c)
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
	struct call *c = call_on_conn(v, fn_network);
	int rc = 0;

	if (c == NULL || (c->s1 = strdup(name)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = call_run(v, c, deadline_ms);
	if (rc == 0)
		*active = c->out_i1 > 0;
out:
	call_unref(c);
	return rc;
}

int vmha_virt_network_ensure_active(struct vmha_virt *v, const char *name, uint64_t deadline_ms)
{
	struct call *c = call_on_conn(v, fn_network);
	int rc = 0;

	if (c == NULL || (c->s1 = strdup(name)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	c->flags = 1;
	rc = call_run(v, c, deadline_ms);
out:
	call_unref(c);
	return rc;
}

static int fn_pool(struct call *c)
{
	virStoragePoolPtr pool = virStoragePoolLookupByName(c->conn, c->s1);
	int active;
	int rc = 0;

	if (pool == NULL)
		return -1;
	active = virStoragePoolIsActive(pool);
	if (active < 0)
		rc = -1;
	else if (active == 0)
		rc = virStoragePoolCreate(pool, 0);
	else
		rc = virStoragePoolRefresh(pool, 0);
	virStoragePoolFree(pool);
	return rc;
}

int vmha_virt_pool_ensure_active(struct vmha_virt *v, const char *name, uint64_t deadline_ms)
{
	struct call *c = call_on_conn(v, fn_pool);
	int rc = 0;

	if (c == NULL || (c->s1 = strdup(name)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = call_run(v, c, deadline_ms);
out:
	call_unref(c);
	return rc;
}

/* s1: the disk's path, s2: its directory; out_i1: enum vmha_virt_disk,
 * out_str: the covering pool's name */
/* The pool whose target path is dir, for drivers without
 * virStoragePoolLookupByTargetPath (libvirt's canonical pool XML). */
static virStoragePoolPtr pool_by_listing(virConnectPtr conn, const char *dir)
{
	virStoragePoolPtr *pools = NULL;
	virStoragePoolPtr found = NULL;
	int n = virConnectListAllStoragePools(conn, &pools, 0);
	int i;

	for (i = 0; i < n; i++) {
		char *xml = found == NULL ? virStoragePoolGetXMLDesc(pools[i], 0) : NULL;
		const char *t = xml != NULL ? strstr(xml, "<target>") : NULL;
		const char *p = t != NULL ? strstr(t, "<path>") : NULL;
		size_t len = strlen(dir);

		if (p != NULL && strncmp(p + 6, dir, len) == 0 &&
		    strncmp(p + 6 + len, "</path>", 7) == 0) {
			found = pools[i];
			pools[i] = NULL;
		}
		free(xml);
		if (pools[i] != NULL)
			virStoragePoolFree(pools[i]);
	}
	free(pools);
	return found;
}

static int fn_disk(struct call *c)
{
	virStoragePoolPtr pool = virStoragePoolLookupByTargetPath(c->conn, c->s2);
	virStorageVolPtr vol = NULL;
	const virError *err = NULL;
	int active = 0;
	int rc = 0;

	if (pool == NULL) {
		err = virGetLastError();
		if (err != NULL && err->code == VIR_ERR_NO_SUPPORT) {
			virResetLastError();
			pool = pool_by_listing(c->conn, c->s2);
			err = virGetLastError();
		}
	}
	if (pool == NULL) {
		if (err != NULL && err->code != VIR_ERR_NO_STORAGE_POOL) {
			rc = -1;
			goto out;
		}
		virResetLastError();
	} else {
		c->out_str = strdup(
		        virStoragePoolGetName(pool) != NULL ? virStoragePoolGetName(pool) : "");
		active = virStoragePoolIsActive(pool);
		if (active < 0) {
			rc = -1;
			goto out;
		}
		/* the pool's volume list is a cache: rescan the directory */
		if (active == 1 && virStoragePoolRefresh(pool, 0) < 0) {
			rc = -1;
			goto out;
		}
	}
	vol = virStorageVolLookupByPath(c->conn, c->s1);
	if (vol != NULL) {
		c->out_i1 = VMHA_VIRT_DISK_PRESENT;
		goto out;
	}
	err = virGetLastError();
	if (err != NULL && err->code != VIR_ERR_NO_STORAGE_VOL) {
		rc = -1;
		goto out;
	}
	virResetLastError();
	c->out_i1 = active == 1 ? VMHA_VIRT_DISK_MISSING : VMHA_VIRT_DISK_UNCHECKED;
out:
	if (vol != NULL)
		virStorageVolFree(vol);
	if (pool != NULL)
		virStoragePoolFree(pool);
	return rc;
}

int vmha_virt_disk_check(struct vmha_virt *v, const char *path, uint64_t deadline_ms,
                         enum vmha_virt_disk *out, char *pool, size_t pool_len)
{
	struct call *c = call_on_conn(v, fn_disk);
	char *slash = NULL;
	int rc = 0;

	if (pool != NULL && pool_len > 0)
		pool[0] = '\0';
	if (c == NULL || (c->s1 = strdup(path)) == NULL || (c->s2 = strdup(path)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	slash = strrchr(c->s2, '/');
	if (path[0] != '/' || slash == NULL) {
		snprintf(v->error, sizeof(v->error), "disk path '%s' is not absolute", path);
		rc = -EINVAL;
		goto out;
	}
	slash[slash == c->s2 ? 1 : 0] = '\0';
	rc = call_run(v, c, deadline_ms);
	if (rc == 0) {
		*out = (enum vmha_virt_disk)c->out_i1;
		if (pool != NULL && pool_len > 0 && c->out_str != NULL)
			snprintf(pool, pool_len, "%s", c->out_str);
	}
out:
	call_unref(c);
	return rc;
}

static int fn_compare_cpu(struct call *c)
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
	struct call *c = call_on_conn(v, fn_compare_cpu);
	int rc = 0;

	if (c == NULL || (c->s1 = strdup(cpu_xml)) == NULL ||
	    (virttype != NULL && (c->s2 = strdup(virttype)) == NULL)) {
		rc = -ENOMEM;
		goto out;
	}
	rc = call_run(v, c, deadline_ms);
	if (rc == 0 && c->out_i1 == VIR_CPU_COMPARE_INCOMPATIBLE) {
		rc = -EINVAL;
		snprintf(v->error, sizeof(v->error), "the host CPU is incompatible");
	}
out:
	call_unref(c);
	return rc;
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

static int fn_ext(struct call *c)
{
	return c->ext_fn(c->conn, c->conn2, c->ext_opaque);
}

int vmha_virt_call(struct vmha_virt *v, struct vmha_virt *v2, vmha_virt_call_fn fn, void *opaque,
                   void (*free_fn)(void *opaque), uint64_t deadline_ms)
{
	struct call *c = call_on_conn(v, fn_ext);
	int rc;

	if (c == NULL)
		return -ENOMEM;
	c->ext_fn = fn;
	c->ext_opaque = opaque;
	c->ext_free = free_fn;
	if (v2 != NULL) {
		virConnectRef(v2->conn);
		c->conn2 = v2->conn;
	}
	rc = call_run(v, c, deadline_ms);
	/* the worker finished (or never started): the caller keeps opaque,
	 * except on -ETIMEDOUT, where the last one to let go frees it */
	if (rc != -ETIMEDOUT)
		c->ext_opaque = NULL;
	call_unref(c);
	return rc;
}

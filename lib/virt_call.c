/* The worker-thread call machinery under lib/virt*.c (see virt_call.h). */
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
#include "virt_call.h"

static pthread_once_t virt_once = PTHREAD_ONCE_INIT;

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

/* The one place where libvirt's error codes become -errno. */
static int virt_errno_from(const virError *err, bool opening)
{
	if (err == NULL) {
		return -EIO;
	}
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
	if (opening) {
		return -ECONNREFUSED;
	}
	if (err->domain == VIR_FROM_RPC || err->domain == VIR_FROM_REMOTE) {
		return -EPIPE;
	}
	return -EIO;
}

struct vmha_virt_call *vmha_virt_call_new(vmha_virt_call_fn fn)
{
	struct vmha_virt_call *c = calloc(1, sizeof(*c));
	pthread_condattr_t attr;

	if (c == NULL) {
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cond, &attr);
	pthread_condattr_destroy(&attr);
	c->refs = 1;
	c->fn = fn;
	return c;
}

void vmha_virt_call_unref(struct vmha_virt_call *c)
{
	bool last;

	if (c == NULL) {
		return;
	}
	pthread_mutex_lock(&c->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (!last) {
		return;
	}
	if (c->dom != NULL) {
		virDomainFree(c->dom);
	}
	if (c->out_dom != NULL) {
		virDomainFree(c->out_dom);
	}
	if (c->conn != NULL) {
		virConnectClose(c->conn);
	}
	if (c->out_conn != NULL) {
		virConnectClose(c->out_conn);
	}
	if (c->conn2 != NULL) {
		virConnectClose(c->conn2);
	}
	if (c->ext_opaque != NULL && c->ext_free != NULL) {
		c->ext_free(c->ext_opaque);
	}
	virTypedParamsFree(c->params, c->nparams);
	virTypedParamsFree(c->out_params, c->out_nparams);
	free(c->s1);
	free(c->s2);
	free(c->out_str);
	if (c->out_ptr != NULL && c->out_ptr_free != NULL) {
		c->out_ptr_free(c->out_ptr);
	} else {
		free(c->out_ptr);
	}
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c);
}

static void *call_worker(void *opaque)
{
	struct vmha_virt_call *c = opaque;
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
	vmha_virt_call_unref(c);
	return NULL;
}

int vmha_virt_call_start(struct vmha_virt_call *c)
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
int vmha_virt_call_wait(struct vmha_virt_call *c, uint64_t deadline_ms)
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
int vmha_virt_call_run(struct vmha_virt *v, struct vmha_virt_call *c, uint64_t deadline_ms)
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
	rc = vmha_virt_call_start(c);
	if (rc < 0) {
		goto copy;
	}
	rc = vmha_virt_call_wait(c, deadline_ms);
	if (rc == -ETIMEDOUT) {
		pthread_detach(c->thread);
		snprintf(c->error, sizeof(c->error), "libvirt did not answer within the deadline");
		if (v != NULL) {
			v->wedged = true;
		}
		goto copy_unlocked;
	}
	pthread_join(c->thread, NULL);
	rc = c->rc;
copy:
	if (v != NULL && rc < 0) {
		snprintf(v->error, sizeof(v->error), "%s", c->error);
	}
	goto out;
copy_unlocked:
	if (v != NULL) {
		snprintf(v->error, sizeof(v->error), "libvirt did not answer within the deadline");
	}
out:
	return rc;
}

struct vmha_virt_call *vmha_virt_call_on_conn(struct vmha_virt *v, vmha_virt_call_fn fn)
{
	struct vmha_virt_call *c = vmha_virt_call_new(fn);

	if (c == NULL) {
		return NULL;
	}
	virConnectRef(v->conn);
	c->conn = v->conn;
	return c;
}

struct vmha_virt_call *vmha_virt_call_on_dom(struct vmha_virt_domain *d, vmha_virt_call_fn fn)
{
	struct vmha_virt_call *c = vmha_virt_call_new(fn);

	if (c == NULL) {
		return NULL;
	}
	virDomainRef(d->dom);
	c->dom = d->dom;
	return c;
}

/* Run a domain call that has no outputs beyond its status. */
/* Make the call (c may be NULL: no memory), give it its inputs and run it. */
static int run_made(struct vmha_virt *v, struct vmha_virt_call *c, unsigned int flags,
                    const char *s1, uint64_t deadline_ms)
{
	if (c == NULL || (s1 != NULL && (c->s1 = strdup(s1)) == NULL)) {
		return -ENOMEM;
	}
	c->flags = flags;
	return vmha_virt_call_run(v, c, deadline_ms);
}

int vmha_virt_call_conn_run(struct vmha_virt *v, vmha_virt_call_fn fn, unsigned int flags,
                            const char *s1, uint64_t deadline_ms, struct vmha_virt_call **done)
{
	*done = vmha_virt_call_on_conn(v, fn);
	return run_made(v, *done, flags, s1, deadline_ms);
}

int vmha_virt_call_dom_run(struct vmha_virt_domain *d, vmha_virt_call_fn fn, unsigned int flags,
                           const char *s1, uint64_t deadline_ms, struct vmha_virt_call **done)
{
	*done = vmha_virt_call_on_dom(d, fn);
	return run_made(d->v, *done, flags, s1, deadline_ms);
}

int vmha_virt_call_dom_simple(struct vmha_virt_domain *d, vmha_virt_call_fn fn, unsigned int flags,
                              const char *s1, uint64_t deadline_ms)
{
	struct vmha_virt_call *c = NULL;
	int rc = vmha_virt_call_dom_run(d, fn, flags, s1, deadline_ms, &c);

	vmha_virt_call_unref(c);
	return rc;
}

void vmha_virt_call_init(void)
{
	pthread_once(&virt_once, virt_init_once);
}

bool vmha_virt_call_event_loop(void)
{
	pthread_once(&virt_event_once, virt_event_init_once);
	return virt_event_ready;
}

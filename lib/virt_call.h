/*
 * The machinery under lib/virt*: one libvirt call at a time in a worker
 * thread, waited for on the monotonic clock, and the one place where
 * libvirt's errors become -errno (the table is in virt.h).
 *
 * Internal to lib/virt*.c: the structs below are opaque to every other
 * caller, which includes virt.h (or one of virt_domain.h, virt_job.h,
 * virt_host.h, virt_storage.h) instead.
 */
#ifndef VMHA_VIRT_CALL_H
#define VMHA_VIRT_CALL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

/** A connection to one hypervisor (opaque outside lib/virt*.c). */
struct vmha_virt {
	virConnectPtr conn; /**< libvirt's connection */
	bool wedged;        /**< a call missed its deadline: every later call fails */
	char error[512];    /**< the libvirt message of the last failure */
};

/** A domain on a connection (opaque outside lib/virt*.c). */
struct vmha_virt_domain {
	struct vmha_virt *v; /**< its connection (not owned) */
	virDomainPtr dom;    /**< libvirt's domain */
	char name[256];      /**< its name, cached */
};

struct vmha_virt_call;
/** The libvirt work of one call: returns < 0 with libvirt's last error set. */
typedef int (*vmha_virt_call_fn)(struct vmha_virt_call *c);

/**
 * One libvirt call run by a worker thread. Heap-allocated and reference
 * counted so that a caller that gives up (deadline) can leave it to the
 * worker; everything the worker touches is owned by the call.
 */
struct vmha_virt_call {
	pthread_mutex_t lock;            /**< guards refs and done */
	pthread_cond_t cond;             /**< signalled when done */
	pthread_t thread;                /**< the worker */
	int refs;                        /**< references (caller, worker) */
	bool done;                       /**< the worker has finished */
	vmha_virt_call_fn fn;            /**< the work */
	int rc;                          /**< 0 or -errno */
	char error[512];                 /**< libvirt's message on failure */
	virConnectPtr conn;              /**< input: connection (a reference) */
	virDomainPtr dom;                /**< input: domain (a reference) */
	char *s1;                        /**< input string (owned) */
	char *s2;                        /**< input string (owned) */
	unsigned int flags;              /**< input flags */
	unsigned int u1;                 /**< input number */
	virTypedParameterPtr params;     /**< input typed parameters (owned) */
	int nparams;                     /**< their count */
	virConnectPtr out_conn;          /**< output connection */
	virDomainPtr out_dom;            /**< output domain */
	char *out_str;                   /**< output string (owned until taken) */
	int out_i1;                      /**< output number */
	int out_i2;                      /**< output number */
	unsigned long long out_u1;       /**< output number */
	unsigned int out_u2;             /**< output number */
	virTypedParameterPtr out_params; /**< output typed parameters */
	int out_nparams;                 /**< their count */
	void *out_ptr;                   /**< output of a call-specific type */
	void (*out_ptr_free)(void *);    /**< frees out_ptr (NULL: free()) */
	int (*ext_fn)(virConnectPtr, virConnectPtr,
	              void *);    /**< vmha_virt_run(): the caller's work */
	void *ext_opaque;         /**< its data (freed with ext_free when left to the worker) */
	void (*ext_free)(void *); /**< frees ext_opaque */
	virConnectPtr conn2;      /**< input: a second connection (a reference) */
};

/** Initialise libvirt once per process (and silence its stderr printing). */
void vmha_virt_call_init(void);

/** @return whether libvirt's event loop runs (started on first use; needed by keepalive) */
bool vmha_virt_call_event_loop(void);

/** @return a new call of fn with one reference, or NULL */
struct vmha_virt_call *vmha_virt_call_new(vmha_virt_call_fn fn);

/** @return a new call of fn on v's connection, or NULL */
struct vmha_virt_call *vmha_virt_call_on_conn(struct vmha_virt *v, vmha_virt_call_fn fn);

/** @return a new call of fn on domain d, or NULL */
struct vmha_virt_call *vmha_virt_call_on_dom(struct vmha_virt_domain *d, vmha_virt_call_fn fn);

/** Drop a reference; the last frees the call and its inputs and outputs. NULL is a no-op. */
void vmha_virt_call_unref(struct vmha_virt_call *c);

/** Start c's worker (it holds its own reference). @return 0 or -EAGAIN */
int vmha_virt_call_start(struct vmha_virt_call *c);

/** Wait for a started call until deadline_ms. @return 0 when done (c->rc holds the result) or -ETIMEDOUT */
int vmha_virt_call_wait(struct vmha_virt_call *c, uint64_t deadline_ms);

/**
 * Run c in a worker and wait for it until deadline_ms; on a missed deadline
 * the call is left to its thread and v is marked wedged. v's error is set on
 * failure (v may be NULL: c->error only).
 *
 * @return the call's 0 or -errno, or -ETIMEDOUT
 */
int vmha_virt_call_run(struct vmha_virt *v, struct vmha_virt_call *c, uint64_t deadline_ms);

/**
 * Run a domain call that has no outputs beyond its status, with flags and
 * an optional string input s1 (copied).
 *
 * @return 0 or -errno
 */
int vmha_virt_call_dom_simple(struct vmha_virt_domain *d, vmha_virt_call_fn fn, unsigned int flags,
                              const char *s1, uint64_t deadline_ms);

/**
 * The shape of every wrapper on a connection: run fn on v's connection with
 * flags and an optional string input s1 (copied), until deadline_ms.
 *
 * @return 0 or -errno; *done is the call either way (NULL only when it could
 *         not be made): read its outputs, then vmha_virt_call_unref() it
 */
int vmha_virt_call_conn_run(struct vmha_virt *v, vmha_virt_call_fn fn, unsigned int flags,
                            const char *s1, uint64_t deadline_ms, struct vmha_virt_call **done);

/** As vmha_virt_call_conn_run(), on domain d. */
int vmha_virt_call_dom_run(struct vmha_virt_domain *d, vmha_virt_call_fn fn, unsigned int flags,
                           const char *s1, uint64_t deadline_ms, struct vmha_virt_call **done);

#endif /* VMHA_VIRT_CALL_H */

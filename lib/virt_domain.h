/*
 * Domains: lookup, definition, lifecycle, state, XML and info.
 * Part of the libvirt boundary: see virt.h (errors, deadlines).
 */
#ifndef VMHA_VIRT_DOMAIN_H
#define VMHA_VIRT_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

struct vmha_virt;
struct vmha_virt_domain;

/**
 * Look a domain up by UUID (if uuid is non-NULL and non-empty) else by name.
 *
 * @return 0 and *out, -ENOENT when there is none, or -errno
 */
int vmha_virt_domain_lookup(struct vmha_virt *v, const char *uuid, const char *name,
                            uint64_t deadline_ms, struct vmha_virt_domain **out);

/** Release a domain handle; NULL is a no-op. */
void vmha_virt_domain_free(struct vmha_virt_domain *d);

/**
 * Start a transient domain from XML (virDomainCreateXML).
 *
 * @return 0 and *out (may be NULL to discard), or -errno
 */
int vmha_virt_domain_create_xml(struct vmha_virt *v, const char *xml, unsigned int flags,
                                uint64_t deadline_ms, struct vmha_virt_domain **out);

/** Define a persistent domain from XML. @return 0 and *out (may be NULL), or -errno */
int vmha_virt_domain_define_xml(struct vmha_virt *v, const char *xml, uint64_t deadline_ms,
                                struct vmha_virt_domain **out);

/** Start a defined domain. @return 0 or -errno */
int vmha_virt_domain_start(struct vmha_virt_domain *d, uint64_t deadline_ms);

/** Pause a running domain (virDomainSuspend). @return 0 or -errno */
int vmha_virt_domain_suspend(struct vmha_virt_domain *d, uint64_t deadline_ms);

/** Resume a paused domain (virDomainResume). @return 0 or -errno */
int vmha_virt_domain_resume(struct vmha_virt_domain *d, uint64_t deadline_ms);

/** Remove a domain's persistent definition. @return 0 or -errno */
int vmha_virt_domain_undefine(struct vmha_virt_domain *d, uint64_t deadline_ms);

/** @return 0 and the state and reason (VIR_DOMAIN_*), or -errno */
int vmha_virt_domain_get_state(struct vmha_virt_domain *d, uint64_t deadline_ms, int *state,
                               int *reason);

/** Ask the guest to shut down (VIR_DOMAIN_SHUTDOWN_* flags). @return 0 or -errno */
int vmha_virt_domain_shutdown(struct vmha_virt_domain *d, unsigned int flags, uint64_t deadline_ms);

/** Destroy (VIR_DOMAIN_DESTROY_* flags). @return 0 or -errno */
int vmha_virt_domain_destroy(struct vmha_virt_domain *d, unsigned int flags, uint64_t deadline_ms);

/** @return 0 and the domain XML in *xml (caller frees), or -errno */
int vmha_virt_domain_get_xml(struct vmha_virt_domain *d, unsigned int flags, uint64_t deadline_ms,
                             char **xml);

/** @return 0 and vCPUs and maximum memory (KiB), or -errno */
int vmha_virt_domain_get_info(struct vmha_virt_domain *d, uint64_t deadline_ms, unsigned int *vcpus,
                              uint64_t *max_memory_kib);

/** Save the domain's state to path (stops it). @return 0 or -errno */
int vmha_virt_domain_save(struct vmha_virt_domain *d, const char *path, uint64_t deadline_ms);

/** Restore a domain from a state file. @return 0 or -errno */
int vmha_virt_domain_restore(struct vmha_virt *v, const char *path, uint64_t deadline_ms);

/** @return the libvirt message of the last failed call on d's connection ("" if none) */
const char *vmha_virt_domain_error(const struct vmha_virt_domain *d);

/** @return the connection d was found on (owned by the caller of the lookup) */
struct vmha_virt *vmha_virt_domain_conn(const struct vmha_virt_domain *d);

/** @return the domain's name (owned by d) */
const char *vmha_virt_domain_name(const struct vmha_virt_domain *d);

/** Copy the UUID string (VIR_UUID_STRING_BUFLEN bytes) into uuid. @return 0 or -errno */
int vmha_virt_domain_uuid(const struct vmha_virt_domain *d, char *uuid);

/**
 * Run one QEMU guest agent command (virDomainQemuAgentCommand), JSON in,
 * JSON out. libvirt waits timeout_s for the agent; the call ends by
 * deadline_ms either way (then the connection is wedged, see virt.h).
 *
 * @return 0 and *result (the agent's reply, malloc'd), -ENOTCONN when the
 *         domain's agent is not connected (or has no channel), -ETIMEDOUT
 *         when it did not answer in time, or another -errno
 */
int vmha_virt_domain_agent_command(struct vmha_virt_domain *d, const char *cmd,
                                   unsigned int timeout_s, uint64_t deadline_ms, char **result);

/** @return the domain's id on its host (changes at every start; 0 or -1 when not active) */
unsigned int vmha_virt_domain_id(const struct vmha_virt_domain *d);

/** Convert a VIR_DOMAIN_* state to a lowercase name ("running", ...). */
const char *vmha_virt_state_name(int state);

/** One active domain, as vmha_virt_list_active() reports it. */
struct vmha_virt_domain_info {
	char name[256];                    /**< its name */
	char uuid[VIR_UUID_STRING_BUFLEN]; /**< its UUID */
	int state;                         /**< VIR_DOMAIN_* */
	int reason;                        /**< the state's reason */
	unsigned int vcpus;                /**< virtual CPUs */
	uint64_t memory_kib;               /**< current memory */
};

/**
 * List the active domains of v's host in one bounded call (a domain that
 * vanishes meanwhile is left out).
 *
 * @return 0 and *out (caller frees; NULL when none) and *n, or -errno
 */
int vmha_virt_list_active(struct vmha_virt *v, uint64_t deadline_ms,
                          struct vmha_virt_domain_info **out, size_t *n);

#endif /* VMHA_VIRT_DOMAIN_H */

/*
 * The registry of protected VMs on shared storage (standalone clusters).
 *
 * Each VM is two files in the registry directory:
 *   <name>.xml  its libvirt domain XML, as given by the user
 *   <name>.ha   its HA settings, one key=value per line
 * The .ha file is written last and removed first, so a VM is in the registry
 * exactly when its .ha file exists. Every file is replaced atomically
 * (temporary file, fsync, rename, fsync of the directory), and edits hold an
 * exclusive lock on <dir>/.lock so that two hosts never interleave.
 */
#ifndef VMHA_REGISTRY_H
#define VMHA_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmha_registry;
struct vmha_registry_vm;

/** The HA settings a VM may carry, by key name in the .ha file. */
enum vmha_registry_key {
	VMHA_REGISTRY_PRIORITY,      /**< highest, high, medium, low, lowest or an integer */
	VMHA_REGISTRY_RESTART,       /**< restart or never */
	VMHA_REGISTRY_ANTI_AFFINITY, /**< group name: members run on different hosts */
	VMHA_REGISTRY_ALLOWED,       /**< comma-separated hosts the VM may run on */
	VMHA_REGISTRY_PREFERRED,     /**< comma-separated hosts preferred for a restart */
	VMHA_REGISTRY_CPU,           /**< CPU demand (default: the domain's vCPUs) */
	VMHA_REGISTRY_MEMORY,        /**< memory demand in MiB (default: the domain's memory) */
	VMHA_REGISTRY_STATE,         /**< desired state: started, stopped or disabled */
	VMHA_REGISTRY_HEALTH,        /**< VM health check: agent (the guest agent's ping) or none */
	VMHA_REGISTRY_N_KEYS,
};

/** The desired state of a VM (the "state" setting; an entry without one is started). */
enum vmha_registry_desired {
	VMHA_DESIRED_STARTED = 0, /**< vmhad keeps it running (restarts, relocates, fails over) */
	VMHA_DESIRED_STOPPED,     /**< an operator stopped it: vmhad never starts it */
	VMHA_DESIRED_DISABLED,    /**< vmhad leaves it alone entirely */
};

/**
 * Parse a desired state ("started", "stopped", "disabled").
 * @return 0 and *out set, or -EINVAL
 */
int vmha_registry_desired_parse(const char *text, enum vmha_registry_desired *out);

/** @return the name of a desired state as written in the .ha file */
const char *vmha_registry_desired_name(enum vmha_registry_desired desired);

/** @return the VM's desired state (started when the entry has none) */
enum vmha_registry_desired vmha_registry_vm_desired(const struct vmha_registry_vm *vm);

/** @return whether the VM opted in to the guest agent health check (health=agent) */
bool vmha_registry_vm_health_agent(const struct vmha_registry_vm *vm);

/**
 * Open the registry in dir, creating the directory if needed.
 * @return the registry, or NULL with errno set
 */
struct vmha_registry *vmha_registry_open(const char *dir);

/** Close the registry (releases its lock); NULL is a no-op. */
void vmha_registry_free(struct vmha_registry *reg);

/**
 * Take the registry's exclusive edit lock, waiting until deadline_ms.
 * @return 0, -ETIMEDOUT when another editor held it until the deadline, or -errno
 */
int vmha_registry_lock(struct vmha_registry *reg, uint64_t deadline_ms);

/** Release the edit lock; a no-op when not held. */
void vmha_registry_unlock(struct vmha_registry *reg);

/**
 * Store vm (its XML and settings). Needs the lock.
 * @return 0, -EEXIST when a VM of that name exists and replace is false,
 *         -ENOLCK without the lock, -EINVAL when vm has no XML, or -errno
 */
int vmha_registry_add(struct vmha_registry *reg, const struct vmha_registry_vm *vm, bool replace);

/**
 * Remove the VM called name. Needs the lock.
 * @return 0, -ENOENT when absent, -ENOLCK without the lock, or -errno
 */
int vmha_registry_remove(struct vmha_registry *reg, const char *name);

/**
 * Load the VM called name.
 * @param err  on a parse error, a message naming the file, line and field
 *             (caller frees); may be NULL
 * @return 0 and *out set (caller frees), -ENOENT, -EINVAL on bad content, or -errno
 */
int vmha_registry_load(struct vmha_registry *reg, const char *name, struct vmha_registry_vm **out,
                       char **err);

/**
 * The names of all registered VMs, in name order.
 * @return 0 with *names (caller frees each and the array) and *count, or -errno
 */
int vmha_registry_list(struct vmha_registry *reg, char ***names, size_t *count);

/** A new VM entry with default settings; NULL if name is invalid or on ENOMEM. */
struct vmha_registry_vm *vmha_registry_vm_new(const char *name);

/** Free a VM entry; NULL is a no-op. */
void vmha_registry_vm_free(struct vmha_registry_vm *vm);

/** @return the VM's name */
const char *vmha_registry_vm_name(const struct vmha_registry_vm *vm);

/**
 * Look a key name up ("priority", "anti_affinity", ...).
 * @return 0 and *key set, or -EINVAL for an unknown name
 */
int vmha_registry_key_parse(const char *name, enum vmha_registry_key *key);

/** @return the name of key as written in the .ha file */
const char *vmha_registry_key_name(enum vmha_registry_key key);

/**
 * Set a setting after checking its value.
 * @return 0, or -EINVAL when the value is not valid for the key
 */
int vmha_registry_vm_set(struct vmha_registry_vm *vm, enum vmha_registry_key key,
                         const char *value);

/** @return a setting's value, or NULL when unset */
const char *vmha_registry_vm_get(const struct vmha_registry_vm *vm, enum vmha_registry_key key);

/**
 * Attach the domain XML after checking it: well-formed, a <domain> whose
 * <name> is the VM's name and which has a <uuid>. Fills the cpu and memory
 * settings from <vcpu> and <memory> when they are unset.
 *
 * @param err  on failure, a message saying what is wrong (caller frees); may be NULL
 * @return 0 or -EINVAL
 */
int vmha_registry_vm_set_xml(struct vmha_registry_vm *vm, const char *xml, char **err);

/** @return the domain XML, or NULL */
const char *vmha_registry_vm_xml(const struct vmha_registry_vm *vm);

/** @return the domain UUID read from the XML, or NULL */
const char *vmha_registry_vm_uuid(const struct vmha_registry_vm *vm);

#endif /* VMHA_REGISTRY_H */

/*
 * vmhad's announcement message: what each host tells the CPG group about
 * itself (capacity, the VMs it runs, health).
 *
 * On the wire a message is one JSON object, at most VMHA_MSG_MAX_BYTES long,
 * with a version field "v". The decoder checks the length, the version, the
 * type of every field, its range and its syntax, and rejects unknown fields:
 * anything else is dropped by the caller, never trusted.
 *
 * struct vmha_announce and struct vmha_vm_info are plain value records
 * (not opaque) because the state machine copies them as they are.
 */
#ifndef VMHA_HEARTBEAT_MSG_H
#define VMHA_HEARTBEAT_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The message version this build speaks. */
#define VMHA_MSG_VERSION 1
/** The largest message accepted, in bytes. */
#define VMHA_MSG_MAX_BYTES 262144
/** The most VMs one announcement may list. */
#define VMHA_MSG_MAX_VMS 1024
/** Room for a host or VM name (vmha_util_name_is_valid(): 1..64) and its NUL. */
#define VMHA_NAME_SIZE 65
/** Room for a UUID in its 36-character text form and its NUL. */
#define VMHA_UUID_SIZE 37

/** A VM's state as libvirt reports it, reduced to what failover needs. */
enum vmha_vm_state {
	VMHA_VM_RUNNING = 0,
	VMHA_VM_PAUSED,
	VMHA_VM_SHUTOFF,
	VMHA_VM_CRASHED,
	VMHA_VM_OTHER,
};

/** How the announcing host sees itself. */
enum vmha_health {
	VMHA_HEALTH_OK = 0,
	/** vmhad runs but cannot see its VMs (libvirt unreachable) */
	VMHA_HEALTH_DEGRADED,
};

/** One VM in an announcement. */
struct vmha_vm_info {
	char name[VMHA_NAME_SIZE];
	char uuid[VMHA_UUID_SIZE];
	enum vmha_vm_state state;
	uint32_t vcpus;
	uint64_t memory_kib;
};

/**
 * The settings that tell the survivors whether restarting this host's VMs
 * on a timer is safe (optional on the wire: field "safety").
 */
struct vmha_msg_safety {
	/** the host has a fence device configured (fence_config) */
	bool fence_device;
	/** the watchdog the host feeds, in ms; 0 = no watchdog open */
	uint64_t watchdog_timeout_ms;
	/** the host's self_fence_delay, in ms */
	uint64_t self_fence_delay_ms;
};

/** One announcement. */
struct vmha_announce {
	/** the host's name (its storage slot has the same name) */
	char host[VMHA_NAME_SIZE];
	/** a random number fixed for the life of one vmhad process */
	uint64_t incarnation;
	/** increases by one with every announcement of one incarnation */
	uint64_t seq;
	uint32_t cpus;
	uint64_t memory_kib;
	uint64_t memory_free_kib;
	enum vmha_health health;
	/** the host takes no VMs (maintenance) */
	bool standby;
	/** its vmhad holds the replicated failover table (it coordinated, or
	 *  received a coordinator's state transfer); a fresh vmhad does not */
	bool synced;
	/** safety was announced (an older vmhad leaves it out) */
	bool has_safety;
	/** the host's self-fence settings, when has_safety */
	struct vmha_msg_safety safety;
	size_t n_vms;
	/** n_vms records, owned by the announcement */
	struct vmha_vm_info *vms;
};

/** @return "running", "paused", "shutoff", "crashed" or "other" */
const char *vmha_msg_vm_state_name(enum vmha_vm_state state);

/** @return "ok" or "degraded" */
const char *vmha_msg_health_name(enum vmha_health health);

/**
 * Encode an announcement.
 *
 * @param a        the announcement (its names must be valid)
 * @param out      set to a malloc'ed NUL-terminated buffer on success
 * @param out_len  set to the message length (without the NUL)
 * @return 0, -EINVAL for an announcement that would not decode, -E2BIG when
 *         it exceeds VMHA_MSG_MAX_BYTES, -ENOMEM
 */
int vmha_msg_encode(const struct vmha_announce *a, char **out, size_t *out_len);

/**
 * Decode and validate a message.
 *
 * @param buf      the bytes received (need not be NUL-terminated)
 * @param len      their number
 * @param a        filled on success (release with vmha_msg_announce_clear());
 *                 left empty on failure
 * @param err      receives a lowercase reason on failure (may be NULL)
 * @param err_size size of err
 * @return 0, -EPROTONOSUPPORT for another message version, -EBADMSG for a
 *         malformed message, -ENOMEM
 */
int vmha_msg_decode(const void *buf, size_t len, struct vmha_announce *a, char *err,
                    size_t err_size);

/**
 * Deep-copy an announcement.
 *
 * @return 0 or -ENOMEM (dst is left empty)
 */
int vmha_msg_announce_copy(struct vmha_announce *dst, const struct vmha_announce *src);

/** Release what an announcement owns and zero it; NULL is a no-op. */
void vmha_msg_announce_clear(struct vmha_announce *a);

/** @return true when s is a UUID in lowercase or uppercase 8-4-4-4-12 hex form */
bool vmha_msg_uuid_is_valid(const char *s);

#endif /* VMHA_HEARTBEAT_MSG_H */

/*
 * Fencing configuration (/etc/vmha/fence.conf): devices, the host map
 * (node -> plug), levels, timeouts and retries. One item per line, '#'
 * starts a comment, values may be double-quoted:
 *
 *   mode auto                     # auto | agents | pacemaker
 *   timeout 60s                   # default deadline of one agent action
 *   retries 1                     # default extra attempts per device
 *   agent_dir /usr/sbin           # where agents named fence_* are found
 *   stonith_admin /usr/sbin/stonith_admin
 *   device ipmi-h1 fence_ipmilan ip=10.0.0.1 username=admin password="s3 cret" timeout=20s
 *   device pdu fence_apc ip=10.0.0.9 username=apc password_script=/etc/vmha/pdu-pass retries=2
 *   host h1 pdu=3                 # plug of node h1 on device pdu (default: the node name)
 *   level h1 1 ipmi-h1            # try level 1 first,
 *   level h1 2 pdu                # then level 2; devices of a level: a,b
 *   level * 1 pdu                 # levels of nodes that have none of their own
 *
 * A '#' inside a value (password=a#b) is part of it.
 * A node without levels uses the devices of its "host" line as one level.
 * Errors name the file, line and field: "fence.conf:7: password: ...";
 * on a device line they give an item's position, never its text.
 */
#ifndef VMHA_FENCING_FENCE_CONFIG_H
#define VMHA_FENCING_FENCE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent_run.h"

/** Where fencing requests go. */
enum vmha_fence_mode {
	VMHA_FENCE_MODE_AUTO = 0,  /**< Pacemaker's fencer when it runs, else the agents */
	VMHA_FENCE_MODE_AGENTS,    /**< always the configured agents */
	VMHA_FENCE_MODE_PACEMAKER, /**< always Pacemaker's fencer */
};

/** A parsed configuration. */
struct vmha_fence_config;

/** One configured device. */
struct vmha_fence_device;

/** The devices of one level for one node (a view into the configuration). */
struct vmha_fence_level_view {
	unsigned int index;                       /**< 1..9 */
	size_t n_devices;                         /**< devices to fence, all must succeed */
	const struct vmha_fence_device **devices; /**< in configured order */
};

/** Default deadline of one agent action. */
#define VMHA_FENCE_DEFAULT_TIMEOUT_MS 60000
/** Default extra attempts per device. */
#define VMHA_FENCE_DEFAULT_RETRIES 1

/**
 * Parse a configuration from text.
 *
 * @param text  the whole file
 * @param name  file name for messages
 * @param out   the configuration
 * @param err   receives "NAME:LINE: FIELD: message" on failure
 * @return 0, -EINVAL on a syntax or reference error, -ENOMEM
 */
int vmha_fence_config_parse(const char *text, const char *name, struct vmha_fence_config **out,
                            char *err, size_t errlen);

/**
 * Read and parse a configuration file. It names programs run as root, so
 * it must be owned by root (or by the calling user) and not writable by its
 * group or others. Errors never echo the items of a device line (they may
 * hold secrets): they give the item's position. A configuration with a
 * secret parameter makes the calling process non-dumpable
 * (PR_SET_DUMPABLE 0: no core dump, no ptrace by other users).
 *
 * @return 0, -errno when the file cannot be read, -EPERM for a file someone
 *         else may write, or as vmha_fence_config_parse()
 */
int vmha_fence_config_load(const char *path, struct vmha_fence_config **out, char *err,
                           size_t errlen);

/** Free a configuration (secrets are wiped); NULL is a no-op. */
void vmha_fence_config_free(struct vmha_fence_config *cfg);

/**
 * Check every device against its agent's meta-data (runs `AGENT -o
 * metadata` once per agent, bounded by deadline_ms): the agent exists, every
 * parameter is known, required ones are given, host-map plugs only on
 * agents that take one. Nothing else runs.
 *
 * @return 0, -EINVAL with err set ("NAME:LINE: FIELD: message"), -ETIMEDOUT
 */
int vmha_fence_config_validate(struct vmha_fence_config *cfg, uint64_t deadline_ms, char *err,
                               size_t errlen);

/**
 * Describe the configuration, one item per line, secrets masked, in a stable
 * form (used by tests and `vmha fence --check`):
 *   mode agents
 *   device d1 agent=fence_x timeout_ms=60000 retries=1 ip=10.0.0.1 password=*****
 *   host h1 d1=3
 *   level h1 1 d1,d2
 *
 * @return the text (caller frees), or NULL when out of memory
 */
char *vmha_fence_config_describe(const struct vmha_fence_config *cfg);

/** @return true after a successful vmha_fence_config_validate() */
bool vmha_fence_config_is_valid(const struct vmha_fence_config *cfg);

/** @return the configured mode */
enum vmha_fence_mode vmha_fence_config_mode(const struct vmha_fence_config *cfg);

/** @return the stonith_admin executable */
const char *vmha_fence_config_stonith_admin(const struct vmha_fence_config *cfg);

/** @return the number of configured devices */
size_t vmha_fence_config_device_count(const struct vmha_fence_config *cfg);

/** @return the i-th device, or NULL */
const struct vmha_fence_device *vmha_fence_config_device(const struct vmha_fence_config *cfg,
                                                         size_t i);

/**
 * The levels that fence node, in order.
 *
 * @param levels  receives an array (free with vmha_fence_config_levels_free())
 * @param n       receives its length
 * @return 0, -ENOENT when no level or host line covers node, -ENOMEM
 */
int vmha_fence_config_levels(const struct vmha_fence_config *cfg, const char *node,
                             struct vmha_fence_level_view **levels, size_t *n);

/** Free an array from vmha_fence_config_levels(); NULL is a no-op. */
void vmha_fence_config_levels_free(struct vmha_fence_level_view *levels, size_t n);

/** @return the device's name */
const char *vmha_fence_device_name(const struct vmha_fence_device *dev);

/** @return the agent as configured (a name such as fence_ipmilan, or a path) */
const char *vmha_fence_device_agent(const struct vmha_fence_device *dev);

/** @return the agent's executable (resolved against agent_dir) */
const char *vmha_fence_device_agent_path(const struct vmha_fence_device *dev);

/** @return the deadline of one action of this device, milliseconds */
uint64_t vmha_fence_device_timeout_ms(const struct vmha_fence_device *dev);

/** @return extra attempts after a failed one */
unsigned int vmha_fence_device_retries(const struct vmha_fence_device *dev);

/**
 * The agent's standard input for action on node: the configured parameters,
 * "action", and the plug (host map, else the node name) when the agent takes
 * one. Needs a validated configuration (to know the plug parameter).
 *
 * @return 0 and *out set, -EINVAL when not validated, -ENOMEM
 */
int vmha_fence_device_args(const struct vmha_fence_config *cfg, const struct vmha_fence_device *dev,
                           const char *node, const char *action, struct vmha_agent_args **out);

#endif /* VMHA_FENCING_FENCE_CONFIG_H */

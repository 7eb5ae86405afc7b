/*
 * The fencing procedure: fence a node through the configured devices, level
 * by level, or through Pacemaker's fencer when Pacemaker runs.
 *
 * With the agents: for each level in order, every device of the level gets
 * the action, with retries; "off" counts only when the device's "status"
 * then says off (a timeout is a failure; "success" while status still says
 * on is a failure). "reboot" is "off" (verified) on every device of the
 * level, then "on". "on" is verified by "status" as well. The first level
 * whose devices all succeed ends the procedure.
 *
 * With Pacemaker's fencer: the request goes through stonith_admin, and only
 * a matching successful entry in the fencer's history confirms it: vmha
 * never fences behind Pacemaker's back.
 */
#ifndef VMHA_FENCING_FENCE_H
#define VMHA_FENCING_FENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fence_config.h"

/** What to do to the node. */
enum vmha_fence_action {
	VMHA_FENCE_OFF = 0,
	VMHA_FENCE_REBOOT,
	VMHA_FENCE_ON,
	VMHA_FENCE_STATUS,
};

/** The node's power as last seen. */
enum vmha_fence_power {
	VMHA_FENCE_POWER_UNKNOWN = 0,
	VMHA_FENCE_POWER_ON,
	VMHA_FENCE_POWER_OFF,
};

/** The outcome of one fencing request, with every attempt. */
struct vmha_fence_result;

/** @return 0 and *action set, or -EINVAL for an unknown name */
int vmha_fence_action_parse(const char *name, enum vmha_fence_action *action);

/** @return "off", "reboot", "on" or "status" */
const char *vmha_fence_action_name(enum vmha_fence_action action);

/** @return "on", "off" or "unknown" */
const char *vmha_fence_power_name(enum vmha_fence_power power);

/**
 * Fence node. The configuration must have passed
 * vmha_fence_config_validate() (when the agents are used).
 *
 * @param deadline_ms  no agent runs past it (each also has its own timeout)
 * @param out          the result, whether fencing worked or not
 * @return 0 with *out set (see vmha_fence_result_ok()), -EINVAL for an
 *         invalid node name or a configuration not validated, -ENOENT when
 *         no device is configured for node, -ENOMEM
 */
int vmha_fence_run(const struct vmha_fence_config *cfg, const char *node,
                   enum vmha_fence_action action, uint64_t deadline_ms,
                   struct vmha_fence_result **out);

/** Free a result; NULL is a no-op. */
void vmha_fence_result_free(struct vmha_fence_result *res);

/** @return true when the action was done and verified (for status: known) */
bool vmha_fence_result_ok(const struct vmha_fence_result *res);

/** @return the node */
const char *vmha_fence_result_node(const struct vmha_fence_result *res);

/** @return the action */
enum vmha_fence_action vmha_fence_result_action(const struct vmha_fence_result *res);

/** @return "agents" or "pacemaker" */
const char *vmha_fence_result_via(const struct vmha_fence_result *res);

/** @return the node's power as last seen by a status check */
enum vmha_fence_power vmha_fence_result_power(const struct vmha_fence_result *res);

/** @return the level that succeeded, 0 when none did (or via Pacemaker) */
unsigned int vmha_fence_result_level(const struct vmha_fence_result *res);

/** @return a one-line description of the outcome */
const char *vmha_fence_result_message(const struct vmha_fence_result *res);

/** @return the time the whole request took, milliseconds */
uint64_t vmha_fence_result_duration_ms(const struct vmha_fence_result *res);

/** @return the number of agent (or stonith_admin) runs */
size_t vmha_fence_result_attempt_count(const struct vmha_fence_result *res);

/** @return the level of attempt i (0 for Pacemaker) */
unsigned int vmha_fence_result_attempt_level(const struct vmha_fence_result *res, size_t i);

/** @return the device of attempt i ("pacemaker" for the fencer) */
const char *vmha_fence_result_attempt_device(const struct vmha_fence_result *res, size_t i);

/** @return the agent action of attempt i ("off", "status", "history", ...) */
const char *vmha_fence_result_attempt_action(const struct vmha_fence_result *res, size_t i);

/** @return the try number of attempt i for its device and action, from 1 */
unsigned int vmha_fence_result_attempt_try(const struct vmha_fence_result *res, size_t i);

/** @return true when attempt i did what was asked */
bool vmha_fence_result_attempt_ok(const struct vmha_fence_result *res, size_t i);

/** @return the agent outcome name of attempt i ("success", "off", "timeout", ...) */
const char *vmha_fence_result_attempt_outcome(const struct vmha_fence_result *res, size_t i);

/** @return the exit code of attempt i, -1 when it did not exit */
int vmha_fence_result_attempt_exit_code(const struct vmha_fence_result *res, size_t i);

/** @return the duration of attempt i, milliseconds */
uint64_t vmha_fence_result_attempt_duration_ms(const struct vmha_fence_result *res, size_t i);

/** @return what attempt i showed ("exit 1: ...", "status says on after success", ...) */
const char *vmha_fence_result_attempt_message(const struct vmha_fence_result *res, size_t i);

#endif /* VMHA_FENCING_FENCE_H */

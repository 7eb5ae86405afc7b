/* The fencing procedure: levels, devices, retries, verification; or Pacemaker's fencer. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_run.h"
#include "deadline.h"
#include "fence.h"
#include "log.h"
#include "pcmk.h"
#include "util.h"

/* Events this much older than the request still confirm it (clock granularity). */
#define HISTORY_SLACK_S 2

struct attempt {
	unsigned int level;
	char *device;
	char *action;
	unsigned int try_no;
	bool ok;
	enum vmha_agent_outcome outcome;
	int exit_code;
	uint64_t duration_ms;
	char *message;
};

struct vmha_fence_result {
	char *node;
	enum vmha_fence_action action;
	const char *via;
	bool ok;
	enum vmha_fence_power power;
	unsigned int level;
	char message[512];
	uint64_t duration_ms;
	struct attempt *attempts;
	size_t n_attempts;
};

static const char *const action_names[] = {"off", "reboot", "on", "status"};

int vmha_fence_action_parse(const char *name, enum vmha_fence_action *action)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof(action_names) / sizeof(action_names[0]); i++) {
		if (strcmp(name, action_names[i]) == 0) {
			*action = (enum vmha_fence_action)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *vmha_fence_action_name(enum vmha_fence_action action)
{
	return (size_t)action < sizeof(action_names) / sizeof(action_names[0])
	               ? action_names[action]
	               : "unknown";
}

const char *vmha_fence_power_name(enum vmha_fence_power power)
{
	switch (power) {
	case VMHA_FENCE_POWER_ON:
		return "on";
	case VMHA_FENCE_POWER_OFF:
		return "off";
	case VMHA_FENCE_POWER_UNKNOWN:
		break;
	}
	return "unknown";
}

void vmha_fence_result_free(struct vmha_fence_result *res)
{
	size_t i;

	if (res == NULL) {
		return;
	}
	for (i = 0; i < res->n_attempts; i++) {
		free(res->attempts[i].device);
		free(res->attempts[i].action);
		free(res->attempts[i].message);
	}
	free(res->attempts);
	free(res->node);
	free(res);
}

static void set_message(struct vmha_fence_result *res, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void set_message(struct vmha_fence_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
}

static int add_attempt(struct vmha_fence_result *res, unsigned int level, const char *device,
                       const char *action, unsigned int try_no, bool ok,
                       enum vmha_agent_outcome outcome, int exit_code, uint64_t duration_ms,
                       const char *message)
{
	struct attempt *grown = NULL;
	struct attempt *a = NULL;

	grown = realloc(res->attempts, (res->n_attempts + 1) * sizeof(*grown));
	if (grown == NULL) {
		return -ENOMEM;
	}
	res->attempts = grown;
	a = &res->attempts[res->n_attempts];
	*a = (struct attempt){.level = level,
	                      .device = strdup(device),
	                      .action = strdup(action),
	                      .try_no = try_no,
	                      .ok = ok,
	                      .outcome = outcome,
	                      .exit_code = exit_code,
	                      .duration_ms = duration_ms,
	                      .message = strdup(message != NULL ? message : "")};
	res->n_attempts++;
	if (a->device == NULL || a->action == NULL || a->message == NULL) {
		return -ENOMEM;
	}
	return 0;
}

/* Run one agent action on one device; records the attempt. */
static int run_agent(const struct vmha_fence_config *cfg, const struct vmha_fence_device *dev,
                     const char *node, const char *action, unsigned int level, unsigned int try_no,
                     uint64_t deadline_ms, struct vmha_fence_result *res,
                     enum vmha_agent_outcome *outcome)
{
	struct vmha_agent_args *args = NULL;
	struct vmha_agent_result *run = NULL;
	uint64_t dev_deadline_ms = vmha_deadline_in_ms(vmha_fence_device_timeout_ms(dev));
	char *shown = NULL;
	bool ok = false;
	int rc = 0;

	if (dev_deadline_ms > deadline_ms) {
		dev_deadline_ms = deadline_ms;
	}
	rc = vmha_fence_device_args(cfg, dev, node, action, &args);
	if (rc != 0) {
		goto out;
	}
	shown = vmha_agent_args_format(args);
	vmha_info("fencing '%s': device '%s' action '%s' (level %u, try %u): %s %s", node,
	          vmha_fence_device_name(dev), action, level, try_no,
	          vmha_fence_device_agent_path(dev), shown != NULL ? shown : "");
	rc = vmha_agent_run(vmha_fence_device_agent_path(dev), NULL, args, dev_deadline_ms, &run);
	if (rc != 0) {
		goto out;
	}
	*outcome = vmha_agent_result_outcome(run);
	if (vmha_agent_result_stderr(run)[0] != '\0') {
		vmha_debug("fence agent '%s' stderr: %s", vmha_fence_device_name(dev),
		           vmha_agent_result_stderr(run));
	}
	ok = strcmp(action, "status") == 0
	             ? (*outcome == VMHA_AGENT_SUCCESS || *outcome == VMHA_AGENT_OFF)
	             : *outcome == VMHA_AGENT_SUCCESS;
	rc = add_attempt(res, level, vmha_fence_device_name(dev), action, try_no, ok, *outcome,
	                 vmha_agent_result_exit_code(run), vmha_agent_result_duration_ms(run),
	                 vmha_agent_result_summary(run));
	if (ok) {
		vmha_info("fencing '%s': device '%s' action '%s': %s", node,
		          vmha_fence_device_name(dev), action, vmha_agent_result_summary(run));
	} else {
		vmha_warn("fencing '%s': device '%s' action '%s' failed: %s", node,
		          vmha_fence_device_name(dev), action, vmha_agent_result_summary(run));
	}
out:
	free(shown);
	vmha_agent_args_free(args);
	vmha_agent_result_free(run);
	return rc;
}

/*
 * One device, one action, verified by "status", with retries.
 * Returns 0 with *done telling whether it worked, or -errno.
 */
static int device_action(const struct vmha_fence_config *cfg, const struct vmha_fence_device *dev,
                         const char *node, const char *action, unsigned int level,
                         uint64_t deadline_ms, struct vmha_fence_result *res, bool *done)
{
	unsigned int tries = vmha_fence_device_retries(dev) + 1;
	unsigned int t;
	int rc = 0;

	*done = false;
	for (t = 1; t <= tries && !*done; t++) {
		enum vmha_agent_outcome outcome = VMHA_AGENT_FAILED;
		enum vmha_agent_outcome status = VMHA_AGENT_FAILED;
		bool want_off = strcmp(action, "off") == 0;

		if (vmha_deadline_expired(deadline_ms)) {
			rc = add_attempt(res, level, vmha_fence_device_name(dev), action, t, false,
			                 VMHA_AGENT_TIMEOUT, -1, 0,
			                 "deadline of the fencing request passed, not run");
			goto out;
		}
		rc = run_agent(cfg, dev, node, action, level, t, deadline_ms, res, &outcome);
		if (rc != 0) {
			goto out;
		}
		if (outcome != VMHA_AGENT_SUCCESS) {
			continue;
		}
		/* Never trust "success" alone: ask the device. */
		rc = run_agent(cfg, dev, node, "status", level, t, deadline_ms, res, &status);
		if (rc != 0) {
			goto out;
		}
		if (status == (want_off ? VMHA_AGENT_OFF : VMHA_AGENT_SUCCESS)) {
			res->power = want_off ? VMHA_FENCE_POWER_OFF : VMHA_FENCE_POWER_ON;
			*done = true;
			continue;
		}
		if (status == VMHA_AGENT_SUCCESS || status == VMHA_AGENT_OFF) {
			res->power = status == VMHA_AGENT_OFF ? VMHA_FENCE_POWER_OFF
			                                      : VMHA_FENCE_POWER_ON;
			/* The status run itself worked; the verification did not. */
			res->attempts[res->n_attempts - 1].ok = false;
			free(res->attempts[res->n_attempts - 1].message);
			res->attempts[res->n_attempts - 1].message =
			        strdup(want_off ? "agent reported success but status says on"
			                        : "agent reported success but status says off");
			if (res->attempts[res->n_attempts - 1].message == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			vmha_warn("fencing '%s': device '%s' reported '%s' done but status says %s",
			          node, vmha_fence_device_name(dev), action,
			          vmha_fence_power_name(res->power));
		}
	}
out:
	return rc;
}

static int run_agents(const struct vmha_fence_config *cfg, const char *node,
                      enum vmha_fence_action action, uint64_t deadline_ms,
                      struct vmha_fence_result *res)
{
	struct vmha_fence_level_view *levels = NULL;
	size_t n_levels = 0;
	size_t l, d;
	int rc = 0;

	rc = vmha_fence_config_levels(cfg, node, &levels, &n_levels);
	if (rc != 0) {
		goto out;
	}
	if (action == VMHA_FENCE_STATUS) {
		bool any_on = false, all_off = true;
		for (d = 0; d < levels[0].n_devices; d++) {
			enum vmha_agent_outcome st = VMHA_AGENT_FAILED;
			rc = run_agent(cfg, levels[0].devices[d], node, "status", levels[0].index,
			               1, deadline_ms, res, &st);
			if (rc != 0) {
				goto out;
			}
			any_on = any_on || st == VMHA_AGENT_SUCCESS;
			all_off = all_off && st == VMHA_AGENT_OFF;
		}
		res->power = any_on    ? VMHA_FENCE_POWER_ON
		             : all_off ? VMHA_FENCE_POWER_OFF
		                       : VMHA_FENCE_POWER_UNKNOWN;
		res->ok = res->power != VMHA_FENCE_POWER_UNKNOWN;
		res->level = res->ok ? levels[0].index : 0;
		set_message(res, "'%s' is %s", node, vmha_fence_power_name(res->power));
		goto out;
	}
	for (l = 0; l < n_levels && !res->ok; l++) {
		const struct vmha_fence_level_view *lv = &levels[l];
		const char *first = action == VMHA_FENCE_ON ? "on" : "off";
		bool level_ok = true;

		for (d = 0; d < lv->n_devices && level_ok; d++) {
			rc = device_action(cfg, lv->devices[d], node, first, lv->index, deadline_ms,
			                   res, &level_ok);
			if (rc != 0) {
				goto out;
			}
		}
		if (!level_ok) {
			vmha_warn("fencing '%s': level %u failed", node, lv->index);
			continue;
		}
		res->ok = true;
		res->level = lv->index;
		set_message(res, "'%s' is %s (level %u, verified by status)", node,
		            action == VMHA_FENCE_ON ? "on" : "off", lv->index);
		if (action == VMHA_FENCE_REBOOT) {
			bool on_ok = true;
			for (d = 0; d < lv->n_devices && on_ok; d++) {
				rc = device_action(cfg, lv->devices[d], node, "on", lv->index,
				                   deadline_ms, res, &on_ok);
				if (rc != 0) {
					goto out;
				}
			}
			set_message(
			        res,
			        on_ok ? "'%s' was off (level %u, verified) and is on again"
			              : "'%s' was off (level %u, verified) but did not power on",
			        node, lv->index);
		}
	}
	if (!res->ok) {
		set_message(res, "fencing '%s' (%s) failed on every level", node,
		            vmha_fence_action_name(action));
	}
out:
	vmha_fence_config_levels_free(levels, n_levels);
	return rc;
}

static int run_pacemaker(const struct vmha_fence_config *cfg, const char *node,
                         enum vmha_fence_action action, uint64_t deadline_ms,
                         struct vmha_fence_result *res)
{
	const char *admin = vmha_fence_config_stonith_admin(cfg);
	const char *name = vmha_fence_action_name(action);
	struct vmha_agent_result *run = NULL;
	struct vmha_agent_result *hist = NULL;
	int64_t since = (int64_t)time(NULL) - HISTORY_SLACK_S;
	int64_t when = 0;
	char msg[400];
	int found = 0;
	int rc = 0;

	if (action != VMHA_FENCE_STATUS) {
		vmha_notice("fencing '%s' (%s) through pacemaker's fencer", node, name);
		rc = vmha_pcmk_request(admin, node, name, deadline_ms, &run);
		if (rc != 0) {
			goto out;
		}
		rc = add_attempt(res, 0, "pacemaker", name, 1,
		                 vmha_agent_result_outcome(run) == VMHA_AGENT_SUCCESS,
		                 vmha_agent_result_outcome(run), vmha_agent_result_exit_code(run),
		                 vmha_agent_result_duration_ms(run),
		                 vmha_agent_result_summary(run));
		if (rc != 0) {
			goto out;
		}
	}
	/* Only the fencer's own history confirms. */
	rc = vmha_pcmk_history(admin, node,
	                       vmha_deadline_in_ms(10000) < deadline_ms ? vmha_deadline_in_ms(10000)
	                                                                : deadline_ms,
	                       &hist);
	if (rc != 0) {
		goto out;
	}
	if (action == VMHA_FENCE_STATUS) {
		int64_t w_off = 0, w_reboot = 0;
		char m_off[400], m_reboot[400];
		int f_off = vmha_pcmk_history_find(vmha_agent_result_stdout(hist),
		                                   vmha_agent_result_stdout_len(hist), node, "off",
		                                   0, &w_off, m_off, sizeof(m_off));
		int f_reboot = vmha_pcmk_history_find(
		        vmha_agent_result_stdout(hist), vmha_agent_result_stdout_len(hist), node,
		        "reboot", 0, &w_reboot, m_reboot, sizeof(m_reboot));
		res->ok = f_off != -EPROTO && f_reboot != -EPROTO;
		if (!res->ok) {
			snprintf(msg, sizeof(msg), "%s", f_off == -EPROTO ? m_off : m_reboot);
		} else if (f_off == -ENOENT && f_reboot == -ENOENT) {
			snprintf(msg, sizeof(msg), "fencer history: '%s' never fenced", node);
		} else {
			snprintf(msg, sizeof(msg), "%s", w_off >= w_reboot ? m_off : m_reboot);
		}
		rc = add_attempt(res, 0, "pacemaker", "history", 1, res->ok,
		                 vmha_agent_result_outcome(hist), vmha_agent_result_exit_code(hist),
		                 vmha_agent_result_duration_ms(hist), msg);
		set_message(res, "%s", msg);
		goto out;
	}
	found = vmha_pcmk_history_find(vmha_agent_result_stdout(hist),
	                               vmha_agent_result_stdout_len(hist), node, name, since, &when,
	                               msg, sizeof(msg));
	rc = add_attempt(res, 0, "pacemaker", "history", 1, found == 0,
	                 vmha_agent_result_outcome(hist), vmha_agent_result_exit_code(hist),
	                 vmha_agent_result_duration_ms(hist), msg);
	if (rc != 0) {
		goto out;
	}
	res->ok = found == 0 && vmha_agent_result_outcome(run) == VMHA_AGENT_SUCCESS;
	if (res->ok) {
		res->power =
		        action == VMHA_FENCE_ON ? VMHA_FENCE_POWER_UNKNOWN : VMHA_FENCE_POWER_OFF;
		if (action == VMHA_FENCE_REBOOT) {
			res->power = VMHA_FENCE_POWER_UNKNOWN;
		}
		set_message(res, "'%s': %s confirmed by pacemaker's fencing history", node, name);
	} else if (vmha_agent_result_outcome(run) == VMHA_AGENT_SUCCESS) {
		set_message(res, "stonith_admin reported success but %s", msg);
	} else {
		set_message(res, "pacemaker's fencer failed: %s; %s",
		            vmha_agent_result_summary(run), msg);
	}
out:
	vmha_agent_result_free(run);
	vmha_agent_result_free(hist);
	return rc;
}

int vmha_fence_run(const struct vmha_fence_config *cfg, const char *node,
                   enum vmha_fence_action action, uint64_t deadline_ms,
                   struct vmha_fence_result **out)
{
	struct vmha_fence_result *res = NULL;
	uint64_t start_ms = vmha_clock_now_ms();
	bool pacemaker = false;
	bool unreachable = false;
	int rc = 0;

	*out = NULL;
	if (cfg == NULL || node == NULL || !vmha_util_name_is_valid(node) ||
	    (size_t)action >= sizeof(action_names) / sizeof(action_names[0])) {
		rc = -EINVAL;
		goto out;
	}
	res = calloc(1, sizeof(*res));
	if (res == NULL || (res->node = strdup(node)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	res->action = action;
	switch (vmha_fence_config_mode(cfg)) {
	case VMHA_FENCE_MODE_PACEMAKER:
		pacemaker = true;
		/* Fail fast and clearly: stonith_admin itself retries for a long time. */
		unreachable = !vmha_pcmk_fencer_running(vmha_fence_config_stonith_admin(cfg),
		                                        deadline_ms);
		break;
	case VMHA_FENCE_MODE_AGENTS:
		pacemaker = false;
		break;
	case VMHA_FENCE_MODE_AUTO:
		pacemaker =
		        vmha_pcmk_fencer_running(vmha_fence_config_stonith_admin(cfg), deadline_ms);
		break;
	}
	res->via = pacemaker ? "pacemaker" : "agents";
	if (unreachable) {
		rc = add_attempt(res, 0, "pacemaker", "probe", 1, false, VMHA_AGENT_FAILED, -1, 0,
		                 "pacemaker's fencer is not reachable (stonith_admin "
		                 "--list-registered failed)");
		set_message(res, "pacemaker's fencer is not reachable; mode pacemaker never uses "
		                 "the agents directly");
	} else if (pacemaker) {
		rc = run_pacemaker(cfg, node, action, deadline_ms, res);
	} else if (!vmha_fence_config_is_valid(cfg)) {
		rc = -EINVAL;
	} else {
		rc = run_agents(cfg, node, action, deadline_ms, res);
	}
	if (rc != 0) {
		goto out;
	}
	res->duration_ms = vmha_clock_now_ms() - start_ms;
	if (res->ok) {
		vmha_notice("fencing '%s' (%s) via %s: %s", node, vmha_fence_action_name(action),
		            res->via, res->message);
	} else {
		vmha_err("fencing '%s' (%s) via %s failed: %s", node,
		         vmha_fence_action_name(action), res->via, res->message);
	}
	*out = res;
	res = NULL;
out:
	vmha_fence_result_free(res);
	return rc;
}

bool vmha_fence_result_ok(const struct vmha_fence_result *res)
{
	return res->ok;
}

const char *vmha_fence_result_node(const struct vmha_fence_result *res)
{
	return res->node;
}

enum vmha_fence_action vmha_fence_result_action(const struct vmha_fence_result *res)
{
	return res->action;
}

const char *vmha_fence_result_via(const struct vmha_fence_result *res)
{
	return res->via;
}

enum vmha_fence_power vmha_fence_result_power(const struct vmha_fence_result *res)
{
	return res->power;
}

unsigned int vmha_fence_result_level(const struct vmha_fence_result *res)
{
	return res->level;
}

const char *vmha_fence_result_message(const struct vmha_fence_result *res)
{
	return res->message;
}

uint64_t vmha_fence_result_duration_ms(const struct vmha_fence_result *res)
{
	return res->duration_ms;
}

size_t vmha_fence_result_attempt_count(const struct vmha_fence_result *res)
{
	return res->n_attempts;
}

unsigned int vmha_fence_result_attempt_level(const struct vmha_fence_result *res, size_t i)
{
	return res->attempts[i].level;
}

const char *vmha_fence_result_attempt_device(const struct vmha_fence_result *res, size_t i)
{
	return res->attempts[i].device;
}

const char *vmha_fence_result_attempt_action(const struct vmha_fence_result *res, size_t i)
{
	return res->attempts[i].action;
}

unsigned int vmha_fence_result_attempt_try(const struct vmha_fence_result *res, size_t i)
{
	return res->attempts[i].try_no;
}

bool vmha_fence_result_attempt_ok(const struct vmha_fence_result *res, size_t i)
{
	return res->attempts[i].ok;
}

const char *vmha_fence_result_attempt_outcome(const struct vmha_fence_result *res, size_t i)
{
	return vmha_agent_outcome_name(res->attempts[i].outcome);
}

int vmha_fence_result_attempt_exit_code(const struct vmha_fence_result *res, size_t i)
{
	return res->attempts[i].exit_code;
}

uint64_t vmha_fence_result_attempt_duration_ms(const struct vmha_fence_result *res, size_t i)
{
	return res->attempts[i].duration_ms;
}

const char *vmha_fence_result_attempt_message(const struct vmha_fence_result *res, size_t i)
{
	return res->attempts[i].message;
}

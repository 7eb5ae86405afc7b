/* The rules that make a restart without a fence device safe (see wdfeed.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fencing/selffence.h"
#include "heartbeat/wdfeed.h"

/* a + b + c, saturating */
static uint64_t sum3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t s = a;

	s = s > UINT64_MAX - b ? UINT64_MAX : s + b;
	s = s > UINT64_MAX - c ? UINT64_MAX : s + c;
	return s;
}

int vmha_wdfeed_check_config(const struct vmha_hbconf *conf, const char *conf_path, char *err,
                             size_t err_size)
{
	bool fence = conf->fence_config[0] != '\0';
	bool watchdog = conf->watchdog_device[0] != '\0';
	uint64_t need_ms = 0;
	int rc = 0;

	if (conf->mode != VMHA_HB_MODE_STANDALONE) {
		goto out;
	}
	if (!fence && !watchdog) {
		snprintf(err, err_size,
		         "%s: standalone mode needs a fence device ('fence_config') or a watchdog "
		         "('watchdog_device'): without either a lost host's VMs would restart "
		         "with no proof that it stopped them",
		         conf_path);
		rc = -EINVAL;
		goto out;
	}
	if (conf->self_fence_delay_ms > UINT64_MAX - VMHA_SELFFENCE_MARGIN_MS ||
	    conf->self_fence_delay_ms + VMHA_SELFFENCE_MARGIN_MS > conf->restart_delay_ms) {
		snprintf(err, err_size,
		         "%s: 'self_fence_delay' (%" PRIu64 " ms) must be at least %d ms shorter "
		         "than 'restart_delay' (%" PRIu64 " ms)",
		         conf_path, conf->self_fence_delay_ms, VMHA_SELFFENCE_MARGIN_MS,
		         conf->restart_delay_ms);
		rc = -EINVAL;
		goto out;
	}
	need_ms = sum3(conf->watchdog_timeout_ms, conf->self_fence_delay_ms, VMHA_WDFEED_MARGIN_MS);
	if (!fence && conf->restart_delay_ms < need_ms) {
		snprintf(err, err_size,
		         "%s: without 'fence_config', 'restart_delay' (%" PRIu64 " ms) must be at "
		         "least 'watchdog_timeout' (%" PRIu64 " ms) + 'self_fence_delay' (%" PRIu64
		         " ms) + %d ms = %" PRIu64 " ms",
		         conf_path, conf->restart_delay_ms, conf->watchdog_timeout_ms,
		         conf->self_fence_delay_ms, VMHA_WDFEED_MARGIN_MS, need_ms);
		rc = -EINVAL;
		goto out;
	}
out:
	return rc;
}

int vmha_wdfeed_check_quorum(const struct vmha_hbconf *conf, bool two_node, char *err,
                             size_t err_size)
{
	int rc = 0;

	if (conf->mode == VMHA_HB_MODE_STANDALONE && conf->fence_config[0] == '\0' && two_node) {
		snprintf(err, err_size,
		         "corosync 'quorum.two_node' is set and vmhad has no 'fence_config': both "
		         "halves of a split stay quorate and would restart each other's VMs; "
		         "configure a fence device or a third node");
		rc = -EINVAL;
	}
	return rc;
}

enum vmha_wdfeed_verdict vmha_wdfeed_decide(const struct vmha_wdfeed_facts *f, uint64_t now_ms)
{
	if (f->fatal) {
		return VMHA_WDFEED_HOLD_FATAL;
	}
	if (!f->corosync_up) {
		return VMHA_WDFEED_HOLD_COROSYNC;
	}
	if (now_ms > f->last_loop_ms && now_ms - f->last_loop_ms > f->max_stall_ms) {
		return VMHA_WDFEED_HOLD_STALLED;
	}
	if (!f->selffence_allows) {
		return VMHA_WDFEED_HOLD_INQUORATE;
	}
	return VMHA_WDFEED_FEED;
}

const char *vmha_wdfeed_verdict_name(enum vmha_wdfeed_verdict v)
{
	switch (v) {
	case VMHA_WDFEED_FEED:
		return "feed";
	case VMHA_WDFEED_HOLD_COROSYNC:
		return "corosync is down";
	case VMHA_WDFEED_HOLD_STALLED:
		return "the main loop stalled";
	case VMHA_WDFEED_HOLD_INQUORATE:
		return "inquorate for self_fence_delay";
	case VMHA_WDFEED_HOLD_FATAL:
		return "fatal error";
	}
	return "unknown";
}

uint64_t vmha_wdfeed_interval_ms(uint64_t watchdog_timeout_ms)
{
	uint64_t ms = watchdog_timeout_ms / 4;

	return ms < 100 ? 100 : ms;
}

bool vmha_wdfeed_may_disarm(size_t protected_running)
{
	return protected_running == 0;
}

void vmha_wdfeed_announce(const struct vmha_hbconf *conf, bool watchdog_open,
                          struct vmha_msg_safety *out)
{
	memset(out, 0, sizeof(*out));
	out->fence_device = conf->fence_config[0] != '\0';
	out->watchdog_timeout_ms = watchdog_open ? conf->watchdog_timeout_ms : 0;
	out->self_fence_delay_ms = conf->self_fence_delay_ms;
}

int vmha_wdfeed_timer_restart(const struct vmha_msg_safety *lost, uint64_t restart_delay_ms,
                              uint64_t *delay_ms, const char **why)
{
	uint64_t need_ms = 0;

	*delay_ms = 0;
	*why = NULL;
	if (lost == NULL) {
		*why = "the host did not announce its watchdog settings";
		return -EAGAIN;
	}
	if (lost->watchdog_timeout_ms == 0) {
		*why = "the host runs no watchdog";
		return -EAGAIN;
	}
	need_ms = sum3(lost->watchdog_timeout_ms, lost->self_fence_delay_ms, VMHA_WDFEED_MARGIN_MS);
	*delay_ms = need_ms > restart_delay_ms ? need_ms : restart_delay_ms;
	return 0;
}

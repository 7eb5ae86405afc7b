/*
 * The rules that make a restart without a fence device safe (pure: no I/O,
 * no clock; the caller passes the facts and the monotonic time).
 *
 * In standalone mode a host without a fence device is proven dead only by
 * its watchdog: vmhad feeds the watchdog only while it is healthy and its
 * partition quorate (or quorum was lost less than self_fence_delay ago), so
 * a host cut off, frozen, with vmhad or Corosync dead, is reset by its
 * watchdog at most watchdog_timeout + self_fence_delay after it was lost.
 * The survivors may then restart its VMs on a timer only when the lost
 * host's announced settings (heartbeat/msg.h, struct vmha_msg_safety) say
 * that it ran a watchdog and the timer outlasts that bound by
 * VMHA_WDFEED_MARGIN_MS; otherwise they wait for a fence.
 *
 * - vmha_wdfeed_check_config(): start-up refusals (before any cluster
 *   connection), each naming the options.
 * - vmha_wdfeed_check_quorum(): the votequorum settings read from cmap.
 * - vmha_wdfeed_decide(): feed the watchdog now, or not, and why.
 * - vmha_wdfeed_may_disarm(): a clean stop disarms only with no VM left.
 * - vmha_wdfeed_timer_restart(): the coordinator's rule for a lost host.
 */
#ifndef VMHA_HEARTBEAT_WDFEED_H
#define VMHA_HEARTBEAT_WDFEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heartbeat/hbconf.h"
#include "heartbeat/msg.h"

/**
 * Slack between a lost host's last possible watchdog feed plus its
 * watchdog_timeout, and the survivors' restart: Corosync's token timeout,
 * the difference in when members see the loss, one feed interval.
 */
#define VMHA_WDFEED_MARGIN_MS 5000

/** Why the watchdog is (not) fed. */
enum vmha_wdfeed_verdict {
	/** healthy and quorate (or quorum lost less than self_fence_delay ago) */
	VMHA_WDFEED_FEED = 0,
	/** the Corosync connection is down */
	VMHA_WDFEED_HOLD_COROSYNC,
	/** the main loop was stalled longer than allowed */
	VMHA_WDFEED_HOLD_STALLED,
	/** inquorate for self_fence_delay: the self-fence is due or done */
	VMHA_WDFEED_HOLD_INQUORATE,
	/** vmhad hit a fatal error and is going down */
	VMHA_WDFEED_HOLD_FATAL,
};

/** The facts the feeding decision rests on. */
struct vmha_wdfeed_facts {
	/** the Corosync connection (CPG and quorum) is up */
	bool corosync_up;
	/** a fatal vmhad error: self-fence, then exit, never feed again */
	bool fatal;
	/** vmha_selffence_may_feed_watchdog(): quorate, or not yet due */
	bool selffence_allows;
	/** monotonic time of the last main-loop iteration before this one */
	uint64_t last_loop_ms;
	/** the longest main-loop stall that still counts as alive */
	uint64_t max_stall_ms;
};

/**
 * Check the settings that make failover safe, for standalone mode (monitor
 * mode needs nothing). Refused:
 *  - no fence_config and no watchdog_device ("none");
 *  - no fence_config and restart_delay < watchdog_timeout +
 *    self_fence_delay + VMHA_WDFEED_MARGIN_MS;
 *  - self_fence_delay + VMHA_SELFFENCE_MARGIN_MS > restart_delay (the
 *    survivors must not restart before the self-fence ran).
 *
 * @param conf       the settings
 * @param conf_path  the file, for the message
 * @param err        receives "FILE: what is wrong", naming the options
 * @param err_size   its size
 * @return 0 or -EINVAL
 */
int vmha_wdfeed_check_config(const struct vmha_hbconf *conf, const char *conf_path, char *err,
                             size_t err_size);

/**
 * Check the votequorum settings (cmap quorum.*): without a fence device,
 * two_node lets both halves of a split stay quorate and restart each
 * other's VMs, so it is refused.
 *
 * @param conf      the settings
 * @param two_node  cmap quorum.two_node is 1
 * @param err       receives what is wrong, naming the options
 * @param err_size  its size
 * @return 0 or -EINVAL
 */
int vmha_wdfeed_check_quorum(const struct vmha_hbconf *conf, bool two_node, char *err,
                             size_t err_size);

/**
 * Decide whether to feed the watchdog now.
 *
 * @param f       the facts
 * @param now_ms  monotonic time
 * @return VMHA_WDFEED_FEED, or the first reason not to
 */
enum vmha_wdfeed_verdict vmha_wdfeed_decide(const struct vmha_wdfeed_facts *f, uint64_t now_ms);

/** @return a lowercase description of a verdict ("feed", "corosync is down", ...) */
const char *vmha_wdfeed_verdict_name(enum vmha_wdfeed_verdict v);

/** @return how often to feed a watchdog of that timeout: a quarter of it, 100 ms at least */
uint64_t vmha_wdfeed_interval_ms(uint64_t watchdog_timeout_ms);

/**
 * A clean stop disarms the watchdog (magic close) only when no protected
 * VM runs on the host; otherwise the watchdog keeps counting and resets the
 * host, whose VMs the survivors then restart.
 *
 * @param protected_running  protected VMs still running on this host
 * @return true when the stop may disarm
 */
bool vmha_wdfeed_may_disarm(size_t protected_running);

/**
 * The settings this host announces (struct vmha_msg_safety).
 *
 * @param conf           the settings
 * @param watchdog_open  the watchdog is open and fed
 * @param out            filled
 */
void vmha_wdfeed_announce(const struct vmha_hbconf *conf, bool watchdog_open,
                          struct vmha_msg_safety *out);

/**
 * The coordinator's rule for a lost host when no fence device can prove it
 * dead: restart on a timer only when the lost host's announced settings
 * make that safe.
 *
 * @param lost              the safety settings of the lost host's last
 *                          accepted announcement (NULL when it never
 *                          announced any: an older vmhad, or none heard)
 * @param restart_delay_ms  the coordinator's restart_delay
 * @param delay_ms          receives how long after the loss the restart may
 *                          go ahead: the larger of restart_delay_ms and the
 *                          lost host's watchdog_timeout + self_fence_delay +
 *                          VMHA_WDFEED_MARGIN_MS
 * @param why               receives a lowercase reason when refused
 * @return 0, or -EAGAIN: no safe timer, wait for a fence (no settings
 *         announced, or no watchdog)
 */
int vmha_wdfeed_timer_restart(const struct vmha_msg_safety *lost, uint64_t restart_delay_ms,
                              uint64_t *delay_ms, const char **why);

#endif /* VMHA_HEARTBEAT_WDFEED_H */

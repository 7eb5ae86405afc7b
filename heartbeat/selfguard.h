/*
 * vmhad's self-fence and watchdog, on its main loop (standalone mode).
 *
 * It owns the quorum-loss timer (fencing/selffence.h), the self-fence
 * worker thread (fencing/sfworker.h) and the watchdog (fencing/watchdog.h),
 * and applies the pure rules of heartbeat/wdfeed.h:
 *  - a timer on the main loop feeds the watchdog every
 *    vmha_wdfeed_interval_ms() while vmha_wdfeed_decide() says so (so a
 *    stalled main loop, a lost Corosync, or a self-fence that is due starve
 *    it);
 *  - once quorum has been lost for self_fence_delay the worker stops the
 *    host's protected VMs, and again every VMHA_SELFGUARD_REPEAT_MS while
 *    the host stays inquorate (a start in flight is caught by the next run);
 *  - starts are refused from quorum loss until quorum returns;
 *  - the record for the storage slot is handed to the storage thread
 *    (vmha_selfguard_take_record()), never written here.
 *
 * The caller tells it the facts: quorum, the Corosync connection, the
 * protected VMs that run on this host.
 */
#ifndef VMHA_HEARTBEAT_SELFGUARD_H
#define VMHA_HEARTBEAT_SELFGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <qb/qbloop.h>

#include "fencing/sfworker.h"
#include "heartbeat/hbconf.h"
#include "heartbeat/msg.h"

/** How often the self-fence runs again while the host stays inquorate. */
#define VMHA_SELFGUARD_REPEAT_MS 2000

struct vmha_selfguard;

/**
 * Set up (standalone mode), before any connection to the cluster: check
 * that the watchdog opens when one is configured (opened and closed again,
 * disarmed: a watchdog that does not open is an error without fence_config,
 * a warning with), start the worker. When state_dir says that the vmhad
 * before left the watchdog armed (it crashed, or protected VMs ran), the
 * watchdog is not probed: it keeps counting from that vmhad's last feed. Call after vmha_wdfeed_check_config(),
 * then vmha_selfguard_start() once the main loop is about to run.
 *
 * @param conf       the settings (copied)
 * @param conf_path  the file, for messages
 * @param loop       the main loop
 * @param out        the guard
 * @return 0, -errno (the watchdog cannot be opened without fence_config,
 *         the worker cannot start)
 */
int vmha_selfguard_new(const struct vmha_hbconf *conf, const char *conf_path, qb_loop_t *loop,
                       struct vmha_selfguard **out);

/**
 * Start the guard's timer. The watchdog is armed (opened for good, noted in
 * state_dir) at the first quorum vmha_selfguard_set_quorate() reports, not
 * before: a vmhad that (re)starts in a partition cut off neither feeds a
 * watchdog left armed nor arms a new one, so its host is reset on the
 * schedule its peers assume. From then on a stalled loop starves it. A
 * watchdog that no longer opens then, without fence_config, refuses every
 * start on this host (logged).
 *
 * @return 0
 */
int vmha_selfguard_start(struct vmha_selfguard *g);

/**
 * Stop: a clean stop disarms the watchdog only when no protected VM runs
 * here (vmha_wdfeed_may_disarm()); otherwise it keeps counting. NULL is a
 * no-op.
 *
 * @param protected_running  protected VMs still running on this host
 */
void vmha_selfguard_free(struct vmha_selfguard *g, size_t protected_running);

/** The partition's quorum, at monotonic time now_ms. */
void vmha_selfguard_set_quorate(struct vmha_selfguard *g, bool quorate, uint64_t now_ms);

/** Whether the Corosync connection (CPG and quorum) is up. */
void vmha_selfguard_set_corosync_up(struct vmha_selfguard *g, bool up);

/**
 * The protected VMs that run on this host (copied): the ones the self-fence
 * stops.
 */
void vmha_selfguard_set_vms(struct vmha_selfguard *g, const struct vmha_sfworker_vm *vms, size_t n);

/** @return true when this host may start a VM: quorate and not self-fenced */
bool vmha_selfguard_may_start(const struct vmha_selfguard *g);

/** @return true once the self-fence stopped every protected VM, until quorum returns */
bool vmha_selfguard_self_fenced(const struct vmha_selfguard *g);

/** @return true while the watchdog is open */
bool vmha_selfguard_watchdog_open(const struct vmha_selfguard *g);

/** Fill the settings this host announces (struct vmha_msg_safety). */
void vmha_selfguard_safety(const struct vmha_selfguard *g, struct vmha_msg_safety *out);

/**
 * A fatal error (Corosync gone, vmhad going down on an error): stop feeding
 * the watchdog for good, run the self-fence now and wait for it at most
 * timeout_ms (the main loop is ending). The watchdog stays armed.
 *
 * @return 0 when every protected VM was verified stopped, -ETIMEDOUT, -EIO
 */
int vmha_selfguard_fatal(struct vmha_selfguard *g, uint64_t timeout_ms);

/**
 * The self-fence record to write beside the slot, once per finished
 * self-fence. Called on the main loop, which hands it to the storage
 * thread: that thread writes it (vmha_selffence_record_write()), so a hung
 * shared storage never stalls the main loop.
 *
 * @param vms       receives a copy of the VMs (caller frees)
 * @param n         receives their number
 * @param complete  receives whether every VM was verified stopped
 * @return true when a record is pending (then taken)
 */
bool vmha_selfguard_take_record(struct vmha_selfguard *g, struct vmha_sfworker_vm **vms, size_t *n,
                                bool *complete);

/**
 * Add "self_fenced", "watchdog" ({"device", "open", "timeout_ms", "feeds",
 * "fed"}) and "safety" (what this host announces) to a status object.
 */
void vmha_selfguard_status(const struct vmha_selfguard *g, struct json_object *root);

#endif /* VMHA_HEARTBEAT_SELFGUARD_H */

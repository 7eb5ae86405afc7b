/*
 * The stop ladder: how vmha stops a guest, written once for every stop
 * (the agent's stop, `vmha vm move`): ask the guest to shut down, then
 * SIGTERM, then SIGKILL, each step waited for until the guest is off.
 */
#ifndef VMHA_VIRT_STOP_H
#define VMHA_VIRT_STOP_H

#include <stdbool.h>
#include <stdint.h>

#include "virt.h"

/** How often the ladder looks whether the guest is off. */
#define VMHA_VIRT_STOP_POLL_MS 200

/**
 * Whether the guest of @p d is off: shut off, or (a transient domain) gone.
 * A domain whose state cannot be read by @p deadline_ms is not off.
 */
bool vmha_virt_domain_is_off(struct vmha_virt_domain *d, uint64_t deadline_ms);

/**
 * Stop the guest of @p d. With @p graceful, a shutdown (VIR_DOMAIN_SHUTDOWN_*
 * @p shutdown_flags) waited for until @p shutdown_until_ms (a refused one is
 * logged and skipped); then SIGTERM (a graceful destroy) waited for half of
 * the time left until @p deadline_ms; then SIGKILL (destroy) waited for
 * until @p deadline_ms. A caller that must not leave a guest half way down
 * (e.g. to start it again) gives each destroy call a bound of its own,
 * @p kill_ms from when it is made, when that is later (libvirt waits for
 * QEMU itself; a call cut short may leave it half way; 0: none). Each step
 * is logged with the domain's name.
 * @return 0 once the guest is off, -ETIMEDOUT when it still runs then
 */
int vmha_virt_domain_stop(struct vmha_virt_domain *d, bool graceful, unsigned int shutdown_flags,
                          uint64_t shutdown_until_ms, uint64_t deadline_ms, uint64_t kill_ms);

#endif

/*
 * The stop ladder (see virt_stop.h).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>

#include <libvirt/libvirt.h>

#include "deadline.h"
#include "log.h"
#include "virt_domain.h"
#include "virt_stop.h"

bool vmha_virt_domain_is_off(struct vmha_virt_domain *d, uint64_t deadline_ms)
{
	int state = 0;
	int reason = 0;
	int rc = vmha_virt_domain_get_state(d, deadline_ms, &state, &reason);

	/* a transient domain is gone once it is off */
	return rc == -ENOENT || (rc == 0 && state == VIR_DOMAIN_SHUTOFF);
}

struct off_wait {
	struct vmha_virt_domain *d;
	uint64_t deadline_ms;
};

static bool is_off(void *opaque)
{
	const struct off_wait *w = opaque;

	return vmha_virt_domain_is_off(w->d, w->deadline_ms);
}

/* 0 once the guest is off, by until_ms (its state read by deadline_ms); else -ETIMEDOUT */
static int wait_off(struct vmha_virt_domain *d, uint64_t until_ms, uint64_t deadline_ms)
{
	struct off_wait w = {.d = d, .deadline_ms = deadline_ms};

	return vmha_deadline_wait(until_ms, VMHA_VIRT_STOP_POLL_MS, is_off, &w);
}

static uint64_t later_of(uint64_t a_ms, uint64_t b_ms)
{
	return a_ms > b_ms ? a_ms : b_ms;
}

int vmha_virt_domain_stop(struct vmha_virt_domain *d, bool graceful, unsigned int shutdown_flags,
                          uint64_t shutdown_until_ms, uint64_t deadline_ms, uint64_t kill_ms)
{
	const char *name = vmha_virt_domain_name(d);
	uint64_t phase_ms;
	int rc;

	if (graceful) {
		vmha_info("asking domain '%s' to shut down (%" PRIu64 " ms)", name,
		          vmha_deadline_remaining_ms(shutdown_until_ms));
		rc = vmha_virt_domain_shutdown(d, shutdown_flags, shutdown_until_ms);
		if (rc < 0) {
			vmha_warn("graceful shutdown of domain '%s' refused: %s", name,
			          vmha_virt_domain_error(d));
		} else if (wait_off(d, shutdown_until_ms, deadline_ms) == 0) {
			return 0;
		}
	}
	/* SIGTERM first, with half of what is left, then SIGKILL; libvirt
	 * waits for QEMU after SIGTERM itself: with kill_ms, the call has that
	 * bound of its own (a call cut short leaves the guest half way down) */
	phase_ms = vmha_deadline_share(deadline_ms, 50);
	vmha_notice("destroying domain '%s'", name);
	rc = vmha_virt_domain_destroy(d, VIR_DOMAIN_DESTROY_GRACEFUL,
	                              later_of(phase_ms, vmha_deadline_in_ms(kill_ms)));
	if (rc < 0) {
		vmha_warn("graceful destroy of domain '%s' failed: %s", name,
		          vmha_virt_domain_error(d));
	}
	if (wait_off(d, phase_ms, deadline_ms) == 0) {
		return 0;
	}
	deadline_ms = later_of(deadline_ms, vmha_deadline_in_ms(kill_ms));
	rc = vmha_virt_domain_destroy(d, 0, deadline_ms);
	if (rc < 0 && rc != -EINVAL) {
		vmha_warn("destroy of domain '%s' failed: %s", name, vmha_virt_domain_error(d));
	}
	return wait_off(d, deadline_ms, deadline_ms);
}

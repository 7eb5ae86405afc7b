/* migrate_options' --timeout in the migration job loop (see migtimeout.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <libvirt/libvirt.h>

#include "deadline.h"
#include "log.h"
#include "migtimeout.h"

struct vmha_migtimeout {
	struct vmha_virt_domain *dom;
	unsigned int timeout_s;
	bool postcopy;
	uint64_t deadline_ms;
	uint64_t started_ms;
	bool acted;
	bool suspended;
};

struct vmha_migtimeout *vmha_migtimeout_new(struct vmha_virt_domain *dom, unsigned int timeout_s,
                                            bool postcopy, uint64_t deadline_ms)
{
	struct vmha_migtimeout *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		return NULL;
	}
	t->dom = dom;
	t->timeout_s = timeout_s;
	t->postcopy = postcopy;
	t->deadline_ms = deadline_ms;
	t->started_ms = vmha_clock_now_ms();
	return t;
}

void vmha_migtimeout_free(struct vmha_migtimeout *t)
{
	free(t);
}

void vmha_migtimeout_start(struct vmha_migtimeout *t)
{
	t->started_ms = vmha_clock_now_ms();
}

bool vmha_migtimeout_poll(struct vmha_migtimeout *t, bool in_postcopy)
{
	uint64_t ran_ms = vmha_clock_now_ms() - t->started_ms;
	const char *name = vmha_virt_domain_name(t->dom);

	if (t->timeout_s == 0 || t->acted || ran_ms < (uint64_t)t->timeout_s * 1000) {
		return t->acted;
	}
	t->acted = true;
	if (t->postcopy) {
		if (in_postcopy) {
			vmha_info("migration of '%s' is in post-copy already after %u s", name,
			          t->timeout_s);
		} else if (vmha_virt_domain_start_postcopy(t->dom, t->deadline_ms) == 0) {
			vmha_notice("migration of '%s' switched to post-copy after %" PRIu64
			            " ms (--timeout %u --timeout-postcopy)",
			            name, ran_ms, t->timeout_s);
		} else {
			vmha_warn("cannot switch the migration of '%s' to post-copy: %s", name,
			          vmha_virt_domain_error(t->dom));
		}
		return true;
	}
	if (vmha_virt_domain_suspend(t->dom, t->deadline_ms) == 0) {
		t->suspended = true;
		vmha_notice("domain '%s' suspended after %" PRIu64
		            " ms of migration (--timeout %u): "
		            "the rest completes offline",
		            name, ran_ms, t->timeout_s);
	} else {
		vmha_warn("cannot suspend domain '%s' for the rest of its migration: %s", name,
		          vmha_virt_domain_error(t->dom));
	}
	return true;
}

void vmha_migtimeout_progress(const struct vmha_migration_progress *p, void *opaque)
{
	vmha_migtimeout_poll(opaque, vmha_migration_progress_postcopy(p));
}

void vmha_migtimeout_failed(struct vmha_migtimeout *t)
{
	int state = 0;
	int reason = 0;

	if (t == NULL || !t->suspended) {
		return;
	}
	if (vmha_virt_domain_get_state(t->dom, t->deadline_ms, &state, &reason) == 0 &&
	    state == VIR_DOMAIN_PAUSED && vmha_virt_domain_resume(t->dom, t->deadline_ms) == 0) {
		vmha_notice("domain '%s' resumed on the source after its failed migration",
		            vmha_virt_domain_name(t->dom));
		t->suspended = false;
		return;
	}
	vmha_warn("domain '%s' suspended for its migration is %s on the source",
	          vmha_virt_domain_name(t->dom),
	          state == VIR_DOMAIN_PAUSED ? "still paused" : "not paused");
}

bool vmha_migtimeout_acted(const struct vmha_migtimeout *t)
{
	return t != NULL && t->acted;
}

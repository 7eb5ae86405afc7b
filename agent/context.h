/*
 * The state one agent action carries through the agent's modules (record,
 * status, utilization, actions): parameters, deadline, reason buffer, the
 * parsed domain XML and the libvirt connection. Internal to agent/.
 */
#ifndef VMHA_AGENT_CONTEXT_H
#define VMHA_AGENT_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

#include "domxml.h"
#include "params.h"
#include "virt.h"

/** Polling interval while waiting for a state change. */
#define VMHA_ACTX_POLL_MS 250

/** One action's state (owned by vmha_actions_run()). */
struct vmha_actx {
	const struct vmha_params *p;
	const char *action;
	uint64_t deadline_ms;
	char *reason;
	size_t reason_len;
	struct vmha_domxml *dx;
	struct vmha_virt *v;
	char name[256];
	char uuid[VIR_UUID_STRING_BUFLEN];
	char record_path[4096];
	bool from_record;
};

/**
 * Record rc's reason, unless a more specific one was recorded first.
 *
 * @return rc
 */
int vmha_actx_fail(struct vmha_actx *c, int rc, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/** @return true for a probe (monitor with interval 0) */
bool vmha_actx_is_probe(const struct vmha_actx *c);

#endif /* VMHA_AGENT_CONTEXT_H */

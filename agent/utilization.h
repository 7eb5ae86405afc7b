/*
 * The utilization the agent publishes to Pacemaker (cpu, host_memory,
 * hv_memory), written with crm_resource only when a value changed.
 */
#ifndef VMHA_AGENT_UTILIZATION_H
#define VMHA_AGENT_UTILIZATION_H

#include <stdbool.h>

#include "context.h"
#include "virt.h"

/** @return true when the parameters ask for utilization under Pacemaker */
bool vmha_utilization_wanted(const struct vmha_actx *c);

/** Publish the running domain's utilization (failures are logged). */
void vmha_utilization_update(struct vmha_actx *c, struct vmha_virt_domain *dom);

#endif /* VMHA_AGENT_UTILIZATION_H */

/*
 * Migration plan: the target's libvirt URI, the migration data URI, and
 * virDomainMigrateToURI3 flags and typed parameters, built from the agent's
 * parameters (including the virsh-style migrate_options, translated here;
 * unknown options are rejected).
 */
#ifndef VMHA_AGENT_MIGRATE_H
#define VMHA_AGENT_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#include <libvirt/libvirt.h>

#include "params.h"

/** A migration plan. */
struct vmha_migrate_plan;

/**
 * Build the plan for migrating to target_node.
 *
 * @param p            the agent's parameters
 * @param target_node  Pacemaker's migrate target (may be NULL for a syntax
 *                     check only: "%n" is then left as is)
 * @param local_uri    the hypervisor URI actually connected (for building
 *                     the remote URI when hypervisor is unset)
 * @param out          the plan
 * @return 0, or -EINVAL with reason naming the bad option or parameter
 */
int vmha_migrate_plan_new(const struct vmha_params *p, const char *target_node,
                          const char *local_uri, struct vmha_migrate_plan **out, char *reason,
                          size_t reason_len);

/** Free a plan; NULL is a no-op. */
void vmha_migrate_plan_free(struct vmha_migrate_plan *plan);

/** @return the target's libvirt URI (virDomainMigrateToURI3's dconnuri) */
const char *vmha_migrate_plan_remote_uri(const struct vmha_migrate_plan *plan);

/** @return the migration data URI, or NULL for the hypervisor's default */
const char *vmha_migrate_plan_migrate_uri(const struct vmha_migrate_plan *plan);

/** @return VIR_MIGRATE_* flags (always LIVE and PEER2PEER) */
unsigned int vmha_migrate_plan_flags(const struct vmha_migrate_plan *plan);

/** @return the typed parameters (owned by the plan) and their count */
virTypedParameterPtr vmha_migrate_plan_params(const struct vmha_migrate_plan *plan, int *nparams);

/** @return true when post-copy is to start after the first precopy pass */
bool vmha_migrate_plan_postcopy_after_precopy(const struct vmha_migrate_plan *plan);

/**
 * --timeout N of migrate_options (as virsh): after N seconds the agent's job
 * loop suspends the source guest (--timeout-suspend, the default) or
 * switches to post-copy (--timeout-postcopy).
 *
 * @return N, or 0 when not given
 */
unsigned int vmha_migrate_plan_timeout_s(const struct vmha_migrate_plan *plan);

/** @return true for --timeout-postcopy, false for suspend (the default) */
bool vmha_migrate_plan_timeout_postcopy(const struct vmha_migrate_plan *plan);

/**
 * Check the URIs among the parameters (hypervisor, remoteuri, migrateuri):
 * a scheme, and in the authority a valid host and port (1 to 65535).
 *
 * @return 0, or -EINVAL with reason naming the parameter and the problem
 */
int vmha_migrate_plan_check_uris(const struct vmha_params *p, char *reason, size_t reason_len);

/** @return a one-line description of flags and parameters, for the log */
const char *vmha_migrate_plan_describe(const struct vmha_migrate_plan *plan);

#endif /* VMHA_AGENT_MIGRATE_H */

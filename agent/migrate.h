/*
 * The migration's settings built from the agent's parameters: the target's
 * libvirt URI, the migration data URI, and virDomainMigrateToURI3 flags and
 * typed parameters (including the virsh-style migrate_options, translated
 * here; unknown options are rejected), into one lib/migspec.
 */
#ifndef VMHA_AGENT_MIGRATE_H
#define VMHA_AGENT_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#include <libvirt/libvirt.h>

#include "migspec.h"
#include "params.h"

/**
 * Build the settings (lib/migspec) for migrating to target_node, once: URIs,
 * flags, typed parameters, downtime, post-copy, start_resources, --timeout.
 *
 * @param p            the agent's parameters
 * @param target_node  Pacemaker's migrate target (may be NULL for a syntax
 *                     check only: "%n" is then left as is)
 * @param local_uri    the hypervisor URI actually connected (for building
 *                     the remote URI when hypervisor is unset)
 * @param out          the settings (free with vmha_migspec_free())
 * @return 0, or -EINVAL with reason naming the bad option or parameter
 */
int vmha_migrate_spec_new(const struct vmha_params *p, const char *target_node,
                          const char *local_uri, struct vmha_migspec **out, char *reason,
                          size_t reason_len);

/**
 * Check the URIs among the parameters (hypervisor, remoteuri, migrateuri):
 * a scheme, and in the authority a valid host and port (1 to 65535).
 *
 * @return 0, or -EINVAL with reason naming the parameter and the problem
 */
int vmha_migrate_plan_check_uris(const struct vmha_params *p, char *reason, size_t reason_len);

#endif /* VMHA_AGENT_MIGRATE_H */

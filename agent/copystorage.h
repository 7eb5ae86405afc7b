/*
 * copy_storage=all|inc: migrate_to without shared storage. Before anything
 * moves, the domain's disks that the target does not share are created in
 * the target's storage pools (lib/storage_copy: same size and format, room
 * checked) and added to libvirt's NBD disk copy; when the migration fails
 * or is aborted, the volumes created for it are removed again and the
 * guest keeps running here.
 */
#ifndef VMHA_AGENT_COPYSTORAGE_H
#define VMHA_AGENT_COPYSTORAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "context.h"
#include "migration.h"
#include "virt.h"

/** The disks one migrate_to copies. */
struct vmha_copystorage;

/**
 * With copy_storage set: connect to the target's libvirt (target_uri),
 * find the disks of dom's live definition that target lacks and add their
 * copy to m (after vmha_migration_set_params()). Without it: *out = NULL.
 * @return 0 and *out, or -errno with the reason in c
 */
int vmha_copystorage_prepare(struct vmha_actx *c, struct vmha_virt_domain *dom,
                             struct vmha_migration *m, const char *target, const char *target_uri,
                             struct vmha_copystorage **out);

/**
 * Create the disks on the target (after the pre-checks). NULL: nothing.
 * @return 0 or -errno with the reason in c (nothing is left there)
 */
int vmha_copystorage_create(struct vmha_actx *c, struct vmha_copystorage *cs);

/**
 * After the migration: unless migrated, remove what was created on the
 * target; then free. NULL is a no-op.
 */
void vmha_copystorage_finish(struct vmha_copystorage *cs, bool migrated);

#endif /* VMHA_AGENT_COPYSTORAGE_H */

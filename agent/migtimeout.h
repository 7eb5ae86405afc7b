/*
 * migrate_options' --timeout N, as virsh implements it, in the agent's
 * migration job loop: once the migration has run N seconds, suspend the
 * source guest so that the rest completes offline (--timeout-suspend, the
 * default) or switch the migration to post-copy (--timeout-postcopy). A
 * guest suspended this way is resumed when the migration fails, so that it
 * is never left paused where monitor would report it running.
 */
#ifndef VMHA_AGENT_MIGTIMEOUT_H
#define VMHA_AGENT_MIGTIMEOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "migration.h"
#include "virt.h"

/** The timeout of one migration. */
struct vmha_migtimeout;

/**
 * @param dom         the migrating domain (borrowed)
 * @param timeout_s   N (0: nothing to do)
 * @param postcopy    switch to post-copy instead of suspending
 * @param deadline_ms deadline of the libvirt calls
 * @return the timeout, or NULL when out of memory
 */
struct vmha_migtimeout *vmha_migtimeout_new(struct vmha_virt_domain *dom, unsigned int timeout_s,
                                            bool postcopy, uint64_t deadline_ms);

/** Free; NULL is a no-op. */
void vmha_migtimeout_free(struct vmha_migtimeout *t);

/** Start the clock (right before the migration starts). */
void vmha_migtimeout_start(struct vmha_migtimeout *t);

/** Progress callback for vmha_migration_set_progress_fn() (opaque: the timeout). */
void vmha_migtimeout_progress(const struct vmha_migration_progress *p, void *opaque);

/** Act when due (also called by vmha_migtimeout_progress()). @return true once acted */
bool vmha_migtimeout_poll(struct vmha_migtimeout *t, bool in_postcopy);

/** After a failed migration: resume the source if the timeout suspended it. */
void vmha_migtimeout_failed(struct vmha_migtimeout *t);

/** @return true when the timeout acted (suspended or switched to post-copy) */
bool vmha_migtimeout_acted(const struct vmha_migtimeout *t);

#endif /* VMHA_AGENT_MIGTIMEOUT_H */

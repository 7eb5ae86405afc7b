/*
 * Internal to the agent's actions (actions.c: start, stop, monitor,
 * validate-all and the dispatch; actions_migrate.c: migrate_to,
 * migrate_from and the migration plan's checks). Not for other modules.
 */
#ifndef VMHA_AGENT_ACTIONS_INT_H
#define VMHA_AGENT_ACTIONS_INT_H

#include "context.h"

/**
 * Run the monitor scripts of the parameter monitor_scripts.
 * @param c action context
 * @return 0, or -errno with c->reason set
 */
int actions_run_monitor_scripts(struct vmha_actx *c);

/**
 * The migration plan's syntax (options, URIs): checked by validate-all and
 * at start, so that a bad option is found at configuration time, never
 * first by migrate_to.
 * @param c action context
 * @return 0, or -errno with c->reason set
 */
int actions_check_migrate_plan(struct vmha_actx *c);

/**
 * validate-all: the migration pre-checks that need no connection.
 * @param c action context
 * @return 0, -EINVAL (a configuration problem, c->reason set) or -ENOMEM
 */
int actions_check_migrate_config(struct vmha_actx *c);

/**
 * The action migrate_to.
 * @param c action context
 * @return 0, or -errno with c->reason set
 */
int actions_migrate_to(struct vmha_actx *c);

/**
 * The action migrate_from.
 * @param c action context
 * @return 0, or -errno with c->reason set
 */
int actions_migrate_from(struct vmha_actx *c);

#endif

/*
 * The agent's actions (start, stop, monitor, migrate_to, ...). Each returns
 * 0 or -errno and, on failure, one reason; agent/ocf.h converts the result
 * to an OCF exit code.
 */
#ifndef VMHA_AGENT_ACTIONS_H
#define VMHA_AGENT_ACTIONS_H

#include <stddef.h>

#include "params.h"

/**
 * Run one action.
 *
 * @param action      the OCF action name
 * @param p           parsed parameters
 * @param reason      on failure, what went wrong and what to fix
 * @return 0, -ESRCH (not running), or -errno (see vmha_ocf_rc_from_errno());
 *         -EOPNOTSUPP for an unknown action
 */
int vmha_actions_run(const char *action, const struct vmha_params *p, char *reason,
                     size_t reason_len);

#endif /* VMHA_AGENT_ACTIONS_H */

/*
 * vmha plan --rebalance --apply (tools/cmd_plan.c): the rebalance plan of
 * the local vmhad's cluster carried out by the mover (tools/mover.h).
 */
#ifndef VMHA_TOOLS_CMD_PLAN_APPLY_H
#define VMHA_TOOLS_CMD_PLAN_APPLY_H

#include <stdbool.h>
#include <stddef.h>

/** The options of --apply (a plain value record). */
struct plan_apply_opts {
	bool apply;
	bool other_option;
	bool dry_run;
	bool json;
	unsigned int parallel;
	const char *policy;
	const char *dir;
};

/**
 * Take one option of --apply: 'P' --parallel, 'p' --policy, 'n' --dry-run,
 * 'T' --transport, 'd' --dir.
 * @return 0, or -EINVAL after a message
 */
int vmha_plan_apply_option(struct plan_apply_opts *ap, int c, const char *arg);

/**
 * Carry out the rebalance plan for the failure of the hosts in fail_lists.
 * @param has_source  FILE, --cib or --live was given (refused)
 * @return an exit code (enum vmha_exit)
 */
int vmha_plan_apply(const struct plan_apply_opts *ap, bool has_source, bool rebalance,
                    const char **fail_lists, size_t nlists);

#endif /* VMHA_TOOLS_CMD_PLAN_APPLY_H */

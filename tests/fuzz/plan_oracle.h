/*
 * An independent feasibility check of a planner result, written apart from
 * planner/plan.c: it recomputes every host's load from the model and the
 * plan and checks the rules the planner promises, nothing of how it plans.
 */
#ifndef VMHA_TESTS_FUZZ_PLAN_ORACLE_H
#define VMHA_TESTS_FUZZ_PLAN_ORACLE_H

#include <stddef.h>

#include "planner/model.h"
#include "planner/plan.h"

/**
 * Check plan p, run on model m with hosts failed[0..nfailed) and the not
 * running VMs extra[0..nextra) with flags, and abort (vmha_fuzz_fail())
 * on the first broken rule:
 * - every displaced VM is on a failed host (or extra), and only those are;
 * - a restarted VM goes to a surviving host (not failed, not in standby or
 *   offline), in its allowed hosts, a failover host under FAILOVER_ONLY,
 *   never a failover host when it is a live migration or a new VM;
 * - after the restarts and migrations, no host that receives a VM is over
 *   its capacity in any dimension;
 * - no two VMs of one anti-affinity group share a host when one of them moved;
 * - a stranded VM has a reason (unless NO_REASONS), and does not fit on any
 *   host it may use in the final placement (the planner left no room unused;
 *   not yet under REBALANCE: see plan_oracle.c and tests/fuzz/findings/);
 * - restart orders are 1..n, distinct, and given to restarted VMs only.
 */
void vmha_plan_oracle_check(const struct vmha_model *m, const struct vmha_plan *p,
                            const size_t *failed, size_t nfailed, const size_t *extra,
                            size_t nextra, unsigned int flags);

#endif /* VMHA_TESTS_FUZZ_PLAN_ORACLE_H */

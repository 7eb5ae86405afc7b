/*
 * Bin completion over every survivor with room (internal to the planner):
 * for tight packings where the displaced VMs may all fit but the earlier
 * steps strand some, the survivors are filled one at a time, each with a
 * set of the displaced VMs that leaves no more free room than may be lost
 * overall (zero on a perfect packing: every host filled exactly).
 */
#ifndef VMHA_PLANNER_COMPLETE_H
#define VMHA_PLANNER_COMPLETE_H

#include <stdint.h>

struct vmha_plan;

/**
 * Place every restartable displaced VM of @p p by bin completion over the
 * survivors, at most @p budget steps (VMs looked at). The plan is replaced
 * only when every such VM that fits some survivor is placed (never fewer
 * restarted, never a higher priority stranded); otherwise it is left as it
 * was. Capacity, anti-affinity and allowed hosts hold for every placement.
 * Deterministic: the budget counts steps, not time.
 * @return 1 when the plan was replaced, 0 when not, -ENOMEM
 */
int vmha_complete_search(struct vmha_plan *p, uint64_t budget);

/**
 * The same as vmha_complete_search() with varied restarts: from the second
 * on the hosts in a random order (deterministic: a fixed seed), and every
 * other one places a VM with a single host left to go to before the larger
 * ones. @return 1 when the plan was replaced, 0 when not, -ENOMEM
 */
int vmha_complete_search_varied(struct vmha_plan *p, uint64_t budget);

#endif /* VMHA_PLANNER_COMPLETE_H */

/*
 * VM priorities: the tier names and bounds, written once for the registry,
 * the planner and the daemon.
 */
#ifndef VMHA_PRIORITY_H
#define VMHA_PRIORITY_H

#include <stddef.h>
#include <stdint.h>

/** Priority tiers; any integer in range is a priority, higher restarts first. */
#define VMHA_PRIORITY_HIGHEST 200
#define VMHA_PRIORITY_HIGH    100
#define VMHA_PRIORITY_MEDIUM  0
#define VMHA_PRIORITY_LOW     -100
#define VMHA_PRIORITY_LOWEST  -200
/** Bounds of integer priorities. */
#define VMHA_PRIORITY_MAX 1000000
#define VMHA_PRIORITY_MIN -1000000

/**
 * Parse a priority: a tier name (highest, high, medium, low, lowest, any
 * case) or an integer in [VMHA_PRIORITY_MIN, VMHA_PRIORITY_MAX].
 *
 * @return 0 and *out, -EINVAL (not a priority) or -ERANGE (out of range)
 */
int vmha_priority_parse(const char *text, int64_t *out);

/** Format a priority (its tier name when it is one) into @p buf. @return buf */
const char *vmha_priority_format(int64_t priority, char *buf, size_t len);

#endif /* VMHA_PRIORITY_H */

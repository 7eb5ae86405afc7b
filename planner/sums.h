/*
 * Sums a list of VMs can make in two dimensions (internal to the planner):
 * for a list of demand pairs, in whole units, a table per position i of
 * the pairs reachable by subsets of the list from i on, inside a box (the
 * free room of one host). Tables are kept on a stack: bin completion
 * (complete.c) pushes one per host it completes and asks the top one
 * whether the room left can still be filled exactly.
 */
#ifndef VMHA_PLANNER_SUMS_H
#define VMHA_PLANNER_SUMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmha_sums;

/**
 * A new, empty stack of tables holding at most @p max_words 64-bit words
 * and @p max_tables tables.
 * @return the stack, or NULL when out of memory
 */
struct vmha_sums *vmha_sums_new(size_t max_words, size_t max_tables);

/** Free @p s; NULL is a no-op. */
void vmha_sums_free(struct vmha_sums *s);

/**
 * Push the table of the @p m pairs (@p x[i], @p y[i]) inside the box
 * [0, @p nx) x [0, @p ny): pairs outside it are never counted.
 * @return 0, or -ENOSPC when it does not fit (nothing pushed)
 */
int vmha_sums_push(struct vmha_sums *s, const uint32_t *x, const uint32_t *y, size_t m, size_t nx,
                   size_t ny);

/** Drop the table on top (none: a no-op). */
void vmha_sums_pop(struct vmha_sums *s);

/**
 * @return the 64-bit words building the top table cost (about m * nx * ny
 *         / 64): what a caller counts as its work
 */
size_t vmha_sums_top_words(const struct vmha_sums *s);

/**
 * Whether some subset of the top table's pairs from @p from on sums to a
 * pair in [@p x_lo, @p x_hi] x [@p y_lo, @p y_hi] (the empty subset: 0, 0).
 * A box wider than the table looks at or more than 64 rows is taken as
 * reachable (true): a bound, never a wrong "no".
 * @return true when reachable, or when there is no table
 */
bool vmha_sums_reachable(const struct vmha_sums *s, size_t from, int64_t x_lo, int64_t x_hi,
                         int64_t y_lo, int64_t y_hi);

#endif /* VMHA_PLANNER_SUMS_H */

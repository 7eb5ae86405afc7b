/*
 * Sums a list of demand pairs can make (see sums.h): a table per position
 * of the list, rows of y values, each a bit set of x values; the table of
 * position i is the one of i + 1 or'ed with itself shifted by pair i.
 */
#include "config.h"

#include "sums.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A box query looks at no more than this many rows. */
#define SUMS_MAX_ROWS 64

struct table {
	size_t off; /* first word in the stack */
	size_t m;
	size_t nx;
	size_t ny;
	size_t row_words;
	size_t words; /* per position: ny * row_words */
};

struct vmha_sums {
	uint64_t *bits;
	size_t nbits;
	size_t used;
	struct table *t;
	size_t nt;
	size_t max_tables;
};

struct vmha_sums *vmha_sums_new(size_t max_words, size_t max_tables)
{
	struct vmha_sums *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		goto out;
	}
	s->bits = calloc(max_words > 0 ? max_words : 1, sizeof(*s->bits));
	s->t = calloc(max_tables > 0 ? max_tables : 1, sizeof(*s->t));
	if (s->bits == NULL || s->t == NULL) {
		vmha_sums_free(s);
		s = NULL;
		goto out;
	}
	s->nbits = max_words;
	s->max_tables = max_tables;
out:
	return s;
}

void vmha_sums_free(struct vmha_sums *s)
{
	if (s == NULL) {
		return;
	}
	free(s->bits);
	free(s->t);
	free(s);
}

/* Row @p dst |= row @p src shifted by @p sh bits, cut at @p units bits. */
static void shift_or(uint64_t *dst, const uint64_t *src, size_t words, size_t sh, size_t units)
{
	size_t ws = sh / 64;
	size_t bs = sh % 64;
	size_t w;

	for (w = words; w-- > ws;) {
		uint64_t x = src[w - ws] << bs;

		if (bs > 0 && w > ws) {
			x |= src[w - ws - 1] >> (64 - bs);
		}
		dst[w] |= x;
	}
	if (units % 64 != 0) {
		dst[words - 1] &= (UINT64_C(1) << (units % 64)) - 1;
	}
}

int vmha_sums_push(struct vmha_sums *s, const uint32_t *x, const uint32_t *y, size_t m, size_t nx,
                   size_t ny)
{
	struct table *t;
	uint64_t *b;
	size_t i;
	size_t r;

	if (s->nt == s->max_tables || nx == 0 || ny == 0 || nx > SIZE_MAX / 64 / ny) {
		return -ENOSPC;
	}
	t = &s->t[s->nt];
	t->row_words = (nx + 63) / 64;
	t->words = ny * t->row_words;
	if ((m + 1) > (s->nbits - s->used) / t->words) {
		return -ENOSPC;
	}
	t->off = s->used;
	t->m = m;
	t->nx = nx;
	t->ny = ny;
	b = s->bits + t->off;
	memset(b + m * t->words, 0, t->words * sizeof(*b));
	b[m * t->words] = 1;
	for (i = m; i-- > 0;) {
		const uint64_t *next = b + (i + 1) * t->words;
		uint64_t *cur = b + i * t->words;

		memcpy(cur, next, t->words * sizeof(*cur));
		for (r = ny; x[i] < nx && r-- > y[i];) {
			shift_or(cur + r * t->row_words, next + (r - y[i]) * t->row_words,
			         t->row_words, x[i], nx);
		}
	}
	s->used += (m + 1) * t->words;
	s->nt++;
	return 0;
}

void vmha_sums_pop(struct vmha_sums *s)
{
	if (s->nt > 0) {
		s->nt--;
		s->used = s->t[s->nt].off;
	}
}

size_t vmha_sums_top_words(const struct vmha_sums *s)
{
	return s->nt > 0 ? (s->t[s->nt - 1].m + 1) * s->t[s->nt - 1].words : 0;
}

bool vmha_sums_reachable(const struct vmha_sums *s, size_t from, int64_t x_lo, int64_t x_hi,
                         int64_t y_lo, int64_t y_hi)
{
	const struct table *t;
	const uint64_t *b;
	int64_t r;
	int64_t c;

	if (s->nt == 0) {
		return true;
	}
	t = &s->t[s->nt - 1];
	x_lo = x_lo < 0 ? 0 : x_lo;
	y_lo = y_lo < 0 ? 0 : y_lo;
	x_hi = x_hi >= (int64_t)t->nx ? (int64_t)t->nx - 1 : x_hi;
	y_hi = y_hi >= (int64_t)t->ny ? (int64_t)t->ny - 1 : y_hi;
	if (y_hi - y_lo >= SUMS_MAX_ROWS || x_hi - x_lo >= SUMS_MAX_ROWS * 64) {
		return true;
	}
	b = s->bits + t->off + (from < t->m ? from : t->m) * t->words;
	for (r = y_lo; r <= y_hi; r++) {
		const uint64_t *row = b + (size_t)r * t->row_words;

		for (c = x_lo; c <= x_hi; c++) {
			if (row[c / 64] & (UINT64_C(1) << (c % 64))) {
				return true;
			}
		}
	}
	return false;
}

/*
 * Planner strength benchmark: generated instances where every displaced VM
 * fits, and how many the planner restarts.
 *
 * Perfect packing: each survivor's free capacity (after its own running VM)
 * is cut into pieces in every dimension, at the granularity of real VM sizes
 * (whole vCPUs, GiB of memory, 10 GB of disk; the "fine" families cut at
 * single units, which makes the packing unique and much harder); the pieces are the VMs of the one
 * failed host, so a plan that restarts everything exists (each VM back on
 * the survivor it was cut from). Slack: the same with 10 % more room on
 * every survivor. Families add a third dimension, priorities, anti-affinity
 * (piece j of every survivor in group j: the hidden packing keeps them
 * apart) and allowed hosts (the hidden host plus about 30 % of the others).
 *
 * Prints one line per instance: family, instance, survivors, displaced,
 * stranded, time in ms (plan set-up and run, reasons included), whether
 * the search hit its step budget, and the stranded per priority tier
 * (highest:high:medium:low:lowest). Same seed, same instances, whatever
 * planner it is linked with (bench/planner-strength builds it against
 * today's planner and the old one).
 *
 * Usage: planner-strength [first-fit] [INSTANCES-PER-FAMILY]
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "planner/model.h"
#include "planner/plan.h"

struct family {
	const char *name;
	size_t nd;
	bool prio;
	bool aa;
	bool allowed;
	unsigned int slack_pct;
	bool fine; /* capacity cut at unit granularity (unique packing), not in vCPUs/GiB */
};

static const struct family families[] = {
        {"perfect-2d", 2, false, false, false, 0, false},
        {"perfect-3d", 3, false, false, false, 0, false},
        {"perfect-2d-prio", 2, true, false, false, 0, false},
        {"perfect-2d-anti-affinity", 2, false, true, false, 0, false},
        {"perfect-2d-allowed", 2, false, false, true, 0, false},
        {"perfect-3d-all", 3, true, true, true, 0, false},
        {"slack10-2d", 2, false, false, false, 10, false},
        {"slack10-3d-all", 3, true, true, true, 10, false},
        {"fine-perfect-2d", 2, false, false, false, 0, true},
        {"fine-slack10-2d", 2, false, false, false, 10, true},
};

/* survivors and VMs per survivor, cycled through by instance number */
static const size_t sizes[][2] = {
        {3, 3},   {5, 4},  {10, 5}, {20, 6},  {40, 8}, {100, 10}, {10, 10}, {30, 10},
        {60, 10}, {3, 10}, {50, 5}, {100, 4}, {80, 9}, {25, 7},   {100, 8}, {15, 9},
};

static uint64_t rng;

static uint64_t rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n == 0 ? 0 : rng % n;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a;
	uint64_t y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Cut @p total into @p k pieces of at least 1 (total >= k). */
static void cut(uint64_t total, size_t k, uint64_t *out)
{
	uint64_t pts[16];
	size_t i;

	for (i = 0; i + 1 < k; i++) {
		pts[i] = rnd(total - k + 1);
	}
	qsort(pts, k - 1, sizeof(*pts), cmp_u64);
	for (i = 0; i < k; i++) {
		uint64_t lo = i == 0 ? 0 : pts[i - 1];
		uint64_t hi = i + 1 == k ? total - k : pts[i];

		out[i] = hi - lo + 1;
	}
}

static struct vmha_model *generate(const struct family *f, size_t ns, size_t k, size_t *failed)
{
	static const char *dims[] = {"cpu", "memory", "disk"};
	/* fine: raw units; coarse: vCPUs (x1000 in the model), GiB (x1024 MiB), 10 GB */
	static const uint64_t base[] = {32000, 65536, 2000};
	static const uint64_t coarse_base[] = {32, 64, 200};
	static const uint64_t coarse_unit[] = {1000, 1024, 10};
	static const char *tiers[] = {"highest", "high", "medium", "low", "lowest"};
	struct vmha_model *m = vmha_model_new();
	uint64_t sum[3] = {0};
	size_t dimx[3];
	size_t h;
	size_t j;
	size_t d;
	size_t idx;
	char name[64];
	char err[512];

	if (m == NULL) {
		goto fail;
	}
	for (d = 0; d < f->nd; d++) {
		if (vmha_model_dim(m, dims[d], true, &dimx[d]) < 0) {
			goto fail;
		}
	}
	for (h = 0; h < ns; h++) {
		uint64_t piece[3][16];
		size_t vmidx[16];

		snprintf(name, sizeof(name), "h%03zu", h);
		if (vmha_model_add_host(m, name, "gen", &idx) < 0) {
			goto fail;
		}
		snprintf(name, sizeof(name), "run-h%03zu", h);
		{
			size_t r;

			if (vmha_model_add_vm(m, name, "gen", &r) < 0 ||
			    vmha_model_vm_set_host(m, r, vmha_model_host_name(m, idx)) < 0) {
				goto fail;
			}
			for (d = 0; d < f->nd; d++) {
				uint64_t b = f->fine ? base[d] : coarse_base[d];
				uint64_t unit = f->fine ? 1 : coarse_unit[d];
				uint64_t cap = b + rnd(b * 2);
				uint64_t load = cap * rnd(41) / 100;
				uint64_t free_amount = cap - load;
				uint64_t room = free_amount * 100 / (100 + f->slack_pct);
				size_t x;

				if (room < k) {
					room = k;
					cap = load + room + room * f->slack_pct / 100;
				}
				if (vmha_model_host_set_capacity(m, idx, dimx[d], cap * unit) < 0 ||
				    vmha_model_vm_set_demand(m, r, dimx[d], load * unit) < 0) {
					goto fail;
				}
				cut(room, k, piece[d]);
				for (x = 0; x < k; x++) {
					piece[d][x] *= unit;
				}
			}
		}
		for (j = 0; j < k; j++) {
			snprintf(name, sizeof(name), "vm-%03zu-%02zu-%04" PRIu64, h, j, rnd(10000));
			if (vmha_model_add_vm(m, name, "gen", &vmidx[j]) < 0 ||
			    vmha_model_vm_set_host(m, vmidx[j], "failed") < 0) {
				goto fail;
			}
			for (d = 0; d < f->nd; d++) {
				sum[d] += piece[d][j];
				if (vmha_model_vm_set_demand(m, vmidx[j], dimx[d], piece[d][j]) <
				    0) {
					goto fail;
				}
			}
			if (f->prio && vmha_model_vm_set_priority(
			                       m, vmidx[j], 200 - 100 * (int64_t)rnd(5)) < 0) {
				goto fail;
			}
			(void)tiers;
			if (f->aa && j < k / 2) {
				char g[16];

				snprintf(g, sizeof(g), "g%zu", j);
				if (vmha_model_vm_add_group(m, vmidx[j], g) < 0) {
					goto fail;
				}
			}
			if (f->allowed) {
				size_t o;

				if (vmha_model_vm_add_allowed(m, vmidx[j],
				                              vmha_model_host_name(m, idx)) < 0) {
					goto fail;
				}
				for (o = 0; o < ns; o++) {
					char hn[32];

					snprintf(hn, sizeof(hn), "h%03zu", o);
					if (o != h && rnd(10) < 3 &&
					    vmha_model_vm_add_allowed(m, vmidx[j], hn) < 0) {
						goto fail;
					}
				}
			}
		}
	}
	if (vmha_model_add_host(m, "failed", "gen", &idx) < 0) {
		goto fail;
	}
	for (d = 0; d < f->nd; d++) {
		if (vmha_model_host_set_capacity(m, idx, dimx[d], sum[d]) < 0) {
			goto fail;
		}
	}
	if (vmha_model_finish(m, err, sizeof(err)) < 0 ||
	    vmha_model_host_find(m, "failed", failed) < 0) {
		fprintf(stderr, "planner-strength: %s\n", err);
		goto fail;
	}
	return m;
fail:
	vmha_model_free(m);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned int flags = 0;
	size_t per_family = 16;
	size_t fi;
	size_t i;
	int a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "first-fit") == 0) {
			flags |= VMHA_PLAN_FIRST_FIT;
		} else {
			per_family = (size_t)strtoul(argv[a], NULL, 10);
		}
	}
	for (fi = 0; fi < sizeof(families) / sizeof(families[0]); fi++) {
		for (i = 0; i < per_family; i++) {
			const size_t *sz = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
			struct vmha_model *m = NULL;
			struct vmha_plan *p = NULL;
			size_t failed = 0;
			double t0;
			double t;
			int hit = 0;

			rng = 0x9e3779b97f4a7c15ULL ^ (fi * 1000003 + i * 7919 + 1);
			m = generate(&families[fi], sz[0], sz[1], &failed);
			if (m == NULL) {
				return 1;
			}
			t0 = now_ms();
			p = vmha_plan_new(m);
			if (p == NULL || vmha_plan_run(p, &failed, 1, NULL, 0, flags) < 0) {
				return 1;
			}
			t = now_ms() - t0;
#ifndef VMHA_BENCH_OLD
			hit = vmha_plan_budget_hit(p);
#endif
			{
				/* stranded per priority, highest first: 200 100 0 -100 -200 */
				size_t by[5] = {0};
				size_t x;

				for (x = 0; x < vmha_plan_displaced_count(p); x++) {
					size_t v = vmha_plan_displaced(p, x);
					int64_t pr = vmha_model_vm_priority(m, v);

					if (vmha_plan_outcome(p, v) == VMHA_PLAN_STRANDED &&
					    pr <= 200 && pr >= -200 && pr % 100 == 0) {
						by[(200 - pr) / 100]++;
					}
				}
				printf("%s %zu %zu %zu %zu %.3f %d %zu:%zu:%zu:%zu:%zu\n",
				       families[fi].name, i, sz[0], vmha_plan_displaced_count(p),
				       vmha_plan_stranded_count(p), t, hit, by[0], by[1], by[2],
				       by[3], by[4]);
			}
			vmha_plan_free(p);
			vmha_model_free(m);
		}
	}
	return 0;
}

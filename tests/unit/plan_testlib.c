/* Helpers of the planner's unit tests (see plan_testlib.h). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "planner/model.h"
#include "planner/plan.h"
#include "planner/scenario.h"
#include "plan_testlib.h"

uint64_t rng_state;

uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return n == 0 ? 0 : (uint32_t)((rng_state >> 33) % n);
}

struct vmha_model *model_from(const char *text)
{
	struct vmha_model *m = vmha_model_new();
	char err[512] = "";

	assert_non_null(m);
	if (vmha_scenario_parse_buffer("t", text, strlen(text), m, err, sizeof(err)) < 0 ||
	    vmha_model_finish(m, err, sizeof(err)) < 0) {
		fail_msg("bad test scenario: %s", err);
	}
	return m;
}

size_t host(const struct vmha_model *m, const char *name)
{
	size_t h = 0;

	assert_int_equal(vmha_model_host_find(m, name, &h), 0);
	return h;
}

size_t vm(const struct vmha_model *m, const char *name)
{
	size_t v;

	for (v = 0; v < vmha_model_vm_count(m); v++) {
		if (strcmp(vmha_model_vm_name(m, v), name) == 0) {
			return v;
		}
	}
	fail_msg("no vm '%s'", name);
	return 0;
}
void random_cluster(struct text *t, size_t nh, size_t nd, size_t nv, bool small)
{
	static const int64_t prios[] = {-200, -100, 0, 100, 200, 7, -3};
	size_t h;
	size_t v;
	size_t d;

	t->n = 0;
	for (h = 0; h < nh; h++) {
		char *l = t->lines[t->n++];
		int len = snprintf(l, 256, "node h%zu", h);

		for (d = 0; d < nd; d++) {
			len += snprintf(l + len, (size_t)(256 - len), " d%zu=%u", d,
			                small ? 20 + rnd(41) : (rnd(10) == 0 ? 0 : rnd(100)));
		}
		if (!small && rnd(7) == 0) {
			len += snprintf(l + len, (size_t)(256 - len), " failover");
		}
		if (!small && rnd(10) == 0) {
			snprintf(l + len, (size_t)(256 - len), " standby");
		}
	}
	for (v = 0; v < nv; v++) {
		char *l = t->lines[t->n++];
		int len = snprintf(l, 256, "vm v%02zu", v);

		if (small || rnd(10) != 0) {
			len += snprintf(l + len, (size_t)(256 - len), " on=h%u",
			                small ? (v < nv / 2 ? 0 : rnd((uint32_t)nh))
			                      : rnd((uint32_t)nh));
		}
		for (d = 0; d < nd; d++) {
			len += snprintf(l + len, (size_t)(256 - len), " d%zu=%u", d,
			                small ? 3 + rnd(20) : rnd(40));
		}
		len += snprintf(l + len, (size_t)(256 - len), " priority=%lld",
		                (long long)prios[rnd(small ? 3 : 7)]);
		if (!small && rnd(10) == 0) {
			len += snprintf(l + len, (size_t)(256 - len), " restart=never");
		}
		if (rnd(small ? 6 : 3) == 0) {
			len += snprintf(l + len, (size_t)(256 - len), " anti-affinity=g%u%s",
			                rnd(3), rnd(4) == 0 ? ",g3" : "");
		}
		if (rnd(small ? 10 : 6) == 0) {
			len += snprintf(l + len, (size_t)(256 - len), " allowed=h%u,h%u",
			                rnd((uint32_t)nh), rnd((uint32_t)nh));
		}
		if (!small && rnd(6) == 0) {
			snprintf(l + len, (size_t)(256 - len), " preferred=h%u", rnd((uint32_t)nh));
		}
	}
}

struct vmha_model *model_of(const struct text *t, const size_t *perm)
{
	char buf[128 * 260];
	size_t len = 0;
	size_t i;

	for (i = 0; i < t->n; i++) {
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s\n",
		                        t->lines[perm != NULL ? perm[i] : i]);
	}
	return model_from(buf);
}

bool share_group(const struct vmha_model *m, size_t a, size_t b)
{
	size_t i;
	size_t j;

	for (i = 0; i < vmha_model_vm_group_count(m, a); i++) {
		for (j = 0; j < vmha_model_vm_group_count(m, b); j++) {
			if (vmha_model_vm_group(m, a, i) == vmha_model_vm_group(m, b, j)) {
				return true;
			}
		}
	}
	return false;
}

/* Plan p of model m: capacity, anti-affinity, allowed hosts, survivors only. */
void check_feasible(const struct vmha_model *m, const struct vmha_plan *p)
{
	size_t nh = vmha_model_host_count(m);
	size_t nv = vmha_model_vm_count(m);
	size_t nd = vmha_model_dim_count(m);
	long loc[512];
	size_t v;
	size_t w;
	size_t h;
	size_t d;

	assert_true(nv <= 512);
	for (v = 0; v < nv; v++) {
		long on = vmha_model_vm_host(m, v);

		loc[v] = on >= 0 && !vmha_plan_host_failed(p, (size_t)on) ? on : -1;
		if (vmha_plan_outcome(p, v) == VMHA_PLAN_RESTART) {
			loc[v] = vmha_plan_target(p, v);
			assert_true(loc[v] >= 0);
			assert_false(vmha_plan_host_failed(p, (size_t)loc[v]));
			assert_false(vmha_model_host_is_standby(m, (size_t)loc[v]));
			assert_true(vmha_model_vm_allows(m, v, (size_t)loc[v]));
		}
	}
	for (v = 0; v < nv; v++) {
		for (w = v + 1; w < nv && vmha_plan_outcome(p, v) == VMHA_PLAN_RESTART; w++) {
			if (loc[w] == loc[v] && share_group(m, v, w)) {
				fail_msg("vm %s and %s share a group on one host",
				         vmha_model_vm_name(m, v), vmha_model_vm_name(m, w));
			}
		}
	}
	for (h = 0; h < nh; h++) {
		for (d = 0; d < nd; d++) {
			uint64_t load = 0;

			for (v = 0; v < nv; v++) {
				load += loc[v] == (long)h ? vmha_model_vm_demand(m, v, d) : 0;
			}
			if (load > vmha_model_host_capacity(m, h, d)) {
				fail_msg("host %s overcommitted", vmha_model_host_name(m, h));
			}
		}
	}
}

size_t count_stranded(const struct vmha_model *m, const struct vmha_plan *p)
{
	size_t n = 0;
	size_t v;

	for (v = 0; v < vmha_model_vm_count(m); v++) {
		n += vmha_plan_outcome(p, v) == VMHA_PLAN_STRANDED;
	}
	return n;
}

/* The VMs of host "failed" cut from the survivors' room: see plan_testlib.h. */
struct vmha_model *tight_cluster(const struct tight_opts *o)
{
	static const char *dims[] = {"cpu", "memory", "disk"};
	struct vmha_model *m = vmha_model_new();
	size_t k = o->k;
	size_t dx[3];
	size_t h;
	size_t j;
	size_t d;
	size_t idx;
	char name[64];
	char err[256];

	assert_non_null(m);
	for (d = 0; d < o->nd; d++) {
		assert_int_equal(vmha_model_dim(m, dims[d], true, &dx[d]), 0);
	}
	assert_int_equal(vmha_model_add_host(m, "failed", "t", &idx), 0);
	for (d = 0; d < o->nd; d++) {
		assert_int_equal(vmha_model_host_set_capacity(m, idx, dx[d], 1000000), 0);
	}
	for (h = 0; h < o->ns; h++) {
		uint64_t left[3];

		snprintf(name, sizeof(name), "h%02zu", h);
		assert_int_equal(vmha_model_add_host(m, name, "t", &idx), 0);
		for (d = 0; d < o->nd; d++) {
			left[d] = o->room_base + o->room_per_vm * k +
			          rnd((uint32_t)(o->room_spread + o->room_spread_per_vm * k));
			assert_int_equal(
			        vmha_model_host_set_capacity(m, idx, dx[d], left[d] * o->unit), 0);
		}
		for (j = 0; j < k; j++) {
			size_t v;

			snprintf(name, sizeof(name), "v%02zu-%zu", h, j);
			assert_int_equal(vmha_model_add_vm(m, name, "t", &v), 0);
			assert_int_equal(vmha_model_vm_set_host(m, v, "failed"), 0);
			for (d = 0; d < o->nd; d++) {
				uint64_t x = j + 1 == k
				                     ? left[d]
				                     : 1 + rnd((uint32_t)(2 * left[d] / (k - j)));

				x = x > left[d] - (k - j - 1) ? left[d] - (k - j - 1) : x;
				left[d] -= x;
				assert_int_equal(vmha_model_vm_set_demand(m, v, dx[d], x * o->unit),
				                 0);
			}
			if (!o->extras) {
				continue;
			}
			assert_int_equal(vmha_model_vm_set_priority(m, v, 100 * (int64_t)rnd(3)),
			                 0);
			if (j < o->groups) {
				snprintf(name, sizeof(name), "g%zu", j);
				assert_int_equal(vmha_model_vm_add_group(m, v, name), 0);
			}
			if (rnd(o->allowed_one_in) == 0) {
				size_t w;

				snprintf(name, sizeof(name), "h%02zu", h);
				assert_int_equal(vmha_model_vm_add_allowed(m, v, name), 0);
				for (w = 0; w < o->ns; w++) {
					snprintf(name, sizeof(name), "h%02zu", w);
					if (w != h && rnd(2) == 0) {
						assert_int_equal(
						        vmha_model_vm_add_allowed(m, v, name), 0);
					}
				}
			}
		}
	}
	assert_int_equal(vmha_model_finish(m, err, sizeof(err)), 0);
	return m;
}

struct vmha_model *perfect(size_t ns, size_t k, size_t nd, bool extras)
{
	const struct tight_opts o = {
	        .ns = ns,
	        .k = k,
	        .nd = nd,
	        .extras = extras,
	        .unit = 1,
	        .room_per_vm = 2,
	        .room_spread_per_vm = 6,
	        .groups = 2,
	        .allowed_one_in = 3,
	};

	return tight_cluster(&o);
}

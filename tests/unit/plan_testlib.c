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

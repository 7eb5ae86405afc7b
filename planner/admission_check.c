/* Admission control: the check of a policy against the cluster (see admission.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admission.h"
#include "admission_int.h"
#include "plan.h"

/* At most this many failure scenarios for the N the policy asks for. */
#define SCENARIO_LIMIT 2000000
/* Beyond N, larger sizes are tried while they add up to at most this many scenarios. */
#define EXTRA_SCENARIO_LIMIT 5000

static double choose_count(size_t n, size_t k)
{
	double r = 1;
	size_t i;

	if (k > n) {
		return 0;
	}
	for (i = 0; i < k; i++) {
		r = r * (double)(n - i) / (double)(i + 1);
	}
	return r;
}

static bool next_combination(size_t *idx, size_t k, size_t n)
{
	size_t i = k;

	while (i > 0) {
		i--;
		if (idx[i] < n - k + i) {
			size_t j;

			idx[i]++;
			for (j = i + 1; j < k; j++) {
				idx[j] = idx[j - 1] + 1;
			}
			return true;
		}
	}
	return false;
}

/* Record the worst scenario's stranded VMs, with reasons. */
static int record_worst(struct vmha_admission *a, struct vmha_plan *p, const size_t *hosts,
                        size_t n, unsigned int flags)
{
	size_t v;
	size_t k = 0;
	int rc = 0;

	rc = vmha_plan_run(p, hosts, n, NULL, 0, flags);
	if (rc < 0) {
		goto out;
	}
	memcpy(a->worst, hosts, n * sizeof(*hosts));
	a->nworst = n;
	a->stranded = calloc(vmha_plan_stranded_count(p) + 1, sizeof(*a->stranded));
	a->stranded_reason = calloc(vmha_plan_stranded_count(p) + 1, sizeof(*a->stranded_reason));
	if (a->stranded == NULL || a->stranded_reason == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (v = 0; v < vmha_model_vm_count(a->m); v++) {
		if (vmha_plan_outcome(p, v) != VMHA_PLAN_STRANDED) {
			continue;
		}
		a->stranded_reason[k] = strdup(vmha_plan_reason(p, v));
		if (a->stranded_reason[k] == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		a->stranded[k++] = v;
		a->nstranded = k;
	}
out:
	return rc;
}

/*
 * Largest k such that every set of k hosts among cand[] can fail with no
 * VM stranded; sizes up to need are searched in full, beyond while cheap.
 */
static int search_tolerated(struct vmha_admission *a, const size_t *cand, size_t ncand, size_t need,
                            unsigned int flags)
{
	struct vmha_plan *p = NULL;
	size_t idx[64];
	size_t hosts[64];
	size_t best_hosts[64];
	size_t k;
	size_t i;
	bool have_worst = false;
	double extra = 0;
	int64_t worst_prio = INT64_MIN;
	size_t worst_n = 0;
	int rc = 0;

	p = vmha_plan_new(a->m);
	if (p == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	a->tolerated = 0;
	a->exact = true;
	a->nothing = true;
	for (i = 0; i < ncand && a->nothing; i++) {
		for (k = 0; k < vmha_model_vm_count(a->m) && a->nothing; k++) {
			a->nothing = !(vmha_model_vm_host(a->m, k) == (long)cand[i] &&
			               vmha_model_vm_restarts(a->m, k));
		}
	}
	if (a->nothing) {
		/* no VM to restart: every host may fail */
		a->tolerated = ncand;
		goto out;
	}
	for (k = 1; k <= ncand && k <= 64; k++) {
		double count = choose_count(ncand, k);

		if (k > need) {
			extra += count;
		}
		if (k > need && (extra > EXTRA_SCENARIO_LIMIT || k == ncand)) {
			/* beyond the policy: only while cheap, and not all hosts at once */
			a->exact = k == ncand;
			break;
		}
		for (i = 0; i < k; i++) {
			idx[i] = i;
		}
		do {
			for (i = 0; i < k; i++) {
				hosts[i] = cand[idx[i]];
			}
			rc = vmha_plan_run(p, hosts, k, NULL, 0,
			                   flags | VMHA_PLAN_NO_REASONS | VMHA_PLAN_QUICK);
			if (rc < 0) {
				goto out;
			}
			if (vmha_plan_stranded_count(p) > 0) {
				int64_t top = vmha_plan_stranded_top_priority(p);
				size_t ns = vmha_plan_stranded_count(p);

				if (!have_worst || top > worst_prio ||
				    (top == worst_prio && ns > worst_n)) {
					have_worst = true;
					worst_prio = top;
					worst_n = ns;
					memcpy(best_hosts, hosts, k * sizeof(*hosts));
				}
			}
		} while (next_combination(idx, k, ncand));
		if (have_worst) {
			rc = record_worst(a, p, best_hosts, k, flags);
			goto out;
		}
		a->tolerated = k;
	}
	if (k > 64) {
		a->exact = false;
	}
out:
	vmha_plan_free(p);
	return rc;
}

static void compute_slots(struct vmha_admission *a)
{
	const struct vmha_model *m = a->m;
	size_t nh = vmha_model_host_count(m);
	size_t nv = vmha_model_vm_count(m);
	size_t nd = vmha_model_dim_count(m);
	uint64_t *sorted = a->slots;
	uint64_t total = 0;
	uint64_t reserve = 0;
	uint64_t *tmp = NULL;
	size_t h;
	size_t v;
	size_t d;
	size_t k;

	for (d = 0; d < nd; d++) {
		a->slot[d] = a->fixed_slot[d];
	}
	for (v = 0; v < nv; v++) {
		if (vmha_model_vm_host(m, v) < 0) {
			continue;
		}
		for (d = 0; d < nd; d++) {
			if (a->fixed_slot[d] == 0 && vmha_model_vm_demand(m, v, d) > a->slot[d]) {
				a->slot[d] = vmha_model_vm_demand(m, v, d);
			}
		}
	}
	for (h = 0; h < nh; h++) {
		uint64_t s = UINT64_MAX;

		for (d = 0; d < nd; d++) {
			if (a->slot[d] > 0 && vmha_model_host_capacity(m, h, d) / a->slot[d] < s) {
				s = vmha_model_host_capacity(m, h, d) / a->slot[d];
			}
		}
		sorted[h] = s == UINT64_MAX || vmha_model_host_is_standby(m, h) ? 0 : s;
		total += sorted[h];
	}
	a->used_slots = 0;
	for (v = 0; v < nv; v++) {
		uint64_t need = 1;

		if (vmha_model_vm_host(m, v) < 0) {
			continue;
		}
		for (d = 0; d < nd; d++) {
			uint64_t x = vmha_model_vm_demand(m, v, d);

			if (a->slot[d] > 0 && (x + a->slot[d] - 1) / a->slot[d] > need) {
				need = (x + a->slot[d] - 1) / a->slot[d];
			}
		}
		a->used_slots += need;
	}
	/* failover capacity: hosts, largest first, that can go */
	tmp = calloc(nh + 1, sizeof(*tmp));
	a->tolerated = 0;
	if (tmp != NULL) {
		memcpy(tmp, sorted, nh * sizeof(*tmp));
		for (h = 0; h < nh; h++) {
			for (k = h + 1; k < nh; k++) {
				if (tmp[k] > tmp[h]) {
					uint64_t t = tmp[h];

					tmp[h] = tmp[k];
					tmp[k] = t;
				}
			}
		}
		{
			uint64_t left = total;

			if (left >= a->used_slots) {
				for (h = 0; h < nh; h++) {
					if (left - tmp[h] < a->used_slots) {
						break;
					}
					left -= tmp[h];
					a->tolerated++;
				}
			}
		}
		for (h = 0; h < a->n && h < nh; h++) {
			reserve += tmp[h];
		}
		if (a->n > nh) {
			reserve = total;
		}
	}
	free(tmp);
	a->free_slots = total > reserve + a->used_slots ? total - reserve - a->used_slots : 0;
	a->exact = true;
	a->satisfied = a->tolerated >= a->n && total >= a->used_slots;
	if (!a->satisfied) {
		snprintf(a->reason, sizeof(a->reason),
		         "failover capacity is %zu host(s), the policy needs %zu (%" PRIu64
		         " slots used of %" PRIu64 ")",
		         a->tolerated, a->n, a->used_slots, total);
	}
}

static void compute_percent(struct vmha_admission *a)
{
	const struct vmha_model *m = a->m;
	size_t nd = vmha_model_dim_count(m);
	size_t d;
	size_t h;
	size_t v;
	size_t len = 0;

	a->satisfied = true;
	for (d = 0; d < nd; d++) {
		uint64_t total = 0;
		uint64_t used = 0;

		for (h = 0; h < vmha_model_host_count(m); h++) {
			if (!vmha_model_host_is_standby(m, h)) {
				total += vmha_model_host_capacity(m, h, d);
			}
		}
		for (v = 0; v < vmha_model_vm_count(m); v++) {
			if (vmha_model_vm_host(m, v) >= 0) {
				used += vmha_model_vm_demand(m, v, d);
			}
		}
		a->failover_pct[d] =
		        total > used ? (unsigned int)((total - used) * 100 / total) : 0;
		a->available_pct[d] =
		        a->failover_pct[d] > a->reserve[d] ? a->failover_pct[d] - a->reserve[d] : 0;
		if (a->has_reserve[d] && a->failover_pct[d] < a->reserve[d]) {
			a->satisfied = false;
			if (len < sizeof(a->reason)) {
				int n = snprintf(a->reason + len, sizeof(a->reason) - len,
				                 "%s%s: %u%% free, the policy reserves %u%%",
				                 len > 0 ? "; " : "", vmha_model_dim_name(m, d),
				                 a->failover_pct[d], a->reserve[d]);

				len += n > 0 ? (size_t)n : 0;
			}
		}
	}
}

static int place_added(struct vmha_admission *a, size_t added)
{
	struct vmha_plan *p = NULL;
	int rc = 0;

	if (vmha_model_vm_host(a->m, added) >= 0) {
		a->added_host = vmha_model_vm_host(a->m, added);
		goto out;
	}
	p = vmha_plan_new(a->m);
	if (p == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmha_plan_run(p, NULL, 0, &added, 1, 0);
	if (rc < 0) {
		goto out;
	}
	if (vmha_plan_outcome(p, added) != VMHA_PLAN_RESTART) {
		snprintf(a->reason, sizeof(a->reason), "vm '%s' fits on no node: %s",
		         vmha_model_vm_name(a->m, added), vmha_plan_reason(p, added));
		rc = 1;
		goto out;
	}
	a->added_host = vmha_plan_target(p, added);
	rc = vmha_model_vm_place(a->m, added, a->added_host);
out:
	vmha_plan_free(p);
	return rc;
}

/* "the failure of h1,h2 strands web1, db2" into a->reason */
static void describe_worst(struct vmha_admission *a, const char *where)
{
	size_t len = 0;
	size_t i;
	int n;

	n = snprintf(a->reason, sizeof(a->reason), "the failure of ");
	len = n > 0 ? (size_t)n : 0;
	for (i = 0; i < a->nworst && len < sizeof(a->reason); i++) {
		n = snprintf(a->reason + len, sizeof(a->reason) - len, "%s%s", i > 0 ? "," : "",
		             vmha_model_host_name(a->m, a->worst[i]));
		len += n > 0 ? (size_t)n : 0;
	}
	for (i = 0; i < a->nstranded && len < sizeof(a->reason); i++) {
		n = snprintf(a->reason + len, sizeof(a->reason) - len, "%s%s",
		             i > 0 ? ", " : " strands ", vmha_model_vm_name(a->m, a->stranded[i]));
		len += n > 0 ? (size_t)n : 0;
	}
	if (len < sizeof(a->reason)) {
		snprintf(a->reason + len, sizeof(a->reason) - len, "%s", where);
	}
}

int vmha_admission_check(struct vmha_admission *a, long added)
{
	size_t nh = vmha_model_host_count(a->m);
	size_t *cand = NULL;
	size_t ncand = 0;
	size_t h;
	size_t v;
	int rc = 0;

	a->satisfied = false;
	a->reason[0] = '\0';
	cand = calloc(nh + 1, sizeof(*cand));
	if (cand == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (added >= 0) {
		if ((size_t)added >= vmha_model_vm_count(a->m)) {
			rc = -EINVAL;
			goto out;
		}
		if (a->kind == VMHA_ADMISSION_FAILOVER_HOSTS) {
			for (h = 0; h < nh; h++) {
				vmha_model_host_set_failover(a->m, h, a->fo[h]);
			}
		}
		rc = place_added(a, (size_t)added);
		if (rc != 0) {
			rc = rc > 0 ? 0 : rc;
			goto out;
		}
	}
	switch (a->kind) {
	case VMHA_ADMISSION_HOST_FAILURES:
		if (choose_count(nh, a->n) > SCENARIO_LIMIT) {
			snprintf(a->reason, sizeof(a->reason),
			         "%zu host failures among %zu hosts are more than %d scenarios",
			         a->n, nh, SCENARIO_LIMIT);
			rc = -E2BIG;
			goto out;
		}
		for (h = 0; h < nh; h++) {
			cand[ncand++] = h;
		}
		rc = search_tolerated(a, cand, ncand, a->n, 0);
		if (rc < 0) {
			goto out;
		}
		a->satisfied = a->tolerated >= a->n || a->nothing;
		if (!a->satisfied) {
			describe_worst(a, "");
		}
		break;
	case VMHA_ADMISSION_SLOTS:
		compute_slots(a);
		break;
	case VMHA_ADMISSION_PERCENT:
		compute_percent(a);
		for (h = 0; h < nh; h++) {
			cand[ncand++] = h;
		}
		rc = search_tolerated(a, cand, ncand, 1, 0);
		break;
	case VMHA_ADMISSION_FAILOVER_HOSTS:
		for (h = 0; h < nh; h++) {
			vmha_model_host_set_failover(a->m, h, a->fo[h]);
			if (!a->fo[h]) {
				cand[ncand++] = h;
			}
		}
		for (v = 0; v < vmha_model_vm_count(a->m); v++) {
			long on = vmha_model_vm_host(a->m, v);

			if (on >= 0 && a->fo[on] && a->reason[0] == '\0') {
				snprintf(a->reason, sizeof(a->reason),
				         "vm '%s' runs on failover host '%s'",
				         vmha_model_vm_name(a->m, v),
				         vmha_model_host_name(a->m, (size_t)on));
			}
		}
		if (choose_count(ncand, a->n) > SCENARIO_LIMIT) {
			snprintf(a->reason, sizeof(a->reason),
			         "%zu host failures among %zu hosts are more than %d scenarios",
			         a->n, ncand, SCENARIO_LIMIT);
			rc = -E2BIG;
			goto out;
		}
		rc = search_tolerated(a, cand, ncand, a->n, VMHA_PLAN_FAILOVER_ONLY);
		if (rc < 0) {
			goto out;
		}
		a->satisfied = a->reason[0] == '\0' && (a->tolerated >= a->n || a->nothing);
		if (a->reason[0] == '\0' && !a->satisfied) {
			describe_worst(a, " on the failover hosts");
		}
		break;
	}
out:
	free(cand);
	return rc;
}

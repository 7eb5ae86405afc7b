/* Admission control policies (see admission.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admission.h"
#include "plan.h"
#include "util.h"

/* At most this many failure scenarios for the N the policy asks for. */
#define SCENARIO_LIMIT 2000000
/* Beyond N, larger sizes are tried while they add up to at most this many scenarios. */
#define EXTRA_SCENARIO_LIMIT 5000

struct vmha_admission {
	struct vmha_model *m;
	enum vmha_admission_kind kind;
	char policy[256];
	size_t n; /* host failures / slots failures */
	uint64_t fixed_slot[VMHA_MODEL_MAX_DIMS];
	unsigned int reserve[VMHA_MODEL_MAX_DIMS];
	bool has_reserve[VMHA_MODEL_MAX_DIMS];
	unsigned char *fo; /* failover hosts of the policy */
	/* results */
	bool satisfied;
	bool nothing; /* no running VM to restart */
	char reason[1024];
	size_t tolerated;
	bool exact;
	long added_host;
	uint64_t slot[VMHA_MODEL_MAX_DIMS];
	uint64_t *slots;
	uint64_t used_slots;
	uint64_t free_slots;
	unsigned int failover_pct[VMHA_MODEL_MAX_DIMS];
	unsigned int available_pct[VMHA_MODEL_MAX_DIMS];
	size_t *worst;
	size_t nworst;
	size_t *stranded;
	char **stranded_reason;
	size_t nstranded;
};

static int perr(char *err, size_t errlen, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int perr(char *err, size_t errlen, const char *field, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "policy: field '%s': %s", field, what);
	return -EINVAL;
}

static int parse_count(const char *text, const char *field, size_t *out, char *err, size_t errlen)
{
	uint64_t v = 0;

	if (vmha_util_parse_u64(text, &v) < 0 || v > 1000000) {
		return perr(err, errlen, field, "'%s' is not a count (0..1000000)", text);
	}
	*out = (size_t)v;
	return 0;
}

/* DIM=VALUE pairs separated by commas; value_max 0 means any u64. */
static int parse_dims(struct vmha_admission *a, char *list, const char *field, uint64_t value_max,
                      uint64_t *values, bool *given, char *err, size_t errlen)
{
	char *save = NULL;
	char *item = NULL;
	int rc = 0;

	for (item = strtok_r(list, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		size_t d = 0;
		uint64_t v = 0;

		if (eq == NULL) {
			rc = perr(err, errlen, field, "'%s' is not DIMENSION=VALUE", item);
			goto out;
		}
		*eq = '\0';
		if (vmha_model_dim(a->m, item, false, &d) < 0) {
			rc = perr(err, errlen, item, "no dimension '%s' in the cluster", item);
			goto out;
		}
		if (given[d]) {
			rc = perr(err, errlen, item, "dimension '%s' given twice", item);
			goto out;
		}
		if (vmha_util_parse_u64(eq + 1, &v) < 0 || (value_max > 0 && v > value_max) ||
		    v > VMHA_MODEL_MAX_AMOUNT) {
			rc = perr(err, errlen, item, "'%s' is not %s", eq + 1,
			          value_max == 100 ? "a percentage (0..100)"
			                           : "a non-negative integer");
			goto out;
		}
		values[d] = v;
		given[d] = true;
	}
out:
	return rc;
}

void vmha_admission_free(struct vmha_admission *a)
{
	size_t i;

	if (a == NULL) {
		return;
	}
	for (i = 0; i < a->nstranded; i++) {
		free(a->stranded_reason[i]);
	}
	free(a->stranded_reason);
	free(a->stranded);
	free(a->worst);
	free(a->slots);
	free(a->fo);
	free(a);
}

int vmha_admission_new(struct vmha_model *m, const char *policy, struct vmha_admission **out,
                       char *err, size_t errlen)
{
	struct vmha_admission *a = NULL;
	char *copy = NULL;
	char *colon = NULL;
	char *arg = NULL;
	size_t nh = vmha_model_host_count(m);
	size_t h;
	int rc = 0;

	a = calloc(1, sizeof(*a));
	copy = strdup(policy);
	if (a == NULL || copy == NULL) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	a->m = m;
	a->added_host = -1;
	a->slots = calloc(nh + 1, sizeof(*a->slots));
	a->fo = calloc(nh + 1, 1);
	a->worst = calloc(nh + 1, sizeof(*a->worst));
	if (a->slots == NULL || a->fo == NULL || a->worst == NULL) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(a->policy, sizeof(a->policy), "%s", policy);
	if (nh == 0) {
		/* nothing to fail and nothing to restart on: not an answer */
		rc = -EINVAL;
		snprintf(err, errlen,
		         "the cluster has no nodes: nothing to check the policy against");
		goto out;
	}
	colon = strchr(copy, ':');
	if (colon != NULL) {
		*colon = '\0';
		arg = colon + 1;
	}
	if (strcmp(copy, "host-failures") == 0) {
		a->kind = VMHA_ADMISSION_HOST_FAILURES;
		if (arg == NULL) {
			rc = perr(err, errlen, "host-failures", "needs a count: host-failures:N");
			goto out;
		}
		rc = parse_count(arg, "host-failures", &a->n, err, errlen);
	} else if (strcmp(copy, "slots") == 0) {
		bool given[VMHA_MODEL_MAX_DIMS] = {false};
		char *comma = NULL;

		a->kind = VMHA_ADMISSION_SLOTS;
		if (arg == NULL) {
			rc = perr(err, errlen, "slots", "needs a count: slots:N[,DIM=SIZE...]");
			goto out;
		}
		comma = strchr(arg, ',');
		if (comma != NULL) {
			*comma = '\0';
		}
		rc = parse_count(arg, "slots", &a->n, err, errlen);
		if (rc == 0 && comma != NULL) {
			rc = parse_dims(a, comma + 1, "slots", 0, a->fixed_slot, given, err,
			                errlen);
		}
	} else if (strcmp(copy, "percent") == 0) {
		uint64_t v[VMHA_MODEL_MAX_DIMS] = {0};
		size_t d;

		a->kind = VMHA_ADMISSION_PERCENT;
		if (arg == NULL || *arg == '\0') {
			rc = perr(err, errlen, "percent", "needs DIM=P[,DIM=P...]");
			goto out;
		}
		rc = parse_dims(a, arg, "percent", 100, v, a->has_reserve, err, errlen);
		for (d = 0; d < VMHA_MODEL_MAX_DIMS; d++) {
			a->reserve[d] = (unsigned int)v[d];
		}
	} else if (strcmp(copy, "failover-hosts") == 0) {
		a->kind = VMHA_ADMISSION_FAILOVER_HOSTS;
		if (arg == NULL || *arg == '\0') {
			for (h = 0; h < nh; h++) {
				a->fo[h] = vmha_model_host_is_failover(m, h);
			}
		} else {
			char *save = NULL;
			char *item = NULL;

			for (item = strtok_r(arg, ",", &save); item != NULL;
			     item = strtok_r(NULL, ",", &save)) {
				if (vmha_model_host_find(m, item, &h) < 0) {
					rc = perr(err, errlen, "failover-hosts", "no node '%s'",
					          item);
					goto out;
				}
				if (a->fo[h]) {
					rc = perr(err, errlen, "failover-hosts",
					          "node '%s' named twice", item);
					goto out;
				}
				a->fo[h] = 1;
			}
		}
		a->n = 0;
		for (h = 0; h < nh; h++) {
			a->n += a->fo[h];
		}
		if (a->n == 0) {
			rc = perr(err, errlen, "failover-hosts",
			          "no failover host (name them, or flag nodes 'failover')");
		}
	} else {
		rc = perr(err, errlen, "policy",
		          "unknown policy '%s' (host-failures:N, slots:N, percent:DIM=P,..., "
		          "failover-hosts:H,...)",
		          copy);
	}
out:
	free(copy);
	if (rc < 0) {
		vmha_admission_free(a);
		a = NULL;
	}
	*out = a;
	return rc;
}

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

enum vmha_admission_kind vmha_admission_kind(const struct vmha_admission *a)
{
	return a->kind;
}

const char *vmha_admission_policy(const struct vmha_admission *a)
{
	return a->policy;
}

bool vmha_admission_satisfied(const struct vmha_admission *a)
{
	return a->satisfied;
}

const char *vmha_admission_reason(const struct vmha_admission *a)
{
	return a->reason;
}

size_t vmha_admission_tolerated(const struct vmha_admission *a)
{
	return a->tolerated;
}

bool vmha_admission_tolerated_exact(const struct vmha_admission *a)
{
	return a->exact;
}

long vmha_admission_added_host(const struct vmha_admission *a)
{
	return a->added_host;
}

uint64_t vmha_admission_slot(const struct vmha_admission *a, size_t d)
{
	return a->slot[d];
}

uint64_t vmha_admission_host_slots(const struct vmha_admission *a, size_t h)
{
	return a->slots[h];
}

uint64_t vmha_admission_free_slots(const struct vmha_admission *a)
{
	return a->free_slots;
}

uint64_t vmha_admission_used_slots(const struct vmha_admission *a)
{
	return a->used_slots;
}

bool vmha_admission_has_reserve(const struct vmha_admission *a, size_t d)
{
	return a->has_reserve[d];
}

unsigned int vmha_admission_reserve_percent(const struct vmha_admission *a, size_t d)
{
	return a->reserve[d];
}

unsigned int vmha_admission_failover_percent(const struct vmha_admission *a, size_t d)
{
	return a->failover_pct[d];
}

unsigned int vmha_admission_available_percent(const struct vmha_admission *a, size_t d)
{
	return a->available_pct[d];
}

size_t vmha_admission_worst_count(const struct vmha_admission *a)
{
	return a->nworst;
}

size_t vmha_admission_worst_host(const struct vmha_admission *a, size_t i)
{
	return a->worst[i];
}

size_t vmha_admission_stranded_count(const struct vmha_admission *a)
{
	return a->nstranded;
}

void vmha_admission_stranded(const struct vmha_admission *a, size_t i, size_t *vm,
                             const char **reason)
{
	*vm = a->stranded[i];
	*reason = a->stranded_reason[i];
}

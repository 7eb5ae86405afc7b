/* Admission control: the policy, its parsing and results (see admission.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admission.h"
#include "admission_int.h"
#include "plan.h"
#include "util.h"

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

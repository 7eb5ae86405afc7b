/* Why a VM is stranded: the reason texts of a plan. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

struct strbuf {
	char *s;
	size_t len;
	size_t alloc;
	bool oom;
};

static void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom) {
		return;
	}
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s == NULL ? NULL : b->s + b->len,
		              b->s == NULL ? 0 : b->alloc - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->s != NULL && b->len + (size_t)n < b->alloc) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t want = (b->alloc + (size_t)n + 1) * 2;
			char *s = realloc(b->s, want);

			if (s == NULL) {
				b->oom = true;
				return;
			}
			b->s = s;
			b->alloc = want;
		}
	}
}

/* Where VM x is (or will be) after the plan, or -1. */
static long location(const struct vmha_plan *p, size_t x)
{
	if (p->outcome[x] == VMHA_PLAN_RESTART) {
		return p->target[x];
	}
	if (p->outcome[x] != VMHA_PLAN_UNAFFECTED) {
		return -1;
	}
	if (p->flags & VMHA_PLAN_REBALANCE) {
		return p->cur_host[x];
	}
	{
		long host = vmha_model_vm_host(p->m, x);

		return host >= 0 && !p->failed[host] ? host : -1;
	}
}

char *plan_explain(const struct vmha_plan *p, size_t v)
{
	struct strbuf b = {0};
	const struct vmha_model *m = p->m;
	size_t h;
	size_t d;
	size_t i;
	size_t x;
	size_t shown = 0;

	for (h = 0; h < p->nh; h++) {
		const char *hn = vmha_model_host_name(m, h);
		bool blocked = false;

		if (p->failed[h]) {
			continue;
		}
		sb_printf(&b, "%s%s: ", shown++ > 0 ? "; " : "", hn);
		if (p->standby[h]) {
			sb_printf(&b, vmha_model_host_is_offline(m, h) ? "offline" : "standby");
			continue;
		}
		if (p->restricted[v] && !vmha_model_vm_allows(m, v, h)) {
			sb_printf(&b, "not in allowed hosts");
			continue;
		}
		if ((p->flags & VMHA_PLAN_FAILOVER_ONLY) && !p->failover[h]) {
			sb_printf(&b, "not a failover host");
			continue;
		}
		for (i = p->vg_off[v]; i < p->vg_off[v + 1] && !blocked; i++) {
			size_t g = p->vg[i];

			if (p->gcount[g * p->nh + h] == 0) {
				continue;
			}
			for (x = 0; x < p->nv && !blocked; x++) {
				size_t k;

				if (x == v || location(p, x) != (long)h) {
					continue;
				}
				for (k = p->vg_off[x]; k < p->vg_off[x + 1]; k++) {
					if (p->vg[k] == g) {
						sb_printf(&b, "anti-affinity group '%s' with '%s'",
						          vmha_model_group_name(m, g),
						          vmha_model_vm_name(m, x));
						blocked = true;
						break;
					}
				}
			}
		}
		if (blocked) {
			continue;
		}
		for (d = 0; d < p->nd; d++) {
			int64_t need = p->dem[v * p->nd + d];
			int64_t avail = p->free[h * p->nd + d];

			if (avail < need) {
				sb_printf(&b, "%s%s short (needs %" PRId64 ", free %" PRId64 ")",
				          blocked ? ", " : "", vmha_model_dim_name(m, d), need,
				          avail);
				blocked = true;
			}
		}
		if (!blocked) {
			sb_printf(&b, "room was taken by higher-priority VMs");
		}
	}
	if (shown == 0) {
		sb_printf(&b, "no node left to restart on");
	}
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

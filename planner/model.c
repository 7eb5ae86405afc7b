/* The planner's cluster model: hosts, VMs, dimensions (see model.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model.h"
#include "util.h"

struct names {
	char **v;
	size_t n;
};

struct host {
	size_t seq;
	char *name;
	char *origin;
	uint64_t cap[VMHA_MODEL_MAX_DIMS];
	bool failover;
	bool standby;
	bool offline;
};

struct vm {
	size_t seq;
	char *name;
	char *origin;
	uint64_t dem[VMHA_MODEL_MAX_DIMS];
	char *host_name;
	long host;
	int64_t priority;
	bool restart;
	struct names group_names;
	struct names allowed_names;
	struct names preferred_names;
	size_t *groups;
	size_t ngroups;
	unsigned char *allowed;   /* per host, NULL: unrestricted */
	unsigned char *preferred; /* per host, NULL: none */
};

struct vmha_model {
	char *dims[VMHA_MODEL_MAX_DIMS];
	size_t ndims;
	struct host *hosts;
	size_t nhosts;
	size_t host_alloc;
	struct vm *vms;
	size_t nvms;
	size_t vm_alloc;
	char **groups;
	size_t ngroups;
	bool finished;
};

static void names_clear(struct names *n)
{
	size_t i;

	for (i = 0; i < n->n; i++) {
		free(n->v[i]);
	}
	free(n->v);
	n->v = NULL;
	n->n = 0;
}

static int names_add(struct names *n, const char *name)
{
	char **v = NULL;
	char *copy = NULL;
	size_t i;
	int rc = 0;

	if (!vmha_util_name_is_valid(name)) {
		rc = -EINVAL;
		goto out;
	}
	for (i = 0; i < n->n; i++) {
		if (strcmp(n->v[i], name) == 0) {
			goto out;
		}
	}
	copy = strdup(name);
	v = realloc(n->v, (n->n + 1) * sizeof(*v));
	if (copy == NULL || v == NULL) {
		free(copy);
		if (v != NULL) {
			n->v = v;
		}
		rc = -ENOMEM;
		goto out;
	}
	v[n->n++] = copy;
	n->v = v;
out:
	return rc;
}

struct vmha_model *vmha_model_new(void)
{
	return calloc(1, sizeof(struct vmha_model));
}

void vmha_model_free(struct vmha_model *m)
{
	size_t i;

	if (m == NULL) {
		return;
	}
	for (i = 0; i < m->ndims; i++) {
		free(m->dims[i]);
	}
	for (i = 0; i < m->nhosts; i++) {
		free(m->hosts[i].name);
		free(m->hosts[i].origin);
	}
	for (i = 0; i < m->nvms; i++) {
		struct vm *vm = &m->vms[i];

		free(vm->name);
		free(vm->origin);
		free(vm->host_name);
		names_clear(&vm->group_names);
		names_clear(&vm->allowed_names);
		names_clear(&vm->preferred_names);
		free(vm->groups);
		free(vm->allowed);
		free(vm->preferred);
	}
	for (i = 0; i < m->ngroups; i++) {
		free(m->groups[i]);
	}
	free(m->groups);
	free(m->hosts);
	free(m->vms);
	free(m);
}

int vmha_model_dim(struct vmha_model *m, const char *name, bool create, size_t *index)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < m->ndims; i++) {
		if (strcmp(m->dims[i], name) == 0) {
			*index = i;
			goto out;
		}
	}
	if (!create || m->finished) {
		rc = -ENOENT;
		goto out;
	}
	if (!vmha_util_name_is_valid(name)) {
		rc = -EINVAL;
		goto out;
	}
	if (m->ndims == VMHA_MODEL_MAX_DIMS) {
		rc = -E2BIG;
		goto out;
	}
	m->dims[m->ndims] = strdup(name);
	if (m->dims[m->ndims] == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	*index = m->ndims++;
out:
	return rc;
}

size_t vmha_model_dim_count(const struct vmha_model *m)
{
	return m->ndims;
}

const char *vmha_model_dim_name(const struct vmha_model *m, size_t d)
{
	return m->dims[d];
}

static int grow(void **array, size_t *alloc, size_t n, size_t size)
{
	void *p = NULL;
	size_t want;
	int rc = 0;

	if (n < *alloc) {
		goto out;
	}
	want = *alloc == 0 ? 16 : *alloc * 2;
	p = realloc(*array, want * size);
	if (p == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	memset((char *)p + *alloc * size, 0, (want - *alloc) * size);
	*array = p;
	*alloc = want;
out:
	return rc;
}

int vmha_model_add_host(struct vmha_model *m, const char *name, const char *origin, size_t *index)
{
	struct host *h = NULL;
	int rc = 0;

	if (m->finished) {
		rc = -EBUSY;
		goto out;
	}
	if (!vmha_util_name_is_valid(name)) {
		rc = -EINVAL;
		goto out;
	}
	rc = grow((void **)&m->hosts, &m->host_alloc, m->nhosts, sizeof(*m->hosts));
	if (rc < 0) {
		goto out;
	}
	h = &m->hosts[m->nhosts];
	memset(h, 0, sizeof(*h));
	h->seq = m->nhosts;
	h->name = strdup(name);
	h->origin = strdup(origin != NULL ? origin : "?");
	if (h->name == NULL || h->origin == NULL) {
		free(h->name);
		free(h->origin);
		rc = -ENOMEM;
		goto out;
	}
	*index = m->nhosts++;
out:
	return rc;
}

int vmha_model_host_set_capacity(struct vmha_model *m, size_t h, size_t d, uint64_t amount)
{
	int rc = 0;

	if (amount > VMHA_MODEL_MAX_AMOUNT) {
		rc = -ERANGE;
		goto out;
	}
	m->hosts[h].cap[d] = amount;
out:
	return rc;
}

void vmha_model_host_set_failover(struct vmha_model *m, size_t h, bool failover)
{
	m->hosts[h].failover = failover;
}

void vmha_model_host_set_standby(struct vmha_model *m, size_t h, bool standby)
{
	m->hosts[h].standby = standby;
}

void vmha_model_host_set_offline(struct vmha_model *m, size_t h, bool offline)
{
	m->hosts[h].offline = offline;
}

int vmha_model_add_vm(struct vmha_model *m, const char *name, const char *origin, size_t *index)
{
	struct vm *vm = NULL;
	int rc = 0;

	if (m->finished) {
		rc = -EBUSY;
		goto out;
	}
	if (!vmha_util_name_is_valid(name)) {
		rc = -EINVAL;
		goto out;
	}
	rc = grow((void **)&m->vms, &m->vm_alloc, m->nvms, sizeof(*m->vms));
	if (rc < 0) {
		goto out;
	}
	vm = &m->vms[m->nvms];
	memset(vm, 0, sizeof(*vm));
	vm->seq = m->nvms;
	vm->host = -1;
	vm->restart = true;
	vm->name = strdup(name);
	vm->origin = strdup(origin != NULL ? origin : "?");
	if (vm->name == NULL || vm->origin == NULL) {
		free(vm->name);
		free(vm->origin);
		rc = -ENOMEM;
		goto out;
	}
	*index = m->nvms++;
out:
	return rc;
}

int vmha_model_vm_set_demand(struct vmha_model *m, size_t v, size_t d, uint64_t amount)
{
	int rc = 0;

	if (amount > VMHA_MODEL_MAX_AMOUNT) {
		rc = -ERANGE;
		goto out;
	}
	m->vms[v].dem[d] = amount;
out:
	return rc;
}

int vmha_model_vm_set_host(struct vmha_model *m, size_t v, const char *host)
{
	char *copy = NULL;
	int rc = 0;

	if (host != NULL) {
		if (!vmha_util_name_is_valid(host)) {
			rc = -EINVAL;
			goto out;
		}
		copy = strdup(host);
		if (copy == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	free(m->vms[v].host_name);
	m->vms[v].host_name = copy;
out:
	return rc;
}

int vmha_model_vm_set_priority(struct vmha_model *m, size_t v, int64_t priority)
{
	int rc = 0;

	if (priority > VMHA_PRIORITY_MAX || priority < VMHA_PRIORITY_MIN) {
		rc = -ERANGE;
		goto out;
	}
	m->vms[v].priority = priority;
out:
	return rc;
}

void vmha_model_vm_set_restart(struct vmha_model *m, size_t v, bool restart)
{
	m->vms[v].restart = restart;
}

int vmha_model_vm_add_group(struct vmha_model *m, size_t v, const char *group)
{
	return names_add(&m->vms[v].group_names, group);
}

int vmha_model_vm_add_allowed(struct vmha_model *m, size_t v, const char *host)
{
	return names_add(&m->vms[v].allowed_names, host);
}

int vmha_model_vm_add_preferred(struct vmha_model *m, size_t v, const char *host)
{
	return names_add(&m->vms[v].preferred_names, host);
}

static int cmp_host(const void *a, const void *b)
{
	const struct host *x = a;
	const struct host *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

static int cmp_vm(const void *a, const void *b)
{
	const struct vm *x = a;
	const struct vm *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a;
	size_t y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static long find_host(const struct vmha_model *m, const char *name)
{
	size_t lo = 0;
	size_t hi = m->nhosts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->hosts[mid].name, name);

		if (c == 0) {
			return (long)mid;
		}
		if (c < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return -1;
}

static long find_group(const struct vmha_model *m, const char *name)
{
	char *const *p = bsearch(&name, m->groups, m->ngroups, sizeof(*m->groups), cmp_str);

	return p == NULL ? -1 : (long)(p - m->groups);
}

/* Resolve a list of host names into a per-host flag array. */
static int resolve_hosts(struct vmha_model *m, struct vm *vm, const struct names *names,
                         unsigned char **out, const char *field, char *err, size_t errlen)
{
	unsigned char *flags = NULL;
	size_t i;
	int rc = 0;

	if (names->n == 0) {
		goto out;
	}
	flags = calloc(m->nhosts + 1, 1);
	if (flags == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < names->n; i++) {
		long h = find_host(m, names->v[i]);

		if (h < 0) {
			snprintf(err, errlen, "%s: vm '%s': field '%s': no node '%s'", vm->origin,
			         vm->name, field, names->v[i]);
			rc = -EINVAL;
			goto out;
		}
		flags[h] = 1;
	}
	*out = flags;
	flags = NULL;
out:
	free(flags);
	return rc;
}

static int collect_groups(struct vmha_model *m)
{
	size_t i;
	size_t j;
	size_t n = 0;
	size_t k;
	int rc = 0;

	for (i = 0; i < m->nvms; i++) {
		n += m->vms[i].group_names.n;
	}
	m->groups = calloc(n + 1, sizeof(*m->groups));
	if (m->groups == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < m->nvms; i++) {
		for (j = 0; j < m->vms[i].group_names.n; j++) {
			m->groups[m->ngroups++] = m->vms[i].group_names.v[j];
		}
	}
	qsort(m->groups, m->ngroups, sizeof(*m->groups), cmp_str);
	/* unique, and own copies (the VMs keep theirs) */
	k = 0;
	for (i = 0; i < m->ngroups; i++) {
		if (k > 0 && strcmp(m->groups[k - 1], m->groups[i]) == 0) {
			continue;
		}
		m->groups[k++] = m->groups[i];
	}
	m->ngroups = k;
	for (i = 0; i < m->ngroups; i++) {
		m->groups[i] = strdup(m->groups[i]);
		if (m->groups[i] == NULL) {
			m->ngroups = i;
			rc = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < m->nvms; i++) {
		struct vm *vm = &m->vms[i];

		vm->groups = calloc(vm->group_names.n + 1, sizeof(*vm->groups));
		if (vm->groups == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		for (j = 0; j < vm->group_names.n; j++) {
			vm->groups[j] = (size_t)find_group(m, vm->group_names.v[j]);
		}
		vm->ngroups = vm->group_names.n;
		qsort(vm->groups, vm->ngroups, sizeof(*vm->groups), cmp_size);
	}
out:
	return rc;
}

int vmha_model_finish(struct vmha_model *m, char *err, size_t errlen)
{
	size_t i;
	int rc = 0;

	if (m->finished) {
		goto out;
	}
	if (m->nhosts > 0) {
		qsort(m->hosts, m->nhosts, sizeof(*m->hosts), cmp_host);
	}
	if (m->nvms > 0) {
		qsort(m->vms, m->nvms, sizeof(*m->vms), cmp_vm);
	}
	for (i = 1; i < m->nhosts; i++) {
		if (strcmp(m->hosts[i - 1].name, m->hosts[i].name) == 0) {
			bool later = m->hosts[i].seq > m->hosts[i - 1].seq;
			const char *a = m->hosts[i - 1].origin;
			const char *b = m->hosts[i].origin;

			snprintf(err, errlen,
			         "%s: node '%s': field 'name': defined twice (first at %s)",
			         later ? b : a, m->hosts[i].name, later ? a : b);
			rc = -EINVAL;
			goto out;
		}
	}
	for (i = 1; i < m->nvms; i++) {
		if (strcmp(m->vms[i - 1].name, m->vms[i].name) == 0) {
			bool later = m->vms[i].seq > m->vms[i - 1].seq;
			const char *a = m->vms[i - 1].origin;
			const char *b = m->vms[i].origin;

			snprintf(err, errlen,
			         "%s: vm '%s': field 'name': defined twice (first at %s)",
			         later ? b : a, m->vms[i].name, later ? a : b);
			rc = -EINVAL;
			goto out;
		}
	}
	for (i = 0; i < m->nvms; i++) {
		struct vm *vm = &m->vms[i];

		if (vm->host_name != NULL) {
			vm->host = find_host(m, vm->host_name);
			if (vm->host < 0) {
				snprintf(err, errlen, "%s: vm '%s': field 'on': no node '%s'",
				         vm->origin, vm->name, vm->host_name);
				rc = -EINVAL;
				goto out;
			}
		}
		rc = resolve_hosts(m, vm, &vm->allowed_names, &vm->allowed, "allowed", err, errlen);
		if (rc < 0) {
			goto out;
		}
		rc = resolve_hosts(m, vm, &vm->preferred_names, &vm->preferred, "preferred", err,
		                   errlen);
		if (rc < 0) {
			goto out;
		}
	}
	rc = collect_groups(m);
	if (rc < 0) {
		goto out;
	}
	m->finished = true;
out:
	if (rc == -ENOMEM) {
		snprintf(err, errlen, "out of memory");
	}
	return rc;
}

bool vmha_model_is_finished(const struct vmha_model *m)
{
	return m->finished;
}

size_t vmha_model_host_count(const struct vmha_model *m)
{
	return m->nhosts;
}

const char *vmha_model_host_name(const struct vmha_model *m, size_t h)
{
	return m->hosts[h].name;
}

uint64_t vmha_model_host_capacity(const struct vmha_model *m, size_t h, size_t d)
{
	return m->hosts[h].cap[d];
}

bool vmha_model_host_is_failover(const struct vmha_model *m, size_t h)
{
	return m->hosts[h].failover;
}

bool vmha_model_host_is_standby(const struct vmha_model *m, size_t h)
{
	return m->hosts[h].standby || m->hosts[h].offline;
}

bool vmha_model_host_is_offline(const struct vmha_model *m, size_t h)
{
	return m->hosts[h].offline;
}

int vmha_model_host_find(const struct vmha_model *m, const char *name, size_t *h)
{
	long i = find_host(m, name);

	if (i < 0) {
		return -ENOENT;
	}
	*h = (size_t)i;
	return 0;
}

size_t vmha_model_vm_count(const struct vmha_model *m)
{
	return m->nvms;
}

const char *vmha_model_vm_name(const struct vmha_model *m, size_t v)
{
	return m->vms[v].name;
}

uint64_t vmha_model_vm_demand(const struct vmha_model *m, size_t v, size_t d)
{
	return m->vms[v].dem[d];
}

long vmha_model_vm_host(const struct vmha_model *m, size_t v)
{
	return m->vms[v].host;
}

int64_t vmha_model_vm_priority(const struct vmha_model *m, size_t v)
{
	return m->vms[v].priority;
}

bool vmha_model_vm_restarts(const struct vmha_model *m, size_t v)
{
	return m->vms[v].restart;
}

size_t vmha_model_group_count(const struct vmha_model *m)
{
	return m->ngroups;
}

const char *vmha_model_group_name(const struct vmha_model *m, size_t g)
{
	return m->groups[g];
}

size_t vmha_model_vm_group_count(const struct vmha_model *m, size_t v)
{
	return m->vms[v].ngroups;
}

size_t vmha_model_vm_group(const struct vmha_model *m, size_t v, size_t i)
{
	return m->vms[v].groups[i];
}

bool vmha_model_vm_allows(const struct vmha_model *m, size_t v, size_t h)
{
	return m->vms[v].allowed == NULL || m->vms[v].allowed[h] != 0;
}

int vmha_model_vm_place(struct vmha_model *m, size_t v, long h)
{
	if (v >= m->nvms || h < -1 || h >= (long)m->nhosts) {
		return -EINVAL;
	}
	m->vms[v].host = h;
	return 0;
}

bool vmha_model_vm_is_restricted(const struct vmha_model *m, size_t v)
{
	return m->vms[v].allowed != NULL;
}

bool vmha_model_vm_prefers(const struct vmha_model *m, size_t v, size_t h)
{
	return m->vms[v].preferred != NULL && m->vms[v].preferred[h] != 0;
}

int vmha_model_priority_parse(const char *text, int64_t *out)
{
	return vmha_priority_parse(text, out);
}

const char *vmha_model_priority_format(int64_t priority, char *buf, size_t len)
{
	return vmha_priority_format(priority, buf, len);
}

/* The settings of one live migration (see migspec.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migspec.h"
#include "uri.h"
#include "util.h"

struct vmha_migspec {
	char *remote_uri;
	char *migrate_uri;
	unsigned int flags;
	virTypedParameterPtr params;
	int nparams;
	int maxparams;
	uint64_t downtime_ms;
	unsigned int postcopy_after;
	bool postcopy_after_first;
	bool start_resources;
	char *cpu_xml;
	unsigned int timeout_s;
	bool timeout_postcopy;
	char describe[1024];
};

struct vmha_migspec *vmha_migspec_new(const char *remote_uri)
{
	struct vmha_migspec *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		return NULL;
	}
	/* typed parameters use libvirt's thread-local error state */
	virInitialize();
	s->flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER;
	if (vmha_migspec_set_remote_uri(s, remote_uri) < 0) {
		vmha_migspec_free(s);
		return NULL;
	}
	return s;
}

void vmha_migspec_free(struct vmha_migspec *s)
{
	if (s == NULL) {
		return;
	}
	free(s->remote_uri);
	free(s->migrate_uri);
	virTypedParamsFree(s->params, s->nparams);
	free(s->cpu_xml);
	free(s);
}

static int set_str(char **field, const char *value)
{
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL) {
		return -ENOMEM;
	}
	free(*field);
	*field = copy;
	return 0;
}

int vmha_migspec_set_remote_uri(struct vmha_migspec *s, const char *uri)
{
	return set_str(&s->remote_uri, uri);
}

int vmha_migspec_set_migrate_uri(struct vmha_migspec *s, const char *uri)
{
	int rc = set_str(&s->migrate_uri, uri);

	if (rc == 0 && uri != NULL) {
		rc = vmha_migspec_add_string(s, VIR_MIGRATE_PARAM_URI, uri);
	}
	return rc;
}

void vmha_migspec_add_flags(struct vmha_migspec *s, unsigned int flags)
{
	s->flags |= flags;
}

int vmha_migspec_add_string(struct vmha_migspec *s, const char *name, const char *value)
{
	return virTypedParamsAddString(&s->params, &s->nparams, &s->maxparams, name, value) < 0
	               ? -ENOMEM
	               : 0;
}

int vmha_migspec_add_int(struct vmha_migspec *s, const char *name, int value)
{
	return virTypedParamsAddInt(&s->params, &s->nparams, &s->maxparams, name, value) < 0
	               ? -ENOMEM
	               : 0;
}

int vmha_migspec_add_ullong(struct vmha_migspec *s, const char *name, uint64_t value)
{
	return virTypedParamsAddULLong(&s->params, &s->nparams, &s->maxparams, name, value) < 0
	               ? -ENOMEM
	               : 0;
}

bool vmha_migspec_has_param(const struct vmha_migspec *s, const char *name)
{
	return virTypedParamsGet(s->params, s->nparams, name) != NULL;
}

const char *vmha_migspec_string_param(const struct vmha_migspec *s, const char *name)
{
	const char *value = NULL;

	if (virTypedParamsGetString(s->params, s->nparams, name, &value) <= 0) {
		return NULL;
	}
	return value;
}

int vmha_migspec_set_params(struct vmha_migspec *s, unsigned int flags, virTypedParameterPtr params,
                            int nparams)
{
	int rc = 0;
	int i;

	virTypedParamsFree(s->params, s->nparams);
	s->params = NULL;
	s->nparams = 0;
	s->maxparams = 0;
	s->flags = flags;
	for (i = 0; i < nparams && rc == 0; i++) {
		const virTypedParameter *p = &params[i];

		switch (p->type) {
		case VIR_TYPED_PARAM_STRING:
			rc = vmha_migspec_add_string(s, p->field, p->value.s);
			break;
		case VIR_TYPED_PARAM_INT:
			rc = vmha_migspec_add_int(s, p->field, p->value.i);
			break;
		case VIR_TYPED_PARAM_ULLONG:
			rc = vmha_migspec_add_ullong(s, p->field, p->value.ul);
			break;
		case VIR_TYPED_PARAM_UINT:
			rc = virTypedParamsAddUInt(&s->params, &s->nparams, &s->maxparams, p->field,
			                           p->value.ui) < 0
			             ? -ENOMEM
			             : 0;
			break;
		case VIR_TYPED_PARAM_LLONG:
			rc = virTypedParamsAddLLong(&s->params, &s->nparams, &s->maxparams,
			                            p->field, p->value.l) < 0
			             ? -ENOMEM
			             : 0;
			break;
		case VIR_TYPED_PARAM_DOUBLE:
			rc = virTypedParamsAddDouble(&s->params, &s->nparams, &s->maxparams,
			                             p->field, p->value.d) < 0
			             ? -ENOMEM
			             : 0;
			break;
		case VIR_TYPED_PARAM_BOOLEAN:
			rc = virTypedParamsAddBoolean(&s->params, &s->nparams, &s->maxparams,
			                              p->field, p->value.b) < 0
			             ? -ENOMEM
			             : 0;
			break;
		default:
			rc = -EINVAL;
			break;
		}
	}
	return rc;
}

int vmha_migspec_set_bandwidth_mibs(struct vmha_migspec *s, uint64_t mibs)
{
	if (mibs == 0 || vmha_migspec_has_param(s, VIR_MIGRATE_PARAM_BANDWIDTH)) {
		return 0;
	}
	return vmha_migspec_add_ullong(s, VIR_MIGRATE_PARAM_BANDWIDTH, mibs);
}

void vmha_migspec_set_max_downtime(struct vmha_migspec *s, uint64_t downtime_ms)
{
	s->downtime_ms = downtime_ms;
}

void vmha_migspec_set_postcopy(struct vmha_migspec *s, unsigned int after_iterations,
                               bool after_first_pass)
{
	s->postcopy_after = after_iterations;
	s->postcopy_after_first = after_first_pass;
}

void vmha_migspec_set_start_resources(struct vmha_migspec *s, bool start_resources)
{
	s->start_resources = start_resources;
}

int vmha_migspec_set_cpu_xml(struct vmha_migspec *s, const char *cpu_xml)
{
	return set_str(&s->cpu_xml, cpu_xml);
}

void vmha_migspec_set_timeout(struct vmha_migspec *s, unsigned int timeout_s, bool postcopy)
{
	s->timeout_s = timeout_s;
	s->timeout_postcopy = postcopy;
}

const char *vmha_migspec_remote_uri(const struct vmha_migspec *s)
{
	return s->remote_uri;
}

const char *vmha_migspec_migrate_uri(const struct vmha_migspec *s)
{
	return s->migrate_uri;
}

unsigned int vmha_migspec_flags(const struct vmha_migspec *s)
{
	return s->flags;
}

virTypedParameterPtr vmha_migspec_params(const struct vmha_migspec *s, int *nparams)
{
	*nparams = s->nparams;
	return s->params;
}

uint64_t vmha_migspec_max_downtime_ms(const struct vmha_migspec *s)
{
	return s->downtime_ms;
}

unsigned int vmha_migspec_postcopy_after(const struct vmha_migspec *s)
{
	return s->postcopy_after;
}

bool vmha_migspec_postcopy_after_first(const struct vmha_migspec *s)
{
	return s->postcopy_after_first;
}

bool vmha_migspec_start_resources(const struct vmha_migspec *s)
{
	return s->start_resources;
}

const char *vmha_migspec_cpu_xml(const struct vmha_migspec *s)
{
	return s->cpu_xml;
}

unsigned int vmha_migspec_timeout_s(const struct vmha_migspec *s)
{
	return s->timeout_s;
}

bool vmha_migspec_timeout_postcopy(const struct vmha_migspec *s)
{
	return s->timeout_postcopy;
}

bool vmha_migspec_copies_storage(const struct vmha_migspec *s)
{
	return (s->flags & (VIR_MIGRATE_NON_SHARED_DISK | VIR_MIGRATE_NON_SHARED_INC)) != 0;
}

int vmha_migspec_check(const struct vmha_migspec *s, char *reason, size_t reason_len)
{
	const char *disks_uri = vmha_migspec_string_param(s, VIR_MIGRATE_PARAM_DISKS_URI);
	int rc = 0;

	if (s->remote_uri == NULL) {
		vmha_util_set_text(reason, reason_len, "no target libvirt URI");
		rc = -EINVAL;
		goto out;
	}
	rc = vmha_uri_check("the target's libvirt URI", s->remote_uri, reason, reason_len);
	if (rc == 0 && s->migrate_uri != NULL) {
		rc = vmha_uri_check("the migration URI", s->migrate_uri, reason, reason_len);
	}
	if (rc == 0 && disks_uri != NULL) {
		rc = vmha_uri_check("the disks URI", disks_uri, reason, reason_len);
	}
	if (rc < 0) {
		goto out;
	}
	if ((s->flags & VIR_MIGRATE_NON_SHARED_DISK) && (s->flags & VIR_MIGRATE_NON_SHARED_INC)) {
		vmha_util_set_text(
		        reason, reason_len,
		        "copying all storage and copying it incrementally exclude each other");
		rc = -EINVAL;
		goto out;
	}
	if ((s->flags & VIR_MIGRATE_TUNNELLED) && (s->flags & VIR_MIGRATE_PARALLEL)) {
		vmha_util_set_text(reason, reason_len,
		                   "a tunnelled migration cannot use parallel connections");
		rc = -EINVAL;
		goto out;
	}
out:
	return rc;
}

const char *vmha_migspec_describe(struct vmha_migspec *s)
{
	int n;
	int i;

	n = snprintf(s->describe, sizeof(s->describe), "to '%s' flags 0x%x",
	             s->remote_uri != NULL ? s->remote_uri : "", s->flags);
	for (i = 0; i < s->nparams && n > 0 && (size_t)n < sizeof(s->describe); i++) {
		const virTypedParameter *tp = &s->params[i];
		char v[64];

		if (tp->type == VIR_TYPED_PARAM_STRING) {
			snprintf(v, sizeof(v), "%s", tp->value.s);
		} else if (tp->type == VIR_TYPED_PARAM_INT) {
			snprintf(v, sizeof(v), "%d", tp->value.i);
		} else if (tp->type == VIR_TYPED_PARAM_ULLONG) {
			snprintf(v, sizeof(v), "%llu", tp->value.ul);
		} else {
			snprintf(v, sizeof(v), "?");
		}
		n += snprintf(s->describe + n, sizeof(s->describe) - (size_t)n, " %s=%s", tp->field,
		              v);
	}
	return s->describe;
}

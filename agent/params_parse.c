/* The agent's parameters: parsing from the environment and validation (see params.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libvirt/libvirt.h>

#include "params.h"
#include "params_int.h"
#include "util.h"

static int dup_env(vmha_params_getenv_fn get, void *opaque, const char *name, char **out)
{
	const char *v = get(name, opaque);

	*out = NULL;
	if (v == NULL || v[0] == '\0')
		return 0;
	*out = strdup(v);
	return *out == NULL ? -ENOMEM : 0;
}

static int parse_one(struct vmha_params *p, const struct param_def *d, const char *value,
                     char *reason, size_t reason_len)
{
	void *field = (char *)p + d->offset;
	uint64_t u = 0;
	bool b = false;
	int rc = 0;

	switch (d->info.type) {
	case VMHA_PARAM_STRING:
		if (value != NULL && value[0] != '\0') {
			*(char **)field = strdup(value);
			if (*(char **)field == NULL)
				rc = -ENOMEM;
		}
		break;
	case VMHA_PARAM_BOOLEAN:
		if (value == NULL || value[0] == '\0')
			break;
		rc = vmha_util_parse_bool(value, &b);
		if (rc < 0) {
			vmha_util_set_text(
			        reason, reason_len,
			        "parameter '%s' must be a boolean (yes/no, true/false, 1/0), "
			        "not '%s'",
			        d->info.name, value);
			break;
		}
		*(bool *)field = b;
		break;
	case VMHA_PARAM_INTEGER:
		if (value == NULL || value[0] == '\0')
			break;
		rc = vmha_util_parse_u64(value, &u);
		if (rc < 0) {
			vmha_util_set_text(
			        reason, reason_len,
			        "parameter '%s' must be a non-negative decimal integer, not '%s'",
			        d->info.name, value);
			rc = -EINVAL;
			break;
		}
		*(uint64_t *)field = u;
		break;
	}
	return rc;
}

int vmha_params_shutdown_flags(const char *mode, unsigned int *flags, char *reason,
                               size_t reason_len)
{
	static const struct {
		const char *name;
		unsigned int flag;
	} modes[] = {
	        {"acpi", VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN},
	        {"agent", VIR_DOMAIN_SHUTDOWN_GUEST_AGENT},
	        {"initctl", VIR_DOMAIN_SHUTDOWN_INITCTL},
	        {"signal", VIR_DOMAIN_SHUTDOWN_SIGNAL},
	        {"paravirt", VIR_DOMAIN_SHUTDOWN_PARAVIRT},
	};
	const char *s = mode;
	int rc = 0;

	*flags = 0;
	while (s != NULL && *s != '\0') {
		size_t len = strcspn(s, ",");
		size_t i;
		bool found = false;

		for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
			if (strlen(modes[i].name) == len && strncmp(modes[i].name, s, len) == 0) {
				*flags |= modes[i].flag;
				found = true;
			}
		}
		if (!found) {
			vmha_util_set_text(
			        reason, reason_len,
			        "parameter 'shutdown_mode': unknown mode '%.*s' (known: acpi, "
			        "agent, initctl, signal, paravirt)",
			        (int)len, s);
			rc = -EINVAL;
			goto out;
		}
		s += len;
		if (*s == ',')
			s++;
	}
out:
	return rc;
}

int vmha_params_parse(struct vmha_params *p, vmha_params_getenv_fn get, void *opaque, char *reason,
                      size_t reason_len)
{
	char name[128];
	const char *v;
	size_t i;
	int rc = 0;

	params_clear(p);
	/* defaults first, then the environment */
	for (i = 0; i < vmha_params_count() && rc == 0; i++) {
		if (params_defs[i].info.default_value != NULL)
			rc = parse_one(p, &params_defs[i], params_defs[i].info.default_value, NULL,
			               0);
	}
	for (i = 0; i < vmha_params_count() && rc == 0; i++) {
		snprintf(name, sizeof(name), "OCF_RESKEY_%s", params_defs[i].info.name);
		v = get(name, opaque);
		if (v == NULL || v[0] == '\0')
			continue;
		if (params_defs[i].info.type == VMHA_PARAM_STRING) {
			free(*(char **)((char *)p + params_defs[i].offset));
			*(char **)((char *)p + params_defs[i].offset) = NULL;
		}
		rc = parse_one(p, &params_defs[i], v, reason, reason_len);
	}
	if (rc < 0)
		goto out;
	p->timeout_ms = 90000;
	v = get("OCF_RESKEY_CRM_meta_timeout", opaque);
	if (v != NULL && v[0] != '\0') {
		if (vmha_util_parse_u64(v, &p->timeout_ms) < 0 || p->timeout_ms == 0) {
			vmha_util_set_text(
			        reason, reason_len,
			        "OCF_RESKEY_CRM_meta_timeout must be a positive number of "
			        "milliseconds, not '%s'",
			        v);
			rc = -EINVAL;
			goto out;
		}
	}
	v = get("OCF_RESKEY_CRM_meta_interval", opaque);
	if (v != NULL && v[0] != '\0' && vmha_util_parse_u64(v, &p->interval_ms) < 0) {
		vmha_util_set_text(
		        reason, reason_len,
		        "OCF_RESKEY_CRM_meta_interval must be a number of milliseconds, not '%s'",
		        v);
		rc = -EINVAL;
		goto out;
	}
	rc = dup_env(get, opaque, "OCF_RESKEY_CRM_meta_migrate_target", &p->migrate_target);
	if (rc == 0)
		rc = dup_env(get, opaque, "OCF_RESKEY_CRM_meta_migrate_source", &p->migrate_source);
	if (rc == 0)
		rc = dup_env(get, opaque, "OCF_RESOURCE_INSTANCE", &p->instance);
	if (rc == 0)
		rc = dup_env(get, opaque, "HA_RSCTMP", &p->rsctmp);
	if (rc == 0 && p->rsctmp == NULL) {
		p->rsctmp = strdup("/run/resource-agents");
		if (p->rsctmp == NULL)
			rc = -ENOMEM;
	}
out:
	return rc;
}

/* Known libvirt URI schemes (driver part, before any +transport). */
static bool uri_scheme_is_known(const char *uri)
{
	static const char *const drivers[] = {
	        "qemu",         "kvm",      "xen",          "libxl",     "lxc",    "test", "vbox",
	        "vmwareplayer", "vmwarews", "vmwarefusion", "esx",       "gsx",    "vpx",  "bhyve",
	        "ch",           "openvz",   "vz",           "parallels", "hyperv", "uml"};
	size_t len = strcspn(uri, "+:");
	size_t i;

	if (strncmp(uri + len, "+", 1) != 0 && strncmp(uri + len, "://", 3) != 0 &&
	    strncmp(uri + len, ":", 1) != 0)
		return false;
	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		if (strlen(drivers[i]) == len && strncasecmp(drivers[i], uri, len) == 0)
			return true;
	}
	return false;
}

/* backingfile, stateless and copyindirs together. */
static int check_copy_on_write(const struct vmha_params *p, char *reason, size_t reason_len)
{
	char *copy = NULL;
	char *save = NULL;
	char *entry = NULL;
	int rc = 0;

	if (p->stateless && p->backingfile == NULL) {
		vmha_util_set_text(reason, reason_len, "parameter 'stateless' needs 'backingfile'");
		rc = -EINVAL;
		goto out;
	}
	if (p->copyindirs != NULL && p->backingfile == NULL) {
		vmha_util_set_text(
		        reason, reason_len,
		        "parameter 'copyindirs' needs 'backingfile' (it fills the copy-on-write "
		        "image created from it)");
		rc = -EINVAL;
		goto out;
	}
	if (p->backingfile != NULL && p->backingfile[0] != '/') {
		vmha_util_set_text(reason, reason_len,
		                   "parameter 'backingfile' must be an absolute path, not '%s'",
		                   p->backingfile);
		rc = -EINVAL;
		goto out;
	}
	if (p->stateless && p->snapshot != NULL) {
		vmha_util_set_text(
		        reason, reason_len,
		        "parameters 'stateless' and 'snapshot' cannot be used together (a saved "
		        "state needs the disk it was saved with)");
		rc = -EINVAL;
		goto out;
	}
	if (p->copyindirs == NULL)
		goto out;
	copy = strdup(p->copyindirs);
	if (copy == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (entry = strtok_r(copy, " \t", &save); entry != NULL;
	     entry = strtok_r(NULL, " \t", &save)) {
		if (entry[0] != '/') {
			vmha_util_set_text(reason, reason_len,
			                   "parameter 'copyindirs': '%s' is not an absolute path",
			                   entry);
			rc = -EINVAL;
			goto out;
		}
	}
out:
	free(copy);
	return rc;
}

int vmha_params_check(const struct vmha_params *p, char *reason, size_t reason_len)
{
	unsigned int flags = 0;
	int rc = 0;

	if (p->config == NULL) {
		vmha_util_set_text(reason, reason_len, "parameter 'config' is required");
		rc = -EINVAL;
		goto out;
	}
	if (p->config[0] != '/') {
		vmha_util_set_text(reason, reason_len,
		                   "parameter 'config' must be an absolute path, not '%s'",
		                   p->config);
		rc = -EINVAL;
		goto out;
	}
	if (p->hypervisor != NULL && !uri_scheme_is_known(p->hypervisor)) {
		vmha_util_set_text(
		        reason, reason_len,
		        "parameter 'hypervisor': '%s' is not a libvirt URI with a known driver",
		        p->hypervisor);
		rc = -EINVAL;
		goto out;
	}
	if (p->force_stop && p->snapshot != NULL) {
		vmha_util_set_text(
		        reason, reason_len,
		        "parameters 'force_stop' and 'snapshot' cannot be used together");
		rc = -EINVAL;
		goto out;
	}
	if (p->snapshot != NULL && p->snapshot[0] != '/') {
		vmha_util_set_text(reason, reason_len,
		                   "parameter 'snapshot' must be an absolute directory, not '%s'",
		                   p->snapshot);
		rc = -EINVAL;
		goto out;
	}
	rc = vmha_params_shutdown_flags(p->shutdown_mode, &flags, reason, reason_len);
	if (rc < 0)
		goto out;
	if (p->copy_storage != NULL && strcmp(p->copy_storage, "all") != 0 &&
	    strcmp(p->copy_storage, "inc") != 0) {
		vmha_util_set_text(
		        reason, reason_len,
		        "parameter 'copy_storage' must be 'all' or 'inc' (or empty), not '%s'",
		        p->copy_storage);
		rc = -EINVAL;
		goto out;
	}
	if (p->shutdown_timeout_share < 1 || p->shutdown_timeout_share > 95) {
		vmha_util_set_text(
		        reason, reason_len,
		        "parameter 'shutdown_timeout_share' must be between 1 and 95 (percent), "
		        "not %llu",
		        (unsigned long long)p->shutdown_timeout_share);
		rc = -EINVAL;
		goto out;
	}
	if (p->migrateport > 65535) {
		vmha_util_set_text(reason, reason_len,
		                   "parameter 'migrateport' must be at most 65535");
		rc = -EINVAL;
		goto out;
	}
	if (p->migration_transport != NULL &&
	    strspn(p->migration_transport, "abcdefghijklmnopqrstuvwxyz0123456789") !=
	            strlen(p->migration_transport)) {
		vmha_util_set_text(
		        reason, reason_len,
		        "parameter 'migration_transport' must be a transport name such as ssh, "
		        "tcp or tls, not '%s'",
		        p->migration_transport);
		rc = -EINVAL;
		goto out;
	}
	if (p->migration_parallel_connections > 255) {
		vmha_util_set_text(
		        reason, reason_len,
		        "parameter 'migration_parallel_connections' must be at most 255");
		rc = -EINVAL;
		goto out;
	}
	rc = check_copy_on_write(p, reason, reason_len);
	if (rc < 0)
		goto out;
out:
	return rc;
}

/* The agent's parameters (see params.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libvirt/libvirt.h>

#include "params.h"
#include "util.h"

/* Parsed parameters (plain values; strings are owned, NULL when unset). */
struct vmha_params {
	char *config;
	char *hypervisor;
	bool force_stop;
	char *migration_transport;
	char *migration_user;
	uint64_t migration_downtime_ms;
	uint64_t migration_speed_mibs;
	char *migration_network_suffix;
	char *migrateuri;
	char *migrate_options;
	uint64_t migrateport; /* 0: unset (a random high port when needed) */
	char *remoteuri;
	char *monitor_scripts;
	bool autoset_utilization_cpu;
	bool autoset_utilization_host_memory;
	bool autoset_utilization_hv_memory;
	bool unset_utilization_cpu;
	bool unset_utilization_host_memory;
	bool unset_utilization_hv_memory;
	bool save_config_on_stop;
	bool sync_config_on_stop;
	char *snapshot;
	char *backingfile;
	bool stateless;
	char *copyindirs;
	char *shutdown_mode;
	bool start_resources;
	/* vmha's own */
	uint64_t shutdown_timeout_share; /* percent of the stop timeout for graceful shutdown */
	bool migration_postcopy;
	uint64_t migration_postcopy_after; /* precopy iterations, 0: only on ETA */
	bool migration_auto_converge;
	char *migration_compression;
	uint64_t migration_parallel_connections;
	bool migration_tls;
	bool migration_precheck;
	char *copy_storage; /* "", "all" or "inc" */
	/* from Pacemaker */
	uint64_t timeout_ms;  /* OCF_RESKEY_CRM_meta_timeout, default 90000 */
	uint64_t interval_ms; /* OCF_RESKEY_CRM_meta_interval (0: probe for monitor) */
	char *migrate_target;
	char *migrate_source;
	char *instance; /* OCF_RESOURCE_INSTANCE */
	char *rsctmp;   /* HA_RSCTMP, default /run/resource-agents */
};

struct param_def {
	struct vmha_param_info info;
	size_t offset;
};

#define S         VMHA_PARAM_STRING
#define B         VMHA_PARAM_BOOLEAN
#define I         VMHA_PARAM_INTEGER
#define AT(field) offsetof(struct vmha_params, field)

/* name, type, default, required, unique, reloadable, short, long, field */
static const struct param_def defs[] = {
        {{"config", S, NULL, true, true, false, "Domain XML file",
          "Absolute path of the libvirt domain XML that defines this guest. The agent reads the "
          "domain's name and UUID from it and records them under HA_RSCTMP when it starts the "
          "guest, so that a missing or unmounted file is never mistaken for a stopped guest."},
         AT(config)},
        {{"hypervisor", S, NULL, false, false, false, "Hypervisor URI",
          "libvirt connection URI (for example qemu:///system). Empty: libvirt's default URI."},
         AT(hypervisor)},
        {{"force_stop", B, "0", false, false, true, "Destroy instead of shutting down",
          "Stop the guest with an immediate destroy instead of asking it to shut down first. "
          "Only for guests that cannot shut down gracefully."},
         AT(force_stop)},
        {{"migration_transport", S, "", false, false, true, "Transport to the peer libvirtd",
          "Transport (ssh, tcp, tls, ...) appended to the URI scheme when connecting to the "
          "target's libvirtd for a migration. Empty: libvirt's default."},
         AT(migration_transport)},
        {{"migration_user", S, NULL, false, false, true, "User in the peer URI",
          "User name put into the target's libvirt URI. Ignored when remoteuri is set."},
         AT(migration_user)},
        {{"migration_downtime", I, "0", false, false, true, "Maximum migration downtime (ms)",
          "Longest pause of the guest, in milliseconds, allowed when a live migration switches "
          "over. 0: the hypervisor's default."},
         AT(migration_downtime_ms)},
        {{"migration_speed", I, "0", false, false, true, "Migration bandwidth (MiB/s)",
          "Bandwidth limit of a live migration in MiB/s. 0: unlimited."},
         AT(migration_speed_mibs)},
        {{"migration_network_suffix", S, "", false, false, true, "Migration network suffix",
          "Suffix added to the target node's name (before its first dot) to reach it over a "
          "dedicated migration network, for both the libvirt URI and the migration URI."},
         AT(migration_network_suffix)},
        {{"migrateuri", S, NULL, false, false, true, "Migration data URI",
          "URI for the migration data stream (for example tcp://%n:49152). %n is replaced by "
          "the target node. Overrides migration_network_suffix, migrateport and --migrateuri."},
         AT(migrateuri)},
        {{"migrate_options", S, NULL, false, false, true, "virsh-style migration options",
          "Options in the syntax of 'virsh migrate' (for example --compressed --auto-converge). "
          "vmha translates each into libvirt flags and parameters; an option it does not know "
          "is rejected by validate-all."},
         AT(migrate_options)},
        {{"migrateport", I, NULL, false, false, true, "Migration port",
          "Port of the migration data stream when migration_network_suffix builds the URI. "
          "Unset: a high port chosen at random."},
         AT(migrateport)},
        {{"remoteuri", S, NULL, false, false, true, "Target libvirt URI",
          "libvirt URI of the migration target (%n: the target node). Overrides "
          "migration_user, migration_transport and migration_network_suffix."},
         AT(remoteuri)},
        {{"monitor_scripts", S, "", false, false, true, "Extra monitor commands",
          "Space-separated commands run by monitor (and at the end of start and migrate_from) "
          "while the guest runs; a non-zero exit fails the operation."},
         AT(monitor_scripts)},
        {{"autoset_utilization_cpu", B, "true", false, false, true, "Publish vCPUs as utilization",
          "Set the resource's 'cpu' utilization to the guest's vCPU count (written only when "
          "it changes)."},
         AT(autoset_utilization_cpu)},
        {{"autoset_utilization_host_memory", B, "true", false, false, true,
          "Publish memory as host_memory utilization",
          "Set the resource's 'host_memory' utilization to the guest's maximum memory in MiB "
          "(written only when it changes)."},
         AT(autoset_utilization_host_memory)},
        {{"autoset_utilization_hv_memory", B, "true", false, false, true,
          "Publish memory as hv_memory utilization",
          "Set the resource's 'hv_memory' utilization to the guest's maximum memory in MiB "
          "(written only when it changes)."},
         AT(autoset_utilization_hv_memory)},
        {{"unset_utilization_cpu", B, "false", false, false, true, "Remove cpu utilization",
          "Remove the 'cpu' utilization attribute when autoset_utilization_cpu is off."},
         AT(unset_utilization_cpu)},
        {{"unset_utilization_host_memory", B, "false", false, false, true,
          "Remove host_memory utilization",
          "Remove the 'host_memory' utilization attribute when autoset_utilization_host_memory "
          "is off."},
         AT(unset_utilization_host_memory)},
        {{"unset_utilization_hv_memory", B, "false", false, false, true,
          "Remove hv_memory utilization",
          "Remove the 'hv_memory' utilization attribute when autoset_utilization_hv_memory is "
          "off."},
         AT(unset_utilization_hv_memory)},
        {{"save_config_on_stop", B, "false", false, false, true, "Write the live XML back",
          "On stop (and migration) write the domain's current persistent XML back to the "
          "config file, atomically and only when it differs."},
         AT(save_config_on_stop)},
        {{"sync_config_on_stop", B, "false", false, false, true, "Sync the XML with csync2",
          "Implies save_config_on_stop; afterwards run 'csync2 -x' on the config file."},
         AT(sync_config_on_stop)},
        {{"snapshot", S, "", false, false, false, "State directory",
          "Directory where stop saves the guest's memory state (<name>.state) and start "
          "restores it from. Cannot be combined with force_stop."},
         AT(snapshot)},
        {{"backingfile", S, "", false, false, false, "Base image for a copy-on-write guest",
          "Absolute path of a base image that is never written. At start, a qcow2 image on top "
          "of it is created where the config file is, named after it (/srv/vm/web.xml: "
          "/srv/vm/web.qcow2) when that image is missing or empty, or at every start with "
          "stateless; the domain XML must use that image as a disk."},
         AT(backingfile)},
        {{"stateless", B, "false", false, false, false, "Fresh copy-on-write image at each start",
          "With backingfile: replace the copy-on-write image by a new, empty one at every "
          "start, so the guest never keeps what it wrote. Without: the image is created once "
          "and kept. Cannot be combined with snapshot."},
         AT(stateless)},
        {{"copyindirs", S, "", false, false, false, "Directories copied into a new image",
          "With backingfile: space-separated local directories (absolute paths) copied into "
          "the root of the guest's file system with virt-copy-in each time a new "
          "copy-on-write image is created, before the guest boots."},
         AT(copyindirs)},
        {{"shutdown_mode", S, "", false, false, true, "Graceful shutdown method",
          "Comma-separated shutdown methods for the graceful phase of stop: acpi, agent, "
          "initctl, signal, paravirt. Empty: the hypervisor's choice."},
         AT(shutdown_mode)},
        {{"start_resources", B, "false", false, false, true, "Start pools and networks",
          "Before start and migration, start the storage pools and virtual networks the guest "
          "uses (on the target too)."},
         AT(start_resources)},
        {{"shutdown_timeout_share", I, "70", false, false, true,
          "Share of the stop timeout for graceful shutdown (%)",
          "Percentage of the stop operation's timeout spent waiting for a graceful shutdown "
          "before the guest is destroyed (first gracefully, then forcibly)."},
         AT(shutdown_timeout_share)},
        {{"migration_postcopy", B, "false", false, false, true, "Allow post-copy migration",
          "Allow a live migration to switch to post-copy: after migration_postcopy_after "
          "precopy iterations, or when the estimated end would pass the operation's deadline."},
         AT(migration_postcopy)},
        {{"migration_postcopy_after", I, "0", false, false, true,
          "Precopy iterations before post-copy",
          "With migration_postcopy: switch to post-copy after this many precopy iterations. "
          "0: only when the deadline is at risk."},
         AT(migration_postcopy_after)},
        {{"migration_auto_converge", B, "false", false, false, true, "Auto-converge",
          "Throttle the guest's vCPUs when a migration does not converge."},
         AT(migration_auto_converge)},
        {{"migration_compression", S, "", false, false, true, "Migration compression",
          "Comma-separated compression methods for migration (xbzrle, mt, zlib, zstd). "
          "Empty: none."},
         AT(migration_compression)},
        {{"migration_parallel_connections", I, "0", false, false, true,
          "Parallel migration connections",
          "Number of parallel connections for the migration stream. 0: one."},
         AT(migration_parallel_connections)},
        {{"migration_tls", B, "false", false, false, true, "Encrypt the migration stream",
          "Encrypt the migration stream with the hypervisor's TLS setup."},
         AT(migration_tls)},
        {{"migration_precheck", B, "true", false, false, true, "Check the target first",
          "Before migrating, check that the target's libvirtd answers, the guest is not "
          "active there, and memory, disks, networks, bridges and CPU are available."},
         AT(migration_precheck)},
        {{"copy_storage", S, "", false, false, true, "Copy disks the target does not share",
          "Live migration without shared storage: 'all' copies every disk whose path is "
          "absent on the target (creating it first in the target's storage pool for its "
          "directory, same size and format, after checking the pool's room; removed again "
          "when the migration fails or is aborted), 'inc' copies only their top image. Empty: "
          "shared storage, nothing copied."},
         AT(copy_storage)},
};

#undef S
#undef B
#undef I
#undef AT

size_t vmha_params_count(void)
{
	return sizeof(defs) / sizeof(defs[0]);
}

const struct vmha_param_info *vmha_params_info(size_t i)
{
	return i < vmha_params_count() ? &defs[i].info : NULL;
}

int vmha_params_value(const struct vmha_params *p, size_t i, char *buf, size_t buf_len)
{
	const void *field;
	const char *s = NULL;
	int n = 0;

	if (i >= vmha_params_count())
		return -ERANGE;
	field = (const char *)p + defs[i].offset;
	switch (defs[i].info.type) {
	case VMHA_PARAM_STRING:
		s = *(char *const *)field;
		n = snprintf(buf, buf_len, "%s", s != NULL ? s : "");
		break;
	case VMHA_PARAM_BOOLEAN:
		n = snprintf(buf, buf_len, "%s", *(const bool *)field ? "true" : "false");
		break;
	case VMHA_PARAM_INTEGER:
		n = snprintf(buf, buf_len, "%llu", (unsigned long long)*(const uint64_t *)field);
		break;
	}
	return n >= 0 && (size_t)n < buf_len ? 0 : -ENOSPC;
}

static void set_reason(char *reason, size_t reason_len, const char *fmt, ...)
{
	va_list ap;

	if (reason == NULL || reason_len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, reason_len, fmt, ap);
	va_end(ap);
}

/* Free the strings of p and zero it. */
static void params_clear(struct vmha_params *p)
{
	size_t i;

	for (i = 0; i < vmha_params_count(); i++) {
		if (defs[i].info.type == VMHA_PARAM_STRING)
			free(*(char **)((char *)p + defs[i].offset));
	}
	free(p->migrate_target);
	free(p->migrate_source);
	free(p->instance);
	free(p->rsctmp);
	memset(p, 0, sizeof(*p));
}

struct vmha_params *vmha_params_new(void)
{
	return calloc(1, sizeof(struct vmha_params));
}

void vmha_params_free(struct vmha_params *p)
{
	if (p == NULL)
		return;
	params_clear(p);
	free(p);
}

const char *vmha_params_config(const struct vmha_params *p)
{
	return p->config;
}

const char *vmha_params_hypervisor(const struct vmha_params *p)
{
	return p->hypervisor;
}

bool vmha_params_force_stop(const struct vmha_params *p)
{
	return p->force_stop;
}

const char *vmha_params_migration_transport(const struct vmha_params *p)
{
	return p->migration_transport;
}

const char *vmha_params_migration_user(const struct vmha_params *p)
{
	return p->migration_user;
}

uint64_t vmha_params_migration_downtime_ms(const struct vmha_params *p)
{
	return p->migration_downtime_ms;
}

uint64_t vmha_params_migration_speed_mibs(const struct vmha_params *p)
{
	return p->migration_speed_mibs;
}

const char *vmha_params_migration_network_suffix(const struct vmha_params *p)
{
	return p->migration_network_suffix;
}

const char *vmha_params_migrateuri(const struct vmha_params *p)
{
	return p->migrateuri;
}

const char *vmha_params_migrate_options(const struct vmha_params *p)
{
	return p->migrate_options;
}

uint64_t vmha_params_migrateport(const struct vmha_params *p)
{
	return p->migrateport;
}

const char *vmha_params_remoteuri(const struct vmha_params *p)
{
	return p->remoteuri;
}

const char *vmha_params_monitor_scripts(const struct vmha_params *p)
{
	return p->monitor_scripts;
}

bool vmha_params_autoset_utilization(const struct vmha_params *p, enum vmha_params_utilization u)
{
	bool set = false;

	switch (u) {
	case VMHA_PARAMS_UTILIZATION_CPU:
		set = p->autoset_utilization_cpu;
		break;
	case VMHA_PARAMS_UTILIZATION_HOST_MEMORY:
		set = p->autoset_utilization_host_memory;
		break;
	case VMHA_PARAMS_UTILIZATION_HV_MEMORY:
		set = p->autoset_utilization_hv_memory;
		break;
	}
	return set;
}

bool vmha_params_unset_utilization(const struct vmha_params *p, enum vmha_params_utilization u)
{
	bool set = false;

	switch (u) {
	case VMHA_PARAMS_UTILIZATION_CPU:
		set = p->unset_utilization_cpu;
		break;
	case VMHA_PARAMS_UTILIZATION_HOST_MEMORY:
		set = p->unset_utilization_host_memory;
		break;
	case VMHA_PARAMS_UTILIZATION_HV_MEMORY:
		set = p->unset_utilization_hv_memory;
		break;
	}
	return set;
}

bool vmha_params_save_config_on_stop(const struct vmha_params *p)
{
	return p->save_config_on_stop;
}

bool vmha_params_sync_config_on_stop(const struct vmha_params *p)
{
	return p->sync_config_on_stop;
}

const char *vmha_params_snapshot(const struct vmha_params *p)
{
	return p->snapshot;
}

const char *vmha_params_backingfile(const struct vmha_params *p)
{
	return p->backingfile;
}

bool vmha_params_stateless(const struct vmha_params *p)
{
	return p->stateless;
}

const char *vmha_params_copyindirs(const struct vmha_params *p)
{
	return p->copyindirs;
}

const char *vmha_params_shutdown_mode(const struct vmha_params *p)
{
	return p->shutdown_mode;
}

bool vmha_params_start_resources(const struct vmha_params *p)
{
	return p->start_resources;
}

uint64_t vmha_params_shutdown_timeout_share(const struct vmha_params *p)
{
	return p->shutdown_timeout_share;
}

bool vmha_params_migration_postcopy(const struct vmha_params *p)
{
	return p->migration_postcopy;
}

uint64_t vmha_params_migration_postcopy_after(const struct vmha_params *p)
{
	return p->migration_postcopy_after;
}

bool vmha_params_migration_auto_converge(const struct vmha_params *p)
{
	return p->migration_auto_converge;
}

const char *vmha_params_migration_compression(const struct vmha_params *p)
{
	return p->migration_compression;
}

uint64_t vmha_params_migration_parallel_connections(const struct vmha_params *p)
{
	return p->migration_parallel_connections;
}

bool vmha_params_migration_tls(const struct vmha_params *p)
{
	return p->migration_tls;
}

const char *vmha_params_copy_storage(const struct vmha_params *p)
{
	return p->copy_storage;
}

bool vmha_params_migration_precheck(const struct vmha_params *p)
{
	return p->migration_precheck;
}

uint64_t vmha_params_timeout_ms(const struct vmha_params *p)
{
	return p->timeout_ms;
}

uint64_t vmha_params_interval_ms(const struct vmha_params *p)
{
	return p->interval_ms;
}

const char *vmha_params_migrate_target(const struct vmha_params *p)
{
	return p->migrate_target;
}

const char *vmha_params_migrate_source(const struct vmha_params *p)
{
	return p->migrate_source;
}

const char *vmha_params_instance(const struct vmha_params *p)
{
	return p->instance;
}

const char *vmha_params_rsctmp(const struct vmha_params *p)
{
	return p->rsctmp;
}

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
			set_reason(reason, reason_len,
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
			set_reason(
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
			set_reason(reason, reason_len,
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
		if (defs[i].info.default_value != NULL)
			rc = parse_one(p, &defs[i], defs[i].info.default_value, NULL, 0);
	}
	for (i = 0; i < vmha_params_count() && rc == 0; i++) {
		snprintf(name, sizeof(name), "OCF_RESKEY_%s", defs[i].info.name);
		v = get(name, opaque);
		if (v == NULL || v[0] == '\0')
			continue;
		if (defs[i].info.type == VMHA_PARAM_STRING) {
			free(*(char **)((char *)p + defs[i].offset));
			*(char **)((char *)p + defs[i].offset) = NULL;
		}
		rc = parse_one(p, &defs[i], v, reason, reason_len);
	}
	if (rc < 0)
		goto out;
	p->timeout_ms = 90000;
	v = get("OCF_RESKEY_CRM_meta_timeout", opaque);
	if (v != NULL && v[0] != '\0') {
		if (vmha_util_parse_u64(v, &p->timeout_ms) < 0 || p->timeout_ms == 0) {
			set_reason(reason, reason_len,
			           "OCF_RESKEY_CRM_meta_timeout must be a positive number of "
			           "milliseconds, not '%s'",
			           v);
			rc = -EINVAL;
			goto out;
		}
	}
	v = get("OCF_RESKEY_CRM_meta_interval", opaque);
	if (v != NULL && v[0] != '\0' && vmha_util_parse_u64(v, &p->interval_ms) < 0) {
		set_reason(
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
		set_reason(reason, reason_len, "parameter 'stateless' needs 'backingfile'");
		rc = -EINVAL;
		goto out;
	}
	if (p->copyindirs != NULL && p->backingfile == NULL) {
		set_reason(reason, reason_len,
		           "parameter 'copyindirs' needs 'backingfile' (it fills the copy-on-write "
		           "image created from it)");
		rc = -EINVAL;
		goto out;
	}
	if (p->backingfile != NULL && p->backingfile[0] != '/') {
		set_reason(reason, reason_len,
		           "parameter 'backingfile' must be an absolute path, not '%s'",
		           p->backingfile);
		rc = -EINVAL;
		goto out;
	}
	if (p->stateless && p->snapshot != NULL) {
		set_reason(reason, reason_len,
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
			set_reason(reason, reason_len,
			           "parameter 'copyindirs': '%s' is not an absolute path", entry);
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
		set_reason(reason, reason_len, "parameter 'config' is required");
		rc = -EINVAL;
		goto out;
	}
	if (p->config[0] != '/') {
		set_reason(reason, reason_len,
		           "parameter 'config' must be an absolute path, not '%s'", p->config);
		rc = -EINVAL;
		goto out;
	}
	if (p->hypervisor != NULL && !uri_scheme_is_known(p->hypervisor)) {
		set_reason(reason, reason_len,
		           "parameter 'hypervisor': '%s' is not a libvirt URI with a known driver",
		           p->hypervisor);
		rc = -EINVAL;
		goto out;
	}
	if (p->force_stop && p->snapshot != NULL) {
		set_reason(reason, reason_len,
		           "parameters 'force_stop' and 'snapshot' cannot be used together");
		rc = -EINVAL;
		goto out;
	}
	if (p->snapshot != NULL && p->snapshot[0] != '/') {
		set_reason(reason, reason_len,
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
		set_reason(reason, reason_len,
		           "parameter 'copy_storage' must be 'all' or 'inc' (or empty), not '%s'",
		           p->copy_storage);
		rc = -EINVAL;
		goto out;
	}
	if (p->shutdown_timeout_share < 1 || p->shutdown_timeout_share > 95) {
		set_reason(reason, reason_len,
		           "parameter 'shutdown_timeout_share' must be between 1 and 95 (percent), "
		           "not %llu",
		           (unsigned long long)p->shutdown_timeout_share);
		rc = -EINVAL;
		goto out;
	}
	if (p->migrateport > 65535) {
		set_reason(reason, reason_len, "parameter 'migrateport' must be at most 65535");
		rc = -EINVAL;
		goto out;
	}
	if (p->migration_transport != NULL &&
	    strspn(p->migration_transport, "abcdefghijklmnopqrstuvwxyz0123456789") !=
	            strlen(p->migration_transport)) {
		set_reason(reason, reason_len,
		           "parameter 'migration_transport' must be a transport name such as ssh, "
		           "tcp or tls, not '%s'",
		           p->migration_transport);
		rc = -EINVAL;
		goto out;
	}
	if (p->migration_parallel_connections > 255) {
		set_reason(reason, reason_len,
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

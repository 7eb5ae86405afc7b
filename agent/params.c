/* The agent's parameters (see params.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "params_int.h"

#define S         VMHA_PARAM_STRING
#define B         VMHA_PARAM_BOOLEAN
#define I         VMHA_PARAM_INTEGER
#define AT(field) offsetof(struct vmha_params, field)

/* name, type, default, required, unique, reloadable, short, long, field */
const struct param_def params_defs[] = {
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
	return sizeof(params_defs) / sizeof(params_defs[0]);
}

const struct vmha_param_info *vmha_params_info(size_t i)
{
	return i < vmha_params_count() ? &params_defs[i].info : NULL;
}

int vmha_params_value(const struct vmha_params *p, size_t i, char *buf, size_t buf_len)
{
	const void *field;
	const char *s = NULL;
	int n = 0;

	if (i >= vmha_params_count())
		return -ERANGE;
	field = (const char *)p + params_defs[i].offset;
	switch (params_defs[i].info.type) {
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

void params_clear(struct vmha_params *p)
{
	size_t i;

	for (i = 0; i < vmha_params_count(); i++) {
		if (params_defs[i].info.type == VMHA_PARAM_STRING)
			free(*(char **)((char *)p + params_defs[i].offset));
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

/*
 * Internal to the agent's parameters (params.c: the table, its values and
 * accessors; params_parse.c: parsing and validation). Not for other modules.
 */
#ifndef VMHA_AGENT_PARAMS_INT_H
#define VMHA_AGENT_PARAMS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "params.h"

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

/**
 * The parameter table (vmha_params_count() entries), in meta-data order.
 */
extern const struct param_def params_defs[];

/**
 * Free the strings of p and zero it.
 * @param p parameters
 */
void params_clear(struct vmha_params *p);

#endif

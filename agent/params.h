/*
 * The agent's parameters: every parameter of the stock VirtualDomain agent
 * (same names, meanings and defaults) plus vmha's own, parsed from
 * OCF_RESKEY_* and validated. One table drives parsing and meta-data.
 */
#ifndef VMHA_AGENT_PARAMS_H
#define VMHA_AGENT_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Parameter value types (as in OCF meta-data). */
enum vmha_param_type {
	VMHA_PARAM_STRING,
	VMHA_PARAM_BOOLEAN,
	VMHA_PARAM_INTEGER,
};

/** Description of one parameter, for meta-data. */
struct vmha_param_info {
	const char *name;          /**< without the OCF_RESKEY_ prefix */
	enum vmha_param_type type; /**< value type */
	const char *default_value; /**< NULL: none */
	bool required;             /**< must be set */
	bool unique;               /**< unique across resources */
	bool reloadable;           /**< may change with reload-agent */
	const char *shortdesc;     /**< one line */
	const char *longdesc;      /**< paragraph(s) */
};

/** @return the number of parameters the agent knows */
size_t vmha_params_count(void);

/** @return description i, or NULL past the end */
const struct vmha_param_info *vmha_params_info(size_t i);

/** Parsed parameters (plain values; strings are owned, NULL when unset). */
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
	uint64_t migrateport; /**< 0: unset (a random high port when needed) */
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
	uint64_t shutdown_timeout_share; /**< percent of the stop timeout for graceful shutdown */
	bool migration_postcopy;
	uint64_t migration_postcopy_after; /**< precopy iterations, 0: only on ETA */
	bool migration_auto_converge;
	char *migration_compression;
	uint64_t migration_parallel_connections;
	bool migration_tls;
	bool migration_precheck;
	/* from Pacemaker */
	uint64_t timeout_ms;  /**< OCF_RESKEY_CRM_meta_timeout, default 90000 */
	uint64_t interval_ms; /**< OCF_RESKEY_CRM_meta_interval (0: probe for monitor) */
	char *migrate_target;
	char *migrate_source;
	char *instance; /**< OCF_RESOURCE_INSTANCE */
	char *rsctmp;   /**< HA_RSCTMP, default /run/resource-agents */
};

/** Look up a variable by its full name (e.g. "OCF_RESKEY_config"). */
typedef const char *(*vmha_params_getenv_fn)(const char *name, void *opaque);

/**
 * Parse every parameter through get (getenv in the agent, a table in tests)
 * and check each value on its own (types, enumerations).
 *
 * @param p       filled in; vmha_params_clear() it afterwards in every case
 * @param reason  on failure, what is wrong, naming the parameter
 * @return 0 or -EINVAL
 */
int vmha_params_parse(struct vmha_params *p, vmha_params_getenv_fn get, void *opaque, char *reason,
                      size_t reason_len);

/**
 * Check the parameters together (contradictions, features not yet supported)
 * without touching the system.
 *
 * @return 0, -EINVAL (contradiction or bad value) or -EOPNOTSUPP (a feature
 *         that vmha does not support yet), with reason
 */
int vmha_params_check(const struct vmha_params *p, char *reason, size_t reason_len);

/**
 * Format the value of parameter i (in vmha_params_info() order) as text:
 * strings as they are ("" when unset), booleans "true"/"false", integers
 * in decimal.
 *
 * @return 0, -ERANGE past the last parameter, -ENOSPC when buf is too small
 */
int vmha_params_value(const struct vmha_params *p, size_t i, char *buf, size_t buf_len);

/** Free the strings of p and zero it. */
void vmha_params_clear(struct vmha_params *p);

/**
 * Translate shutdown_mode ("acpi,agent", ...) into VIR_DOMAIN_SHUTDOWN_*
 * flags. @return 0 or -EINVAL naming the unknown mode in reason
 */
int vmha_params_shutdown_flags(const char *mode, unsigned int *flags, char *reason,
                               size_t reason_len);

#endif /* VMHA_AGENT_PARAMS_H */

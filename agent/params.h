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

/** Parsed parameters (opaque; strings are NULL when unset). */
struct vmha_params;

/** @return empty parameters (to fill with vmha_params_parse()), or NULL */
struct vmha_params *vmha_params_new(void);

/** Free p and its strings. NULL is a no-op. */
void vmha_params_free(struct vmha_params *p);

/** @return the value of 'config' (NULL when unset) */
const char *vmha_params_config(const struct vmha_params *p);

/** @return the value of 'hypervisor' (NULL when unset) */
const char *vmha_params_hypervisor(const struct vmha_params *p);

/** @return whether 'force_stop' is set */
bool vmha_params_force_stop(const struct vmha_params *p);

/** @return the value of 'migration_transport' (NULL when unset) */
const char *vmha_params_migration_transport(const struct vmha_params *p);

/** @return the value of 'migration_user' (NULL when unset) */
const char *vmha_params_migration_user(const struct vmha_params *p);

/** @return the value of 'migration_downtime_ms' */
uint64_t vmha_params_migration_downtime_ms(const struct vmha_params *p);

/** @return the value of 'migration_speed_mibs' */
uint64_t vmha_params_migration_speed_mibs(const struct vmha_params *p);

/** @return the value of 'migration_network_suffix' (NULL when unset) */
const char *vmha_params_migration_network_suffix(const struct vmha_params *p);

/** @return the value of 'migrateuri' (NULL when unset) */
const char *vmha_params_migrateuri(const struct vmha_params *p);

/** @return the value of 'migrate_options' (NULL when unset) */
const char *vmha_params_migrate_options(const struct vmha_params *p);

/** @return the value of 'migrateport': 0: unset (a random high port when needed) */
uint64_t vmha_params_migrateport(const struct vmha_params *p);

/** @return the value of 'remoteuri' (NULL when unset) */
const char *vmha_params_remoteuri(const struct vmha_params *p);

/** @return the value of 'monitor_scripts' (NULL when unset) */
const char *vmha_params_monitor_scripts(const struct vmha_params *p);

/** The utilization attributes the agent can publish or remove. */
enum vmha_params_utilization {
	VMHA_PARAMS_UTILIZATION_CPU,         /**< cpu (vCPUs) */
	VMHA_PARAMS_UTILIZATION_HOST_MEMORY, /**< host_memory */
	VMHA_PARAMS_UTILIZATION_HV_MEMORY,   /**< hv_memory */
};

/** @return whether 'autoset_utilization_<u>' is set */
bool vmha_params_autoset_utilization(const struct vmha_params *p, enum vmha_params_utilization u);

/** @return whether 'unset_utilization_<u>' is set */
bool vmha_params_unset_utilization(const struct vmha_params *p, enum vmha_params_utilization u);

/** @return whether 'save_config_on_stop' is set */
bool vmha_params_save_config_on_stop(const struct vmha_params *p);

/** @return whether 'sync_config_on_stop' is set */
bool vmha_params_sync_config_on_stop(const struct vmha_params *p);

/** @return the value of 'snapshot' (NULL when unset) */
const char *vmha_params_snapshot(const struct vmha_params *p);

/** @return the value of 'backingfile' (NULL when unset) */
const char *vmha_params_backingfile(const struct vmha_params *p);

/** @return whether 'stateless' is set */
bool vmha_params_stateless(const struct vmha_params *p);

/** @return the value of 'copyindirs' (NULL when unset) */
const char *vmha_params_copyindirs(const struct vmha_params *p);

/** @return the value of 'shutdown_mode' (NULL when unset) */
const char *vmha_params_shutdown_mode(const struct vmha_params *p);

/** @return whether 'start_resources' is set */
bool vmha_params_start_resources(const struct vmha_params *p);

/** @return the value of 'shutdown_timeout_share': percent of the stop timeout for graceful shutdown */
uint64_t vmha_params_shutdown_timeout_share(const struct vmha_params *p);

/** @return whether 'migration_postcopy' is set */
bool vmha_params_migration_postcopy(const struct vmha_params *p);

/** @return the value of 'migration_postcopy_after': precopy iterations, 0: only on ETA */
uint64_t vmha_params_migration_postcopy_after(const struct vmha_params *p);

/** @return whether 'migration_auto_converge' is set */
bool vmha_params_migration_auto_converge(const struct vmha_params *p);

/** @return the value of 'copy_storage': "all", "inc", or NULL when unset */
const char *vmha_params_copy_storage(const struct vmha_params *p);

/** @return the value of 'migration_compression' (NULL when unset) */
const char *vmha_params_migration_compression(const struct vmha_params *p);

/** @return the value of 'migration_parallel_connections' */
uint64_t vmha_params_migration_parallel_connections(const struct vmha_params *p);

/** @return whether 'migration_tls' is set */
bool vmha_params_migration_tls(const struct vmha_params *p);

/** @return whether 'migration_precheck' is set */
bool vmha_params_migration_precheck(const struct vmha_params *p);

/** @return the value of 'timeout_ms': OCF_RESKEY_CRM_meta_timeout, default 90000 */
uint64_t vmha_params_timeout_ms(const struct vmha_params *p);

/** @return the value of 'interval_ms': OCF_RESKEY_CRM_meta_interval (0: probe for monitor) */
uint64_t vmha_params_interval_ms(const struct vmha_params *p);

/** @return the value of 'migrate_target' (NULL when unset) */
const char *vmha_params_migrate_target(const struct vmha_params *p);

/** @return the value of 'migrate_source' (NULL when unset) */
const char *vmha_params_migrate_source(const struct vmha_params *p);

/** @return the value of 'instance' (NULL when unset): OCF_RESOURCE_INSTANCE */
const char *vmha_params_instance(const struct vmha_params *p);

/** @return the value of 'rsctmp' (NULL when unset): HA_RSCTMP, default /run/resource-agents */
const char *vmha_params_rsctmp(const struct vmha_params *p);

/** Look up a variable by its full name (e.g. "OCF_RESKEY_config"). */
typedef const char *(*vmha_params_getenv_fn)(const char *name, void *opaque);

/**
 * Parse every parameter through get (getenv in the agent, a table in tests)
 * and check each value on its own (types, enumerations).
 *
 * @param p       from vmha_params_new(), filled in (any earlier values are replaced);
 *                vmha_params_free() it afterwards in every case
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

/**
 * Translate shutdown_mode ("acpi,agent", ...) into VIR_DOMAIN_SHUTDOWN_*
 * flags. @return 0 or -EINVAL naming the unknown mode in reason
 */
int vmha_params_shutdown_flags(const char *mode, unsigned int *flags, char *reason,
                               size_t reason_len);

#endif /* VMHA_AGENT_PARAMS_H */

/*
 * vmhad's configuration file, /etc/vmha/vmhad.conf: "key = value" lines,
 * '#' comments, blank lines. Every error names the file, the line and the key.
 *
 * struct vmha_hbconf is a plain value record of settings.
 */
#ifndef VMHA_HEARTBEAT_HBCONF_H
#define VMHA_HEARTBEAT_HBCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heartbeat/msg.h"

/** most alert agents in alert_path */
#define VMHA_HBCONF_MAX_ALERTS 8

/** What vmhad does on a host loss. */
enum vmha_hb_mode {
	/** observe and report only */
	VMHA_HB_MODE_MONITOR = 0,
	/** fence and restart VMs (heartbeat/failover.h) */
	VMHA_HB_MODE_STANDALONE,
};

/** vmhad's settings. */
struct vmha_hbconf {
	/** CPG group name */
	char group_name[VMHA_NAME_SIZE];
	/** this host's name ("" = the kernel's node name up to the first dot) */
	char host_name[VMHA_NAME_SIZE];
	uint64_t announce_interval_ms;
	/** directory of the storage heartbeat slots on shared storage ("" = none) */
	char storage_dir[1024];
	uint64_t storage_interval_ms;
	uint64_t storage_timeout_ms;
	uint64_t self_fence_delay_ms;
	/** the registry of protected VMs on shared storage (standalone mode) */
	char registry_dir[1024];
	/** the fencing configuration (standalone mode; "" = none: self-fence proof only) */
	char fence_config[1024];
	/** most VM starts at once on this host during a failover */
	unsigned int max_parallel_starts;
	/** a protected VM that stopped on a live host: restarts there (default 1) */
	unsigned int max_restart;
	/** ... then relocations to another host (default 1), then it is left stopped */
	unsigned int max_relocate;
	/**
	 * how long after a host was declared down the survivors wait for a proof
	 * (fencing or the self-fence flag); must exceed self_fence_delay
	 */
	uint64_t restart_delay_ms;
	/** deadline of one VM start */
	uint64_t start_timeout_ms;
	enum vmha_hb_mode mode;
	bool allow_insecure_ring;
	char libvirt_uri[256];
	/** benchmarks only: announce this many made-up VMs instead of libvirt's */
	uint32_t fake_vms;
	/** syslog priority, or -1 to keep the environment's */
	int log_level;
	/**
	 * the watchdog device fed while healthy and quorate (standalone mode;
	 * "" = none, written "none" in the file)
	 */
	char watchdog_device[1024];
	/** the watchdog's timeout: the host resets this long after the last feed */
	uint64_t watchdog_timeout_ms;
	/* alerts, metrics and disk leases (heartbeat/alerts.h, metrics.h, leases.h) */
	/** alert agents: absolute paths separated by spaces ("" = none) */
	char alert_path[2048];
	/** CRM_alert_recipient ("" = none) */
	char alert_recipient[256];
	/** how long one event's agents may run */
	uint64_t alert_timeout_ms;
	/** the Prometheus textfile ("" = none) */
	char metrics_file[1024];
	/** libvirt's configuration directory, read by the disk-lease check */
	char libvirt_conf_dir[1024];
	/**
	 * standalone mode: vmhad does not start without disk leases on this host
	 * (disk_leases = require, the default); false (warn): it runs and warns
	 */
	bool disk_leases_required;
	/** this host's own state (the standby flag), not shared */
	char state_dir[1024];
	/** VM health (heartbeat/health.h): how often the guest agent of an opted-in VM is pinged */
	uint64_t health_interval_ms;
	/** how long one ping may take */
	uint64_t health_timeout_ms;
	/** consecutive failed pings (after a first answer) that make a VM unhealthy */
	unsigned int health_failures;
	/** the libvirt transport `vmha` uses to reach other hosts (lib/transport.h) */
	char migration_transport[16];
};

/** Fill conf with the defaults. */
void vmha_hbconf_defaults(struct vmha_hbconf *conf);

/**
 * Read a configuration file over the defaults. A key given twice and a NUL
 * byte are errors.
 *
 * @param path      the file
 * @param conf      filled on success
 * @param err       receives "FILE:LINE: what is wrong" on failure
 * @param err_size  its size
 * @return 0, -ENOENT (or another -errno) when the file cannot be read,
 *         -EINVAL for a bad line
 */
int vmha_hbconf_load(const char *path, struct vmha_hbconf *conf, char *err, size_t err_size);

/** @return "monitor" or "standalone" */
const char *vmha_hbconf_mode_name(enum vmha_hb_mode mode);

#endif /* VMHA_HEARTBEAT_HBCONF_H */

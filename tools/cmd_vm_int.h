/*
 * vmha vm, private to tools/: the options, and what its three files share
 * (cmd_vm.c: the registry commands; cmd_vm_run.c: start and stop;
 * cmd_vm_migrate.c: live migration).
 */
#ifndef VMHA_TOOLS_CMD_VM_INT_H
#define VMHA_TOOLS_CMD_VM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "planner/model.h"
#include "registry.h"
#include "virt.h"

#define DEFAULT_REGISTRY_DIR "/var/lib/vmha/shared/registry"
#define LOCK_TIMEOUT_MS      10000
#define VIRT_TIMEOUT_MS      30000
/* vmha vm migrate: default --timeout, and the time the abort may take */
#define MIGRATE_TIMEOUT_MS       300000
#define MIGRATE_ABORT_GRACE_MS   30000
#define MIGRATE_POLL_MS          500
#define MIGRATE_VMHAD_CATCHUP_MS 10000

/** The options of vmha vm. */
struct vm_opts {
	const char *dir;
	const char *xml_path;
	const char *settings[VMHA_REGISTRY_N_KEYS];
	bool replace;
	bool json;
	const char *policy;
	const char *on;
	const char *status_path;
	bool force;
	bool dry_run;
	uint64_t timeout_ms;
	uint64_t bandwidth_mibs;
};

/** The status JSON: from vmhad (checked to be root), or from --status FILE; NULL after a message. */
json_object *vmha_cmd_vm_read_status(const struct vm_opts *o);

/** Refuse (with a message) an operator's action that the failover or quorum forbids. @return 0 or -errno */
int vmha_cmd_vm_guard(json_object *status, const char *name, const char *action);

/** @return the string member key of o, or NULL */
const char *vmha_cmd_vm_jstr(json_object *o, const char *key);

/** @return the integer member key of o, or 0 */
int64_t vmha_cmd_vm_jint(json_object *o, const char *key);

/** @return the host where VM name runs according to the announcements, or NULL */
const char *vmha_cmd_vm_running_on(json_object *status, const char *name);

/** The planner model of the cluster from the status and the registry. @return 0 or -errno */
int vmha_cmd_vm_build_model(struct vmha_registry *reg, json_object *status, const char *name,
                            const char *move_to, struct vmha_model **out, size_t *added, char *err,
                            size_t errlen);

/** @return the libvirt URI of host: the local one when host is self, else qemu+tcp://HOST/system (caller frees; NULL when out of memory) */
char *vmha_cmd_vm_host_uri(const char *host, const char *self);

/** Open libvirt on host (the local URI when host is self). @return 0 or -errno */
int vmha_cmd_vm_virt_on(const char *host, const char *self, struct vmha_virt **v);

/** vmha vm start NAME. @return an exit code (enum vmha_exit) */
int vmha_cmd_vm_start(struct vmha_registry *reg, const char *name, const struct vm_opts *o);

/** vmha vm stop NAME. @return an exit code (enum vmha_exit) */
int vmha_cmd_vm_stop(struct vmha_registry *reg, const char *name, const struct vm_opts *o);

/** vmha vm migrate NAME HOST. @return an exit code (enum vmha_exit) */
int vmha_cmd_vm_migrate(struct vmha_registry *reg, const char *name, const char *target,
                        const struct vm_opts *o);

/**
 * Record VM name's desired state in the registry (under its lock).
 * @return 0, -ENOENT when it is not registered, or -errno (a message was printed)
 */
int vmha_cmd_vm_set_desired(struct vmha_registry *reg, const char *name,
                            enum vmha_registry_desired desired, const char *action);

/** vmha vm disable|enable NAME: @return an exit status */
int vmha_cmd_vm_enable(struct vmha_registry *reg, const char *name, bool enable);

#endif /* VMHA_TOOLS_CMD_VM_INT_H */

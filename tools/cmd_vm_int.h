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
	/** --transport (NULL: vmhad.conf's migration_transport, tools/cli_conf.h) */
	const char *transport;
	const char *copy_storage; /* migrate: "all" or "inc" (NULL: shared storage) */
	bool offline;             /* move: cold (the only kind yet) */
	bool keep_source;         /* move: keep the source's disk copies */
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

/** The planner model of the cluster from the status and the registry (name NULL: no VM added or moved). @return 0 or -errno */
int vmha_cmd_vm_build_model(struct vmha_registry *reg, json_object *status, const char *name,
                            const char *move_to, struct vmha_model **out, size_t *added, char *err,
                            size_t errlen);

/** @return the libvirt URI of host: the local one when host is self, else $VMHA_HOST_URI with %h replaced by host, else qemu+TRANSPORT://HOST/system with the configured transport (tools/cli_conf.h; caller frees; NULL after a message) */
char *vmha_cmd_vm_host_uri(const char *host, const char *self);

/** Open libvirt on host (the local URI when host is self). @return 0 or -errno */
int vmha_cmd_vm_virt_on(const char *host, const char *self, struct vmha_virt **v);

/** vmha vm start NAME. @return an exit code (enum vmha_exit) */
int vmha_cmd_vm_start(struct vmha_registry *reg, const char *name, const struct vm_opts *o);

/** vmha vm stop NAME. @return an exit code (enum vmha_exit) */
int vmha_cmd_vm_stop(struct vmha_registry *reg, const char *name, const struct vm_opts *o);

/**
 * Admission control for moving vm to host target: target online, in the
 * VM's allowed hosts, no member of its anti-affinity group there, room in
 * every dimension, and policy (NULL: none) still satisfied with the VM there.
 * @return 0 and *ok (why in reason when not), or -errno with err set
 */
int vmha_cmd_vm_migrate_admission(struct vmha_registry *reg, json_object *status,
                                  const struct vmha_registry_vm *vm, const char *target,
                                  const char *policy, bool *ok, char *reason, size_t reason_len,
                                  char *err, size_t errlen);

/**
 * Live-migrate vm from host source to host target (libvirt of source over
 * the configured transport unless source is self): pre-checks on target,
 * the migration with o's timeout and bandwidth, its arrival verified.
 * Ctrl-C aborts it. The VM keeps running on source on failure.
 * @param progress  print progress on stderr
 * @return 0, or -errno with why set
 */
int vmha_cmd_vm_migrate_do(const struct vmha_registry_vm *vm, const char *source, const char *self,
                           const char *target, const struct vm_opts *o, bool progress, char *why,
                           size_t why_len);

/** Wait (bounded) until vmhad announces VM name on target. @return whether it does (true with --status) */
bool vmha_cmd_vm_caught_up(const struct vm_opts *o, const char *name, const char *target);

/** vmha vm migrate NAME HOST. @return an exit code (enum vmha_exit) */
int vmha_cmd_vm_migrate(struct vmha_registry *reg, const char *name, const char *target,
                        const struct vm_opts *o);

/** vmha vm move NAME HOST --offline (cmd_vm_move.c). @return an exit code (enum vmha_exit) */
int vmha_cmd_vm_move(struct vmha_registry *reg, const char *name, const char *target,
                     const struct vm_opts *o);

struct vmha_migration;
struct vmha_storage_copy;

/**
 * migrate --copy-storage (cmd_vm_move.c): find the disks of dom (its live
 * definition) that target does not share, open target's libvirt in
 * *dst, and set on mig the NBD disk copy (VIR_MIGRATE_NON_SHARED_DISK or
 * _INC, VIR_MIGRATE_PARAM_MIGRATE_DISKS) with bandwidth_mibs (0: none).
 * The volumes are created later (vmha_storage_copy_create_targets()).
 * @return 0 and *out, or -errno after a message
 */
int vmha_cmd_vm_storage_prepare(struct vmha_migration *mig, struct vmha_virt *src,
                                struct vmha_virt_domain *dom, const char *self, const char *target,
                                const char *mode, uint64_t bandwidth_mibs, struct vmha_virt **dst,
                                struct vmha_storage_copy **out);

/**
 * Record VM name's desired state in the registry (under its lock).
 * @return 0, -ENOENT when it is not registered, or -errno (a message was printed)
 */
int vmha_cmd_vm_set_desired(struct vmha_registry *reg, const char *name,
                            enum vmha_registry_desired desired, const char *action);

/** vmha vm disable|enable NAME: @return an exit status */
int vmha_cmd_vm_enable(struct vmha_registry *reg, const char *name, bool enable);

#endif /* VMHA_TOOLS_CMD_VM_INT_H */

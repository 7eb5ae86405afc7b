/*
 * The planner's model of a cluster: hosts with a capacity per named
 * dimension (like Pacemaker utilization), VMs with a demand per dimension,
 * where they run, their priority, restart policy and placement constraints.
 *
 * Build it with the add/set functions (in any order: references to hosts
 * are names, resolved by vmha_model_finish()), then finish it: hosts and
 * VMs are sorted by name and indexed 0..n-1 so that the same input, in any
 * order, gives the same model.
 */
#ifndef VMHA_PLANNER_MODEL_H
#define VMHA_PLANNER_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "priority.h" /* the priority tiers and bounds */

/** Most dimensions a model may have. */
#define VMHA_MODEL_MAX_DIMS 16
/** Largest capacity or demand accepted (keeps sums far from overflow). */
#define VMHA_MODEL_MAX_AMOUNT (UINT64_C(1) << 40)

struct vmha_model;

/** @return an empty model, or NULL when out of memory */
struct vmha_model *vmha_model_new(void);

/** Free a model; NULL is a no-op. */
void vmha_model_free(struct vmha_model *m);

/**
 * Index of a dimension, created when @p create and not known yet.
 *
 * @return 0 and *index set; -ENOENT (unknown, !create), -E2BIG (too many
 *         dimensions), -EINVAL (bad name), -ENOMEM
 */
int vmha_model_dim(struct vmha_model *m, const char *name, bool create, size_t *index);

/** @return the number of dimensions */
size_t vmha_model_dim_count(const struct vmha_model *m);

/** @return the name of dimension @p d */
const char *vmha_model_dim_name(const struct vmha_model *m, size_t d);

/**
 * Add a host (before finish). @p origin says where it was defined
 * ("file:line"), for error messages; it is copied.
 *
 * @return 0 and *index set, -EINVAL (bad name), -ENOMEM, -EBUSY (finished)
 */
int vmha_model_add_host(struct vmha_model *m, const char *name, const char *origin, size_t *index);

/** Set host @p h's capacity in dimension @p d. @return 0 or -ERANGE */
int vmha_model_host_set_capacity(struct vmha_model *m, size_t h, size_t d, uint64_t amount);

/** Mark host @p h as a dedicated failover host. */
void vmha_model_host_set_failover(struct vmha_model *m, size_t h, bool failover);

/** Mark host @p h as in standby/maintenance: it takes no VMs. */
void vmha_model_host_set_standby(struct vmha_model *m, size_t h, bool standby);

/**
 * Mark host @p h as offline (not a cluster member now): like standby it takes
 * no VMs and its capacity counts for nothing; vmha_model_host_is_standby()
 * is true for it too.
 */
void vmha_model_host_set_offline(struct vmha_model *m, size_t h, bool offline);

/**
 * Add a VM (before finish).
 *
 * @return 0 and *index set, -EINVAL (bad name), -ENOMEM, -EBUSY (finished)
 */
int vmha_model_add_vm(struct vmha_model *m, const char *name, const char *origin, size_t *index);

/** Set VM @p v's demand in dimension @p d. @return 0 or -ERANGE */
int vmha_model_vm_set_demand(struct vmha_model *m, size_t v, size_t d, uint64_t amount);

/** Set the host VM @p v runs on now (a name, resolved at finish; NULL: not running). */
int vmha_model_vm_set_host(struct vmha_model *m, size_t v, const char *host);

/** Set VM @p v's priority. @return 0 or -ERANGE */
int vmha_model_vm_set_priority(struct vmha_model *m, size_t v, int64_t priority);

/** Set VM @p v's restart policy: false is "never". */
void vmha_model_vm_set_restart(struct vmha_model *m, size_t v, bool restart);

/** Put VM @p v in anti-affinity group @p group. @return 0, -EINVAL, -ENOMEM */
int vmha_model_vm_add_group(struct vmha_model *m, size_t v, const char *group);

/** Allow VM @p v on host @p host (once any is given, only those). @return 0 or -errno */
int vmha_model_vm_add_allowed(struct vmha_model *m, size_t v, const char *host);

/** Add @p host to VM @p v's preferred hosts. @return 0 or -errno */
int vmha_model_vm_add_preferred(struct vmha_model *m, size_t v, const char *host);

/**
 * Sort hosts and VMs by name, resolve host references and check the model:
 * duplicate names, unknown hosts. On error writes a message naming the
 * origin and the field into @p err.
 *
 * @return 0, -EINVAL (bad model, message in err) or -ENOMEM
 */
int vmha_model_finish(struct vmha_model *m, char *err, size_t errlen);

/** @return true once vmha_model_finish() succeeded */
bool vmha_model_is_finished(const struct vmha_model *m);

/** @return the number of hosts */
size_t vmha_model_host_count(const struct vmha_model *m);
/** @return host @p h's name */
const char *vmha_model_host_name(const struct vmha_model *m, size_t h);
/** @return host @p h's capacity in dimension @p d */
uint64_t vmha_model_host_capacity(const struct vmha_model *m, size_t h, size_t d);
/** @return whether host @p h is a dedicated failover host */
bool vmha_model_host_is_failover(const struct vmha_model *m, size_t h);
/** @return whether host @p h takes no VMs (standby, maintenance or offline) */
bool vmha_model_host_is_standby(const struct vmha_model *m, size_t h);
/** @return whether host @p h is offline */
bool vmha_model_host_is_offline(const struct vmha_model *m, size_t h);
/** Find a host by name (after finish). @return 0 and *h, or -ENOENT */
int vmha_model_host_find(const struct vmha_model *m, const char *name, size_t *h);

/** @return the number of VMs */
size_t vmha_model_vm_count(const struct vmha_model *m);
/** @return VM @p v's name */
const char *vmha_model_vm_name(const struct vmha_model *m, size_t v);
/** @return VM @p v's demand in dimension @p d */
uint64_t vmha_model_vm_demand(const struct vmha_model *m, size_t v, size_t d);
/** @return the host VM @p v runs on, or -1 when it is not running */
long vmha_model_vm_host(const struct vmha_model *m, size_t v);
/** @return VM @p v's priority */
int64_t vmha_model_vm_priority(const struct vmha_model *m, size_t v);
/** @return false when VM @p v's restart policy is "never" */
bool vmha_model_vm_restarts(const struct vmha_model *m, size_t v);
/** @return the number of anti-affinity groups (after finish) */
size_t vmha_model_group_count(const struct vmha_model *m);
/** @return the name of group @p g */
const char *vmha_model_group_name(const struct vmha_model *m, size_t g);
/** @return the number of groups VM @p v belongs to */
size_t vmha_model_vm_group_count(const struct vmha_model *m, size_t v);
/** @return the @p i-th group (an index) of VM @p v, groups in name order */
size_t vmha_model_vm_group(const struct vmha_model *m, size_t v, size_t i);
/** @return whether VM @p v may run on host @p h (allowed hosts) */
bool vmha_model_vm_allows(const struct vmha_model *m, size_t v, size_t h);
/**
 * Change where VM @p v runs in a finished model (-1: not running): used to
 * try out the placement of a new VM. @return 0 or -EINVAL
 */
int vmha_model_vm_place(struct vmha_model *m, size_t v, long h);

/** @return whether VM @p v has an allowed-hosts restriction */
bool vmha_model_vm_is_restricted(const struct vmha_model *m, size_t v);
/** @return whether host @p h is one of VM @p v's preferred hosts */
bool vmha_model_vm_prefers(const struct vmha_model *m, size_t v, size_t h);

/**
 * Parse a priority: a tier name (highest, high, medium, low, lowest) or an
 * integer. @return 0 and *out, -EINVAL or -ERANGE
 */
int vmha_model_priority_parse(const char *text, int64_t *out);

/** Format a priority (tier name when it is one) into @p buf. @return buf */
const char *vmha_model_priority_format(int64_t priority, char *buf, size_t len);

#endif /* VMHA_PLANNER_MODEL_H */

/*
 * Admission control: does the cluster satisfy a policy, now or with one
 * more VM?
 *
 *   host-failures:N           every set of N hosts can fail and the planner
 *                             restarts every displaced VM (real packing)
 *   slots:N[,DIM=SIZE...]     vSphere HA slots: slot = largest demand per
 *                             dimension among running VMs (or the given
 *                             size); N hosts, largest first, may fail
 *   percent:DIM=P[,DIM=P...]  P % of each dimension stays free
 *   failover-hosts[:H,...]    dedicated failover hosts (default: the nodes
 *                             flagged failover) run no VM and absorb the
 *                             failure of as many other hosts as there are
 *                             failover hosts
 */
#ifndef VMHA_PLANNER_ADMISSION_H
#define VMHA_PLANNER_ADMISSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

enum vmha_admission_kind {
	VMHA_ADMISSION_HOST_FAILURES,
	VMHA_ADMISSION_SLOTS,
	VMHA_ADMISSION_PERCENT,
	VMHA_ADMISSION_FAILOVER_HOSTS,
};

struct vmha_admission;

/**
 * Parse @p policy against a finished model (dimensions and hosts it names
 * must exist). The model is kept by reference; with --add semantics it is
 * modified by vmha_admission_check().
 *
 * @return 0 and *out, -EINVAL (message naming the field in err), -ENOMEM
 */
int vmha_admission_new(struct vmha_model *m, const char *policy, struct vmha_admission **out,
                       char *err, size_t errlen);

/** Free; NULL is a no-op. */
void vmha_admission_free(struct vmha_admission *a);

/**
 * Evaluate the policy. When @p added is a VM index (not running), the VM
 * is first placed by the planner (as a restart would place it) and the
 * policy is evaluated with it running there.
 *
 * @return 0 (see vmha_admission_satisfied()), -EINVAL, -ENOMEM
 */
int vmha_admission_check(struct vmha_admission *a, long added);

/** @return the policy kind */
enum vmha_admission_kind vmha_admission_kind(const struct vmha_admission *a);
/** @return the policy text, normalised */
const char *vmha_admission_policy(const struct vmha_admission *a);
/** @return whether the policy is satisfied */
bool vmha_admission_satisfied(const struct vmha_admission *a);
/** @return why not ("" when satisfied) */
const char *vmha_admission_reason(const struct vmha_admission *a);
/** @return how many host failures are tolerated today */
size_t vmha_admission_tolerated(const struct vmha_admission *a);
/** @return false when the tolerated count is only a lower bound (search cut short) */
bool vmha_admission_tolerated_exact(const struct vmha_admission *a);
/** @return the host the added VM was placed on, or -1 */
long vmha_admission_added_host(const struct vmha_admission *a);

/** @return slot size in dimension @p d (slots) */
uint64_t vmha_admission_slot(const struct vmha_admission *a, size_t d);
/** @return the slots host @p h holds (slots) */
uint64_t vmha_admission_host_slots(const struct vmha_admission *a, size_t h);
/** @return free slots after the reserve for the configured failures (slots) */
uint64_t vmha_admission_free_slots(const struct vmha_admission *a);
/** @return the number of slots running VMs use (slots) */
uint64_t vmha_admission_used_slots(const struct vmha_admission *a);

/** @return whether dimension @p d has a reserve (percent) */
bool vmha_admission_has_reserve(const struct vmha_admission *a, size_t d);
/** @return the reserved percent of dimension @p d (percent) */
unsigned int vmha_admission_reserve_percent(const struct vmha_admission *a, size_t d);
/** @return (total - used) / total as a whole percent rounded down (percent) */
unsigned int vmha_admission_failover_percent(const struct vmha_admission *a, size_t d);
/** @return the percent still available above the reserve (percent) */
unsigned int vmha_admission_available_percent(const struct vmha_admission *a, size_t d);

/** @return the number of hosts in the worst failure scenario (0: none) */
size_t vmha_admission_worst_count(const struct vmha_admission *a);
/** @return the @p i-th failed host of the worst scenario, in name order */
size_t vmha_admission_worst_host(const struct vmha_admission *a, size_t i);
/** @return the number of VMs the worst scenario strands */
size_t vmha_admission_stranded_count(const struct vmha_admission *a);
/** The @p i-th stranded VM (name order) and why. */
void vmha_admission_stranded(const struct vmha_admission *a, size_t i, size_t *vm,
                             const char **reason);

#endif /* VMHA_PLANNER_ADMISSION_H */

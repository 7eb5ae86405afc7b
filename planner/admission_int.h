/*
 * Internal to admission control (admission.c: the policy, its parsing and
 * the results; admission_check.c: the check). Not for other modules.
 */
#ifndef VMHA_PLANNER_ADMISSION_INT_H
#define VMHA_PLANNER_ADMISSION_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admission.h"
#include "model.h"

struct vmha_admission {
	struct vmha_model *m;
	enum vmha_admission_kind kind;
	char policy[256];
	size_t n; /* host failures / slots failures */
	uint64_t fixed_slot[VMHA_MODEL_MAX_DIMS];
	unsigned int reserve[VMHA_MODEL_MAX_DIMS];
	bool has_reserve[VMHA_MODEL_MAX_DIMS];
	unsigned char *fo; /* failover hosts of the policy */
	/* results */
	bool satisfied;
	bool nothing; /* no running VM to restart */
	char reason[1024];
	size_t tolerated;
	bool exact;
	long added_host;
	uint64_t slot[VMHA_MODEL_MAX_DIMS];
	uint64_t *slots;
	uint64_t used_slots;
	uint64_t free_slots;
	unsigned int failover_pct[VMHA_MODEL_MAX_DIMS];
	unsigned int available_pct[VMHA_MODEL_MAX_DIMS];
	size_t *worst;
	size_t nworst;
	size_t *stranded;
	char **stranded_reason;
	size_t nstranded;
};

#endif

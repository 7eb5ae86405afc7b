/* VM health from guest agent pings (see vmhealth.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heartbeat/vmhealth.h"
#include "heartbeat/msg.h"
#include "util.h"

struct health_vm {
	char name[VMHA_NAME_SIZE];
	int64_t run_id;
	enum vmha_vmhealth_state state;
	unsigned int failed;
	bool seen;
};

struct vmha_vmhealth {
	unsigned int failures;
	struct health_vm *vms;
	size_t n_vms;
	size_t cap;
};

static const char *const state_names[] = {
        [VMHA_VMHEALTH_WAITING] = "waiting", [VMHA_VMHEALTH_HEALTHY] = "healthy",
        [VMHA_VMHEALTH_FAILING] = "failing", [VMHA_VMHEALTH_UNHEALTHY] = "unhealthy",
        [VMHA_VMHEALTH_STOPPED] = "stopped",
};

static const char *const input_names[] = {
        [VMHA_VMHEALTH_IN_OK] = "ok",
        [VMHA_VMHEALTH_IN_FAILED] = "failed",
        [VMHA_VMHEALTH_IN_NOT_CONNECTED] = "not-connected",
        [VMHA_VMHEALTH_IN_NOT_RUNNING] = "not-running",
};

struct vmha_vmhealth *vmha_vmhealth_new(unsigned int failures)
{
	struct vmha_vmhealth *h = NULL;

	if (failures == 0) {
		errno = EINVAL;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h != NULL) {
		h->failures = failures;
	}
	return h;
}

void vmha_vmhealth_free(struct vmha_vmhealth *h)
{
	if (h == NULL) {
		return;
	}
	free(h->vms);
	free(h);
}

static struct health_vm *find(const struct vmha_vmhealth *h, const char *vm)
{
	size_t i;

	for (i = 0; i < h->n_vms; i++) {
		if (strcmp(h->vms[i].name, vm) == 0) {
			return &h->vms[i];
		}
	}
	return NULL;
}

static struct health_vm *get(struct vmha_vmhealth *h, const char *vm, int64_t run_id)
{
	struct health_vm *v = find(h, vm);

	if (v != NULL) {
		return v;
	}
	if (h->n_vms == h->cap) {
		size_t cap = h->cap == 0 ? 8 : h->cap * 2;
		struct health_vm *n = realloc(h->vms, cap * sizeof(*n));

		if (n == NULL) {
			return NULL;
		}
		h->vms = n;
		h->cap = cap;
	}
	v = &h->vms[h->n_vms++];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", vm);
	v->run_id = run_id;
	v->state = VMHA_VMHEALTH_WAITING;
	return v;
}

/* A failed ping (or a lost agent) of a watched VM. */
static enum vmha_vmhealth_action failed_ping(const struct vmha_vmhealth *h, struct health_vm *v)
{
	if (v->state == VMHA_VMHEALTH_WAITING) {
		return VMHA_VMHEALTH_NOTHING; /* never answered in this run: not watched */
	}
	if (v->state == VMHA_VMHEALTH_UNHEALTHY) {
		return VMHA_VMHEALTH_DESTROY_AGAIN;
	}
	v->failed++;
	if (v->failed >= h->failures) {
		v->state = VMHA_VMHEALTH_UNHEALTHY;
		return VMHA_VMHEALTH_DESTROY;
	}
	v->state = VMHA_VMHEALTH_FAILING;
	return VMHA_VMHEALTH_NOTHING;
}

int vmha_vmhealth_observe(struct vmha_vmhealth *h, const char *vm, int64_t run_id,
                          enum vmha_vmhealth_input in, enum vmha_vmhealth_action *action)
{
	struct health_vm *v = NULL;

	*action = VMHA_VMHEALTH_NOTHING;
	if (h == NULL || vm == NULL || !vmha_util_name_is_valid(vm) ||
	    vmha_vmhealth_input_name(in) == NULL) {
		return -EINVAL;
	}
	v = get(h, vm, run_id);
	if (v == NULL) {
		return -ENOMEM;
	}
	v->seen = true;
	if (in == VMHA_VMHEALTH_IN_NOT_RUNNING) {
		v->state = VMHA_VMHEALTH_STOPPED;
		v->failed = 0;
		return 0;
	}
	if (v->state == VMHA_VMHEALTH_STOPPED || v->run_id != run_id) {
		/* (re)started: a new run, unwatched until it answers */
		v->state = VMHA_VMHEALTH_WAITING;
		v->failed = 0;
		v->run_id = run_id;
	}
	if (in == VMHA_VMHEALTH_IN_OK) {
		if (v->state == VMHA_VMHEALTH_UNHEALTHY) {
			/* an answer does not undo the verdict: the destroy goes on */
			*action = VMHA_VMHEALTH_DESTROY_AGAIN;
			return 0;
		}
		v->state = VMHA_VMHEALTH_HEALTHY;
		v->failed = 0;
		return 0;
	}
	*action = failed_ping(h, v);
	return 0;
}

int vmha_vmhealth_get(const struct vmha_vmhealth *h, const char *vm,
                      enum vmha_vmhealth_state *state, unsigned int *failed)
{
	const struct health_vm *v = h != NULL && vm != NULL ? find(h, vm) : NULL;

	if (v == NULL) {
		return -ENOENT;
	}
	*state = v->state;
	*failed = v->failed;
	return 0;
}

void vmha_vmhealth_keep(struct vmha_vmhealth *h, const char *vm)
{
	struct health_vm *v = h != NULL && vm != NULL ? find(h, vm) : NULL;

	if (v != NULL) {
		v->seen = true;
	}
}

void vmha_vmhealth_end_round(struct vmha_vmhealth *h)
{
	size_t i = 0;

	if (h == NULL) {
		return;
	}
	while (i < h->n_vms) {
		if (!h->vms[i].seen) {
			h->vms[i] = h->vms[h->n_vms - 1];
			h->n_vms--;
			continue;
		}
		h->vms[i].seen = false;
		i++;
	}
}

size_t vmha_vmhealth_count(const struct vmha_vmhealth *h)
{
	return h != NULL ? h->n_vms : 0;
}

const char *vmha_vmhealth_name(const struct vmha_vmhealth *h, size_t i)
{
	return h != NULL && i < h->n_vms ? h->vms[i].name : NULL;
}

const char *vmha_vmhealth_state_name(enum vmha_vmhealth_state state)
{
	return (size_t)state < sizeof(state_names) / sizeof(state_names[0]) ? state_names[state]
	                                                                    : "?";
}

const char *vmha_vmhealth_input_name(enum vmha_vmhealth_input in)
{
	return (size_t)in < sizeof(input_names) / sizeof(input_names[0]) ? input_names[in] : NULL;
}

int vmha_vmhealth_input_parse(const char *text, enum vmha_vmhealth_input *out)
{
	size_t i;

	for (i = 0; text != NULL && i < sizeof(input_names) / sizeof(input_names[0]); i++) {
		if (strcmp(text, input_names[i]) == 0) {
			*out = (enum vmha_vmhealth_input)i;
			return 0;
		}
	}
	return -EINVAL;
}

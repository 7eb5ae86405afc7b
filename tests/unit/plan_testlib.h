/*
 * Helpers of the planner's unit tests (plan_test.c, plan_property_test.c):
 * models from scenario text, lookups by name, a deterministic generator and
 * random clusters.
 */
#ifndef VMHA_TESTS_UNIT_PLAN_TESTLIB_H
#define VMHA_TESTS_UNIT_PLAN_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "planner/model.h"

/** The state of rnd(): a test sets it first, so that its clusters are the same every run. */
extern uint64_t rng_state;

/**
 * A small deterministic generator (tests must not depend on libc's rand).
 * @param n bound
 * @return a number in [0, n), 0 when n is 0
 */
uint32_t rnd(uint32_t n);

/**
 * A finished model from scenario text; fails the test on bad text.
 * @param text scenario lines
 * @return the model (never NULL)
 */
struct vmha_model *model_from(const char *text);

/**
 * The index of host @p name; fails the test when there is none.
 * @param m model
 * @param name host name
 * @return host index
 */
size_t host(const struct vmha_model *m, const char *name);

/**
 * The index of VM @p name; fails the test when there is none.
 * @param m model
 * @param name VM name
 * @return VM index
 */
size_t vm(const struct vmha_model *m, const char *name);

/* ---- random clusters ---- */

/** A random cluster as scenario lines. */
struct text {
	char lines[128][256];
	size_t n;
};

/**
 * Fill @p t with a random cluster (from rnd()).
 * @param t receives the lines
 * @param nh hosts
 * @param nd dimensions
 * @param nv VMs
 * @param small small demands and few constraints
 */
void random_cluster(struct text *t, size_t nh, size_t nd, size_t nv, bool small);

/**
 * The model of @p t, its lines in the order @p perm gives (NULL: as they are).
 * @param t lines
 * @param perm permutation of the line indexes, or NULL
 * @return the model (never NULL)
 */
struct vmha_model *model_of(const struct text *t, const size_t *perm);

/**
 * Whether VMs @p a and @p b share an anti-affinity group.
 * @param m model
 * @param a VM index
 * @param b VM index
 * @return true when they do
 */
bool share_group(const struct vmha_model *m, size_t a, size_t b);

/* ---- plans of generated perfect packings ---- */

struct vmha_plan;

/**
 * Fail the test unless plan @p p of model @p m is feasible: capacity per
 * dimension, anti-affinity, allowed hosts, survivors only.
 * @param m model
 * @param p plan
 */
void check_feasible(const struct vmha_model *m, const struct vmha_plan *p);

/**
 * @param m model
 * @param p plan
 * @return the VMs plan @p p strands
 */
size_t count_stranded(const struct vmha_model *m, const struct vmha_plan *p);

/** How tight_cluster() builds a cluster. */
struct tight_opts {
	/** survivors */
	size_t ns;
	/** VMs cut from each survivor's room */
	size_t k;
	/** dimensions (1 to 3) */
	size_t nd;
	/** priorities, anti-affinity and allowed hosts (the hidden host always among them) */
	bool extras;
	/** capacity and demands in whole units of this size */
	uint64_t unit;
	/** a survivor's room in units per dimension: base + per_vm * k + rnd(spread + spread_per_vm * k) */
	uint64_t room_base;
	/** see room_base */
	uint64_t room_per_vm;
	/** see room_base */
	uint64_t room_spread;
	/** see room_base */
	uint64_t room_spread_per_vm;
	/** with extras: the first this many VMs of each survivor join groups g0, g1, ... */
	size_t groups;
	/** with extras: one VM in this many gets allowed hosts */
	uint32_t allowed_one_in;
};

/**
 * A tight cluster: the VMs of host "failed" are the survivors' room cut
 * into pieces (from rnd()), so that all of them fit, with no room left
 * in the hidden packing.
 * @param o how to build it
 * @return the model (never NULL)
 */
struct vmha_model *tight_cluster(const struct tight_opts *o);

/**
 * A perfect packing of @p ns survivors, @p k VMs each, in whole units
 * (several packings fit): the VMs of host "failed" cut from the survivors'
 * capacity; with @p extras, priorities, anti-affinity and allowed hosts
 * (the hidden host always among them).
 * @param ns survivors
 * @param k VMs per survivor
 * @param nd dimensions (2 or 3)
 * @param extras priorities, anti-affinity and allowed hosts
 * @return the model (never NULL)
 */
struct vmha_model *perfect(size_t ns, size_t k, size_t nd, bool extras);

#endif

/*
 * The seeded multi-member simulation of vmhad's standalone failover (see
 * failover_sim.h), as a cmocka test program.
 *
 * Environment:
 *   VMHA_SIM_SEEDS=N      run seeds 1..N (default 3000), within the time budget
 *   VMHA_SIM_BUDGET_MS=T  stop the random seeds after T ms (default 20000)
 *   VMHA_SIM_FIRST=K      the first random seed (default 1)
 *   VMHA_SIM_SEED=S       replay seed S only, and print its whole trace
 *   VMHA_SIM_ENGINE=NAME  the engine to drive (default: the newest one built)
 *   VMHA_SIM_KEEP_GOING=1 report every failing seed instead of the first
 *   VMHA_SIM_STRICT=1     known failures (xfail) fail too
 *   VMHA_SIM_GATE=0       check the one rule only, not that quorum gates every
 *                         START and FENCE (to see where a gate failure leads)
 *   VMHA_SIM_FAULT_MASK=X keep only the fault kinds of hex mask X (exploration; the
 *                         bit order is that of failover_sim_faults.c)
 *   VMHA_SIM_HEAL_MS=T    a heal phase of T ms (exploration: does a liveness
 *                         failure go away with more time?)
 *
 * tests/failover/sim-seeds.list: seeds that found something, replayed on
 * every run: "SEED DESCRIPTION", or "SEED xfail DESCRIPTION" for a known
 * failure still open; and "xfail-class TEXT -- WHY": a failure whose text
 * contains TEXT belongs to a class of bugs still open. Known failures are
 * reported and do not fail the test (VMHA_SIM_STRICT=1: they do).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "failover_sim.h"
#include "failover_sim_engines.h"

#ifndef FO_SCENARIO_DIR
#error "FO_SCENARIO_DIR must name tests/failover"
#endif

#define SEED_LIST FO_SCENARIO_DIR "/sim-seeds.list"

static const struct sim_engine_ops *engine(void)
{
	const char *name = getenv("VMHA_SIM_ENGINE");
	static const struct sim_engine_ops *const all[] = {
	        &sim_engine_coordinator,
	        NULL,
	};
	size_t i;

	for (i = 0; name != NULL && all[i] != NULL; i++) {
		if (strcmp(all[i]->name, name) == 0) {
			return all[i];
		}
	}
	if (name != NULL) {
		fail_msg("VMHA_SIM_ENGINE=%s: no such engine", name);
	}
	/* the last one listed is the newest */
	for (i = 0; all[i + 1] != NULL; i++) {
	}
	return all[i];
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);
	char *end = NULL;
	unsigned long long n;

	if (v == NULL || *v == '\0') {
		return dflt;
	}
	n = strtoull(v, &end, 10);
	if (*end != '\0') {
		fail_msg("%s=%s: not a number", name, v);
	}
	return n;
}

static uint64_t env_u64(const char *name, uint64_t dflt);

/* The knobs of a seed, with VMHA_SIM_FAULT_MASK applied. */
static void params(uint64_t seed, struct sim_params *p)
{
	const char *mask = getenv("VMHA_SIM_FAULT_MASK");

	sim_params_from_seed(seed, p);
	if (mask != NULL && *mask != '\0') {
		p->faults &= (unsigned int)strtoul(mask, NULL, 16);
	}
	p->gate_checks = env_u64("VMHA_SIM_GATE", 1) != 0;
	p->heal_phase_ms = env_u64("VMHA_SIM_HEAL_MS", p->heal_phase_ms);
}

/* Print the trace of a failed seed: all of it with full, else its last lines. */
static void report(const struct sim_engine_ops *ops, uint64_t seed, bool full)
{
	struct sim_params p;
	struct sim_result r;
	char desc[512];
	char path[64];
	FILE *f = NULL;
	const char *tail = NULL;
	size_t lines = 0;
	size_t len;

	params(seed, &p);
	p.trace = true;
	sim_run(ops, &p, &r);
	sim_params_describe(&p, desc, sizeof(desc));
	if (r.trace == NULL) {
		return;
	}
	snprintf(path, sizeof(path), "failover_sim-%" PRIu64 ".trace", seed);
	f = fopen(path, "we");
	if (f != NULL) {
		fprintf(f, "# engine %s, %s\n# %s\n%s", ops->name, desc,
		        r.ok ? "passed" : r.failure, r.trace);
		fclose(f);
	}
	len = strlen(r.trace);
	tail = r.trace + len;
	while (!full && tail > r.trace && lines < 120) {
		tail--;
		if (*tail == '\n' && tail + 1 < r.trace + len) {
			lines++;
		}
	}
	if (!full && tail > r.trace) {
		tail++;
	}
	fprintf(stderr, "# engine %s, %s\n", ops->name, desc);
	fprintf(stderr, "# %s%s (whole trace: %s; replay: VMHA_SIM_SEED=%" PRIu64 ")\n",
	        full ? "" : "... last lines of the trace ", r.ok ? "passed" : r.failure, path,
	        seed);
	fputs(tail, stderr);
	free(r.trace);
}

static bool run_seed(const struct sim_engine_ops *ops, uint64_t seed, struct sim_result *r)
{
	struct sim_params p;

	params(seed, &p);
	sim_run(ops, &p, r);
	free(r->trace);
	r->trace = NULL;
	return r->ok;
}

#define MAX_CLASSES 16

/* How often each "xfail-class" line of the seed list matched a failure. */
static unsigned int class_hits[MAX_CLASSES];

/*
 * @return whether a failure is known: seed is listed "SEED xfail ...", or the
 *         failure text contains the TEXT of a line "xfail-class TEXT -- WHY"
 *         (a class of failures still open); never with VMHA_SIM_STRICT=1
 */
static bool known_failure(uint64_t seed, const char *failure)
{
	FILE *f = NULL;
	char line[1024];
	bool found = false;
	size_t k = 0;

	if (env_u64("VMHA_SIM_STRICT", 0) != 0) {
		return false;
	}
	f = fopen(SEED_LIST, "re");
	while (f != NULL && !found && fgets(line, sizeof(line), f) != NULL) {
		unsigned long long s;
		int used = 0;
		char *sep = strstr(line, " -- ");

		if (strncmp(line, "xfail-class ", 12) == 0 && sep != NULL) {
			*sep = '\0';
			found = strstr(failure, line + 12) != NULL;
			if (found && k < MAX_CLASSES) {
				class_hits[k]++;
			}
			k++;
		} else if (line[0] != '#' && sscanf(line, "%llu %n", &s, &used) == 1) {
			found = s == seed && strncmp(line + used, "xfail ", 6) == 0;
		}
	}
	if (f != NULL) {
		fclose(f);
	}
	return found;
}

/* A class that no random seed fell into may be fixed: say so. */
static void report_classes(void)
{
	FILE *f = fopen(SEED_LIST, "re");
	char line[1024];
	size_t k = 0;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *sep = strstr(line, " -- ");

		if (strncmp(line, "xfail-class ", 12) != 0 || sep == NULL) {
			continue;
		}
		*sep = '\0';
		print_message("xfail-class '%s': %u random seeds%s\n", line + 12,
		              k < MAX_CLASSES ? class_hits[k] : 0,
		              k < MAX_CLASSES && class_hits[k] == 0 ? " (fixed? drop the line)"
		                                                    : "");
		k++;
	}
	if (f != NULL) {
		fclose(f);
	}
}

/* The seeds of tests/failover/sim-seeds.list, every time. */
static void test_seed_list(void **state)
{
	const struct sim_engine_ops *ops = engine();
	FILE *f = fopen(SEED_LIST, "re");
	char line[1024];
	unsigned int lineno = 0;
	unsigned int failed = 0;

	(void)state;
	if (f == NULL) {
		fail_msg("cannot read '%s'", SEED_LIST);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		struct sim_result r;
		unsigned long long seed;
		int used = 0;
		bool xfail;

		lineno++;
		if (line[0] == '#' || line[0] == '\n' || strncmp(line, "xfail-class ", 12) == 0) {
			continue;
		}
		if (sscanf(line, "%llu %n", &seed, &used) != 1 || used == 0) {
			fail_msg("%s:%u: expected 'SEED [xfail] DESCRIPTION'", SEED_LIST, lineno);
		}
		xfail = strncmp(line + used, "xfail ", 6) == 0 &&
		        env_u64("VMHA_SIM_STRICT", 0) == 0;
		if (run_seed(ops, seed, &r)) {
			if (xfail) {
				print_message("%s:%u: seed %llu (xfail) passes now: drop 'xfail'\n",
				              SEED_LIST, lineno, seed);
			}
			continue;
		}
		if (xfail) {
			print_message("%s:%u: seed %llu still fails (known): %s\n", SEED_LIST,
			              lineno, seed, r.failure);
			continue;
		}
		print_message("%s:%u: seed %llu fails: %s\n", SEED_LIST, lineno, seed, r.failure);
		report(ops, seed, false);
		failed++;
	}
	fclose(f);
	if (failed > 0) {
		fail_msg("%u seeds of '%s' fail with engine '%s'", failed, SEED_LIST, ops->name);
	}
}

/* Seeds first..first+n-1, within the time budget. */
static void test_random_seeds(void **state)
{
	const struct sim_engine_ops *ops = engine();
	uint64_t n = env_u64("VMHA_SIM_SEEDS", 3000);
	uint64_t first = env_u64("VMHA_SIM_FIRST", 1);
	uint64_t budget = env_u64("VMHA_SIM_BUDGET_MS", 20000);
	bool keep_going = env_u64("VMHA_SIM_KEEP_GOING", 0) != 0;
	uint64_t start = now_ms();
	uint64_t seed;
	uint64_t ran = 0;
	uint64_t failed = 0;
	uint64_t first_failed = 0;
	uint64_t known = 0;
	size_t starts = 0, fences = 0, forged = 0, events = 0;

	(void)state;
	for (seed = first; seed < first + n; seed++) {
		struct sim_result r;

		if (now_ms() - start >= budget) {
			print_message("time budget of %" PRIu64 " ms used: stopping after %" PRIu64
			              " seeds (VMHA_SIM_BUDGET_MS)\n",
			              budget, ran);
			break;
		}
		ran++;
		if (!run_seed(ops, seed, &r)) {
			if (known_failure(seed, r.failure)) {
				known++;
				if (keep_going) {
					print_message("seed %" PRIu64 " fails (known): %s\n", seed,
					              r.failure);
				}
			} else {
				print_message("seed %" PRIu64 " fails: %s\n", seed, r.failure);
				if (failed++ == 0) {
					first_failed = seed;
				}
				if (!keep_going) {
					break;
				}
			}
		}
		starts += r.starts;
		fences += r.fences;
		forged += r.forged;
		events += r.events;
	}
	print_message("engine %s: %" PRIu64 " seeds from %" PRIu64 " in %" PRIu64
	              " ms: %zu events, %zu starts, %zu fences, %zu forged messages; %" PRIu64
	              " failed, %" PRIu64 " failed as known (xfail in %s)\n",
	              ops->name, ran, first, now_ms() - start, events, starts, fences, forged,
	              failed, known, SEED_LIST);
	if (env_u64("VMHA_SIM_STRICT", 0) == 0) {
		report_classes();
	}
	if (failed > 0) {
		report(ops, first_failed, false);
		fail_msg("%" PRIu64 " of %" PRIu64 " seeds fail; first: %" PRIu64
		         " (replay: VMHA_SIM_SEED=%" PRIu64 ")",
		         failed, ran, first_failed, first_failed);
	}
	assert_true(ran > 0);
}

/* ---- the checker can fail: an engine that starts what it hears of ---- */

static const struct sim_engine_ops *saboteur_base;

static void sab_message(void *e, uint64_t now, uint32_t nodeid, uint32_t pid, const void *buf,
                        size_t len)
{
	struct sim_member **m = e;
	const char *vm = strstr((const char *)buf, "\"name\":\"vm");

	saboteur_base->message(m[1], now, nodeid, pid, buf, len);
	if (vm != NULL && nodeid != sim_member_nodeid(m[0])) {
		char name[16];

		snprintf(name, sizeof(name), "%.*s", (int)strcspn(vm + 8, "\""), vm + 8);
		sim_start_vm(m[0], name);
	}
}

static void *sab_start(struct sim_member *m)
{
	struct sim_member **pair = calloc(2, sizeof(*pair));

	if (pair == NULL) {
		abort();
	}
	pair[0] = m;
	pair[1] = saboteur_base->start(m);
	return pair;
}

static void sab_stop(void *e)
{
	struct sim_member **m = e;

	if (m != NULL) {
		saboteur_base->stop(m[1]);
		free(m);
	}
}

#define SAB_FWD(fn, params, args)          \
	static void sab_##fn params        \
	{                                  \
		struct sim_member **m = e; \
		saboteur_base->fn args;    \
	}

SAB_FWD(ring, (void *e, uint64_t now, uint64_t s, const uint32_t *n, size_t c),
        (m[1], now, s, n, c))
SAB_FWD(confchg,
        (void *e, uint64_t now, const struct sim_proc *a, size_t na, const struct sim_proc *l,
         size_t nl, const struct sim_proc *j, size_t nj),
        (m[1], now, a, na, l, nl, j, nj))
SAB_FWD(quorum, (void *e, uint64_t now, bool q), (m[1], now, q))
SAB_FWD(tick, (void *e, uint64_t now, const struct sim_slot *s, size_t n), (m[1], now, s, n))
SAB_FWD(announce, (void *e, uint64_t now), (m[1], now))
SAB_FWD(registry, (void *e, uint64_t now, uint64_t s, const struct sim_vm_spec *v, size_t n),
        (m[1], now, s, v, n))
SAB_FWD(start_done, (void *e, uint64_t now, const char *vm, bool ok, bool u, const char *t),
        (m[1], now, vm, ok, u, t))
SAB_FWD(fence_done, (void *e, uint64_t now, const char *h, bool ok), (m[1], now, h, ok))

static size_t sab_self_fence(void *e, uint64_t now, char (*vms)[SIM_NAME_SIZE], size_t max)
{
	struct sim_member **m = e;

	return saboteur_base->self_fence(m[1], now, vms, max);
}

static unsigned int sab_slot_flags(void *e)
{
	struct sim_member **m = e;

	return saboteur_base->slot_flags(m[1]);
}

static void test_checker_fires(void **state)
{
	struct sim_engine_ops sab;
	struct sim_params p;
	struct sim_result r;

	(void)state;
	saboteur_base = engine();
	sab = *saboteur_base;
	sab.name = "saboteur";
	sab.start = sab_start;
	sab.stop = sab_stop;
	sab.ring = sab_ring;
	sab.confchg = sab_confchg;
	sab.quorum = sab_quorum;
	sab.message = sab_message;
	sab.tick = sab_tick;
	sab.announce = sab_announce;
	sab.registry = sab_registry;
	sab.start_done = sab_start_done;
	sab.fence_done = sab_fence_done;
	sab.self_fence = sab_self_fence;
	sab.slot_flags = sab_slot_flags;
	/* the one rule alone (a saboteur also acts before it knows its quorum) */
	params(1, &p);
	p.gate_checks = false;
	sim_run(&sab, &p, &r);
	free(r.trace);
	assert_false(r.ok);
	assert_non_null(strstr(r.failure, "while it runs on"));
}

int main(void)
{
	const char *one = getenv("VMHA_SIM_SEED");
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_checker_fires),
	        cmocka_unit_test(test_seed_list),
	        cmocka_unit_test(test_random_seeds),
	};

	if (one != NULL && *one != '\0') {
		struct sim_result r;
		uint64_t seed = strtoull(one, NULL, 10);
		bool ok = run_seed(engine(), seed, &r);

		report(engine(), seed, true);
		return ok ? 0 : 1;
	}
	return cmocka_run_group_tests_name("failover_sim", tests, NULL, NULL);
}

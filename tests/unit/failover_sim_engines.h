/*
 * The engines the failover simulation can drive: each is the glue of one
 * version of vmhad's decision code, wired as vmhad wires it.
 */
#ifndef VMHA_TESTS_FAILOVER_SIM_ENGINES_H
#define VMHA_TESTS_FAILOVER_SIM_ENGINES_H

#include "failover_sim.h"

/* the view + failover wiring of heartbeat/vmhad.c at commit 679f3bc */
#define SIM_HAVE_LEGACY 1

#ifdef SIM_HAVE_LEGACY
/** view.c + failover.c as vmhad.c wired them at 679f3bc */
extern const struct sim_engine_ops sim_engine_legacy;
#endif

/** Forge a message in the announcement / failover-message format of 679f3bc. */
int sim_forge_v1(enum sim_forge_kind k, const char *host, const char *vm, uint64_t nonce,
                 char **buf, size_t *len);

#endif /* VMHA_TESTS_FAILOVER_SIM_ENGINES_H */

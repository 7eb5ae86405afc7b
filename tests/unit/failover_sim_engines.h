/*
 * The engines the failover simulation can drive: each is the glue of one
 * version of vmhad's decision code, wired as vmhad wires it. (The wiring of
 * view.c + failover.c of commit 679f3bc, engine "legacy", lived in
 * failover_sim_legacy.c until the coordinator replaced it.)
 */
#ifndef VMHA_TESTS_FAILOVER_SIM_ENGINES_H
#define VMHA_TESTS_FAILOVER_SIM_ENGINES_H

#include "failover_sim.h"

/** view.c + coordinator.c (+ failover.c) as vmhad.c wires them */
extern const struct sim_engine_ops sim_engine_coordinator;

/** Forge a message in the format of failover_msg.h / msg.h. */
int sim_forge_coordinator(enum sim_forge_kind k, const char *host, const char *vm, uint64_t nonce,
                          char **buf, size_t *len);

#endif /* VMHA_TESTS_FAILOVER_SIM_ENGINES_H */

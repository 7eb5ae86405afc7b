/*
 * Fencing through Pacemaker's fencer (pacemaker-fenced), with stonith_admin
 * run as a bounded child, and confirmation from the fencer's history.
 */
#ifndef VMHA_FENCING_PCMK_H
#define VMHA_FENCING_PCMK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent_run.h"

/**
 * @return true when stonith_admin can reach a running fencer (it answers
 *         --list-registered before deadline_ms)
 */
bool vmha_pcmk_fencer_running(const char *stonith_admin, uint64_t deadline_ms);

/**
 * Ask the fencer to act on node: `stonith_admin --fence|--reboot|--unfence
 * NODE --timeout S --tag vmha`, bounded by deadline_ms (S is the time left).
 *
 * @param action  "off", "reboot" or "on"
 * @return 0 with *out set (its outcome says how stonith_admin ended),
 *         -EINVAL, or as vmha_agent_run()
 */
int vmha_pcmk_request(const char *stonith_admin, const char *node, const char *action,
                      uint64_t deadline_ms, struct vmha_agent_result **out);

/**
 * Read the fencer's history of node: `stonith_admin --history NODE
 * --verbose --output-as=xml`, bounded by deadline_ms.
 *
 * @return as vmha_pcmk_request()
 */
int vmha_pcmk_history(const char *stonith_admin, const char *node, uint64_t deadline_ms,
                      struct vmha_agent_result **out);

/**
 * Find in history XML the latest event of node for action.
 *
 * @param since_epoch     ignore events completed before this time (seconds)
 * @param completed_epoch receives the completion time of the event found
 * @param msg             receives a description of what was found
 * @return 0 when a successful event was found, -ECANCELED when the latest
 *         matching event failed, -EINPROGRESS when it is pending, -ENOENT
 *         when there is none, -EPROTO when the XML is not a stonith_admin
 *         result or reports an error
 */
int vmha_pcmk_history_find(const char *xml, size_t len, const char *node, const char *action,
                           int64_t since_epoch, int64_t *completed_epoch, char *msg, size_t msglen);

/**
 * Parse a time as Pacemaker prints it in fencing history:
 * "2024-05-01 10:00:00Z", "2024-05-01 10:00:00 +02:00",
 * "2024-05-01 10:00:00.123456 +0200", or "Wed May  1 10:00:00 2024" (local).
 *
 * @return 0 and *epoch set, or -EINVAL
 */
int vmha_pcmk_time_parse(const char *text, int64_t *epoch);

#endif /* VMHA_FENCING_PCMK_H */

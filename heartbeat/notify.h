/*
 * What vmhad tells the outside world: alert agents (heartbeat/alerts.h),
 * the metrics textfile (heartbeat/metrics.h) and the disk-lease warning
 * (heartbeat/leases.h), wired to vmhad's events. vmhad calls one function
 * per event; each returns at once (agents and the file run in workers).
 *
 * Facts come from the status JSON where it has them: the tick reads the
 * watchdog's state and the protected VMs from the same object `vmha status`
 * prints, and the metrics are rendered from it.
 */
#ifndef VMHA_HEARTBEAT_NOTIFY_H
#define VMHA_HEARTBEAT_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "heartbeat/hbconf.h"

struct vmha_notify;

/**
 * Start the alert worker (when alert_path is set), the metrics writer (when
 * metrics_file is set) and, in standalone mode, the disk-lease check.
 *
 * @param conf  vmhad's settings (host_name resolved)
 * @param err   receives what is wrong on failure
 * @return 0, -EINVAL for a bad lock-manager configuration or path, -ENOMEM
 */
int vmha_notify_new(const struct vmha_hbconf *conf, struct vmha_notify **out, char *err,
                    size_t err_size);

/** Stop the workers. NULL is a no-op. */
void vmha_notify_free(struct vmha_notify *n);

/** One of vmhad's recorded decisions (host_down, fenced, stranded, self_fenced, quorum_lost, ...). */
void vmha_notify_decision(struct vmha_notify *n, const char *kind, const char *host,
                          const char *text);

/** A fence this host ran ended. */
void vmha_notify_fence_result(struct vmha_notify *n, const char *target, bool ok,
                              uint64_t duration_ms, const char *text);

/** A VM start this host ran ended (unknown: its result was lost). */
void vmha_notify_start_result(struct vmha_notify *n, const char *vm, bool ok, bool unknown,
                              uint64_t duration_ms, const char *text);

/** A VM this host destroyed because its guest agent stopped answering (desc: what failed). */
void vmha_notify_vm_unhealthy(struct vmha_notify *n, const char *vm, const char *desc);

/** Votequorum's verdict: an alert when quorum comes back after a loss. */
void vmha_notify_quorum(struct vmha_notify *n, bool quorate);

/**
 * Add "metrics" and "disk_leases" to a status object (before `vmha status`
 * or the tick reads it).
 */
void vmha_notify_status(struct vmha_notify *n, json_object *status);

/**
 * Periodically, with the status object (vmha_notify_status() applied):
 * watchdog transitions become alerts, the protected VMs are checked for
 * leases, the metrics file is handed to its writer.
 */
void vmha_notify_tick(struct vmha_notify *n, json_object *status);

#endif /* VMHA_HEARTBEAT_NOTIFY_H */

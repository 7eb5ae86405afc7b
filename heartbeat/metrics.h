/*
 * vmhad's metrics in the Prometheus text exposition format, as a
 * node_exporter textfile (metrics_file in vmhad.conf).
 *
 * One source of facts: the metrics are rendered from the status JSON of
 * `vmha status --json` (heartbeat/view_json.c, heartbeat/failover_query.c,
 * the self-guard), never computed a second time. What the status did not
 * carry before, the counters of fences, starts, failovers and alerts, lives
 * in struct vmha_metrics and enters the status JSON as its "metrics"
 * object, from which the text is rendered like the rest.
 *
 * The file is written by a worker thread (temporary file, fsync, rename),
 * so a slow disk never blocks vmhad's main loop.
 */
#ifndef VMHA_HEARTBEAT_METRICS_H
#define VMHA_HEARTBEAT_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

struct vmha_alerts_stats;

/** The counters (fences, starts, failovers, alerts). */
struct vmha_metrics;

/** @return new zeroed counters, or NULL without memory */
struct vmha_metrics *vmha_metrics_new(void);

/** NULL is a no-op. */
void vmha_metrics_free(struct vmha_metrics *m);

/** A fence this host ran finished after duration_ms. */
void vmha_metrics_fence(struct vmha_metrics *m, bool ok, uint64_t duration_ms);

/** A VM start this host ran finished (unknown: its result is not known). */
void vmha_metrics_start(struct vmha_metrics *m, uint64_t now_ms, bool ok, bool unknown,
                        uint64_t duration_ms);

/** A host was declared down at now_ms (a failover begins). */
void vmha_metrics_host_down(struct vmha_metrics *m, uint64_t now_ms);

/** This host destroyed a VM whose guest agent stopped answering (heartbeat/vmhealth.h). */
void vmha_metrics_vm_health_failure(struct vmha_metrics *m);

/** The alert worker's counters as of now. */
void vmha_metrics_alerts(struct vmha_metrics *m, const struct vmha_alerts_stats *st);

/** The disk-lease check (heartbeat/leases.h): manager name and unleased protected VMs. */
void vmha_metrics_leases(struct vmha_metrics *m, const char *manager, uint64_t unleased_vms);

/**
 * @return the counters as the status JSON's "metrics" object (new
 *         reference), or NULL without memory
 */
json_object *vmha_metrics_to_json(const struct vmha_metrics *m);

/**
 * Render a status JSON (the object `vmha status --json` prints) in the
 * Prometheus text format: vmha_ prefix, base units (_seconds, _bytes),
 * counters end in _total, enumerations as one 0/1 series per state.
 *
 * @param status  the status object, with its "metrics" object when known
 * @param out     receives a malloc'd text
 * @return 0, -EINVAL for a status without "hosts", -ENOMEM
 */
int vmha_metrics_render(json_object *status, char **out);

/** Writes the textfile off the main loop. */
struct vmha_metrics_writer;

/**
 * @param path  the textfile (node_exporter reads *.prom in its directory)
 * @return 0, -EINVAL for a relative path, -ENOMEM or the thread's -errno
 */
int vmha_metrics_writer_new(const char *path, struct vmha_metrics_writer **out);

/** Stops the thread after the write in progress. NULL is a no-op. */
void vmha_metrics_writer_free(struct vmha_metrics_writer *w);

/**
 * Hand over a text to write (the writer frees it); a text not yet written
 * is replaced by the newer one. Never blocks on the disk.
 */
void vmha_metrics_writer_put(struct vmha_metrics_writer *w, char *text);

/**
 * Write text to path atomically: path.tmp, fsync, rename (used by the
 * writer; blocking).
 *
 * @return 0 or -errno
 */
int vmha_metrics_write_file(const char *path, const char *text);

/** @return how many writes failed so far (each is logged once per streak) */
uint64_t vmha_metrics_writer_errors(struct vmha_metrics_writer *w);

/**
 * Wait until the text handed over last is on disk (tests).
 *
 * @return 0, or -ETIMEDOUT
 */
int vmha_metrics_writer_flush(struct vmha_metrics_writer *w, uint64_t timeout_ms);

#endif /* VMHA_HEARTBEAT_METRICS_H */

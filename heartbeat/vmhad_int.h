/*
 * vmhad's internals, shared by the files of the daemon: vmhad.c (start-up,
 * set-up, teardown), vmhad_announce.c (this host's announcements),
 * vmhad_events.c (Corosync events and the tick), vmhad_failover.c (the thin
 * I/O layer around the failover coordinator) and vmhad_status.c (the status
 * JSON and the recent decisions). Not a public interface.
 */
#ifndef VMHA_HEARTBEAT_VMHAD_INT_H
#define VMHA_HEARTBEAT_VMHAD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <qb/qbloop.h>

#include "fencing/fence_config.h"
#include "heartbeat/actuator.h"
#include "heartbeat/coordinator.h"
#include "heartbeat/corosync.h"
#include "heartbeat/failover.h"
#include "heartbeat/hbconf.h"
#include "heartbeat/inventory.h"
#include "heartbeat/inventory_worker.h"
#include "heartbeat/ipc.h"
#include "heartbeat/maint.h"
#include "heartbeat/msg.h"
#include "heartbeat/notify.h"
#include "heartbeat/regload.h"
#include "heartbeat/selfguard.h"
#include "heartbeat/storage_hb.h"
#include "heartbeat/storage_worker.h"
#include "heartbeat/view.h"
#include "heartbeat/vmhealth_worker.h"

/* the recent decisions `vmha status` shows */
#define MAX_DECISIONS 16

struct decision {
	uint64_t at_ms;
	char kind[24];
	char host[VMHA_NAME_SIZE];
	char text[256];
};

struct daemon {
	struct vmha_hbconf conf;
	const char *conf_path;
	qb_loop_t *loop;
	struct vmha_view *view;
	struct vmha_corosync *cs;
	struct vmha_inventory *inv;
	struct vmha_inv_worker *invw;
	/* the last inventory collected, announced (degraded) while libvirt hangs */
	struct vmha_announce last_inv;
	bool inv_stuck_logged;
	/* when this host last sent a start result: older inventories are stale */
	uint64_t last_start_result_ms;
	struct vmha_storage_hb *hb;
	struct vmha_storage_worker *storage;
	bool storage_stuck;
	struct vmha_ipc *ipc;
	/* the standby flag (heartbeat/maint.h) */
	struct vmha_maint *maint;
	qb_loop_timer_handle announce_timer;
	qb_loop_timer_handle tick_timer;
	uint64_t incarnation;
	uint64_t seq;
	uint64_t started_ms;
	uint64_t last_announce_ms;
	int storage_error;
	int exit_code;
	/* a member left: the view's timed decisions wait for the quorum of the
	 * new membership (Corosync delivers it just after the CPG change) */
	bool await_quorum;
	uint64_t await_quorum_since_ms;
	bool await_quorum_warned;
	/* the last ring (totem) callback's sequence number */
	uint64_t ring_seq;
	struct decision decisions[MAX_DECISIONS];
	size_t n_decisions;
	char ring_cipher[64];
	char ring_hash[64];
	/* standalone mode */
	struct vmha_coordinator *co;
	/* the replicated table inside co */
	struct vmha_failover *fo;
	struct vmha_actuator *act;
	struct vmha_fence_config *fence_cfg;
	/* the self-fence and the watchdog (heartbeat/selfguard.h) */
	struct vmha_selfguard *guard;
	bool self_fenced;
	struct vmha_regload *rl;
	uint64_t registry_loaded_ms;
	bool registry_error_logged;
	char registry_vm_error[256];
	bool registry_stuck_logged;
	/* VM health: guest agent pings (heartbeat/vmhealth_worker.h) */
	struct vmha_vmhealth_worker *health;
	/* alerts, metrics, the disk-lease warning (heartbeat/notify.h) */
	struct vmha_notify *notify;
	char notify_err[512];
};

/** Stop the main loop; the first code given is the exit code. */
void vmhad_stop_loop(struct daemon *d, int code);

/** Announce this host (a fresh inventory, or the last one while libvirt hangs). */
void vmhad_announce(struct daemon *d);

/** The inventory thread finished a collection: announce it. */
int32_t vmhad_on_inventory_fd(int32_t fd, int32_t revents, void *data);

/** Keep a decision for `vmha status` (the last MAX_DECISIONS). */
void vmhad_remember(struct daemon *d, const char *kind, const struct vmha_view_action *a);

/** The status JSON served over IPC (malloc'd; NULL when out of memory). */
char *vmhad_status_json(void *opaque);

/** The status as a JSON object (the caller puts it; NULL when out of memory). */
json_object *vmhad_status_object(struct daemon *d);

/** Set up standalone failover: fence devices, coordinator, actuator, registry loader. */
int vmhad_setup_failover(struct daemon *d);

/** Watch the failover actuator's and the registry loader's descriptors. */
int vmhad_watch_failover(struct daemon *d);

/** Ask the loader thread for a registry read (the main loop goes on). */
void vmhad_registry_refresh(struct daemon *d);

/** Start the VM health worker and watch its descriptor (standalone mode). */
int vmhad_health_setup(struct daemon *d);

/** A registry read: the VMs whose guest agent the health worker pings. */
void vmhad_health_registry(struct daemon *d, const struct vmha_regload_snapshot *snap);

/** Add "vm_health" (each opted-in VM here: state, failed pings) to a status object. */
void vmhad_health_status(struct daemon *d, json_object *root);

/** Each tick: periodic registry reads, a read that hangs. */
void vmhad_registry_tick(struct daemon *d, uint64_t now);

/** Each tick: the VMs the self-fence stops, its outcome and record. */
void vmhad_guard_tick(struct daemon *d);

/** The protected VMs that run here (the watchdog's disarm rule). */
size_t vmhad_protected_running_here(struct daemon *d);

/** The Corosync callbacks (CPG ring, membership, messages, quorum). */
void vmhad_corosync_callbacks(struct vmha_corosync_callbacks *cb);

/** Send buf to the CPG group (opaque: the daemon); 0 or -errno (-EAGAIN: flow control). */
int vmhad_cpg_send(void *opaque, const void *buf, size_t len);

/** Watch Corosync's CPG and quorum descriptors. */
int vmhad_watch_corosync(struct daemon *d);

/** The periodic tick: storage readings, timed decisions, failover duties. */
void vmhad_on_tick(void *data);

/** The announcement timer. */
void vmhad_on_announce_timer(void *data);

#endif

/*
 * vmhad: the heartbeat daemon. Joins a Corosync CPG group, announces this
 * host's capacity and VMs, writes its storage heartbeat slot, feeds every
 * Corosync event and storage reading into the view (heartbeat/view.c) and
 * carries out the view's actions. Serves `vmha status` over libqb IPC.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <qb/qblog.h>
#include <qb/qbloop.h>

#include "deadline.h"
#include "fencing/fence_config.h"
#include "fencing/selffence.h"
#include "fencing/sfworker.h"
#include "heartbeat/actuator.h"
#include "heartbeat/corosync.h"
#include "heartbeat/failover.h"
#include "heartbeat/hbconf.h"
#include "heartbeat/inventory.h"
#include "heartbeat/ipc.h"
#include "heartbeat/msg.h"
#include "heartbeat/regload.h"
#include "heartbeat/selfguard.h"
#include "heartbeat/storage_hb.h"
#include "heartbeat/view.h"
#include "heartbeat/wdfeed.h"
#include "log.h"
#include "planner/model.h"
#include "registry.h"
#include "util.h"

#define DEFAULT_CONF                VMHA_CONFDIR "/vmhad.conf"
#define COROSYNC_CONNECT_TIMEOUT_MS 10000
/* how long a fatal error waits for the self-fence before exiting (the watchdog stays armed) */
#define SELF_FENCE_FATAL_MS 10000
#define MAX_DECISIONS       16
#define MAX_DOWN            32
#define MAX_OUTBOX          64
#define FENCE_TIMEOUT_MS    60000
#define FENCE_RETRY_MS      5000
#define REGISTRY_RELOAD_MS  5000
#define FAST_TICK_MS        50
#define AWAIT_QUORUM_MS     1000
/* how long planning waits for a registry read asked for by a "fenced" message */
#define REGISTRY_WAIT_MS 2000

/* A host declared down, until a "fenced" message for it was delivered. */
struct down_host {
	char host[VMHA_NAME_SIZE];
	uint64_t down_ms;
	bool fencing;
	uint64_t retry_ms;
	bool announced;
};

/*
 * An input of the failover coordinator held back while a registry read that
 * must come before it runs: the coordinator's inputs keep their CPG order.
 */
enum fo_input_kind {
	FO_IN_ANNOUNCE,
	FO_IN_MESSAGE,
	FO_IN_DOWN,
};

struct fo_input {
	enum fo_input_kind kind;
	/* announce: the raw message and whether the view had its host online */
	char *buf;
	size_t len;
	bool online;
	/* message */
	struct vmha_failover_msg m;
	/* down: the host and whether this host was the coordinator then */
	char host[VMHA_NAME_SIZE];
	bool coordinator;
	struct fo_input *next;
};

struct decision {
	uint64_t at_ms;
	char kind[24];
	char host[VMHA_NAME_SIZE];
	char text[256];
};

/*
 * Storage I/O runs in its own thread: a hung shared filesystem must not stop
 * the main loop (CPG, quorum, IPC). The main loop takes the latest readings
 * at each tick and notices when the worker has not finished a round for
 * storage_timeout.
 */
struct storage_worker {
	pthread_t tid;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct vmha_storage_hb *hb;
	uint64_t interval_ms;
	/* set by the main loop */
	unsigned int flags;
	bool stop;
	/* the self-fence record to write beside the slot (selfguard.h) */
	char *slot_path;
	const char *host;
	struct vmha_sfworker_vm *record_vms;
	size_t record_n;
	bool record_complete;
	bool record_pending;
	/* set by the worker */
	struct vmha_slot_record *records;
	size_t n_records;
	bool fresh;
	int write_rc;
	uint64_t last_round_ms;
};

/*
 * The inventory (libvirt) is collected in its own thread too: a libvirtd
 * that is starting up or hangs must not stop the main loop. An announcement
 * goes out when its collection is done.
 */
struct inv_worker {
	pthread_t tid;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int fds[2];
	struct vmha_inventory *inv;
	bool stop;
	/* requests asked by the main loop, and the one served last */
	uint64_t requested;
	uint64_t served;
	/* set by the worker */
	bool ready;
	int result_rc;
	struct vmha_announce result;
	uint64_t result_started_ms;
	uint64_t busy_since_ms;
};

struct scan_buf {
	struct vmha_slot_record *records;
	size_t n;
	size_t cap;
};

struct daemon {
	struct vmha_hbconf conf;
	const char *conf_path;
	qb_loop_t *loop;
	struct vmha_view *view;
	struct vmha_corosync *cs;
	struct vmha_inventory *inv;
	struct inv_worker invw;
	/* the last inventory collected, announced (degraded) while libvirt hangs */
	struct vmha_announce last_inv;
	bool inv_stuck_logged;
	/* when this host last sent a start result: older inventories are stale */
	uint64_t last_start_result_ms;
	struct vmha_storage_hb *hb;
	struct storage_worker storage;
	bool storage_stuck;
	struct vmha_ipc *ipc;
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
	struct decision decisions[MAX_DECISIONS];
	size_t n_decisions;
	char ring_cipher[64];
	char ring_hash[64];
	/* standalone mode */
	struct vmha_failover *fo;
	struct vmha_actuator *act;
	struct vmha_fence_config *fence_cfg;
	/* the self-fence and the watchdog (standalone mode) */
	struct vmha_selfguard *guard;
	bool self_fenced;
	struct vmha_regload *rl;
	uint64_t registry_loaded_ms;
	bool registry_error_logged;
	char registry_vm_error[256];
	bool registry_stuck_logged;
	/* the coordinator's inputs wait for registry read registry_wait_seq */
	bool registry_waiting;
	uint64_t registry_wait_seq;
	uint64_t registry_wait_since_ms;
	struct fo_input *held_head;
	struct fo_input *held_tail;
	struct down_host down[MAX_DOWN];
	size_t n_down;
	char *outbox[MAX_OUTBOX];
	size_t outbox_len[MAX_OUTBOX];
	size_t n_outbox;
};

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: vmhad [-f] [-c FILE] [--version] [--help]\n\n"
	        "The vmha heartbeat daemon: host membership, capacity and VMs over\n"
	        "Corosync CPG, quorum, and a storage heartbeat. See vmhad(8).\n\n"
	        "  -f, --foreground   stay in the foreground and log to stderr\n"
	        "  -c, --config FILE  configuration file (default %s)\n",
	        DEFAULT_CONF);
}

static void stop_loop(struct daemon *d, int code)
{
	if (d->exit_code == 0) {
		d->exit_code = code;
	}
	qb_loop_stop(d->loop);
}

/* Send an announcement of inventory a (capacity, VMs, health). */
static void announce_send(struct daemon *d, struct vmha_announce *a)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	snprintf(a->host, sizeof(a->host), "%s", d->conf.host_name);
	a->incarnation = d->incarnation;
	a->seq = d->seq + 1;
	if (d->guard != NULL) {
		a->has_safety = true;
		vmha_selfguard_safety(d->guard, &a->safety);
	}
	rc = vmha_msg_encode(a, &buf, &len);
	if (rc < 0) {
		vmha_err("cannot encode the announcement of host '%s': %s", a->host, strerror(-rc));
		goto out;
	}
	rc = vmha_corosync_send(d->cs, buf, len);
	if (rc == -EAGAIN) {
		vmha_debug("cpg flow control: announcement postponed");
		goto out;
	}
	if (rc < 0) {
		vmha_err("cannot send the announcement: %s", strerror(-rc));
		goto out;
	}
	d->seq = a->seq;
	d->last_announce_ms = vmha_clock_now_ms();
out:
	free(buf);
}

static int copy_announce(struct vmha_announce *dst, const struct vmha_announce *src)
{
	vmha_msg_announce_clear(dst);
	*dst = *src;
	dst->vms = NULL;
	if (src->n_vms > 0) {
		dst->vms = calloc(src->n_vms, sizeof(*dst->vms));
		if (dst->vms == NULL) {
			dst->n_vms = 0;
			return -ENOMEM;
		}
		memcpy(dst->vms, src->vms, src->n_vms * sizeof(*dst->vms));
	}
	return 0;
}

/*
 * Announce this host: ask the inventory thread for a fresh collection (the
 * announcement goes out when it is done). While a collection hangs (libvirtd
 * starting or stuck), the last inventory goes out, health degraded.
 */
static void announce(struct daemon *d)
{
	struct inv_worker *w = &d->invw;
	struct vmha_announce a = {0};
	uint64_t busy;

	pthread_mutex_lock(&w->lock);
	w->requested++;
	pthread_cond_signal(&w->wake);
	busy = w->busy_since_ms != 0 ? vmha_clock_now_ms() - w->busy_since_ms : 0;
	pthread_mutex_unlock(&w->lock);
	if (busy < d->conf.announce_interval_ms) {
		return;
	}
	if (!d->inv_stuck_logged) {
		vmha_warn("libvirt has not answered for %" PRIu64 " ms: announcing the last "
		          "inventory, health degraded",
		          busy);
		d->inv_stuck_logged = true;
	}
	if (copy_announce(&a, &d->last_inv) == 0) {
		a.health = VMHA_HEALTH_DEGRADED;
		announce_send(d, &a);
	}
	vmha_msg_announce_clear(&a);
}

static void *inventory_thread(void *arg)
{
	struct inv_worker *w = arg;
	struct vmha_announce a = {0};
	uint64_t seq;
	uint64_t t0;
	int rc;
	char byte = 1;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		if (w->requested == w->served) {
			pthread_cond_wait(&w->wake, &w->lock);
			continue;
		}
		seq = w->requested;
		t0 = vmha_clock_now_ms();
		w->busy_since_ms = t0;
		pthread_mutex_unlock(&w->lock);
		memset(&a, 0, sizeof(a));
		rc = vmha_inventory_collect(w->inv, &a);
		pthread_mutex_lock(&w->lock);
		w->busy_since_ms = 0;
		w->served = seq;
		vmha_msg_announce_clear(&w->result);
		w->result = a;
		w->result_rc = rc;
		w->result_started_ms = t0;
		w->ready = true;
		if (write(w->fds[1], &byte, 1) < 0 && errno != EAGAIN) {
			vmha_err("cannot wake the main loop after an inventory: %s",
			         strerror(errno));
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int32_t on_inventory_fd(int32_t fd, int32_t revents, void *data)
{
	struct daemon *d = data;
	struct inv_worker *w = &d->invw;
	struct vmha_announce a = {0};
	char buf[64];
	bool ready;
	int rc;
	uint64_t started;

	(void)fd;
	(void)revents;
	while (read(w->fds[0], buf, sizeof(buf)) > 0) {
	}
	pthread_mutex_lock(&w->lock);
	ready = w->ready;
	a = w->result;
	memset(&w->result, 0, sizeof(w->result));
	w->ready = false;
	rc = w->result_rc;
	started = w->result_started_ms;
	pthread_mutex_unlock(&w->lock);
	if (!ready) {
		return 0;
	}
	if (d->inv_stuck_logged) {
		vmha_notice("libvirt answers again: inventory collected");
		d->inv_stuck_logged = false;
	}
	if (rc < 0) {
		vmha_err("cannot collect this host's inventory: %s", strerror(-rc));
		goto out;
	}
	if (started < d->last_start_result_ms) {
		/* collected before a start this host announced: it may lack that VM */
		pthread_mutex_lock(&w->lock);
		w->requested++;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		goto out;
	}
	if (a.health == VMHA_HEALTH_OK && copy_announce(&d->last_inv, &a) < 0) {
		vmha_err("cannot keep this host's inventory: %s", strerror(ENOMEM));
	}
	announce_send(d, &a);
out:
	vmha_msg_announce_clear(&a);
	return 0;
}

static int inventory_start(struct daemon *d)
{
	struct inv_worker *w = &d->invw;
	int rc;

	w->inv = d->inv;
	if (pipe2(w->fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		return -errno;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	rc = -pthread_create(&w->tid, NULL, inventory_thread, w);
	if (rc < 0) {
		vmha_err("cannot start the inventory thread: %s", strerror(-rc));
		return rc;
	}
	w->running = true;
	return 0;
}

/* Stop the inventory thread; if it hangs in libvirt for 3 s, leave it to process exit. */
static bool inventory_stop(struct daemon *d)
{
	struct inv_worker *w = &d->invw;
	struct timespec until;

	if (!w->running) {
		return true;
	}
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 3;
	if (pthread_timedjoin_np(w->tid, NULL, &until) != 0) {
		vmha_warn("the inventory thread is stuck in libvirt: not waiting for it");
		pthread_detach(w->tid);
		return false;
	}
	w->running = false;
	vmha_msg_announce_clear(&w->result);
	close(w->fds[0]);
	close(w->fds[1]);
	return true;
}

static void remember(struct daemon *d, const char *kind, const struct vmha_view_action *a)
{
	struct decision *dec = NULL;

	if (d->n_decisions == MAX_DECISIONS) {
		memmove(&d->decisions[0], &d->decisions[1],
		        (MAX_DECISIONS - 1) * sizeof(d->decisions[0]));
		d->n_decisions--;
	}
	dec = &d->decisions[d->n_decisions++];
	dec->at_ms = vmha_clock_now_ms();
	snprintf(dec->kind, sizeof(dec->kind), "%s", kind);
	snprintf(dec->host, sizeof(dec->host), "%s", a->host);
	snprintf(dec->text, sizeof(dec->text), "%s", a->text);
}

/* ---- standalone failover: the thin I/O layer around heartbeat/failover.c ---- */

static void run_actions(struct daemon *d);

static void remember_text(struct daemon *d, const char *kind, const char *host, const char *text)
{
	struct vmha_view_action a;

	memset(&a, 0, sizeof(a));
	snprintf(a.host, sizeof(a.host), "%s", host);
	snprintf(a.text, sizeof(a.text), "%.250s", text);
	remember(d, kind, &a);
}

/* Send the queued failover messages; what flow control holds back waits for the next tick. */
static void flush_outbox(struct daemon *d)
{
	size_t sent = 0;
	int rc;

	while (sent < d->n_outbox) {
		rc = vmha_corosync_send(d->cs, d->outbox[sent], d->outbox_len[sent]);
		if (rc == -EAGAIN) {
			break;
		}
		if (rc < 0) {
			vmha_err("cannot send a failover message: %s", strerror(-rc));
			break;
		}
		free(d->outbox[sent]);
		sent++;
	}
	memmove(&d->outbox[0], &d->outbox[sent], (d->n_outbox - sent) * sizeof(d->outbox[0]));
	memmove(&d->outbox_len[0], &d->outbox_len[sent],
	        (d->n_outbox - sent) * sizeof(d->outbox_len[0]));
	d->n_outbox -= sent;
}

static void send_failover(struct daemon *d, const struct vmha_failover_msg *m)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = vmha_failover_msg_encode(m, &buf, &len);

	if (rc < 0) {
		vmha_err("cannot encode a failover message about '%s': %s", m->host, strerror(-rc));
		return;
	}
	if (d->n_outbox == MAX_OUTBOX) {
		vmha_err("failover outbox full: message about '%s' dropped", m->host);
		free(buf);
		return;
	}
	d->outbox[d->n_outbox] = buf;
	d->outbox_len[d->n_outbox] = len;
	d->n_outbox++;
	flush_outbox(d);
}

static void send_fenced(struct daemon *d, const char *host, const char *how)
{
	struct vmha_failover_msg m;

	memset(&m, 0, sizeof(m));
	snprintf(m.type, sizeof(m.type), "fenced");
	snprintf(m.host, sizeof(m.host), "%s", host);
	snprintf(m.text, sizeof(m.text), "%s", how);
	send_failover(d, &m);
}

/* The coordinator's proposal: VM vm restarts on host (every member applies it in order). */
static void send_assign(struct daemon *d, const char *vm, const char *host, const char *why)
{
	struct vmha_failover_msg m;

	memset(&m, 0, sizeof(m));
	snprintf(m.type, sizeof(m.type), "assign");
	snprintf(m.host, sizeof(m.host), "%s", host);
	snprintf(m.vm, sizeof(m.vm), "%s", vm);
	snprintf(m.text, sizeof(m.text), "%.200s", why);
	send_failover(d, &m);
}

/* The deterministic member: the online host with the lowest name. */
static bool is_coordinator(struct daemon *d)
{
	const char *best = NULL;
	size_t i;

	for (i = 0; i < vmha_failover_host_count(d->fo); i++) {
		const char *h = vmha_failover_host_name(d->fo, i);

		if (vmha_view_host_state(d->view, h) == VMHA_HOST_ONLINE &&
		    (best == NULL || strcmp(h, best) < 0)) {
			best = h;
		}
	}
	return best != NULL && strcmp(best, d->conf.host_name) == 0;
}

/*
 * A registry snapshot read by the loader thread: protect what it lists;
 * what left it is no longer protected (unless its failover is pending).
 */
static void apply_registry(struct daemon *d, const struct vmha_regload_snapshot *snap)
{
	size_t i;
	size_t j;
	bool listed;

	if (snap->rc < 0) {
		if (!d->registry_error_logged) {
			vmha_err("%s", snap->err);
		}
		d->registry_error_logged = true;
		return;
	}
	if (d->registry_error_logged) {
		vmha_notice("vm registry '%s' readable again", d->conf.registry_dir);
	}
	d->registry_error_logged = false;
	if (strcmp(snap->failed_err, d->registry_vm_error) != 0) {
		if (snap->failed_err[0] != '\0') {
			vmha_err("%s", snap->failed_err);
		}
		snprintf(d->registry_vm_error, sizeof(d->registry_vm_error), "%s",
		         snap->failed_err);
	}
	for (i = 0; i < snap->n_vms; i++) {
		vmha_failover_protect(d->fo, &snap->vms[i]);
	}
	for (i = 0; i < vmha_failover_vm_count(d->fo); i++) {
		const char *name = vmha_failover_vm_name(d->fo, i);

		if (!vmha_failover_is_protected(d->fo, name)) {
			continue;
		}
		listed = false;
		for (j = 0; j < snap->n_vms && !listed; j++) {
			listed = strcmp(snap->vms[j].name, name) == 0;
		}
		for (j = 0; j < snap->n_failed && !listed; j++) {
			listed = strcmp(snap->failed[j], name) == 0;
		}
		if (!listed && vmha_failover_unprotect(d->fo, name) == -EBUSY) {
			vmha_debug(
			        "vm '%s' left the registry during its failover: kept until placed",
			        name);
		}
	}
	vmha_debug("vm registry '%s' read in %" PRIu64 " ms: %zu vms", d->conf.registry_dir,
	           snap->duration_ms, snap->n_vms);
}

static void release_held(struct daemon *d);
static void run_failover_actions(struct daemon *d);

static int32_t on_regload_fd(int32_t fd, int32_t revents, void *data)
{
	struct daemon *d = data;
	struct vmha_regload_snapshot *snap = NULL;

	(void)fd;
	(void)revents;
	if (!vmha_regload_take(d->rl, &snap)) {
		return 0;
	}
	apply_registry(d, snap);
	if (d->registry_stuck_logged) {
		vmha_notice("vm registry '%s' read again (%" PRIu64 " ms)", d->conf.registry_dir,
		            snap->duration_ms);
		d->registry_stuck_logged = false;
	}
	if (d->registry_waiting && snap->seq >= d->registry_wait_seq) {
		vmha_debug("registry read for planning took %" PRIu64 " ms",
		           vmha_clock_now_ms() - d->registry_wait_since_ms);
		release_held(d);
	}
	vmha_regload_snapshot_free(snap);
	run_failover_actions(d);
	return 0;
}

/* Ask for a registry read; with hold, the coordinator's inputs wait for it. */
static void registry_refresh(struct daemon *d, bool hold)
{
	uint64_t seq = vmha_regload_request(d->rl);

	d->registry_loaded_ms = vmha_clock_now_ms();
	if (hold && !d->registry_waiting) {
		d->registry_waiting = true;
		d->registry_wait_seq = seq;
		d->registry_wait_since_ms = vmha_clock_now_ms();
	}
}

/* Each tick: periodic reads, a read that hangs, a hold that lasts too long. */
static void registry_tick(struct daemon *d, uint64_t now)
{
	uint64_t busy = vmha_regload_busy_ms(d->rl, now);

	if (busy >= d->conf.storage_timeout_ms && !d->registry_stuck_logged) {
		vmha_err("reading the vm registry '%s' hangs for %" PRIu64
		         " ms: shared storage hangs? (heartbeats go on)",
		         d->conf.registry_dir, busy);
		d->registry_stuck_logged = true;
	}
	if (d->registry_waiting && now - d->registry_wait_since_ms >= REGISTRY_WAIT_MS) {
		vmha_warn("the vm registry '%s' was not read within %d ms: planning with the "
		          "protected vms read before",
		          d->conf.registry_dir, REGISTRY_WAIT_MS);
		release_held(d);
		run_failover_actions(d);
	}
	if (busy == 0 && now - d->registry_loaded_ms >= REGISTRY_RELOAD_MS) {
		/* VMs added since: protected from now on (a self-fence stops them) */
		registry_refresh(d, false);
	}
}

static struct down_host *find_down(struct daemon *d, const char *host)
{
	size_t i;

	for (i = 0; i < d->n_down; i++) {
		if (strcmp(d->down[i].host, host) == 0) {
			return &d->down[i];
		}
	}
	return NULL;
}

static void start_vm(struct daemon *d, const char *name)
{
	struct vmha_failover_msg m;
	int rc;

	if (!vmha_selfguard_may_start(d->guard)) {
		/* inquorate, or fenced itself: no start until quorum returns */
		vmha_warn("vm '%s': start refused: this host is inquorate or fenced itself", name);
		return;
	}
	/* the worker reads the domain XML from the registry: never the main loop */
	rc = vmha_actuator_start(d->act, d->conf.libvirt_uri, d->conf.host_name, name,
	                         d->conf.registry_dir, d->conf.start_timeout_ms);
	if (rc < 0) {
		memset(&m, 0, sizeof(m));
		snprintf(m.type, sizeof(m.type), "start");
		snprintf(m.host, sizeof(m.host), "%s", d->conf.host_name);
		snprintf(m.vm, sizeof(m.vm), "%s", name);
		snprintf(m.text, sizeof(m.text), "cannot start a worker: %s", strerror(-rc));
		vmha_err("vm '%s': %s", name, m.text);
		send_failover(d, &m);
	}
}

static void run_failover_actions(struct daemon *d)
{
	struct vmha_failover_action a;
	struct down_host *dh = NULL;

	while (vmha_failover_next_action(d->fo, &a)) {
		switch (a.kind) {
		case VMHA_FAILOVER_EVENT:
			qb_log(a.level, "%s", a.text);
			break;
		case VMHA_FAILOVER_FENCE:
			/* the tick fences: whoever is coordinator then */
			vmha_warn("%s", a.text);
			break;
		case VMHA_FAILOVER_START:
			vmha_notice("%s", a.text);
			start_vm(d, a.vm);
			break;
		case VMHA_FAILOVER_STRANDED:
			vmha_err("%s", a.text);
			remember_text(d, "stranded", a.vm, a.text);
			break;
		case VMHA_FAILOVER_ASSIGN:
			vmha_notice("%s: proposing it", a.text);
			send_assign(d, a.vm, a.host, "capacity appeared");
			break;
		}
	}
	(void)dh;
}

/* Feed one input to the coordinator now. */
static void fo_apply(struct daemon *d, const struct fo_input *in)
{
	struct vmha_announce a = {0};
	char err[256];

	/* only the coordinator proposes re-plans of stranded VMs */
	vmha_failover_set_coordinator(d->fo, is_coordinator(d));
	switch (in->kind) {
	case FO_IN_ANNOUNCE:
		if (vmha_msg_decode(in->buf, in->len, &a, err, sizeof(err)) == 0) {
			vmha_failover_announce(d->fo, vmha_clock_now_ms(), &a);
			vmha_failover_host_online(d->fo, a.host, in->online);
			vmha_msg_announce_clear(&a);
		}
		break;
	case FO_IN_MESSAGE:
		vmha_failover_message(d->fo, vmha_clock_now_ms(), &in->m);
		break;
	case FO_IN_DOWN:
		vmha_failover_host_down(d->fo, vmha_clock_now_ms(), in->host, in->coordinator);
		break;
	}
	run_failover_actions(d);
}

static void fo_input_free(struct fo_input *in)
{
	if (in != NULL) {
		free(in->buf);
		free(in);
	}
}

/* Feed an input, or hold it (a copy) behind a registry read in progress. */
static void fo_input(struct daemon *d, const struct fo_input *in)
{
	struct fo_input *copy = NULL;

	if (!d->registry_waiting) {
		fo_apply(d, in);
		return;
	}
	copy = calloc(1, sizeof(*copy));
	if (copy != NULL) {
		*copy = *in;
		copy->next = NULL;
		copy->buf = NULL;
		if (in->buf != NULL) {
			copy->buf = malloc(in->len);
			if (copy->buf != NULL) {
				memcpy(copy->buf, in->buf, in->len);
			}
		}
	}
	if (copy == NULL || (in->buf != NULL && copy->buf == NULL)) {
		/* out of memory: order matters more than the wait */
		vmha_err("cannot hold a failover input: fed without waiting for the registry");
		fo_input_free(copy);
		fo_apply(d, in);
		return;
	}
	if (d->held_tail != NULL) {
		d->held_tail->next = copy;
	} else {
		d->held_head = copy;
	}
	d->held_tail = copy;
}

/* The registry read came (or its wait ended): feed what was held, in order. */
static void release_held(struct daemon *d)
{
	struct fo_input *in = NULL;

	d->registry_waiting = false;
	while (d->held_head != NULL && !d->registry_waiting) {
		in = d->held_head;
		d->held_head = in->next;
		if (d->held_head == NULL) {
			d->held_tail = NULL;
		}
		fo_apply(d, in);
		fo_input_free(in);
	}
}

static void fo_input_down(struct daemon *d, const char *host, bool coordinator)
{
	struct fo_input in;

	memset(&in, 0, sizeof(in));
	in.kind = FO_IN_DOWN;
	snprintf(in.host, sizeof(in.host), "%s", host);
	in.coordinator = coordinator;
	fo_input(d, &in);
}

static void coordinate(struct daemon *d, uint64_t now);

static void on_host_down(struct daemon *d, const char *host)
{
	struct down_host *dh = find_down(d, host);

	if (dh == NULL && d->n_down < MAX_DOWN) {
		dh = &d->down[d->n_down++];
		memset(dh, 0, sizeof(*dh));
		snprintf(dh->host, sizeof(dh->host), "%s", host);
	}
	if (dh != NULL) {
		dh->down_ms = vmha_clock_now_ms();
		dh->announced = false;
	}
	fo_input_down(d, host, is_coordinator(d));
	/* the coordinator fences now, not at the next tick */
	coordinate(d, vmha_clock_now_ms());
}

/* The coordinator's duties, each tick: fence, or accept a proof of self-fencing. */
static void coordinate(struct daemon *d, uint64_t now)
{
	size_t i;
	bool coord = is_coordinator(d);

	/* a host back online is no longer down */
	for (i = 0; i < d->n_down;) {
		if (vmha_view_host_state(d->view, d->down[i].host) == VMHA_HOST_ONLINE &&
		    !d->down[i].fencing) {
			d->down[i] = d->down[--d->n_down];
		} else {
			i++;
		}
	}
	/* an isolated host (never declared down: it kept writing to storage) that
	 * fenced itself: its slot is the proof */
	for (i = 0; coord && vmha_view_is_quorate(d->view) && i < vmha_failover_host_count(d->fo);
	     i++) {
		const char *h = vmha_failover_host_name(d->fo, i);

		if (vmha_view_host_state(d->view, h) == VMHA_HOST_FENCED &&
		    !vmha_failover_host_is_fenced(d->fo, h) && find_down(d, h) == NULL) {
			if (d->n_down < MAX_DOWN) {
				memset(&d->down[d->n_down], 0, sizeof(d->down[0]));
				snprintf(d->down[d->n_down].host, VMHA_NAME_SIZE, "%s", h);
				d->down[d->n_down].down_ms = now;
				d->down[d->n_down].announced = true;
				d->n_down++;
			}
			send_fenced(d, h, "self-fenced: its storage slot says so");
		}
	}
	for (i = 0; i < d->n_down; i++) {
		struct down_host *dh = &d->down[i];

		if (vmha_failover_host_is_fenced(d->fo, dh->host)) {
			continue;
		}
		if (!coord || dh->announced || !vmha_view_is_quorate(d->view)) {
			continue;
		}
		if (vmha_view_host_state(d->view, dh->host) == VMHA_HOST_FENCED) {
			send_fenced(d, dh->host, "self-fenced: its storage slot says so");
			dh->announced = true;
		} else if (d->fence_cfg != NULL && !dh->fencing && now >= dh->retry_ms) {
			if (vmha_actuator_fence(d->act, d->fence_cfg, dh->host, FENCE_TIMEOUT_MS) ==
			    0) {
				vmha_notice("fencing host '%s'", dh->host);
				dh->fencing = true;
			}
		} else if (d->fence_cfg == NULL && now - dh->down_ms >= d->conf.restart_delay_ms) {
			send_fenced(d, dh->host, "restart delay passed without a fence device");
			dh->announced = true;
		}
	}
}

/* The protected VMs that run here, as the failover table says (UUIDs from the last inventory). */
static size_t guard_vms(struct daemon *d, struct vmha_sfworker_vm *out, size_t max)
{
	size_t n = 0;
	size_t i, j;

	for (i = 0; d->fo != NULL && i < vmha_failover_vm_count(d->fo) && n < max; i++) {
		const char *name = vmha_failover_vm_name(d->fo, i);
		const char *where = vmha_failover_vm_location(d->fo, name);

		if (where == NULL || strcmp(where, d->conf.host_name) != 0) {
			continue;
		}
		memset(&out[n], 0, sizeof(out[n]));
		snprintf(out[n].name, sizeof(out[n].name), "%s", name);
		for (j = 0; j < d->last_inv.n_vms; j++) {
			if (strcmp(d->last_inv.vms[j].name, name) == 0) {
				snprintf(out[n].uuid, sizeof(out[n].uuid), "%s",
				         d->last_inv.vms[j].uuid);
			}
		}
		n++;
	}
	return n;
}

/* Every tick: the VMs the self-fence stops, its outcome, its record for the storage thread. */
static void guard_tick(struct daemon *d)
{
	static struct vmha_sfworker_vm vms[VMHA_MSG_MAX_VMS];
	struct storage_worker *w = &d->storage;
	struct vmha_sfworker_vm *rec = NULL;
	size_t n = guard_vms(d, vms, VMHA_MSG_MAX_VMS);
	bool complete = false;
	bool fenced;

	vmha_selfguard_set_vms(d->guard, vms, n);
	fenced = vmha_selfguard_self_fenced(d->guard);
	if (fenced && !d->self_fenced) {
		remember_text(d, "self_fenced", d->conf.host_name, "protected vms stopped");
	}
	d->self_fenced = fenced;
	if (!vmha_selfguard_take_record(d->guard, &rec, &n, &complete)) {
		return;
	}
	if (!w->running) {
		free(rec);
		return;
	}
	pthread_mutex_lock(&w->lock);
	free(w->record_vms);
	w->record_vms = rec;
	w->record_n = n;
	w->record_complete = complete;
	w->record_pending = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

/* Protected VMs still running here, for the watchdog's disarm rule. */
static size_t protected_running_here(struct daemon *d)
{
	static struct vmha_sfworker_vm vms[VMHA_MSG_MAX_VMS];

	return guard_vms(d, vms, VMHA_MSG_MAX_VMS);
}

static void on_actuator_result(struct daemon *d, const struct vmha_actuator_result *r)
{
	struct vmha_failover_msg m;
	struct down_host *dh = NULL;

	memset(&m, 0, sizeof(m));
	if (r->kind == VMHA_ACTUATOR_FENCE) {
		dh = find_down(d, r->host);
		if (dh != NULL) {
			dh->fencing = false;
		}
		if (!r->ok) {
			vmha_err("fencing host '%s' failed after %" PRIu64 " ms: %s; retrying",
			         r->host, r->duration_ms, r->text);
			if (dh != NULL) {
				dh->retry_ms = vmha_clock_now_ms() + FENCE_RETRY_MS;
			}
			return;
		}
		vmha_notice("host '%s' fenced in %" PRIu64 " ms: %s", r->host, r->duration_ms,
		            r->text);
		if (dh != NULL) {
			dh->announced = true;
		}
		send_fenced(d, r->host, r->text);
		return;
	}
	if (r->unknown) {
		/* never re-plan a start that may still succeed: that could run it twice */
		vmha_err("vm '%s': %s; not re-planned (it may still come up here)", r->vm, r->text);
		remember_text(d, "start_unknown", r->vm, r->text);
		return;
	}
	snprintf(m.type, sizeof(m.type), "start");
	snprintf(m.host, sizeof(m.host), "%s", r->host);
	snprintf(m.vm, sizeof(m.vm), "%s", r->vm);
	m.ok = r->ok;
	snprintf(m.text, sizeof(m.text), "%s", r->text);
	if (r->ok) {
		vmha_notice("vm '%s' started in %" PRIu64 " ms", r->vm, r->duration_ms);
	} else {
		vmha_err("vm '%s' did not start: %s", r->vm, r->text);
	}
	d->last_start_result_ms = vmha_clock_now_ms();
	send_failover(d, &m);
}

static int32_t on_actuator_fd(int32_t fd, int32_t revents, void *data)
{
	struct daemon *d = data;
	struct vmha_actuator_result r;

	(void)fd;
	(void)revents;
	while (vmha_actuator_take(d->act, &r)) {
		on_actuator_result(d, &r);
	}
	return 0;
}

/* Feed a CPG message to the view and the failover coordinator. */
static void deliver_message(struct daemon *d, uint32_t nodeid, uint32_t pid, const void *buf,
                            size_t len)
{
	struct fo_input in;
	struct vmha_announce a = {0};
	char err[256];
	int rc;

	memset(&in, 0, sizeof(in));
	rc = vmha_failover_msg_decode(buf, len, &in.m, err, sizeof(err));
	if (rc == -ENOMSG) {
		/* an announcement (or garbage): the view first, then the coordinator */
		vmha_view_message(d->view, vmha_clock_now_ms(), nodeid, pid, buf, len);
		run_actions(d);
		if (d->fo != NULL && vmha_msg_decode(buf, len, &a, err, sizeof(err)) == 0) {
			in.kind = FO_IN_ANNOUNCE;
			in.buf = (char *)buf;
			in.len = len;
			in.online = vmha_view_host_state(d->view, a.host) == VMHA_HOST_ONLINE;
			vmha_msg_announce_clear(&a);
			fo_input(d, &in);
		}
		return;
	}
	if (rc < 0) {
		vmha_warn("malformed failover message dropped: %s", err);
		return;
	}
	if (d->fo == NULL) {
		return;
	}
	if (strcmp(in.m.type, "fenced") == 0) {
		vmha_view_fenced(d->view, vmha_clock_now_ms(), in.m.host);
		run_actions(d);
		remember_text(d, "fenced", in.m.host, in.m.text);
		/* the registry may have changed since: planning waits for a read
		 * (in the loader thread; the heartbeats go on meanwhile) */
		registry_refresh(d, true);
	}
	in.kind = FO_IN_MESSAGE;
	fo_input(d, &in);
}

/* Carry out what the view asks. */
static void run_actions(struct daemon *d)
{
	struct vmha_view_action a;

	while (vmha_view_next_action(d->view, &a)) {
		switch (a.kind) {
		case VMHA_ACTION_EVENT:
			qb_log(a.level, "%s", a.text);
			break;
		case VMHA_ACTION_ANNOUNCE:
			announce(d);
			break;
		case VMHA_ACTION_HOST_DOWN:
			vmha_warn("decision: %s", a.text);
			remember(d, "host_down", &a);
			if (d->fo != NULL) {
				on_host_down(d, a.host);
			}
			break;
		case VMHA_ACTION_QUORUM_LOST:
			vmha_warn("%s", a.text);
			remember(d, "quorum_lost", &a);
			if (d->guard != NULL) {
				vmha_warn("self-fencing in %" PRIu64 " ms unless quorum comes back",
				          d->conf.self_fence_delay_ms);
			}
			break;
		}
	}
}

static void on_ring(void *opaque, uint32_t ring_nodeid, uint64_t ring_seq, const uint32_t *nodes,
                    size_t n_nodes)
{
	struct daemon *d = opaque;

	vmha_view_ring(d->view, vmha_clock_now_ms(), ring_nodeid, ring_seq, nodes, n_nodes);
	run_actions(d);
}

static void on_confchg(void *opaque, const struct vmha_member *members, size_t n_members,
                       const struct vmha_member *left, size_t n_left,
                       const struct vmha_member *joined, size_t n_joined)
{
	struct daemon *d = opaque;

	vmha_view_confchg(d->view, vmha_clock_now_ms(), members, n_members, left, n_left, joined,
	                  n_joined);
	run_actions(d);
	if (n_left > 0) {
		/* decide once the quorum of this membership is known (on_quorum),
		 * never on the quorum of the one before */
		d->await_quorum = true;
		d->await_quorum_since_ms = vmha_clock_now_ms();
	}
}

static void on_message(void *opaque, uint32_t nodeid, uint32_t pid, const void *buf, size_t len)
{
	struct daemon *d = opaque;

	deliver_message(d, nodeid, pid, buf, len);
}

static void on_quorum(void *opaque, bool quorate)
{
	struct daemon *d = opaque;

	if (d->guard != NULL) {
		vmha_selfguard_set_quorate(d->guard, quorate, vmha_clock_now_ms());
		d->self_fenced = vmha_selfguard_self_fenced(d->guard);
	}
	vmha_view_quorum(d->view, vmha_clock_now_ms(), quorate);
	run_actions(d);
	if (d->await_quorum) {
		/* the quorum of the new membership is known: decide now, not at the next tick */
		d->await_quorum = false;
		vmha_view_tick(d->view, vmha_clock_now_ms());
		run_actions(d);
	}
}

static int32_t on_cpg_fd(int32_t fd, int32_t revents, void *data)
{
	struct daemon *d = data;
	int rc = vmha_corosync_dispatch_cpg(d->cs);

	if (rc < 0) {
		vmha_err("lost the connection to corosync's cpg service: %s", strerror(-rc));
		vmha_selfguard_set_corosync_up(d->guard, false);
		(void)vmha_selfguard_fatal(d->guard, SELF_FENCE_FATAL_MS);
		stop_loop(d, EXIT_FAILURE);
		return -1;
	}
	return 0;
}

static int32_t on_quorum_fd(int32_t fd, int32_t revents, void *data)
{
	struct daemon *d = data;
	int rc = vmha_corosync_dispatch_quorum(d->cs);

	if (rc < 0) {
		vmha_err("lost the connection to corosync's quorum service: %s", strerror(-rc));
		vmha_selfguard_set_corosync_up(d->guard, false);
		(void)vmha_selfguard_fatal(d->guard, SELF_FENCE_FATAL_MS);
		stop_loop(d, EXIT_FAILURE);
		return -1;
	}
	return 0;
}

static void collect_slot(const struct vmha_slot_record *r, void *opaque)
{
	struct scan_buf *b = opaque;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct vmha_slot_record *p = realloc(b->records, cap * sizeof(*p));

		if (p == NULL) {
			return;
		}
		b->records = p;
		b->cap = cap;
	}
	b->records[b->n++] = *r;
}

static void *storage_thread(void *arg)
{
	struct storage_worker *w = arg;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		unsigned int flags = w->flags;
		struct scan_buf b = {0};
		struct timespec until;
		int wrc;
		int invalid;

		struct vmha_sfworker_vm *rec = w->record_pending ? w->record_vms : NULL;
		size_t rec_n = w->record_n;
		bool rec_complete = w->record_complete;
		bool rec_pending = w->record_pending;

		w->record_vms = NULL;
		w->record_pending = false;
		pthread_mutex_unlock(&w->lock);
		if (rec_pending && w->slot_path != NULL) {
			/* the self-fence record: written here, never on the main loop */
			(void)vmha_sfworker_record_write(w->slot_path, w->host, rec, rec_n,
			                                 rec_complete);
		}
		free(rec);
		wrc = vmha_storage_hb_write(w->hb, vmha_clock_now_ms(), flags);
		invalid = vmha_storage_hb_scan(w->hb, collect_slot, &b);
		pthread_mutex_lock(&w->lock);
		free(w->records);
		w->records = b.records;
		w->n_records = b.n;
		w->fresh = true;
		w->write_rc = wrc < 0 ? wrc : (invalid < 0 ? invalid : 0);
		w->last_round_ms = vmha_clock_now_ms();
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += (time_t)(w->interval_ms / 1000);
		until.tv_nsec += (long)(w->interval_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!w->stop && pthread_cond_timedwait(&w->wake, &w->lock, &until) == 0) {
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int storage_start(struct daemon *d)
{
	struct storage_worker *w = &d->storage;
	pthread_condattr_t attr;
	int rc;

	w->hb = d->hb;
	w->interval_ms = d->conf.storage_interval_ms;
	w->last_round_ms = vmha_clock_now_ms();
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &attr);
	pthread_condattr_destroy(&attr);
	rc = -pthread_create(&w->tid, NULL, storage_thread, w);
	if (rc < 0) {
		vmha_err("cannot start the storage heartbeat thread: %s", strerror(-rc));
		return rc;
	}
	w->running = true;
	return 0;
}

/* Stop the worker; if it hangs in I/O for 3 s, leave it to process exit. */
static void storage_stop(struct daemon *d)
{
	struct storage_worker *w = &d->storage;
	struct timespec until;

	if (!w->running) {
		return;
	}
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 3;
	if (pthread_timedjoin_np(w->tid, NULL, &until) != 0) {
		vmha_warn(
		        "the storage heartbeat thread is stuck in i/o on '%s': not waiting for it",
		        d->conf.storage_dir);
		pthread_detach(w->tid);
		w->running = false;
		return;
	}
	w->running = false;
	free(w->records);
	w->records = NULL;
	free(w->record_vms);
	w->record_vms = NULL;
	free(w->slot_path);
	w->slot_path = NULL;
}

static void storage_take(struct daemon *d, uint64_t now)
{
	struct storage_worker *w = &d->storage;
	struct vmha_slot_record *records = NULL;
	size_t n = 0;
	size_t i;
	uint64_t last;
	int rc;

	pthread_mutex_lock(&w->lock);
	w->flags = (vmha_view_is_quorate(d->view) ? VMHA_SLOT_QUORATE : 0) |
	           (d->self_fenced ? VMHA_SLOT_SELF_FENCED : 0);
	if (w->fresh) {
		records = w->records;
		n = w->n_records;
		w->records = NULL;
		w->n_records = 0;
		w->fresh = false;
	}
	rc = w->write_rc;
	last = w->last_round_ms;
	pthread_mutex_unlock(&w->lock);

	if (now - last >= d->conf.storage_timeout_ms) {
		/* the worker has not finished a round: its last result is stale */
		if (!d->storage_stuck) {
			vmha_err("storage heartbeat in '%s' stuck for %" PRIu64
			         " ms: shared storage hangs?",
			         d->conf.storage_dir, now - last);
			d->storage_stuck = true;
		}
		d->storage_error = -ETIMEDOUT;
	} else {
		if (d->storage_stuck) {
			vmha_notice("storage heartbeat in '%s' no longer stuck",
			            d->conf.storage_dir);
			d->storage_stuck = false;
		}
		if (rc < 0 && rc != d->storage_error) {
			vmha_err("storage heartbeat in '%s' fails: %s", d->conf.storage_dir,
			         strerror(-rc));
		} else if (rc == 0 && d->storage_error != 0) {
			vmha_notice("storage heartbeat in '%s' works again", d->conf.storage_dir);
		}
		d->storage_error = rc;
	}
	for (i = 0; i < n; i++) {
		vmha_view_storage(d->view, now, records[i].host, records[i].incarnation,
		                  records[i].seq, records[i].flags);
	}
	free(records);
}

static void on_tick(void *data)
{
	struct daemon *d = data;
	uint64_t interval_ms;

	uint64_t now = vmha_clock_now_ms();

	if (d->hb != NULL) {
		storage_take(d, now);
	}
	if (d->await_quorum && now - d->await_quorum_since_ms >= AWAIT_QUORUM_MS) {
		vmha_warn("no quorum notification %" PRIu64 " ms after a membership change: "
		          "deciding on the quorum last reported",
		          now - d->await_quorum_since_ms);
		d->await_quorum = false;
	}
	if (!d->await_quorum) {
		vmha_view_tick(d->view, now);
		run_actions(d);
	}
	if (d->fo != NULL) {
		registry_tick(d, now);
		flush_outbox(d);
		coordinate(d, now);
		guard_tick(d);
	}
	/* a host is lost and its storage silence decides soon: look often, so
	 * that the decision (and the failover) is not late by a tick */
	interval_ms = vmha_view_decision_pending(d->view) ? FAST_TICK_MS
	                                                  : d->conf.storage_interval_ms / 2;
	qb_loop_timer_add(d->loop, QB_LOOP_HIGH, interval_ms * QB_TIME_NS_IN_MSEC, d, on_tick,
	                  &d->tick_timer);
}

static void on_announce_timer(void *data)
{
	struct daemon *d = data;

	announce(d);
	qb_loop_timer_add(d->loop, QB_LOOP_MED, d->conf.announce_interval_ms * QB_TIME_NS_IN_MSEC,
	                  d, on_announce_timer, &d->announce_timer);
}

static int32_t on_signal(int32_t sig, void *data)
{
	struct daemon *d = data;

	vmha_notice("signal %d: leaving group '%s' and stopping", sig, d->conf.group_name);
	stop_loop(d, EXIT_SUCCESS);
	return 0;
}

static char *status_json(void *opaque)
{
	struct daemon *d = opaque;
	uint64_t now = vmha_clock_now_ms();
	json_object *root = vmha_view_to_json(d->view, now);
	json_object *daemon = NULL;
	json_object *decisions = NULL;
	char *text = NULL;
	char inc[32];
	size_t i;

	if (root == NULL) {
		return NULL;
	}
	daemon = json_object_new_object();
	decisions = json_object_new_array();
	if (daemon == NULL || decisions == NULL) {
		json_object_put(daemon);
		json_object_put(decisions);
		json_object_put(root);
		return NULL;
	}
	snprintf(inc, sizeof(inc), "%" PRIx64, d->incarnation);
	json_object_object_add(daemon, "version", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(daemon, "pid", json_object_new_int64(getpid()));
	json_object_object_add(daemon, "host", json_object_new_string(d->conf.host_name));
	json_object_object_add(
	        daemon, "nodeid",
	        d->cs != NULL ? json_object_new_int64(vmha_corosync_local_nodeid(d->cs)) : NULL);
	json_object_object_add(daemon, "group", json_object_new_string(d->conf.group_name));
	json_object_object_add(daemon, "mode",
	                       json_object_new_string(vmha_hbconf_mode_name(d->conf.mode)));
	json_object_object_add(daemon, "incarnation", json_object_new_string(inc));
	json_object_object_add(daemon, "uptime_ms",
	                       json_object_new_int64((int64_t)(now - d->started_ms)));
	json_object_object_add(daemon, "announce_seq", json_object_new_int64((int64_t)d->seq));
	json_object_object_add(daemon, "ring_crypto_cipher",
	                       json_object_new_string(d->ring_cipher));
	json_object_object_add(daemon, "ring_crypto_hash", json_object_new_string(d->ring_hash));
	json_object_object_add(daemon, "storage_dir",
	                       d->hb != NULL ? json_object_new_string(d->conf.storage_dir) : NULL);
	json_object_object_add(
	        daemon, "storage_error",
	        d->storage_error < 0 ? json_object_new_string(strerror(-d->storage_error)) : NULL);
	json_object_object_add(root, "daemon", daemon);
	for (i = 0; i < d->n_decisions; i++) {
		json_object *o = json_object_new_object();

		if (o == NULL) {
			continue;
		}
		json_object_object_add(o, "kind", json_object_new_string(d->decisions[i].kind));
		json_object_object_add(o, "host", json_object_new_string(d->decisions[i].host));
		json_object_object_add(o, "text", json_object_new_string(d->decisions[i].text));
		json_object_object_add(
		        o, "age_ms", json_object_new_int64((int64_t)(now - d->decisions[i].at_ms)));
		json_object_array_add(decisions, o);
	}
	json_object_object_add(root, "decisions", decisions);
	if (d->fo != NULL) {
		json_object_object_add(root, "failover", vmha_failover_to_json(d->fo));
		vmha_selfguard_status(d->guard, root);
	}
	text = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return text;
}

static int resolve_host_name(struct vmha_hbconf *conf)
{
	struct utsname u;
	char *dot = NULL;

	if (conf->host_name[0] != '\0') {
		return 0;
	}
	if (uname(&u) < 0) {
		return -errno;
	}
	dot = strchr(u.nodename, '.');
	if (dot != NULL) {
		*dot = '\0';
	}
	if (!vmha_util_name_is_valid(u.nodename)) {
		return -EINVAL;
	}
	snprintf(conf->host_name, sizeof(conf->host_name), "%s", u.nodename);
	return 0;
}

static int setup_failover(struct daemon *d)
{
	struct vmha_failover_config fc = {0};
	char err[512];
	int rc = 0;

	if (d->conf.fence_config[0] != '\0') {
		rc = vmha_fence_config_load(d->conf.fence_config, &d->fence_cfg, err, sizeof(err));
		if (rc == 0) {
			rc = vmha_fence_config_validate(d->fence_cfg, vmha_deadline_in_ms(30000),
			                                err, sizeof(err));
		}
		if (rc < 0) {
			vmha_err("fencing configuration: %s", err);
			return rc;
		}
	} else {
		vmha_warn("no fence_config: a down host counts as fenced only when its storage "
		          "slot says it fenced itself, or after restart_delay (%" PRIu64 " ms) "
		          "when it announced a watchdog",
		          d->conf.restart_delay_ms);
	}
	fc.self_name = d->conf.host_name;
	fc.max_parallel_starts = d->conf.max_parallel_starts;
	d->fo = vmha_failover_new(&fc);
	d->act = vmha_actuator_new();
	d->rl = vmha_regload_new(d->conf.registry_dir);
	if (d->fo == NULL || d->act == NULL || d->rl == NULL) {
		return -ENOMEM;
	}
	registry_refresh(d, false);
	return 0;
}

static int setup(struct daemon *d)
{
	struct vmha_view_config vc = {0};
	struct vmha_corosync_callbacks cb = {
	        .ring = on_ring,
	        .confchg = on_confchg,
	        .message = on_message,
	        .quorum = on_quorum,
	};
	bool secure = false;
	int rc = 0;

	if (d->conf.mode == VMHA_HB_MODE_STANDALONE) {
		/* the watchdog opens before any connection to the cluster */
		d->loop = qb_loop_create();
		if (d->loop == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		rc = vmha_selfguard_new(&d->conf, d->conf_path, d->loop, &d->guard);
		if (rc < 0) {
			d->exit_code = 2;
			goto out;
		}
	}
	rc = vmha_corosync_ring_crypto(&secure, d->ring_cipher, sizeof(d->ring_cipher),
	                               d->ring_hash, sizeof(d->ring_hash),
	                               COROSYNC_CONNECT_TIMEOUT_MS);
	if (rc < 0) {
		vmha_err("cannot read the corosync configuration (cmap): %s (is corosync running?)",
		         strerror(-rc));
		goto out;
	}
	if (!secure) {
		if (!d->conf.allow_insecure_ring) {
			vmha_err("refusing to run over an unauthenticated corosync ring "
			         "(totem.crypto_cipher '%s', totem.crypto_hash '%s'): set both in "
			         "corosync.conf, or 'allow_insecure_ring = yes' in '%s'",
			         d->ring_cipher, d->ring_hash, d->conf_path);
			rc = -EPERM;
			goto out;
		}
		vmha_warn(
		        "running over an unauthenticated corosync ring (totem.crypto_cipher '%s', "
		        "totem.crypto_hash '%s') because allow_insecure_ring is set",
		        d->ring_cipher, d->ring_hash);
	}
	if (d->conf.mode == VMHA_HB_MODE_STANDALONE) {
		struct vmha_corosync_quorum_opts q;
		char err[512];

		rc = vmha_corosync_quorum_opts(&q, COROSYNC_CONNECT_TIMEOUT_MS);
		if (rc < 0) {
			vmha_err("cannot read the corosync quorum settings (cmap): %s",
			         strerror(-rc));
			goto out;
		}
		rc = vmha_wdfeed_check_quorum(&d->conf, q.two_node, err, sizeof(err));
		if (rc < 0) {
			vmha_err("%s", err);
			d->exit_code = 2;
			goto out;
		}
	}
	vc.self_name = d->conf.host_name;
	vc.storage_enabled = d->conf.storage_dir[0] != '\0';
	vc.storage_timeout_ms = d->conf.storage_timeout_ms;
	vc.silence_timeout_ms = 3 * d->conf.announce_interval_ms;
	d->view = vmha_view_new(&vc);
	d->inv = vmha_inventory_new(d->conf.libvirt_uri, d->conf.fake_vms);
	if (d->view == NULL || d->inv == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (vc.storage_enabled) {
		d->hb = vmha_storage_hb_new(d->conf.storage_dir, d->conf.host_name, d->incarnation);
		if (d->hb == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (d->conf.mode == VMHA_HB_MODE_STANDALONE) {
		rc = setup_failover(d);
		if (rc < 0) {
			goto out;
		}
	}
	if (d->loop == NULL) {
		d->loop = qb_loop_create();
	}
	if (d->loop == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	/* IPC first: a second vmhad on this host stops here, before joining the group */
	d->ipc = vmha_ipc_new(d->loop, status_json, d, &rc);
	if (d->ipc == NULL) {
		vmha_err("cannot serve ipc '%s': %s (is another vmhad running on this host?)",
		         VMHA_IPC_SERVICE, strerror(-rc));
		goto out;
	}
	d->cs = vmha_corosync_new(d->conf.group_name, &cb, d, COROSYNC_CONNECT_TIMEOUT_MS, &rc);
	if (d->cs == NULL) {
		goto out;
	}
	vmha_view_set_self_nodeid(d->view, vmha_corosync_local_nodeid(d->cs));
	rc = qb_loop_poll_add(d->loop, QB_LOOP_HIGH, vmha_corosync_cpg_fd(d->cs), POLLIN, d,
	                      on_cpg_fd);
	if (rc == 0) {
		rc = qb_loop_poll_add(d->loop, QB_LOOP_HIGH, vmha_corosync_quorum_fd(d->cs), POLLIN,
		                      d, on_quorum_fd);
	}
	if (rc < 0) {
		vmha_err("cannot watch corosync's file descriptors: %s", strerror(-rc));
		goto out;
	}
	if (d->fo != NULL) {
		rc = qb_loop_poll_add(d->loop, QB_LOOP_HIGH, vmha_actuator_fd(d->act), POLLIN, d,
		                      on_actuator_fd);
		if (rc == 0) {
			rc = qb_loop_poll_add(d->loop, QB_LOOP_HIGH, vmha_regload_fd(d->rl), POLLIN,
			                      d, on_regload_fd);
		}
		if (rc < 0) {
			vmha_err("cannot watch the failover actuator: %s", strerror(-rc));
			goto out;
		}
	}
	if (d->hb != NULL) {
		d->storage.host = d->conf.host_name;
		if (asprintf(&d->storage.slot_path, "%s/%s.slot", d->conf.storage_dir,
		             d->conf.host_name) < 0) {
			d->storage.slot_path = NULL;
		}
		rc = storage_start(d);
		if (rc < 0) {
			goto out;
		}
	}
	rc = inventory_start(d);
	if (rc == 0) {
		rc = qb_loop_poll_add(d->loop, QB_LOOP_HIGH, d->invw.fds[0], POLLIN, d,
		                      on_inventory_fd);
	}
	if (rc < 0) {
		goto out;
	}
	if (d->guard != NULL) {
		rc = vmha_selfguard_start(d->guard);
		if (rc < 0) {
			goto out;
		}
	}
	qb_loop_signal_add(d->loop, QB_LOOP_HIGH, SIGTERM, d, on_signal, NULL);
	qb_loop_signal_add(d->loop, QB_LOOP_HIGH, SIGINT, d, on_signal, NULL);
	qb_loop_timer_add(d->loop, QB_LOOP_HIGH, 0, d, on_tick, &d->tick_timer);
	qb_loop_timer_add(d->loop, QB_LOOP_MED, 0, d, on_announce_timer, &d->announce_timer);
	vmha_notice("vmhad %s: host '%s' (node %" PRIu32 ") joined group '%s', mode %s, storage "
	            "heartbeat %s",
	            PACKAGE_VERSION, d->conf.host_name, vmha_corosync_local_nodeid(d->cs),
	            d->conf.group_name, vmha_hbconf_mode_name(d->conf.mode),
	            d->hb != NULL ? d->conf.storage_dir : "off");
out:
	return rc;
}

static void teardown(struct daemon *d)
{
	vmha_ipc_free(d->ipc);
	if (d->loop != NULL) {
		qb_loop_timer_del(d->loop, d->tick_timer);
		qb_loop_timer_del(d->loop, d->announce_timer);
	}
	vmha_selfguard_free(d->guard, protected_running_here(d));
	vmha_corosync_free(d->cs);
	if (d->loop != NULL) {
		qb_loop_destroy(d->loop);
	}
	storage_stop(d);
	if (!d->storage.running) {
		vmha_storage_hb_free(d->hb);
	}
	if (inventory_stop(d)) {
		vmha_inventory_free(d->inv);
	}
	vmha_msg_announce_clear(&d->last_inv);
	vmha_view_free(d->view);
	vmha_regload_free(d->rl, 1000);
	while (d->held_head != NULL) {
		struct fo_input *in = d->held_head;

		d->held_head = in->next;
		fo_input_free(in);
	}
	vmha_failover_free(d->fo);
	vmha_actuator_free(d->act);
	vmha_fence_config_free(d->fence_cfg);
	while (d->n_outbox > 0) {
		free(d->outbox[--d->n_outbox]);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"foreground", no_argument, NULL, 'f'},
	        {"config", required_argument, NULL, 'c'},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},
	        {NULL, 0, NULL, 0},
	};
	static struct daemon d;
	bool foreground = false;
	char err[512];
	int rc = 0;
	int c;

	d.conf_path = DEFAULT_CONF;
	while ((c = getopt_long(argc, argv, "fc:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			foreground = true;
			break;
		case 'c':
			d.conf_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("vmhad %s\n", PACKAGE_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vmhad: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	vmha_log_init("vmhad", foreground ? VMHA_LOG_TO_STDERR : VMHA_LOG_TO_SYSLOG);
	if (foreground) {
		/* millisecond timestamps: failover timelines are read from this log */
		qb_log_format_set(QB_LOG_STDERR, "%T %N[%P]: %p: %b");
	}
	rc = vmha_hbconf_load(d.conf_path, &d.conf, err, sizeof(err));
	if (rc < 0) {
		vmha_err("%s", err);
		d.exit_code = 2;
		goto out;
	}
	if (d.conf.log_level >= 0) {
		vmha_log_set_level(d.conf.log_level);
	}
	if (resolve_host_name(&d.conf) < 0) {
		vmha_err("this host's node name is not a valid vmha host name: set 'host_name' in "
		         "'%s'",
		         d.conf_path);
		d.exit_code = 2;
		goto out;
	}
	/* the proof rules, before any connection to the cluster */
	rc = vmha_wdfeed_check_config(&d.conf, d.conf_path, err, sizeof(err));
	if (rc < 0) {
		vmha_err("%s", err);
		d.exit_code = 2;
		goto out;
	}
	if (getrandom(&d.incarnation, sizeof(d.incarnation), 0) != sizeof(d.incarnation)) {
		d.incarnation = (uint64_t)getpid() << 20 ^ vmha_clock_now_ms();
	}
	d.incarnation &= ((uint64_t)1 << 52) - 1;
	d.incarnation |= 1;
	if (!foreground && daemon(0, 0) < 0) {
		vmha_err("cannot become a daemon: %s", strerror(errno));
		d.exit_code = EXIT_FAILURE;
		goto out;
	}
	d.started_ms = vmha_clock_now_ms();
	rc = setup(&d);
	if (rc < 0) {
		d.exit_code = d.exit_code != 0 ? d.exit_code : EXIT_FAILURE;
		goto out;
	}
	qb_loop_run(d.loop);
	vmha_notice("vmhad stopped");
out:
	teardown(&d);
	vmha_log_fini();
	return d.exit_code;
}

/* vmhad's self-fence and watchdog on the main loop (see selfguard.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deadline.h"
#include "fencing/selffence.h"
#include "fencing/watchdog.h"
#include "heartbeat/selfguard.h"
#include "heartbeat/wdfeed.h"
#include "log.h"

/* deadline of opening libvirt and of each libvirt call of the self-fence */
#define LIBVIRT_TIMEOUT_MS 5000
/* the guard's timer: feeds are spaced by vmha_wdfeed_interval_ms(), the self-fence is late by at most this */
#define TICK_MS 250
/* in state_dir while this host's watchdog is armed: a vmhad that starts and
 * finds it neither probes the watchdog (the probe would disarm it) nor feeds
 * it before it has seen quorum */
#define ARMED_FILE "watchdog-armed"

struct vmha_selfguard {
	struct vmha_hbconf conf;
	qb_loop_t *loop;
	qb_loop_timer_handle timer;
	bool timer_set;
	bool fd_added;
	struct vmha_selffence *sf;
	struct vmha_sfworker *worker;
	struct vmha_watchdog *wd;
	/* the watchdog opened when probed */
	bool wd_usable;
	/* vmha_selfguard_start() ran: the watchdog is armed at the first quorum */
	bool arm_pending;
	char armed_path[sizeof(((struct vmha_hbconf *)0)->state_dir) + sizeof(ARMED_FILE) + 1];
	bool corosync_up;
	bool quorate;
	bool fatal;
	/* from quorum loss until quorum returns */
	bool starts_refused;
	bool self_fenced;
	uint64_t last_tick_ms;
	uint64_t last_feed_ms;
	uint64_t last_run_ms;
	enum vmha_wdfeed_verdict last_verdict;
	struct vmha_sfworker_vm *vms;
	size_t n_vms;
	/* the last finished run, for the storage thread */
	bool record_pending;
	bool record_complete;
	struct vmha_sfworker_vm *record_vms;
	size_t record_n;
	/* the run in flight */
	struct vmha_sfworker_vm *run_vms;
	size_t run_n;
};

static void on_result(struct vmha_selfguard *g, const struct vmha_sfworker_result *res)
{
	free(g->record_vms);
	g->record_vms = g->run_vms;
	g->record_n = g->run_n;
	g->run_vms = NULL;
	g->run_n = 0;
	g->record_pending = true;
	g->record_complete = res->complete;
	if (res->complete) {
		vmha_selffence_mark_done(g->sf);
		if (!g->self_fenced && !g->quorate) {
			vmha_warn("self-fenced: %zu protected vms stopped (verified; %zu qemu "
			          "processes killed directly, libvirt %s, %" PRIu64 " ms)",
			          res->stopped, res->killed,
			          res->libvirt_ok ? "answered" : "did not answer",
			          res->duration_ms);
		}
		g->self_fenced = !g->quorate;
	} else {
		vmha_err("self-fence incomplete: %zu of %zu protected vms verified stopped; the "
		         "watchdog resets this host",
		         res->stopped, res->n_vms);
	}
}

static int32_t on_worker_fd(int32_t fd, int32_t revents, void *data)
{
	struct vmha_selfguard *g = data;
	struct vmha_sfworker_result res;

	(void)fd;
	(void)revents;
	if (vmha_sfworker_result(g->worker, &res) == 0) {
		on_result(g, &res);
	}
	return 0;
}

static int start_run(struct vmha_selfguard *g, uint64_t now_ms)
{
	int rc;

	if (vmha_sfworker_busy(g->worker)) {
		return -EBUSY;
	}
	free(g->run_vms);
	g->run_vms = NULL;
	g->run_n = 0;
	if (g->n_vms > 0) {
		g->run_vms = calloc(g->n_vms, sizeof(*g->run_vms));
		if (g->run_vms == NULL) {
			return -ENOMEM;
		}
		memcpy(g->run_vms, g->vms, g->n_vms * sizeof(*g->vms));
		g->run_n = g->n_vms;
	}
	rc = vmha_sfworker_start(g->worker, g->run_vms, g->run_n);
	if (rc == 0) {
		g->last_run_ms = now_ms;
		vmha_debug("self-fence run over %zu protected vms", g->run_n);
	}
	return rc;
}

static void feed(struct vmha_selfguard *g, uint64_t now_ms)
{
	struct vmha_wdfeed_facts f = {0};
	enum vmha_wdfeed_verdict v;

	f.corosync_up = g->corosync_up;
	f.fatal = g->fatal;
	f.selffence_allows = vmha_selffence_may_feed_watchdog(g->sf, now_ms);
	f.last_loop_ms = g->last_tick_ms;
	f.max_stall_ms = g->conf.watchdog_timeout_ms / 2;
	v = vmha_wdfeed_decide(&f, now_ms);
	if (v != g->last_verdict) {
		if (v == VMHA_WDFEED_FEED) {
			vmha_notice("watchdog: feeding again");
		} else if (g->wd != NULL) {
			vmha_warn("watchdog: not fed any more (%s): this host resets in %" PRIu64
			          " ms unless that changes",
			          vmha_wdfeed_verdict_name(v), g->conf.watchdog_timeout_ms);
		}
		g->last_verdict = v;
	}
	if (v == VMHA_WDFEED_FEED && g->wd != NULL &&
	    now_ms - g->last_feed_ms >= vmha_wdfeed_interval_ms(g->conf.watchdog_timeout_ms)) {
		if (vmha_watchdog_feed(g->wd) == 0) {
			g->last_feed_ms = now_ms;
		}
	}
}

static void on_tick(void *data)
{
	struct vmha_selfguard *g = data;
	uint64_t now = vmha_clock_now_ms();

	g->timer_set = false;
	feed(g, now);
	g->last_tick_ms = now;
	if (!g->quorate && !g->fatal &&
	    (vmha_selffence_due(g->sf, now) ||
	     (g->last_run_ms != 0 && vmha_selffence_due_at_ms(g->sf) == VMHA_DEADLINE_NEVER &&
	      now - g->last_run_ms >= VMHA_SELFGUARD_REPEAT_MS))) {
		if (g->last_run_ms == 0) {
			vmha_warn("quorum lost for %" PRIu64 " ms: self-fencing, stopping %zu "
			          "protected vms",
			          g->conf.self_fence_delay_ms, g->n_vms);
		}
		(void)start_run(g, now);
	}
	if (qb_loop_timer_add(g->loop, QB_LOOP_HIGH, TICK_MS * QB_TIME_NS_IN_MSEC, g, on_tick,
	                      &g->timer) == 0) {
		g->timer_set = true;
	}
}

/* Note (or forget) in state_dir that the watchdog is armed; -errno. */
static int mark_armed(const struct vmha_selfguard *g, bool armed)
{
	int fd = -1;
	int rc = 0;

	if (!armed) {
		if (unlink(g->armed_path) < 0 && errno != ENOENT) {
			rc = -errno;
		}
		goto out;
	}
	fd = open(g->armed_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, g->conf.watchdog_device, strlen(g->conf.watchdog_device)) < 0 ||
	    fsync(fd) < 0) {
		rc = -errno;
	}
out:
	if (fd >= 0) {
		close(fd);
	}
	if (rc < 0) {
		vmha_warn("cannot %s '%s': %s", armed ? "write" : "remove", g->armed_path,
		          strerror(-rc));
	}
	return rc;
}

/* Whether state_dir says that the vmhad before left this watchdog armed. */
static bool left_armed(const struct vmha_selfguard *g)
{
	char text[sizeof(g->conf.watchdog_device)] = "";
	FILE *f = fopen(g->armed_path, "re");
	bool same = false;

	if (f != NULL) {
		same = fgets(text, sizeof(text), f) != NULL &&
		       strcmp(text, g->conf.watchdog_device) == 0;
		fclose(f);
	}
	return same;
}

/* Open the watchdog for good (it counts from now on); -errno. */
static int arm(struct vmha_selfguard *g)
{
	int rc;

	g->arm_pending = false;
	rc = vmha_watchdog_open(g->conf.watchdog_device,
	                        (unsigned int)(g->conf.watchdog_timeout_ms / 1000), &g->wd);
	if (rc < 0 && g->conf.fence_config[0] == '\0') {
		vmha_err("watchdog_device '%s' does not open any more: %s; without a watchdog or "
		         "a fence device no restart of this host's vms is safe: no vm starts here",
		         g->conf.watchdog_device, strerror(-rc));
		g->fatal = true;
		g->starts_refused = true;
		return rc;
	}
	if (rc < 0) {
		vmha_warn("watchdog_device '%s' does not open any more (%s): fence_config proves "
		          "lost hosts dead",
		          g->conf.watchdog_device, strerror(-rc));
		return rc;
	}
	(void)mark_armed(g, true);
	vmha_notice("watchdog '%s' armed: fed every %" PRIu64 " ms while quorate and "
	            "healthy, timeout %" PRIu64 " ms",
	            g->conf.watchdog_device, vmha_wdfeed_interval_ms(g->conf.watchdog_timeout_ms),
	            g->conf.watchdog_timeout_ms);
	return 0;
}

int vmha_selfguard_new(const struct vmha_hbconf *conf, const char *conf_path, qb_loop_t *loop,
                       struct vmha_selfguard **out)
{
	struct vmha_selfguard *g = NULL;
	bool fence = conf->fence_config[0] != '\0';
	int rc = 0;

	*out = NULL;
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	g->conf = *conf;
	g->loop = loop;
	/* until told: vmhad learns the quorum once connected (vmhad_events.c) */
	g->quorate = true;
	g->corosync_up = true;
	g->last_verdict = VMHA_WDFEED_FEED;
	g->sf = vmha_selffence_new(conf->self_fence_delay_ms);
	if (g->sf == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(g->armed_path, sizeof(g->armed_path), "%s/%s", conf->state_dir, ARMED_FILE);
	if (conf->watchdog_device[0] != '\0' && left_armed(g)) {
		/* the vmhad before left it armed (it crashed, or vms ran): a probe
		 * would disarm it, and this vmhad feeds it only once it has seen
		 * quorum, so that a host cut off is reset on the first one's clock */
		vmha_notice("watchdog '%s' was left armed ('%s'): not opened before quorum is seen",
		            conf->watchdog_device, g->armed_path);
		g->wd_usable = true;
	} else if (conf->watchdog_device[0] != '\0') {
		/* a probe only: armed at the first quorum after vmha_selfguard_start() */
		rc = vmha_watchdog_open(conf->watchdog_device,
		                        (unsigned int)(conf->watchdog_timeout_ms / 1000), &g->wd);
		if (rc < 0 && !fence) {
			vmha_err("'%s': watchdog_device '%s' does not open (%s), and without "
			         "fence_config a watchdog is the only proof that a lost host "
			         "stopped its "
			         "VMs",
			         conf_path, conf->watchdog_device, strerror(-rc));
			goto out;
		}
		if (rc < 0) {
			vmha_warn("watchdog_device '%s' does not open (%s): running without a "
			          "watchdog (fence_config proves lost hosts dead)",
			          conf->watchdog_device, strerror(-rc));
			rc = 0;
		} else {
			(void)vmha_watchdog_close(g->wd, true);
			g->wd = NULL;
			g->wd_usable = true;
		}
	}
	rc = vmha_sfworker_new(conf->libvirt_uri, LIBVIRT_TIMEOUT_MS, &g->worker);
	if (rc < 0) {
		vmha_err("cannot start the self-fence worker: %s", strerror(-rc));
		goto out;
	}
	rc = qb_loop_poll_add(loop, QB_LOOP_HIGH, vmha_sfworker_fd(g->worker), POLLIN, g,
	                      on_worker_fd);
	if (rc < 0) {
		goto out;
	}
	g->fd_added = true;
	*out = g;
	g = NULL;
out:
	vmha_selfguard_free(g, 0);
	return rc;
}

int vmha_selfguard_start(struct vmha_selfguard *g)
{
	/* armed at the first quorum: a vmhad started in a partition cut off
	 * does not extend the life of a host its peers restart on a timer */
	g->arm_pending = g->wd_usable;
	if (g->arm_pending) {
		vmha_info("watchdog '%s' is armed once quorum is seen", g->conf.watchdog_device);
	}
	g->last_tick_ms = vmha_clock_now_ms();
	on_tick(g);
	return 0;
}

void vmha_selfguard_free(struct vmha_selfguard *g, size_t protected_running)
{
	bool disarm = false;

	if (g == NULL) {
		return;
	}
	if (g->timer_set) {
		qb_loop_timer_del(g->loop, g->timer);
	}
	if (g->fd_added) {
		qb_loop_poll_del(g->loop, vmha_sfworker_fd(g->worker));
	}
	if (g->wd != NULL) {
		disarm = !g->fatal && vmha_wdfeed_may_disarm(protected_running);
		if (disarm) {
			vmha_notice("watchdog '%s' disarmed: no protected vm runs here",
			            g->conf.watchdog_device);
		} else {
			vmha_warn("watchdog '%s' left armed (%zu protected vms run here%s): this "
			          "host resets in %" PRIu64 " ms unless vmhad starts again",
			          g->conf.watchdog_device, protected_running,
			          g->fatal ? ", fatal error" : "", g->conf.watchdog_timeout_ms);
		}
		(void)vmha_watchdog_close(g->wd, disarm);
		if (disarm) {
			(void)mark_armed(g, false);
		}
	}
	vmha_sfworker_free(g->worker);
	vmha_selffence_free(g->sf);
	free(g->vms);
	free(g->run_vms);
	free(g->record_vms);
	free(g);
}

void vmha_selfguard_set_quorate(struct vmha_selfguard *g, bool quorate, uint64_t now_ms)
{
	if (g == NULL) {
		return;
	}
	vmha_selffence_set_quorate(g->sf, quorate, now_ms);
	if (quorate && g->arm_pending) {
		(void)arm(g);
	}
	if (!quorate) {
		g->starts_refused = true;
	} else {
		g->starts_refused = false;
		g->self_fenced = false;
		g->last_run_ms = 0;
	}
	g->quorate = quorate;
}

void vmha_selfguard_set_corosync_up(struct vmha_selfguard *g, bool up)
{
	if (g != NULL) {
		g->corosync_up = up;
	}
}

void vmha_selfguard_set_vms(struct vmha_selfguard *g, const struct vmha_sfworker_vm *vms, size_t n)
{
	struct vmha_sfworker_vm *copy = NULL;

	if (g == NULL) {
		return;
	}
	if (n > 0) {
		copy = calloc(n, sizeof(*copy));
		if (copy == NULL) {
			vmha_err("cannot keep the list of protected vms: %s", strerror(ENOMEM));
			return;
		}
		memcpy(copy, vms, n * sizeof(*copy));
	}
	free(g->vms);
	g->vms = copy;
	g->n_vms = n;
}

bool vmha_selfguard_may_start(const struct vmha_selfguard *g)
{
	return g == NULL || (!g->starts_refused && !g->self_fenced && !g->fatal);
}

bool vmha_selfguard_self_fenced(const struct vmha_selfguard *g)
{
	return g != NULL && g->self_fenced;
}

bool vmha_selfguard_watchdog_open(const struct vmha_selfguard *g)
{
	return g != NULL && g->wd != NULL;
}

void vmha_selfguard_safety(const struct vmha_selfguard *g, struct vmha_msg_safety *out)
{
	vmha_wdfeed_announce(&g->conf, g->wd != NULL, out);
}

int vmha_selfguard_fatal(struct vmha_selfguard *g, uint64_t timeout_ms)
{
	struct vmha_sfworker_result res;
	struct pollfd p;
	uint64_t deadline = vmha_deadline_in_ms(timeout_ms);
	int rc = -ETIMEDOUT;

	if (g == NULL) {
		return 0;
	}
	g->fatal = true;
	g->starts_refused = true;
	vmha_crit("fatal error: self-fencing now (%zu protected vms); the watchdog stays armed",
	          g->n_vms);
	while (vmha_sfworker_busy(g->worker) && !vmha_deadline_expired(deadline)) {
		p.fd = vmha_sfworker_fd(g->worker);
		p.events = POLLIN;
		(void)poll(&p, 1, vmha_deadline_poll_timeout(deadline));
		if (vmha_sfworker_result(g->worker, &res) == 0) {
			on_result(g, &res);
		}
	}
	if (start_run(g, vmha_clock_now_ms()) < 0) {
		goto out;
	}
	while (!vmha_deadline_expired(deadline)) {
		p.fd = vmha_sfworker_fd(g->worker);
		p.events = POLLIN;
		(void)poll(&p, 1, vmha_deadline_poll_timeout(deadline));
		if (vmha_sfworker_result(g->worker, &res) == 0) {
			on_result(g, &res);
			rc = res.complete ? 0 : -EIO;
			break;
		}
	}
out:
	if (rc == -ETIMEDOUT) {
		vmha_err("self-fence did not finish within %" PRIu64 " ms: the watchdog resets "
		         "this host",
		         timeout_ms);
	}
	return rc;
}

bool vmha_selfguard_take_record(struct vmha_selfguard *g, struct vmha_sfworker_vm **vms, size_t *n,
                                bool *complete)
{
	if (g == NULL || !g->record_pending) {
		return false;
	}
	*vms = g->record_vms;
	*n = g->record_n;
	*complete = g->record_complete;
	g->record_vms = NULL;
	g->record_n = 0;
	g->record_pending = false;
	return true;
}

void vmha_selfguard_status(const struct vmha_selfguard *g, struct json_object *root)
{
	struct vmha_msg_safety safety;
	json_object *wd = NULL;
	json_object *o = NULL;

	if (g == NULL || root == NULL) {
		return;
	}
	json_object_object_add(root, "self_fenced", json_object_new_boolean(g->self_fenced));
	wd = json_object_new_object();
	if (wd == NULL) {
		return;
	}
	json_object_object_add(wd, "device",
	                       g->conf.watchdog_device[0] != '\0'
	                               ? json_object_new_string(g->conf.watchdog_device)
	                               : NULL);
	json_object_object_add(wd, "open", json_object_new_boolean(g->wd != NULL));
	json_object_object_add(wd, "timeout_ms",
	                       json_object_new_int64((int64_t)g->conf.watchdog_timeout_ms));
	json_object_object_add(
	        wd, "feeds",
	        json_object_new_int64(g->wd != NULL ? (int64_t)vmha_watchdog_feed_count(g->wd)
	                                            : 0));
	json_object_object_add(wd, "fed",
	                       json_object_new_boolean(g->last_verdict == VMHA_WDFEED_FEED));
	json_object_object_add(root, "watchdog", wd);
	vmha_selfguard_safety(g, &safety);
	o = json_object_new_object();
	if (o == NULL) {
		return;
	}
	json_object_object_add(o, "fence_device", json_object_new_boolean(safety.fence_device));
	json_object_object_add(o, "watchdog_timeout_ms",
	                       json_object_new_int64((int64_t)safety.watchdog_timeout_ms));
	json_object_object_add(o, "self_fence_delay_ms",
	                       json_object_new_int64((int64_t)safety.self_fence_delay_ms));
	json_object_object_add(root, "safety", o);
}

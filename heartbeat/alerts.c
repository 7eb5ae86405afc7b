/* Alert agents with Pacemaker's interface, run by a worker thread (see alerts.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "heartbeat/alerts.h"
#include "log.h"

#define DEFAULT_QUEUE_MAX 64
#define WAIT_STEP_MS      5
/* CRM_alert_* variables, their CRM_notify_* twins, PATH, the NULL */
#define ENV_MAX        48
#define ENV_ENTRY_SIZE 320

/* Pacemaker's execution status codes (CRM_alert_status) */
#define EXEC_DONE    0
#define EXEC_TIMEOUT 2
#define EXEC_ERROR   4
/* OCF return codes (CRM_alert_rc of a resource) */
#define OCF_OK          0
#define OCF_ERR_GENERIC 1

struct queued {
	struct vmha_alert_event ev;
	uint64_t sequence;
	struct timeval at;
};

struct vmha_alerts;

/* One agent: its own worker and queue, so one that hangs delays only itself. */
struct agent {
	struct vmha_alerts *al;
	char path[1024];
	pthread_t thread;
	bool started;
	/* a ring of queue_max events */
	struct queued *ring;
	size_t head;
	size_t count;
	bool busy;
	bool full_logged;
};

struct vmha_alerts {
	struct agent agents[VMHA_ALERTS_MAX_AGENTS];
	size_t n_agents;
	char recipient[256];
	char version[32];
	uint64_t timeout_ms;
	size_t queue_max;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	uint64_t sequence;
	struct vmha_alerts_stats stats;
};

struct env {
	char entries[ENV_MAX][ENV_ENTRY_SIZE];
	char *ptrs[ENV_MAX + 1];
	size_t n;
};

static void env_add(struct env *e, const char *name, const char *value)
{
	static const char *const prefixes[] = {"CRM_alert_", "CRM_notify_"};
	size_t i;

	for (i = 0; i < 2 && e->n < ENV_MAX; i++) {
		snprintf(e->entries[e->n], ENV_ENTRY_SIZE, "%s%s=%s", prefixes[i], name, value);
		e->ptrs[e->n] = e->entries[e->n];
		e->n++;
	}
	e->ptrs[e->n] = NULL;
}

static void env_add_int(struct env *e, const char *name, long long value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", value);
	env_add(e, name, buf);
}

static const char *kind_name(enum vmha_alert_kind kind)
{
	switch (kind) {
	case VMHA_ALERT_NODE:
		return "node";
	case VMHA_ALERT_FENCING:
		return "fencing";
	case VMHA_ALERT_RESOURCE:
		return "resource";
	case VMHA_ALERT_ATTRIBUTE:
		return "attribute";
	}
	return "node";
}

/* The environment Pacemaker gives an agent for this kind of event. */
static void build_env(const struct vmha_alerts *al, const struct queued *q, struct env *e)
{
	const struct vmha_alert_event *ev = &q->ev;
	char stamp[64];
	char usec[16];
	struct tm tm;
	time_t sec = q->at.tv_sec;

	e->n = 0;
	e->ptrs[0] = NULL;
	localtime_r(&sec, &tm);
	/* Pacemaker's default timestamp-format, "%H:%M:%S.%06N" */
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	snprintf(usec, sizeof(usec), "%06ld", (long)q->at.tv_usec);
	snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%s", usec);
	env_add(e, "kind", kind_name(ev->kind));
	env_add(e, "version", al->version);
	env_add(e, "recipient", al->recipient);
	env_add_int(e, "node_sequence", (long long)q->sequence);
	env_add(e, "timestamp", stamp);
	env_add_int(e, "timestamp_epoch", (long long)q->at.tv_sec);
	env_add(e, "timestamp_usec", usec);
	env_add(e, "node", ev->node);
	env_add(e, "desc", ev->desc);
	switch (ev->kind) {
	case VMHA_ALERT_NODE:
		env_add_int(e, "nodeid", ev->nodeid);
		break;
	case VMHA_ALERT_FENCING:
		env_add(e, "task", ev->task);
		env_add_int(e, "rc", ev->rc);
		break;
	case VMHA_ALERT_RESOURCE:
		env_add(e, "rsc", ev->rsc);
		env_add(e, "task", ev->task);
		env_add(e, "interval", "0");
		env_add_int(e, "rc", ev->rc);
		env_add_int(e, "target_rc", ev->target_rc);
		env_add_int(e, "status", ev->status);
		break;
	case VMHA_ALERT_ATTRIBUTE:
		env_add(e, "attribute_name", ev->attribute_name);
		env_add(e, "attribute_value", ev->attribute_value);
		break;
	}
	if (e->n < ENV_MAX) {
		snprintf(e->entries[e->n], ENV_ENTRY_SIZE, "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
		e->ptrs[e->n] = e->entries[e->n];
		e->n++;
		e->ptrs[e->n] = NULL;
	}
}

static int spawn_agent(const char *path, struct env *e, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *argv[] = {(char *)path, NULL};
	sigset_t none;
	int rc = 0;

	sigemptyset(&none);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	/* vmhad's sockets and files are none of the agent's business */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	/* its own process group: a timeout kills what the agent started too */
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
	rc = -posix_spawn(pid, path, &fa, &attr, argv, e->ptrs);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return rc;
}

static void count(struct vmha_alerts *al, uint64_t *counter)
{
	pthread_mutex_lock(&al->lock);
	(*counter)++;
	pthread_mutex_unlock(&al->lock);
}

static bool stopping(struct vmha_alerts *al)
{
	bool stop = false;

	pthread_mutex_lock(&al->lock);
	stop = al->stop;
	pthread_mutex_unlock(&al->lock);
	return stop;
}

/* Run the agent for one event; kill its group at the deadline or when vmhad stops. */
static void run_event(struct agent *ag, const struct queued *q)
{
	static __thread struct env e;
	struct vmha_alerts *al = ag->al;
	uint64_t deadline = vmha_deadline_in_ms(al->timeout_ms);
	pid_t pid = 0;
	int status = 0;
	int rc = 0;

	build_env(al, q, &e);
	rc = spawn_agent(ag->path, &e, &pid);
	if (rc < 0) {
		vmha_warn("alert agent '%s' cannot start: %s", ag->path, strerror(-rc));
		count(al, &al->stats.failed);
		return;
	}
	for (;;) {
		struct timespec ts = {0, WAIT_STEP_MS * 1000000L};
		pid_t got = waitpid(pid, &status, WNOHANG);

		if (got == pid || (got < 0 && errno != EINTR)) {
			break;
		}
		if (vmha_deadline_expired(deadline) || stopping(al)) {
			/* the agent's process group: it is ours, started above */
			kill(-pid, SIGKILL);
			vmha_warn("alert agent '%s' (pid %ld) killed after %" PRIu64
			          " ms (event %" PRIu64 "%s)",
			          ag->path, (long)pid,
			          vmha_clock_now_ms() + al->timeout_ms - deadline, q->sequence,
			          stopping(al) ? ", vmhad stops" : "");
			(void)waitpid(pid, &status, 0);
			count(al, &al->stats.timed_out);
			return;
		}
		nanosleep(&ts, NULL);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		count(al, &al->stats.ok);
	} else {
		vmha_warn("alert agent '%s' failed (event %" PRIu64 ", status %d)", ag->path,
		          q->sequence, status);
		count(al, &al->stats.failed);
	}
	/* the group may outlive its leader: it has had its time */
	kill(-pid, SIGKILL);
}

static void *worker(void *arg)
{
	struct agent *ag = arg;
	struct vmha_alerts *al = ag->al;
	struct queued q;

	pthread_mutex_lock(&al->lock);
	for (;;) {
		while (ag->count == 0 && !al->stop) {
			pthread_cond_wait(&al->cond, &al->lock);
		}
		if (al->stop) {
			break;
		}
		q = ag->ring[ag->head];
		ag->head = (ag->head + 1) % al->queue_max;
		ag->count--;
		ag->busy = true;
		pthread_mutex_unlock(&al->lock);
		run_event(ag, &q);
		pthread_mutex_lock(&al->lock);
		ag->busy = false;
		pthread_cond_broadcast(&al->cond);
	}
	if (ag->count > 0) {
		vmha_warn("alert agent '%s': %zu queued event(s) dropped at shutdown", ag->path,
		          ag->count);
		al->stats.dropped += ag->count;
		ag->count = 0;
	}
	pthread_mutex_unlock(&al->lock);
	return NULL;
}

static void stop_all(struct vmha_alerts *al)
{
	size_t i;

	pthread_mutex_lock(&al->lock);
	al->stop = true;
	pthread_cond_broadcast(&al->cond);
	pthread_mutex_unlock(&al->lock);
	for (i = 0; i < al->n_agents; i++) {
		if (al->agents[i].started) {
			pthread_join(al->agents[i].thread, NULL);
		}
		free(al->agents[i].ring);
	}
	pthread_mutex_destroy(&al->lock);
	pthread_cond_destroy(&al->cond);
	free(al);
}

int vmha_alerts_new(const struct vmha_alerts_opts *opts, struct vmha_alerts **out)
{
	struct vmha_alerts *al = NULL;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (opts == NULL || opts->n_paths == 0 || opts->n_paths > VMHA_ALERTS_MAX_AGENTS) {
		return -EINVAL;
	}
	for (i = 0; i < opts->n_paths; i++) {
		if (opts->paths[i] == NULL || opts->paths[i][0] != '/' ||
		    strlen(opts->paths[i]) >= sizeof(al->agents[0].path)) {
			return -EINVAL;
		}
	}
	al = calloc(1, sizeof(*al));
	if (al == NULL) {
		return -ENOMEM;
	}
	al->queue_max = opts->queue_max > 0 ? opts->queue_max : DEFAULT_QUEUE_MAX;
	snprintf(al->recipient, sizeof(al->recipient), "%s",
	         opts->recipient != NULL ? opts->recipient : "");
	snprintf(al->version, sizeof(al->version), "%s",
	         opts->version != NULL ? opts->version : PACKAGE_VERSION);
	al->timeout_ms = opts->timeout_ms;
	pthread_mutex_init(&al->lock, NULL);
	pthread_cond_init(&al->cond, NULL);
	al->n_agents = opts->n_paths;
	for (i = 0; i < opts->n_paths; i++) {
		struct agent *ag = &al->agents[i];

		ag->al = al;
		snprintf(ag->path, sizeof(ag->path), "%s", opts->paths[i]);
		ag->ring = calloc(al->queue_max, sizeof(*ag->ring));
		if (ag->ring == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		rc = -pthread_create(&ag->thread, NULL, worker, ag);
		if (rc < 0) {
			goto out;
		}
		ag->started = true;
	}
out:
	if (rc < 0) {
		stop_all(al);
		return rc;
	}
	*out = al;
	return 0;
}

void vmha_alerts_free(struct vmha_alerts *al)
{
	if (al == NULL) {
		return;
	}
	stop_all(al);
}

int vmha_alerts_send(struct vmha_alerts *al, const struct vmha_alert_event *ev)
{
	struct timeval now;
	int rc = 0;
	size_t i;

	if (al == NULL || ev == NULL) {
		return -EINVAL;
	}
	gettimeofday(&now, NULL);
	pthread_mutex_lock(&al->lock);
	al->sequence++;
	for (i = 0; i < al->n_agents; i++) {
		struct agent *ag = &al->agents[i];
		struct queued *q = NULL;

		if (ag->count == al->queue_max) {
			al->stats.dropped++;
			if (!ag->full_logged) {
				vmha_warn(
				        "alert agent '%s': queue of %zu events full: event %" PRIu64
				        " ('%s' on '%s') dropped",
				        ag->path, al->queue_max, al->sequence, kind_name(ev->kind),
				        ev->node);
				ag->full_logged = true;
			}
			rc = -ENOSPC;
			continue;
		}
		if (ag->full_logged) {
			vmha_notice("alert agent '%s': queue has room again (%" PRIu64
			            " event(s) dropped so far)",
			            ag->path, al->stats.dropped);
			ag->full_logged = false;
		}
		q = &ag->ring[(ag->head + ag->count) % al->queue_max];
		q->ev = *ev;
		q->sequence = al->sequence;
		q->at = now;
		ag->count++;
	}
	pthread_cond_broadcast(&al->cond);
	pthread_mutex_unlock(&al->lock);
	return rc;
}

static size_t queued_locked(const struct vmha_alerts *al, bool *busy)
{
	size_t n = 0;
	size_t i;

	*busy = false;
	for (i = 0; i < al->n_agents; i++) {
		n += al->agents[i].count;
		*busy = *busy || al->agents[i].busy;
	}
	return n;
}

void vmha_alerts_stats(struct vmha_alerts *al, struct vmha_alerts_stats *out)
{
	bool busy = false;

	memset(out, 0, sizeof(*out));
	if (al == NULL) {
		return;
	}
	pthread_mutex_lock(&al->lock);
	*out = al->stats;
	out->queued = queued_locked(al, &busy);
	pthread_mutex_unlock(&al->lock);
}

int vmha_alerts_drain(struct vmha_alerts *al, uint64_t timeout_ms)
{
	uint64_t deadline = vmha_deadline_in_ms(timeout_ms);
	bool busy = false;
	int rc = 0;

	if (al == NULL) {
		return 0;
	}
	pthread_mutex_lock(&al->lock);
	while (queued_locked(al, &busy) > 0 || busy) {
		struct timespec ts = {0, WAIT_STEP_MS * 1000000L};

		if (vmha_deadline_expired(deadline)) {
			rc = -ETIMEDOUT;
			break;
		}
		pthread_mutex_unlock(&al->lock);
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&al->lock);
	}
	pthread_mutex_unlock(&al->lock);
	return rc;
}

static void set_common(struct vmha_alert_event *ev, enum vmha_alert_kind kind, const char *node,
                       const char *desc)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	snprintf(ev->node, sizeof(ev->node), "%s", node != NULL ? node : "");
	snprintf(ev->desc, sizeof(ev->desc), "%s", desc != NULL ? desc : "");
}

void vmha_alerts_fence_event(struct vmha_alert_event *ev, const char *target, const char *by,
                             bool ok, const char *text)
{
	char desc[256];

	/* the shape of Pacemaker's fencing summary */
	snprintf(desc, sizeof(desc), "Operation reboot of %.64s by %.64s for vmhad: %s (%.80s)",
	         target, by, ok ? "OK" : "Error", text != NULL ? text : "");
	set_common(ev, VMHA_ALERT_FENCING, target, desc);
	snprintf(ev->task, sizeof(ev->task), "reboot");
	ev->rc = ok ? 0 : 1;
}

void vmha_alerts_start_event(struct vmha_alert_event *ev, const char *vm, const char *host, bool ok,
                             bool timed_out, const char *text)
{
	char desc[256];

	if (ok) {
		snprintf(desc, sizeof(desc), "ok");
	} else if (timed_out) {
		snprintf(desc, sizeof(desc), "Timed Out");
	} else {
		snprintf(desc, sizeof(desc), "error: %.240s", text != NULL ? text : "");
	}
	set_common(ev, VMHA_ALERT_RESOURCE, host, desc);
	snprintf(ev->rsc, sizeof(ev->rsc), "%s", vm != NULL ? vm : "");
	snprintf(ev->task, sizeof(ev->task), "start");
	ev->rc = ok ? OCF_OK : OCF_ERR_GENERIC;
	ev->target_rc = OCF_OK;
	ev->status = ok ? EXEC_DONE : timed_out ? EXEC_TIMEOUT : EXEC_ERROR;
}

void vmha_alerts_health_event(struct vmha_alert_event *ev, const char *vm, const char *host,
                              const char *desc)
{
	set_common(ev, VMHA_ALERT_RESOURCE, host, desc != NULL ? desc : "");
	snprintf(ev->rsc, sizeof(ev->rsc), "%s", vm != NULL ? vm : "");
	snprintf(ev->task, sizeof(ev->task), "monitor");
	ev->rc = OCF_ERR_GENERIC;
	ev->target_rc = OCF_OK;
	ev->status = EXEC_DONE;
}

void vmha_alerts_attribute_event(struct vmha_alert_event *ev, const char *host, const char *name,
                                 const char *value)
{
	char desc[256];

	snprintf(desc, sizeof(desc), "%.63s=%.127s", name, value);
	set_common(ev, VMHA_ALERT_ATTRIBUTE, host, desc);
	snprintf(ev->attribute_name, sizeof(ev->attribute_name), "%s", name);
	snprintf(ev->attribute_value, sizeof(ev->attribute_value), "%s", value);
}

bool vmha_alerts_from_decision(const char *kind, const char *host, const char *text,
                               struct vmha_alert_event *ev)
{
	if (kind == NULL || host == NULL) {
		return false;
	}
	if (strcmp(kind, "host_down") == 0) {
		/* the failover's down decision: Pacemaker's "lost" node */
		set_common(ev, VMHA_ALERT_NODE, host, "lost");
		return true;
	}
	if (strcmp(kind, "host_up") == 0) {
		set_common(ev, VMHA_ALERT_NODE, host, "member");
		return true;
	}
	if (strcmp(kind, "fenced") == 0) {
		/* the coordinator's published fence (text says which proof) */
		set_common(ev, VMHA_ALERT_FENCING, host, text);
		snprintf(ev->task, sizeof(ev->task), "reboot");
		ev->rc = 0;
		return true;
	}
	if (strcmp(kind, "self_fenced") == 0) {
		set_common(ev, VMHA_ALERT_FENCING, host, text);
		snprintf(ev->task, sizeof(ev->task), "off");
		ev->rc = 0;
		return true;
	}
	if (strcmp(kind, "stranded") == 0 || strcmp(kind, "start_unknown") == 0 ||
	    strcmp(kind, "assign") == 0) {
		/* host is the VM here; the host it was to run on is unknown */
		set_common(ev, VMHA_ALERT_RESOURCE, "", text);
		snprintf(ev->rsc, sizeof(ev->rsc), "%s", host);
		snprintf(ev->task, sizeof(ev->task), "%s",
		         strcmp(kind, "assign") == 0 ? "assign" : "start");
		ev->rc = strcmp(kind, "assign") == 0 ? OCF_OK : OCF_ERR_GENERIC;
		ev->target_rc = OCF_OK;
		ev->status = strcmp(kind, "assign") == 0 ? EXEC_DONE : EXEC_ERROR;
		return true;
	}
	if (strcmp(kind, "quorum_lost") == 0 || strcmp(kind, "quorum_regained") == 0) {
		vmha_alerts_attribute_event(ev, host, "vmha-quorate",
		                            kind[7] == 'l' ? "false" : "true");
		snprintf(ev->desc, sizeof(ev->desc), "%s", text);
		return true;
	}
	if (strcmp(kind, "alarm") == 0 || strcmp(kind, "watchdog") == 0 ||
	    strcmp(kind, "disk_leases") == 0) {
		vmha_alerts_attribute_event(ev, host,
		                            kind[0] == 'a'   ? "vmha-alarm"
		                            : kind[0] == 'w' ? "vmha-watchdog"
		                                             : "vmha-disk-leases",
		                            text);
		return true;
	}
	return false;
}

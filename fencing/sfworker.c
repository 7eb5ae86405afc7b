/* The self-fence worker thread (see sfworker.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "deadline.h"
#include "log.h"
#include "selffence.h"
#include "sfworker.h"
#include "virt.h"

struct vmha_sfworker {
	pthread_t tid;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int fds[2];
	char *uri;
	bool use_libvirt;
	uint64_t timeout_ms;
	/* asked by the main loop */
	struct vmha_sfworker_vm *vms;
	size_t n_vms;
	bool asked;
	bool stop;
	/* the worker's */
	bool busy;
	uint64_t runs;
	bool have_result;
	struct vmha_sfworker_result result;
};

/* Destroy one VM through libvirt; true when libvirt says it is not running. */
static bool destroy_by_libvirt(struct vmha_virt *v, const struct vmha_sfworker_vm *vm,
                               uint64_t timeout_ms)
{
	struct vmha_virt_domain *dom = NULL;
	int state = VIR_DOMAIN_NOSTATE;
	int reason = 0;
	bool stopped = false;
	int rc;

	rc = vmha_virt_domain_lookup(v, vm->uuid[0] != '\0' ? vm->uuid : NULL, vm->name,
	                             vmha_deadline_in_ms(timeout_ms), &dom);
	if (rc == -ENOENT) {
		stopped = true;
		goto out;
	}
	if (rc < 0) {
		vmha_err("self-fence: libvirt cannot look up '%s': %s", vm->name,
		         vmha_virt_error(v));
		goto out;
	}
	rc = vmha_virt_domain_get_state(dom, vmha_deadline_in_ms(timeout_ms), &state, &reason);
	if (rc == 0 && state != VIR_DOMAIN_SHUTOFF && state != VIR_DOMAIN_CRASHED) {
		rc = vmha_virt_domain_destroy(dom, 0, vmha_deadline_in_ms(timeout_ms));
		if (rc < 0 && rc != -ENOENT) {
			vmha_err("self-fence: libvirt cannot destroy '%s': %s", vm->name,
			         vmha_virt_domain_error(dom));
		}
		rc = vmha_virt_domain_get_state(dom, vmha_deadline_in_ms(timeout_ms), &state,
		                                &reason);
	}
	stopped = rc == -ENOENT ||
	          (rc == 0 && (state == VIR_DOMAIN_SHUTOFF || state == VIR_DOMAIN_CRASHED));
	if (stopped) {
		vmha_notice("self-fence: domain '%s' is stopped", vm->name);
	}
out:
	vmha_virt_domain_free(dom);
	return stopped;
}

static void run_once(struct vmha_sfworker *w, const struct vmha_sfworker_vm *vms, size_t n,
                     struct vmha_sfworker_result *res)
{
	struct vmha_virt *v = NULL;
	uint64_t t0 = vmha_clock_now_ms();
	size_t i;

	res->n_vms = n;
	if (w->use_libvirt && n > 0) {
		int rc = vmha_virt_open(w->uri, 0, vmha_deadline_in_ms(w->timeout_ms), &v);

		if (rc < 0) {
			vmha_err("self-fence: libvirt unreachable (%s): killing QEMU processes "
			         "directly",
			         vmha_virt_open_error());
			v = NULL;
		}
	}
	res->libvirt_ok = v != NULL;
	for (i = 0; i < n; i++) {
		size_t killed = 0;

		if (v != NULL && !vmha_virt_is_wedged(v)) {
			(void)destroy_by_libvirt(v, &vms[i], w->timeout_ms);
		}
		if (v != NULL && vmha_virt_is_wedged(v)) {
			res->libvirt_ok = false;
		}
		/* Whatever libvirt said: no QEMU process of the VM may be left. */
		if (vmha_selffence_kill_guest(vms[i].name,
		                              vms[i].uuid[0] != '\0' ? vms[i].uuid : NULL,
		                              &killed) == 0) {
			res->stopped++;
		}
		res->killed += killed;
	}
	vmha_virt_free(v);
	res->complete = res->stopped == n;
	res->duration_ms = vmha_clock_now_ms() - t0;
}

static void *worker_thread(void *arg)
{
	struct vmha_sfworker *w = arg;
	struct vmha_sfworker_vm *vms = NULL;
	struct vmha_sfworker_result res;
	size_t n = 0;
	char byte = 1;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		if (!w->asked) {
			pthread_cond_wait(&w->wake, &w->lock);
			continue;
		}
		vms = w->vms;
		n = w->n_vms;
		w->vms = NULL;
		w->n_vms = 0;
		w->asked = false;
		w->busy = true;
		memset(&res, 0, sizeof(res));
		res.run = ++w->runs;
		pthread_mutex_unlock(&w->lock);
		run_once(w, vms, n, &res);
		free(vms);
		vms = NULL;
		pthread_mutex_lock(&w->lock);
		w->busy = false;
		w->result = res;
		w->have_result = true;
		if (write(w->fds[1], &byte, 1) < 0 && errno != EAGAIN) {
			vmha_err("self-fence: cannot wake the main loop: %s", strerror(errno));
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int vmha_sfworker_new(const char *libvirt_uri, uint64_t libvirt_timeout_ms,
                      struct vmha_sfworker **out)
{
	struct vmha_sfworker *w = NULL;
	int rc = 0;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	w->fds[0] = w->fds[1] = -1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	w->use_libvirt = libvirt_uri == NULL || libvirt_uri[0] != '\0';
	w->timeout_ms = libvirt_timeout_ms;
	if (libvirt_uri != NULL && libvirt_uri[0] != '\0' &&
	    (w->uri = strdup(libvirt_uri)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (pipe2(w->fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		rc = -errno;
		goto out;
	}
	rc = -pthread_create(&w->tid, NULL, worker_thread, w);
	if (rc < 0) {
		goto out;
	}
	w->running = true;
	*out = w;
	w = NULL;
out:
	vmha_sfworker_free(w);
	return rc;
}

void vmha_sfworker_free(struct vmha_sfworker *w)
{
	if (w == NULL) {
		return;
	}
	if (w->running) {
		pthread_mutex_lock(&w->lock);
		w->stop = true;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->tid, NULL);
	}
	if (w->fds[0] >= 0) {
		close(w->fds[0]);
	}
	if (w->fds[1] >= 0) {
		close(w->fds[1]);
	}
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w->vms);
	free(w->uri);
	free(w);
}

int vmha_sfworker_start(struct vmha_sfworker *w, const struct vmha_sfworker_vm *vms, size_t n)
{
	struct vmha_sfworker_vm *copy = NULL;
	int rc = 0;

	if (w == NULL || (vms == NULL && n > 0)) {
		return -EINVAL;
	}
	if (n > 0) {
		copy = calloc(n, sizeof(*copy));
		if (copy == NULL) {
			return -ENOMEM;
		}
		memcpy(copy, vms, n * sizeof(*copy));
	}
	pthread_mutex_lock(&w->lock);
	if (w->asked || w->busy) {
		rc = -EBUSY;
	} else {
		w->vms = copy;
		w->n_vms = n;
		w->asked = true;
		copy = NULL;
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&w->lock);
	free(copy);
	return rc;
}

bool vmha_sfworker_busy(struct vmha_sfworker *w)
{
	bool busy;

	pthread_mutex_lock(&w->lock);
	busy = w->asked || w->busy;
	pthread_mutex_unlock(&w->lock);
	return busy;
}

int vmha_sfworker_fd(const struct vmha_sfworker *w)
{
	return w->fds[0];
}

int vmha_sfworker_result(struct vmha_sfworker *w, struct vmha_sfworker_result *out)
{
	char buf[64];
	int rc = -EAGAIN;

	while (read(w->fds[0], buf, sizeof(buf)) > 0) {
	}
	pthread_mutex_lock(&w->lock);
	if (w->have_result) {
		*out = w->result;
		w->have_result = false;
		rc = 0;
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

int vmha_sfworker_record_write(const char *slot_path, const char *node,
                               const struct vmha_sfworker_vm *vms, size_t n, bool complete)
{
	const char **names = NULL;
	size_t i;
	int rc = 0;

	if (n > 0) {
		names = calloc(n, sizeof(*names));
		if (names == NULL) {
			return -ENOMEM;
		}
	}
	for (i = 0; i < n; i++) {
		names[i] = vms[i].name;
	}
	rc = vmha_selffence_record_write(slot_path, node, names, n, complete);
	free(names);
	return rc;
}

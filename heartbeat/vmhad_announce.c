/*
 * vmhad: this host's announcements (capacity, VMs, health, safety) from the
 * inventory thread's collections; the last one, degraded, while libvirt hangs.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "heartbeat/vmhad_int.h"
#include "log.h"
#include "util.h"

/* Send an announcement of inventory a (capacity, VMs, health). */
static void announce_send(struct daemon *d, struct vmha_announce *a)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	snprintf(a->host, sizeof(a->host), "%s", d->conf.host_name);
	a->incarnation = d->incarnation;
	a->seq = d->seq + 1;
	a->standby = vmha_maint_standby(d->maint);
	/* a vmhad without the table coordinates only while no other holds it */
	a->synced = d->fo == NULL || vmha_failover_synced(d->fo);
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
void vmhad_announce(struct daemon *d)
{
	struct vmha_announce a = {0};
	uint64_t busy = vmha_inv_worker_request(d->invw);

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

int32_t vmhad_on_inventory_fd(int32_t fd, int32_t revents, void *data)
{
	struct daemon *d = data;
	struct vmha_announce a = {0};
	int rc = 0;
	uint64_t started = 0;

	(void)fd;
	(void)revents;
	if (!vmha_inv_worker_take(d->invw, &a, &rc, &started)) {
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
		vmha_inv_worker_request(d->invw);
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

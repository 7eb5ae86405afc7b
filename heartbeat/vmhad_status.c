/*
 * vmhad: the recent decisions and the status JSON that `vmha status` reads
 * over IPC (the view, the daemon, the failover table, the self-fence).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "deadline.h"
#include "heartbeat/vmhad_int.h"
#include "log.h"
#include "util.h"

void vmhad_remember(struct daemon *d, const char *kind, const struct vmha_view_action *a)
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
	vmha_notify_decision(d->notify, kind, a->host, a->text);
}

char *vmhad_status_json(void *opaque)
{
	json_object *root = vmhad_status_object(opaque);
	char *text = NULL;

	if (root == NULL) {
		return NULL;
	}
	text = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return text;
}

json_object *vmhad_status_object(struct daemon *d)
{
	uint64_t now = vmha_clock_now_ms();
	json_object *root = vmha_view_to_json(d->view, now);
	json_object *daemon = NULL;
	json_object *decisions = NULL;
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
	json_object_object_add(daemon, "coordinator",
	                       d->fo != NULL && vmha_failover_coordinator(d->fo) != NULL
	                               ? json_object_new_string(vmha_failover_coordinator(d->fo))
	                               : NULL);
	json_object_object_add(daemon, "table_synced",
	                       d->fo != NULL ? json_object_new_boolean(vmha_failover_synced(d->fo))
	                                     : NULL);
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
		vmhad_health_status(d, root);
	}
	vmha_notify_status(d->notify, root);
	return root;
}

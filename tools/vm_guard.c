/* May an operator act on a VM now (see vm_guard.h)? */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vm_guard.h"

static const char *jstr(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)) {
		return json_object_get_string(v);
	}
	return NULL;
}

static bool str_is(const char *s, const char *t)
{
	return s != NULL && strcmp(s, t) == 0;
}

/* The state of host name in the status, or NULL. */
static const char *host_state(json_object *status, const char *name)
{
	json_object *hosts = NULL;
	size_t i;

	if (name == NULL || !json_object_object_get_ex(status, "hosts", &hosts) ||
	    !json_object_is_type(hosts, json_type_array)) {
		return NULL;
	}
	for (i = 0; i < json_object_array_length(hosts); i++) {
		json_object *h = json_object_array_get_idx(hosts, i);

		if (str_is(jstr(h, "name"), name)) {
			return jstr(h, "state");
		}
	}
	return NULL;
}

int vmha_vm_guard_check(json_object *status, const char *name, char *why, size_t why_size)
{
	json_object *v = NULL;
	json_object *fo = NULL;
	size_t i;
	int rc = 0;

	if (!json_object_object_get_ex(status, "quorate", &v) ||
	    !json_object_is_type(v, json_type_boolean)) {
		snprintf(why, why_size, "vmhad's status does not say whether this host is quorate");
		rc = -EPROTO;
		goto out;
	}
	if (!json_object_get_boolean(v)) {
		snprintf(why, why_size,
		         "this host is inquorate: the quorate partition may be restarting '%s'",
		         name);
		rc = -ENOLINK;
		goto out;
	}
	if (json_object_object_get_ex(status, "self_fenced", &v) && json_object_get_boolean(v)) {
		snprintf(why, why_size,
		         "this host fenced itself and takes no VM until quorum returns");
		rc = -ENOLINK;
		goto out;
	}
	if (!json_object_object_get_ex(status, "failover", &fo) ||
	    !json_object_is_type(fo, json_type_array)) {
		goto out; /* monitor mode: no failover table */
	}
	for (i = 0; i < json_object_array_length(fo); i++) {
		json_object *e = json_object_array_get_idx(fo, i);
		const char *state = jstr(e, "state");
		const char *host = jstr(e, "host");
		const char *hstate = NULL;

		if (!str_is(jstr(e, "name"), name)) {
			continue;
		}
		if (str_is(state, "unknown") || str_is(state, "not_restarted")) {
			break;
		}
		if (!str_is(state, "running")) {
			snprintf(why, why_size, "'%s' is %s in the failover%s%s%s", name,
			         state != NULL ? state : "in an unknown state",
			         jstr(e, "target") != NULL ? " (target host '" : "",
			         jstr(e, "target") != NULL ? jstr(e, "target") : "",
			         jstr(e, "target") != NULL ? "')" : "");
			rc = -EBUSY;
			break;
		}
		hstate = host_state(status, host);
		if (host != NULL && !str_is(hstate, "online") && !str_is(hstate, "standby")) {
			snprintf(why, why_size,
			         "'%s' last ran on host '%s', which is %s: the failover owns it",
			         name, host, hstate != NULL ? hstate : "unknown");
			rc = -EBUSY;
		}
		break;
	}
out:
	return rc;
}

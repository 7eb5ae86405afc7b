/* vmhad's announcement codec: JSON through json-c, strictly validated. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "heartbeat/msg.h"
#include "util.h"

/* Integers on the wire stay within what every JSON reader handles exactly. */
#define MSG_MAX_INT ((int64_t)1 << 53)
/* The largest watchdog_timeout or self_fence_delay announced: one day. */
#define MSG_MAX_SAFETY_MS ((uint64_t)86400000)
/* Nesting: message object, vms array, vm object. */
#define MSG_MAX_DEPTH 4

static const char *const vm_state_names[] = {
        [VMHA_VM_RUNNING] = "running", [VMHA_VM_PAUSED] = "paused", [VMHA_VM_SHUTOFF] = "shutoff",
        [VMHA_VM_CRASHED] = "crashed", [VMHA_VM_OTHER] = "other",
};

static const char *const health_names[] = {
        [VMHA_HEALTH_OK] = "ok",
        [VMHA_HEALTH_DEGRADED] = "degraded",
};

const char *vmha_msg_vm_state_name(enum vmha_vm_state state)
{
	if ((unsigned int)state >= sizeof(vm_state_names) / sizeof(vm_state_names[0])) {
		return "other";
	}
	return vm_state_names[state];
}

const char *vmha_msg_health_name(enum vmha_health health)
{
	if ((unsigned int)health >= sizeof(health_names) / sizeof(health_names[0])) {
		return "degraded";
	}
	return health_names[health];
}

bool vmha_msg_uuid_is_valid(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 36) {
		return false;
	}
	for (i = 0; i < 36; i++) {
		bool dash = (i == 8 || i == 13 || i == 18 || i == 23);
		char c = s[i];

		if (dash) {
			if (c != '-') {
				return false;
			}
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		             (c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return true;
}

void vmha_msg_announce_clear(struct vmha_announce *a)
{
	if (a == NULL) {
		return;
	}
	free(a->vms);
	memset(a, 0, sizeof(*a));
}

int vmha_msg_announce_copy(struct vmha_announce *dst, const struct vmha_announce *src)
{
	int rc = 0;

	*dst = *src;
	dst->vms = NULL;
	if (src->n_vms > 0) {
		dst->vms = calloc(src->n_vms, sizeof(*dst->vms));
		if (dst->vms == NULL) {
			memset(dst, 0, sizeof(*dst));
			rc = -ENOMEM;
			goto out;
		}
		memcpy(dst->vms, src->vms, src->n_vms * sizeof(*dst->vms));
	}
out:
	return rc;
}

static bool announce_is_valid(const struct vmha_announce *a)
{
	size_t i;

	if (!vmha_util_name_is_valid(a->host) || a->n_vms > VMHA_MSG_MAX_VMS ||
	    (a->n_vms > 0 && a->vms == NULL) || a->memory_free_kib > a->memory_kib ||
	    a->incarnation >= (uint64_t)MSG_MAX_INT || a->seq >= (uint64_t)MSG_MAX_INT ||
	    a->memory_kib >= (uint64_t)MSG_MAX_INT ||
	    (unsigned int)a->health > VMHA_HEALTH_DEGRADED ||
	    (a->has_safety && (a->safety.watchdog_timeout_ms > MSG_MAX_SAFETY_MS ||
	                       a->safety.self_fence_delay_ms > MSG_MAX_SAFETY_MS))) {
		return false;
	}
	for (i = 0; i < a->n_vms; i++) {
		const struct vmha_vm_info *vm = &a->vms[i];

		if (!vmha_util_name_is_valid(vm->name) || !vmha_msg_uuid_is_valid(vm->uuid) ||
		    (unsigned int)vm->state > VMHA_VM_OTHER ||
		    vm->memory_kib >= (uint64_t)MSG_MAX_INT) {
			return false;
		}
	}
	return true;
}

int vmha_msg_encode(const struct vmha_announce *a, char **out, size_t *out_len)
{
	json_object *root = NULL;
	json_object *vms = NULL;
	const char *text = NULL;
	size_t len = 0;
	size_t i;
	int rc = 0;

	*out = NULL;
	*out_len = 0;
	if (!announce_is_valid(a)) {
		rc = -EINVAL;
		goto out;
	}
	root = json_object_new_object();
	vms = json_object_new_array();
	if (root == NULL || vms == NULL) {
		json_object_put(vms);
		rc = -ENOMEM;
		goto out;
	}
	json_object_object_add(root, "v", json_object_new_int(VMHA_MSG_VERSION));
	json_object_object_add(root, "type", json_object_new_string("announce"));
	json_object_object_add(root, "host", json_object_new_string(a->host));
	json_object_object_add(root, "incarnation", json_object_new_int64((int64_t)a->incarnation));
	json_object_object_add(root, "seq", json_object_new_int64((int64_t)a->seq));
	json_object_object_add(root, "cpus", json_object_new_int64(a->cpus));
	json_object_object_add(root, "memory_kib", json_object_new_int64((int64_t)a->memory_kib));
	json_object_object_add(root, "memory_free_kib",
	                       json_object_new_int64((int64_t)a->memory_free_kib));
	json_object_object_add(root, "health",
	                       json_object_new_string(vmha_msg_health_name(a->health)));
	json_object_object_add(root, "standby", json_object_new_boolean(a->standby));
	json_object_object_add(root, "synced", json_object_new_boolean(a->synced));
	if (a->has_safety) {
		json_object *o = json_object_new_object();

		if (o == NULL) {
			json_object_put(vms);
			rc = -ENOMEM;
			goto out;
		}
		json_object_object_add(o, "fence_device",
		                       json_object_new_boolean(a->safety.fence_device));
		json_object_object_add(
		        o, "watchdog_timeout_ms",
		        json_object_new_int64((int64_t)a->safety.watchdog_timeout_ms));
		json_object_object_add(
		        o, "self_fence_delay_ms",
		        json_object_new_int64((int64_t)a->safety.self_fence_delay_ms));
		json_object_object_add(root, "safety", o);
	}
	for (i = 0; i < a->n_vms; i++) {
		const struct vmha_vm_info *vm = &a->vms[i];
		json_object *o = json_object_new_object();

		if (o == NULL) {
			json_object_put(vms);
			rc = -ENOMEM;
			goto out;
		}
		json_object_object_add(o, "name", json_object_new_string(vm->name));
		json_object_object_add(o, "uuid", json_object_new_string(vm->uuid));
		json_object_object_add(o, "state",
		                       json_object_new_string(vmha_msg_vm_state_name(vm->state)));
		json_object_object_add(o, "vcpus", json_object_new_int64(vm->vcpus));
		json_object_object_add(o, "memory_kib",
		                       json_object_new_int64((int64_t)vm->memory_kib));
		json_object_array_add(vms, o);
	}
	json_object_object_add(root, "vms", vms);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	if (text == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	len = strlen(text);
	if (len > VMHA_MSG_MAX_BYTES) {
		rc = -E2BIG;
		goto out;
	}
	*out = strdup(text);
	if (*out == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	*out_len = len;
out:
	json_object_put(root);
	return rc;
}

/* An integer field in [0, max]. */
static int get_uint(json_object *obj, const char *key, uint64_t max, uint64_t *out, char *err,
                    size_t err_size)
{
	json_object *v = NULL;
	int64_t n;

	if (!json_object_object_get_ex(obj, key, &v)) {
		vmha_util_set_text(err, err_size, "field '%s' is missing", key);
		return -EBADMSG;
	}
	if (!json_object_is_type(v, json_type_int)) {
		vmha_util_set_text(err, err_size, "field '%s' is not an integer", key);
		return -EBADMSG;
	}
	n = json_object_get_int64(v);
	if (n < 0 || (uint64_t)n > max || n >= MSG_MAX_INT) {
		vmha_util_set_text(err, err_size, "field '%s' is out of range", key);
		return -EBADMSG;
	}
	*out = (uint64_t)n;
	return 0;
}

static int get_string(json_object *obj, const char *key, const char **out, char *err,
                      size_t err_size)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v)) {
		vmha_util_set_text(err, err_size, "field '%s' is missing", key);
		return -EBADMSG;
	}
	if (!json_object_is_type(v, json_type_string)) {
		vmha_util_set_text(err, err_size, "field '%s' is not a string", key);
		return -EBADMSG;
	}
	*out = json_object_get_string(v);
	if ((size_t)json_object_get_string_len(v) != strlen(*out)) {
		vmha_util_set_text(err, err_size, "field '%s' contains a NUL character", key);
		return -EBADMSG;
	}
	return 0;
}

static int get_name(json_object *obj, const char *key, char *dst, char *err, size_t err_size)
{
	const char *s = NULL;
	int rc = get_string(obj, key, &s, err, err_size);

	if (rc < 0) {
		return rc;
	}
	if (!vmha_util_name_is_valid(s)) {
		vmha_util_set_text(err, err_size, "field '%s' is not a valid name", key);
		return -EBADMSG;
	}
	snprintf(dst, VMHA_NAME_SIZE, "%s", s);
	return 0;
}

/* Rejects an object with a key outside allowed (NULL-terminated). */
static int check_keys(json_object *obj, const char *const *allowed, const char *what, char *err,
                      size_t err_size)
{
	json_object_iter it;
	size_t i;

	json_object_object_foreachC(obj, it)
	{
		bool known = false;

		for (i = 0; allowed[i] != NULL; i++) {
			if (strcmp(it.key, allowed[i]) == 0) {
				known = true;
			}
		}
		if (!known) {
			vmha_util_set_text(err, err_size, "unknown field '%.64s' in %s", it.key,
			                   what);
			return -EBADMSG;
		}
	}
	return 0;
}

static int decode_vm(json_object *o, size_t index, struct vmha_vm_info *vm, char *err,
                     size_t err_size)
{
	static const char *const keys[] = {"name", "uuid", "state", "vcpus", "memory_kib", NULL};
	const char *s = NULL;
	uint64_t n = 0;
	char what[32];
	int rc;
	int i;

	snprintf(what, sizeof(what), "vms[%zu]", index);
	if (!json_object_is_type(o, json_type_object)) {
		vmha_util_set_text(err, err_size, "%s is not an object", what);
		return -EBADMSG;
	}
	rc = check_keys(o, keys, what, err, err_size);
	if (rc == 0) {
		rc = get_name(o, "name", vm->name, err, err_size);
	}
	if (rc == 0) {
		rc = get_string(o, "uuid", &s, err, err_size);
	}
	if (rc == 0 && !vmha_msg_uuid_is_valid(s)) {
		vmha_util_set_text(err, err_size, "field 'uuid' of %s is not a UUID", what);
		rc = -EBADMSG;
	}
	if (rc == 0) {
		snprintf(vm->uuid, sizeof(vm->uuid), "%s", s);
		rc = get_string(o, "state", &s, err, err_size);
	}
	if (rc == 0) {
		rc = -EBADMSG;
		for (i = 0; i <= VMHA_VM_OTHER; i++) {
			if (strcmp(s, vm_state_names[i]) == 0) {
				vm->state = (enum vmha_vm_state)i;
				rc = 0;
			}
		}
		if (rc < 0) {
			vmha_util_set_text(err, err_size,
			                   "field 'state' of %s is not a known state", what);
		}
	}
	if (rc == 0) {
		rc = get_uint(o, "vcpus", UINT32_MAX, &n, err, err_size);
		vm->vcpus = (uint32_t)n;
	}
	if (rc == 0) {
		rc = get_uint(o, "memory_kib", UINT64_MAX, &vm->memory_kib, err, err_size);
	}
	return rc;
}

/* The optional "safety" object. */
static int decode_safety(json_object *root, struct vmha_announce *a, char *err, size_t err_size)
{
	static const char *const keys[] = {"fence_device", "watchdog_timeout_ms",
	                                   "self_fence_delay_ms", NULL};
	json_object *o = NULL;
	json_object *v = NULL;
	int rc = 0;

	if (!json_object_object_get_ex(root, "safety", &o)) {
		goto out;
	}
	if (!json_object_is_type(o, json_type_object)) {
		vmha_util_set_text(err, err_size, "field 'safety' is not an object");
		rc = -EBADMSG;
		goto out;
	}
	rc = check_keys(o, keys, "safety", err, err_size);
	if (rc == 0 && (!json_object_object_get_ex(o, "fence_device", &v) ||
	                !json_object_is_type(v, json_type_boolean))) {
		vmha_util_set_text(err, err_size,
		                   "field 'safety.fence_device' is missing or not a boolean");
		rc = -EBADMSG;
	}
	if (rc == 0) {
		a->safety.fence_device = json_object_get_boolean(v);
		rc = get_uint(o, "watchdog_timeout_ms", MSG_MAX_SAFETY_MS,
		              &a->safety.watchdog_timeout_ms, err, err_size);
	}
	if (rc == 0) {
		rc = get_uint(o, "self_fence_delay_ms", MSG_MAX_SAFETY_MS,
		              &a->safety.self_fence_delay_ms, err, err_size);
	}
	a->has_safety = rc == 0;
out:
	return rc;
}

static int decode_object(json_object *root, struct vmha_announce *a, char *err, size_t err_size)
{
	static const char *const keys[] = {"v",      "type",    "host",       "incarnation",
	                                   "seq",    "cpus",    "memory_kib", "memory_free_kib",
	                                   "health", "standby", "synced",     "safety",
	                                   "vms",    NULL};
	json_object *v = NULL;
	json_object *vms = NULL;
	const char *s = NULL;
	uint64_t n = 0;
	size_t i, j;
	int rc = 0;

	if (!json_object_is_type(root, json_type_object)) {
		vmha_util_set_text(err, err_size, "message is not a JSON object");
		rc = -EBADMSG;
		goto out;
	}
	if (!json_object_object_get_ex(root, "v", &v) || !json_object_is_type(v, json_type_int)) {
		vmha_util_set_text(err, err_size,
		                   "field 'v' (version) is missing or not an integer");
		rc = -EBADMSG;
		goto out;
	}
	if (json_object_get_int64(v) != VMHA_MSG_VERSION) {
		vmha_util_set_text(err, err_size,
		                   "message version %lld is not supported (this vmhad speaks %d)",
		                   (long long)json_object_get_int64(v), VMHA_MSG_VERSION);
		rc = -EPROTONOSUPPORT;
		goto out;
	}
	rc = check_keys(root, keys, "message", err, err_size);
	if (rc == 0) {
		rc = get_string(root, "type", &s, err, err_size);
	}
	if (rc == 0 && strcmp(s, "announce") != 0) {
		vmha_util_set_text(err, err_size, "message type '%.32s' is not known", s);
		rc = -EBADMSG;
	}
	if (rc == 0) {
		rc = get_name(root, "host", a->host, err, err_size);
	}
	if (rc == 0) {
		rc = get_uint(root, "incarnation", UINT64_MAX, &a->incarnation, err, err_size);
	}
	if (rc == 0) {
		rc = get_uint(root, "seq", UINT64_MAX, &a->seq, err, err_size);
	}
	if (rc == 0) {
		rc = get_uint(root, "cpus", UINT32_MAX, &n, err, err_size);
		a->cpus = (uint32_t)n;
	}
	if (rc == 0) {
		rc = get_uint(root, "memory_kib", UINT64_MAX, &a->memory_kib, err, err_size);
	}
	if (rc == 0) {
		rc = get_uint(root, "memory_free_kib", a->memory_kib, &a->memory_free_kib, err,
		              err_size);
	}
	if (rc == 0) {
		rc = get_string(root, "health", &s, err, err_size);
	}
	if (rc == 0) {
		if (strcmp(s, "ok") == 0) {
			a->health = VMHA_HEALTH_OK;
		} else if (strcmp(s, "degraded") == 0) {
			a->health = VMHA_HEALTH_DEGRADED;
		} else {
			vmha_util_set_text(err, err_size,
			                   "field 'health' is not 'ok' or 'degraded'");
			rc = -EBADMSG;
		}
	}
	if (rc < 0) {
		goto out;
	}
	if (!json_object_object_get_ex(root, "standby", &v) ||
	    !json_object_is_type(v, json_type_boolean)) {
		vmha_util_set_text(err, err_size, "field 'standby' is missing or not a boolean");
		rc = -EBADMSG;
		goto out;
	}
	a->standby = json_object_get_boolean(v);
	/* an older vmhad leaves it out: it coordinates as before */
	a->synced = true;
	if (json_object_object_get_ex(root, "synced", &v)) {
		if (!json_object_is_type(v, json_type_boolean)) {
			vmha_util_set_text(err, err_size, "field 'synced' is not a boolean");
			rc = -EBADMSG;
			goto out;
		}
		a->synced = json_object_get_boolean(v);
	}
	rc = decode_safety(root, a, err, err_size);
	if (rc < 0) {
		goto out;
	}
	if (!json_object_object_get_ex(root, "vms", &vms) ||
	    !json_object_is_type(vms, json_type_array)) {
		vmha_util_set_text(err, err_size, "field 'vms' is missing or not an array");
		rc = -EBADMSG;
		goto out;
	}
	a->n_vms = json_object_array_length(vms);
	if (a->n_vms > VMHA_MSG_MAX_VMS) {
		vmha_util_set_text(err, err_size, "field 'vms' lists %zu VMs, more than %d",
		                   a->n_vms, VMHA_MSG_MAX_VMS);
		rc = -EBADMSG;
		goto out;
	}
	if (a->n_vms > 0) {
		a->vms = calloc(a->n_vms, sizeof(*a->vms));
		if (a->vms == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < a->n_vms && rc == 0; i++) {
		rc = decode_vm(json_object_array_get_idx(vms, i), i, &a->vms[i], err, err_size);
		for (j = 0; j < i && rc == 0; j++) {
			if (strcmp(a->vms[j].name, a->vms[i].name) == 0 ||
			    strcasecmp(a->vms[j].uuid, a->vms[i].uuid) == 0) {
				vmha_util_set_text(err, err_size,
				                   "vms[%zu] repeats the name or UUID of vms[%zu]",
				                   i, j);
				rc = -EBADMSG;
			}
		}
	}
out:
	return rc;
}

int vmha_msg_decode(const void *buf, size_t len, struct vmha_announce *a, char *err,
                    size_t err_size)
{
	json_tokener *tok = NULL;
	json_object *root = NULL;
	enum json_tokener_error jerr;
	int rc = 0;

	memset(a, 0, sizeof(*a));
	vmha_util_set_text(err, err_size, "no error");
	if (buf == NULL || len == 0) {
		vmha_util_set_text(err, err_size, "message is empty");
		rc = -EBADMSG;
		goto out;
	}
	if (len > VMHA_MSG_MAX_BYTES) {
		vmha_util_set_text(err, err_size, "message of %zu bytes exceeds %d", len,
		                   VMHA_MSG_MAX_BYTES);
		rc = -EBADMSG;
		goto out;
	}
	if (memchr(buf, '\0', len) != NULL) {
		vmha_util_set_text(err, err_size, "message contains a NUL byte");
		rc = -EBADMSG;
		goto out;
	}
	tok = json_tokener_new_ex(MSG_MAX_DEPTH);
	if (tok == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (root == NULL || jerr != json_tokener_success) {
		vmha_util_set_text(err, err_size, "message is not valid JSON (%s)",
		                   root == NULL && jerr == json_tokener_continue
		                           ? "truncated"
		                           : json_tokener_error_desc(jerr));
		rc = -EBADMSG;
		goto out;
	}
	if (json_tokener_get_parse_end(tok) != len) {
		vmha_util_set_text(err, err_size,
		                   "message has trailing bytes after the JSON object");
		rc = -EBADMSG;
		goto out;
	}
	rc = decode_object(root, a, err, err_size);
out:
	if (rc < 0) {
		vmha_msg_announce_clear(a);
	}
	json_object_put(root);
	if (tok != NULL) {
		json_tokener_free(tok);
	}
	return rc;
}

/*
 * The failover messages on the wire (see failover_msg.h).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "heartbeat/failover_msg.h"
#include "util.h"

#define FO_MSG_KEY       "vmha_failover"
#define FO_MSG_VERSION   1
#define FO_MSG_MAX_DEPTH 2

/* What each type carries besides the version, type and host. */
struct fo_type {
	const char *name;
	bool decision;
	bool has_vm;
	bool has_ok;
	bool has_plan;
	bool has_counts;
};

static const struct fo_type fo_types[] = {
        {.name = "down", .decision = true},
        {.name = "fenced", .decision = true},
        {.name = "assign", .decision = true, .has_vm = true, .has_plan = true},
        {.name = "stranded", .decision = true, .has_vm = true},
        {.name = "skip", .decision = true, .has_vm = true},
        {.name = "relocate", .decision = true, .has_vm = true},
        {.name = "sync", .decision = true},
        {.name = "stopped", .has_vm = true, .has_counts = true},
        {.name = "ack", .has_vm = true, .has_ok = true},
        {.name = "start", .has_vm = true, .has_ok = true},
        /* host maintenance (heartbeat/maint.h): any vmhad member, for any host */
        {.name = "standby", .has_ok = true},
};

static const struct fo_type *type_of(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof(fo_types) / sizeof(fo_types[0]); i++) {
		if (strcmp(fo_types[i].name, name) == 0) {
			return &fo_types[i];
		}
	}
	return NULL;
}

bool vmha_failover_msg_type_is_valid(const char *type)
{
	return type_of(type) != NULL;
}

bool vmha_failover_msg_is_decision(const char *type)
{
	const struct fo_type *t = type_of(type);

	return t != NULL && t->decision;
}

static bool text_is_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			return false;
		}
	}
	return true;
}

int vmha_failover_msg_encode(const struct vmha_failover_msg *m, char **out, size_t *out_len)
{
	const struct fo_type *t = NULL;
	json_object *o = NULL;
	const char *s = NULL;
	int rc = 0;

	if (m == NULL || out == NULL || out_len == NULL) {
		return -EINVAL;
	}
	t = type_of(m->type);
	if (t == NULL || !vmha_util_name_is_valid(m->host) ||
	    (t->has_vm && !vmha_util_name_is_valid(m->vm)) || !text_is_clean(m->text)) {
		return -EINVAL;
	}
	o = json_object_new_object();
	if (o == NULL) {
		return -ENOMEM;
	}
	json_object_object_add(o, FO_MSG_KEY, json_object_new_int(FO_MSG_VERSION));
	json_object_object_add(o, "type", json_object_new_string(m->type));
	json_object_object_add(o, "host", json_object_new_string(m->host));
	if (t->has_vm) {
		json_object_object_add(o, "vm", json_object_new_string(m->vm));
	}
	if (t->has_ok) {
		json_object_object_add(o, "ok", json_object_new_boolean(m->ok));
	}
	if (t->has_plan) {
		json_object_object_add(o, "priority", json_object_new_int64(m->priority));
		json_object_object_add(o, "gen", json_object_new_int64((int64_t)m->gen));
		if (m->replay) {
			json_object_object_add(o, "replay", json_object_new_boolean(true));
		}
	}
	if (t->has_counts) {
		json_object_object_add(o, "restarts", json_object_new_int64(m->restarts));
		json_object_object_add(o, "relocations", json_object_new_int64(m->relocations));
	}
	json_object_object_add(o, "text", json_object_new_string(m->text));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	*out = s != NULL ? strdup(s) : NULL;
	if (*out == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	*out_len = strlen(*out) + 1;
out:
	json_object_put(o);
	return rc;
}

static int get_string(json_object *o, const char *key, char *dst, size_t size, char *err,
                      size_t err_size)
{
	json_object *v = NULL;
	const char *s = NULL;

	if (!json_object_object_get_ex(o, key, &v)) {
		vmha_util_set_text(err, err_size, "failover message lacks '%s'", key);
		return -EINVAL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		vmha_util_set_text(err, err_size, "failover message field '%s' is not a string",
		                   key);
		return -EINVAL;
	}
	s = json_object_get_string(v);
	if (strlen(s) >= size) {
		vmha_util_set_text(err, err_size, "failover message field '%s' is too long", key);
		return -EINVAL;
	}
	if (!text_is_clean(s)) {
		vmha_util_set_text(err, err_size,
		                   "failover message field '%s' contains control characters", key);
		return -EINVAL;
	}
	snprintf(dst, size, "%s", s);
	return 0;
}

static int get_int(json_object *o, const char *key, int64_t min, int64_t *dst, char *err,
                   size_t err_size)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int)) {
		vmha_util_set_text(err, err_size,
		                   "failover message field '%s' is missing or not an integer", key);
		return -EINVAL;
	}
	*dst = json_object_get_int64(v);
	if (*dst < min) {
		vmha_util_set_text(err, err_size, "failover message field '%s' is out of range",
		                   key);
		return -EINVAL;
	}
	return 0;
}

static int get_bool(json_object *o, const char *key, bool *dst, char *err, size_t err_size)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean)) {
		vmha_util_set_text(err, err_size,
		                   "failover message field '%s' is missing or not a boolean", key);
		return -EINVAL;
	}
	*dst = json_object_get_boolean(v);
	return 0;
}

static int check_keys(json_object *o, const struct fo_type *t, char *err, size_t err_size)
{
	json_object_iter it;

	json_object_object_foreachC(o, it)
	{
		const char *k = it.key;

		if (strcmp(k, FO_MSG_KEY) == 0 || strcmp(k, "type") == 0 ||
		    strcmp(k, "host") == 0 || strcmp(k, "text") == 0 ||
		    (t->has_vm && strcmp(k, "vm") == 0) || (t->has_ok && strcmp(k, "ok") == 0) ||
		    (t->has_plan && (strcmp(k, "priority") == 0 || strcmp(k, "gen") == 0 ||
		                     strcmp(k, "replay") == 0)) ||
		    (t->has_counts &&
		     (strcmp(k, "restarts") == 0 || strcmp(k, "relocations") == 0))) {
			continue;
		}
		vmha_util_set_text(err, err_size,
		                   "failover message of type '%s' has an unknown key", t->name);
		return -EINVAL;
	}
	return 0;
}

static int decode_object(json_object *o, struct vmha_failover_msg *m, char *err, size_t err_size)
{
	const struct fo_type *t = NULL;
	json_object *v = NULL;
	int64_t n = 0;
	int rc;

	if (!json_object_object_get_ex(o, FO_MSG_KEY, &v)) {
		return -ENOMSG;
	}
	if (!json_object_is_type(v, json_type_int) || json_object_get_int(v) != FO_MSG_VERSION) {
		vmha_util_set_text(err, err_size, "failover message of unknown version");
		return -EINVAL;
	}
	rc = get_string(o, "type", m->type, sizeof(m->type), err, err_size);
	if (rc < 0) {
		return rc;
	}
	t = type_of(m->type);
	if (t == NULL) {
		vmha_util_set_text(err, err_size, "failover message of unknown type");
		return -EINVAL;
	}
	rc = check_keys(o, t, err, err_size);
	if (rc == 0) {
		rc = get_string(o, "host", m->host, sizeof(m->host), err, err_size);
	}
	if (rc == 0 && !vmha_util_name_is_valid(m->host)) {
		vmha_util_set_text(err, err_size, "failover message: invalid host name");
		rc = -EINVAL;
	}
	if (rc == 0 && json_object_object_get_ex(o, "text", NULL)) {
		rc = get_string(o, "text", m->text, sizeof(m->text), err, err_size);
	}
	if (rc == 0 && t->has_vm) {
		rc = get_string(o, "vm", m->vm, sizeof(m->vm), err, err_size);
		if (rc == 0 && !vmha_util_name_is_valid(m->vm)) {
			vmha_util_set_text(err, err_size, "failover message: invalid vm name");
			rc = -EINVAL;
		}
	}
	if (rc == 0 && t->has_ok) {
		rc = get_bool(o, "ok", &m->ok, err, err_size);
	}
	if (rc == 0 && t->has_plan) {
		rc = get_int(o, "priority", INT64_MIN, &m->priority, err, err_size);
		if (rc == 0) {
			rc = get_int(o, "gen", 0, &n, err, err_size);
			m->gen = (uint64_t)n;
		}
		if (rc == 0 && json_object_object_get_ex(o, "replay", NULL)) {
			/* optional: on the wire only when true */
			rc = get_bool(o, "replay", &m->replay, err, err_size);
		}
	}
	if (rc == 0 && t->has_counts) {
		rc = get_int(o, "restarts", 0, &n, err, err_size);
		if (rc == 0 && n > UINT32_MAX) {
			vmha_util_set_text(err, err_size,
			                   "failover message field 'restarts' is out of range");
			rc = -EINVAL;
		}
		m->restarts = (uint32_t)n;
		if (rc == 0) {
			rc = get_int(o, "relocations", 0, &n, err, err_size);
		}
		if (rc == 0 && n > UINT32_MAX) {
			vmha_util_set_text(err, err_size,
			                   "failover message field 'relocations' is out of range");
			rc = -EINVAL;
		}
		m->relocations = (uint32_t)n;
	}
	return rc;
}

int vmha_failover_msg_decode(const void *buf, size_t len, struct vmha_failover_msg *m, char *err,
                             size_t err_size)
{
	json_tokener *tok = NULL;
	json_object *o = NULL;
	enum json_tokener_error jerr;
	size_t n = len;
	int rc = 0;

	if (buf == NULL || m == NULL || err == NULL || err_size == 0) {
		return -EINVAL;
	}
	err[0] = '\0';
	memset(m, 0, sizeof(*m));
	if (n > 0 && ((const char *)buf)[n - 1] == '\0') {
		n--;
	}
	if (n == 0 || n > VMHA_FAILOVER_MSG_MAX_BYTES ||
	    memmem(buf, n, "\"" FO_MSG_KEY "\"", strlen(FO_MSG_KEY) + 2) == NULL) {
		return -ENOMSG;
	}
	if (memchr(buf, '\0', n) != NULL) {
		vmha_util_set_text(err, err_size, "failover message contains a NUL byte");
		return -EINVAL;
	}
	tok = json_tokener_new_ex(FO_MSG_MAX_DEPTH);
	if (tok == NULL) {
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, buf, (int)n);
	jerr = json_tokener_get_error(tok);
	if (o == NULL || jerr != json_tokener_success || json_tokener_get_parse_end(tok) != n ||
	    !json_object_is_type(o, json_type_object)) {
		/* an announcement is strict JSON too: what is not is garbage either way */
		rc = -ENOMSG;
		goto out;
	}
	rc = decode_object(o, m, err, err_size);
out:
	if (rc < 0 && rc != -ENOMSG) {
		memset(m, 0, sizeof(*m));
	}
	json_object_put(o);
	json_tokener_free(tok);
	return rc;
}

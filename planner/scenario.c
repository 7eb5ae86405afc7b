/* The planner's scenario file parser (see scenario.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "scenario.h"
#include "util.h"

#define MAX_TOKENS     256
#define MAX_FILE_BYTES (256u << 20)

struct line_ctx {
	const char *file;
	size_t lineno;
	char origin[512];
	char *err;
	size_t errlen;
};

static int fail(struct line_ctx *c, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail(struct line_ctx *c, const char *field, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%zu: field '%s': %s", c->file, c->lineno, field, what);
	return -EINVAL;
}

static int parse_amount(struct line_ctx *c, const char *key, const char *value, uint64_t *out)
{
	int rc = vmha_util_parse_u64(value, out);

	if (rc == 0 && *out > VMHA_MODEL_MAX_AMOUNT) {
		rc = -ERANGE;
	}
	if (rc == -ERANGE) {
		return fail(c, key, "'%s' is too large", value);
	}
	if (rc < 0) {
		return fail(c, key, "'%s' is not a non-negative integer", value);
	}
	return 0;
}

/* Split a comma-separated list and call add() on each name. */
static int parse_list(struct line_ctx *c, struct vmha_model *m, size_t v, const char *key,
                      char *value, int (*add)(struct vmha_model *, size_t, const char *))
{
	char *save = NULL;
	char *item = NULL;
	int rc = 0;

	if (*value == '\0' || value[strlen(value) - 1] == ',' || *value == ',' ||
	    strstr(value, ",,") != NULL) {
		rc = fail(c, key, "'%s' is not a comma-separated list of names", value);
		goto out;
	}
	for (item = strtok_r(value, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		rc = add(m, v, item);
		if (rc == -EINVAL) {
			rc = fail(c, key, "'%s' is not a valid name", item);
			goto out;
		}
		if (rc < 0) {
			goto out;
		}
	}
out:
	return rc;
}

static int seen_key(struct line_ctx *c, char **keys, size_t nkeys, const char *key)
{
	size_t i;

	for (i = 0; i < nkeys; i++) {
		if (strcmp(keys[i], key) == 0) {
			return fail(c, key, "given twice");
		}
	}
	return 0;
}

static int parse_node(struct line_ctx *c, struct vmha_model *m, char **tok, size_t ntok)
{
	size_t h = 0;
	size_t i;
	size_t d = 0;
	uint64_t amount = 0;
	bool flag = false;
	int rc = 0;

	rc = vmha_model_add_host(m, tok[1], c->origin, &h);
	if (rc == -EINVAL) {
		rc = fail(c, "name", "'%s' is not a valid node name", tok[1]);
		goto out;
	}
	if (rc < 0) {
		goto out;
	}
	for (i = 2; i < ntok; i++) {
		char *eq = strchr(tok[i], '=');
		char *value = NULL;

		if (eq == NULL) {
			value = NULL;
		} else {
			*eq = '\0';
			value = eq + 1;
		}
		rc = seen_key(c, tok + 2, i - 2, tok[i]);
		if (rc < 0) {
			goto out;
		}
		if (strcmp(tok[i], "failover") == 0 || strcmp(tok[i], "standby") == 0 ||
		    strcmp(tok[i], "maintenance") == 0) {
			flag = true;
			if (value != NULL && vmha_util_parse_bool(value, &flag) < 0) {
				rc = fail(c, tok[i], "'%s' is not a boolean (yes/no)", value);
				goto out;
			}
			if (tok[i][0] == 'f') {
				vmha_model_host_set_failover(m, h, flag);
			} else if (flag) {
				vmha_model_host_set_standby(m, h, true);
			}
			continue;
		}
		if (value == NULL) {
			rc = fail(c, tok[i], "unknown flag '%s' (failover, standby, maintenance)",
			          tok[i]);
			goto out;
		}
		rc = vmha_model_dim(m, tok[i], true, &d);
		if (rc == -EINVAL) {
			rc = fail(c, tok[i], "'%s' is not a valid dimension name", tok[i]);
			goto out;
		}
		if (rc == -E2BIG) {
			rc = fail(c, tok[i], "too many dimensions (at most %d)",
			          VMHA_MODEL_MAX_DIMS);
			goto out;
		}
		if (rc < 0) {
			goto out;
		}
		rc = parse_amount(c, tok[i], value, &amount);
		if (rc < 0) {
			goto out;
		}
		rc = vmha_model_host_set_capacity(m, h, d, amount);
		if (rc < 0) {
			goto out;
		}
	}
out:
	return rc;
}

static int parse_vm(struct line_ctx *c, struct vmha_model *m, char **tok, size_t ntok)
{
	size_t v = 0;
	size_t i;
	size_t d = 0;
	uint64_t amount = 0;
	int64_t prio = 0;
	int rc = 0;

	rc = vmha_model_add_vm(m, tok[1], c->origin, &v);
	if (rc == -EINVAL) {
		rc = fail(c, "name", "'%s' is not a valid vm name", tok[1]);
		goto out;
	}
	if (rc < 0) {
		goto out;
	}
	for (i = 2; i < ntok; i++) {
		char *eq = strchr(tok[i], '=');
		char *key = tok[i];
		char *value = NULL;

		if (eq == NULL) {
			rc = fail(c, key, "'%s' is not key=value", key);
			goto out;
		}
		*eq = '\0';
		value = eq + 1;
		rc = seen_key(c, tok + 2, i - 2, key);
		if (rc < 0) {
			goto out;
		}
		if (strcmp(key, "on") == 0) {
			rc = vmha_model_vm_set_host(m, v, value);
			if (rc == -EINVAL) {
				rc = fail(c, key, "'%s' is not a valid node name", value);
			}
		} else if (strcmp(key, "priority") == 0) {
			rc = vmha_model_priority_parse(value, &prio);
			if (rc < 0) {
				rc = fail(c, key,
				          "'%s' is not a priority (highest, high, medium, low, "
				          "lowest or an integer in -1000000..1000000)",
				          value);
				goto out;
			}
			rc = vmha_model_vm_set_priority(m, v, prio);
		} else if (strcmp(key, "restart") == 0) {
			if (strcmp(value, "restart") == 0 || strcmp(value, "always") == 0) {
				vmha_model_vm_set_restart(m, v, true);
			} else if (strcmp(value, "never") == 0) {
				vmha_model_vm_set_restart(m, v, false);
			} else {
				rc = fail(c, key, "'%s' is not a restart policy (restart or never)",
				          value);
			}
		} else if (strcmp(key, "anti-affinity") == 0) {
			rc = parse_list(c, m, v, key, value, vmha_model_vm_add_group);
		} else if (strcmp(key, "allowed") == 0) {
			rc = parse_list(c, m, v, key, value, vmha_model_vm_add_allowed);
		} else if (strcmp(key, "preferred") == 0) {
			rc = parse_list(c, m, v, key, value, vmha_model_vm_add_preferred);
		} else {
			rc = vmha_model_dim(m, key, true, &d);
			if (rc == -EINVAL) {
				rc = fail(c, key, "'%s' is not a valid dimension name", key);
				goto out;
			}
			if (rc == -E2BIG) {
				rc = fail(c, key, "too many dimensions (at most %d)",
				          VMHA_MODEL_MAX_DIMS);
				goto out;
			}
			if (rc < 0) {
				goto out;
			}
			rc = parse_amount(c, key, value, &amount);
			if (rc < 0) {
				goto out;
			}
			rc = vmha_model_vm_set_demand(m, v, d, amount);
		}
		if (rc < 0) {
			goto out;
		}
	}
out:
	return rc;
}

/* Parse one line (modified in place). */
static int parse_one(struct line_ctx *c, struct vmha_model *m, char *line)
{
	char *tok[MAX_TOKENS];
	size_t ntok = 0;
	char *hash = strchr(line, '#');
	char *save = NULL;
	char *t = NULL;
	int rc = 0;

	if (hash != NULL) {
		*hash = '\0';
	}
	for (t = strtok_r(line, " \t\r\v\f", &save); t != NULL;
	     t = strtok_r(NULL, " \t\r\v\f", &save)) {
		if (ntok == MAX_TOKENS) {
			rc = fail(c, t, "too many fields on one line (at most %d)", MAX_TOKENS);
			goto out;
		}
		tok[ntok++] = t;
	}
	if (ntok == 0) {
		goto out;
	}
	snprintf(c->origin, sizeof(c->origin), "%s:%zu", c->file, c->lineno);
	if (strcmp(tok[0], "node") != 0 && strcmp(tok[0], "vm") != 0) {
		rc = fail(c, "kind", "unknown item '%s' (node or vm)", tok[0]);
		goto out;
	}
	if (ntok < 2) {
		rc = fail(c, "name", "%s without a name", tok[0]);
		goto out;
	}
	if (tok[0][0] == 'n') {
		rc = parse_node(c, m, tok, ntok);
	} else {
		rc = parse_vm(c, m, tok, ntok);
	}
out:
	return rc;
}

int vmha_scenario_parse_buffer(const char *name, const char *data, size_t len, struct vmha_model *m,
                               char *err, size_t errlen)
{
	struct line_ctx c = {.file = name, .lineno = 0, .err = err, .errlen = errlen};
	char *line = NULL;
	size_t start = 0;
	int rc = 0;

	while (start < len) {
		const char *nl = memchr(data + start, '\n', len - start);
		size_t end = nl != NULL ? (size_t)(nl - data) : len;

		c.lineno++;
		if (memchr(data + start, '\0', end - start) != NULL) {
			rc = fail(&c, "text", "contains a NUL byte");
			goto out;
		}
		free(line);
		line = strndup(data + start, end - start);
		if (line == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		rc = parse_one(&c, m, line);
		if (rc < 0) {
			goto out;
		}
		start = end + 1;
	}
out:
	if (rc == -ENOMEM) {
		snprintf(err, errlen, "%s: out of memory", name);
	}
	free(line);
	return rc;
}

int vmha_scenario_parse_line(const char *name, const char *line, struct vmha_model *m, char *err,
                             size_t errlen)
{
	struct line_ctx c = {.file = name, .lineno = 1, .err = err, .errlen = errlen};
	char *copy = strdup(line);
	int rc = 0;

	if (copy == NULL) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	if (strchr(copy, '\n') != NULL) {
		rc = fail(&c, "text", "must be one line");
		goto out;
	}
	rc = parse_one(&c, m, copy);
out:
	free(copy);
	return rc;
}

int vmha_scenario_parse_file(const char *path, struct vmha_model *m, char *err, size_t errlen)
{
	FILE *f = NULL;
	char *data = NULL;
	size_t len = 0;
	size_t alloc = 0;
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	int rc = 0;

	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", name, strerror(errno));
		goto out;
	}
	for (;;) {
		size_t n;

		if (len == alloc) {
			char *p = NULL;

			if (alloc >= MAX_FILE_BYTES) {
				rc = -EFBIG;
				snprintf(err, errlen, "%s: larger than 256 MiB", name);
				goto out;
			}
			alloc = alloc == 0 ? 65536 : alloc * 2;
			p = realloc(data, alloc);
			if (p == NULL) {
				rc = -ENOMEM;
				snprintf(err, errlen, "%s: out of memory", name);
				goto out;
			}
			data = p;
		}
		n = fread(data + len, 1, alloc - len, f);
		len += n;
		if (n == 0) {
			break;
		}
	}
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", name);
		goto out;
	}
	rc = vmha_scenario_parse_buffer(name, data, len, m, err, errlen);
out:
	if (f != NULL && f != stdin) {
		fclose(f);
	}
	free(data);
	return rc;
}

/*
 * libFuzzer target: the resource agent's parameters (agent/params_parse.c), read
 * from an environment-like blob: one NAME=VALUE per line, NAME the full
 * variable name (OCF_RESKEY_config=...). Lines without '=' are ignored.
 *
 * Oracle: parse and check give 0 or a documented error with a reason; after
 * a successful parse every parameter formats as text.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/params.h"
#include "tests/fuzz/fuzz_util.h"

#define MAX_VARS 64

struct env {
	char *name[MAX_VARS];
	char *value[MAX_VARS];
	size_t n;
};

static const char *get(const char *name, void *opaque)
{
	const struct env *e = opaque;
	size_t i;

	for (i = e->n; i > 0; i--) {
		if (strcmp(e->name[i - 1], name) == 0) {
			return e->value[i - 1];
		}
	}
	return NULL;
}

static void split(char *text, struct env *e)
{
	char *line = text;

	while (line != NULL && e->n < MAX_VARS) {
		char *next = strchr(line, '\n');
		char *eq;

		if (next != NULL) {
			*next++ = '\0';
		}
		eq = strchr(line, '=');
		if (eq != NULL) {
			*eq = '\0';
			e->name[e->n] = line;
			e->value[e->n] = eq + 1;
			e->n++;
		}
		line = next;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = vmha_fuzz_strndup(data, size);
	struct vmha_params *p = vmha_params_new();
	struct env e = {.n = 0};
	char reason[512];
	char buf[4096];
	size_t i;
	int rc;

	if (p == NULL) {
		abort();
	}
	split(text, &e);
	reason[0] = '\0';
	rc = vmha_params_parse(p, get, &e, reason, sizeof(reason));
	if (rc != 0) {
		if (rc != -EINVAL || reason[0] == '\0') {
			vmha_fuzz_fail("parameters rejected with rc %d and reason '%s'", rc,
			               reason);
		}
		goto out;
	}
	for (i = 0; i < vmha_params_count(); i++) {
		rc = vmha_params_value(p, i, buf, sizeof(buf));
		if (rc != 0 && rc != -ENOSPC) {
			vmha_fuzz_fail("parameter %zu does not format: rc %d", i, rc);
		}
	}
	reason[0] = '\0';
	rc = vmha_params_check(p, reason, sizeof(reason));
	if (rc != 0 && ((rc != -EINVAL && rc != -EOPNOTSUPP) || reason[0] == '\0')) {
		vmha_fuzz_fail("parameters check gave rc %d and reason '%s'", rc, reason);
	}
out:
	vmha_params_free(p);
	free(text);
	return 0;
}

/* The priority vocabulary (see priority.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <strings.h>

#include "priority.h"
#include "util.h"

static const struct {
	const char *name;
	int64_t value;
} tiers[] = {
        {"highest", VMHA_PRIORITY_HIGHEST}, {"high", VMHA_PRIORITY_HIGH},
        {"medium", VMHA_PRIORITY_MEDIUM},   {"low", VMHA_PRIORITY_LOW},
        {"lowest", VMHA_PRIORITY_LOWEST},
};

int vmha_priority_parse(const char *text, int64_t *out)
{
	size_t i;
	int64_t v = 0;
	int rc = 0;

	if (text == NULL) {
		rc = -EINVAL;
		goto out;
	}
	for (i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++) {
		if (strcasecmp(text, tiers[i].name) == 0) {
			*out = tiers[i].value;
			goto out;
		}
	}
	rc = vmha_util_parse_i64(text, &v);
	if (rc < 0) {
		goto out;
	}
	if (v > VMHA_PRIORITY_MAX || v < VMHA_PRIORITY_MIN) {
		rc = -ERANGE;
		goto out;
	}
	*out = v;
out:
	return rc;
}

const char *vmha_priority_format(int64_t priority, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++) {
		if (tiers[i].value == priority) {
			snprintf(buf, len, "%s", tiers[i].name);
			return buf;
		}
	}
	snprintf(buf, len, "%" PRId64, priority);
	return buf;
}

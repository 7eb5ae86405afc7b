/* Small parsing helpers. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"

int vmha_util_parse_bool(const char *text, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1", "y"};
	static const char *const no[] = {"no", "false", "off", "0", "n"};
	size_t i;

	if (text == NULL || out == NULL) {
		return -EINVAL;
	}
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Digits only, accumulated with an overflow check against limit. */
static int parse_digits(const char *text, uint64_t limit, uint64_t *out, const char **end)
{
	uint64_t value = 0;
	const char *p = text;

	if (*p < '0' || *p > '9') {
		return -EINVAL;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned int digit = (unsigned int)(*p - '0');

		if (value > (limit - digit) / 10) {
			return -ERANGE;
		}
		value = value * 10 + digit;
	}
	*out = value;
	*end = p;
	return 0;
}

int vmha_util_parse_u64(const char *text, uint64_t *out)
{
	const char *end = NULL;
	uint64_t value = 0;
	int rc;

	if (text == NULL || out == NULL) {
		return -EINVAL;
	}
	rc = parse_digits(text, UINT64_MAX, &value, &end);
	if (rc < 0) {
		return rc;
	}
	if (*end != '\0') {
		return -EINVAL;
	}
	*out = value;
	return 0;
}

int vmha_util_parse_i64(const char *text, int64_t *out)
{
	const char *end = NULL;
	bool negative = false;
	uint64_t value = 0;
	int rc;

	if (text == NULL || out == NULL) {
		return -EINVAL;
	}
	if (*text == '-') {
		negative = true;
		text++;
	}
	rc = parse_digits(text, negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &value,
	                  &end);
	if (rc < 0) {
		return rc;
	}
	if (*end != '\0') {
		return -EINVAL;
	}
	*out = negative ? (int64_t)(0 - value) : (int64_t)value;
	return 0;
}

int vmha_util_parse_duration_ms(const char *text, uint64_t *out_ms)
{
	static const struct {
		const char *suffix;
		uint64_t factor_ms;
	} units[] = {{"", 1000},   {"s", 1000},    {"ms", 1},
	             {"m", 60000}, {"min", 60000}, {"h", 3600000}};
	const char *end = NULL;
	uint64_t value = 0;
	size_t i;
	int rc;

	if (text == NULL || out_ms == NULL) {
		return -EINVAL;
	}
	rc = parse_digits(text, UINT64_MAX, &value, &end);
	if (rc < 0) {
		return rc;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			if (value > UINT64_MAX / units[i].factor_ms) {
				return -ERANGE;
			}
			*out_ms = value * units[i].factor_ms;
			return 0;
		}
	}
	return -EINVAL;
}

bool vmha_util_name_is_valid(const char *name)
{
	size_t len;
	const char *p;

	if (name == NULL) {
		return false;
	}
	len = strlen(name);
	if (len == 0 || len > 64 || name[0] == '.') {
		return false;
	}
	for (p = name; *p != '\0'; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		          (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-';
		if (!ok) {
			return false;
		}
	}
	return true;
}

void vmha_util_set_text(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || size == 0) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/*
 * Small parsing helpers shared by the agent, the daemon and the CLI.
 * Each rejects the whole string unless all of it is valid: "10x" is not 10.
 */
#ifndef VMHA_UTIL_H
#define VMHA_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Parse a boolean the way Pacemaker and OCF agents do: yes/true/on/1 and
 * no/false/off/0, case-insensitive.
 *
 * @return 0 and *out set, or -EINVAL
 */
int vmha_util_parse_bool(const char *text, bool *out);

/**
 * Parse a non-negative decimal integer with no sign, spaces or suffix.
 *
 * @return 0 and *out set, -EINVAL if not a number, -ERANGE if too large
 */
int vmha_util_parse_u64(const char *text, uint64_t *out);

/**
 * Parse a decimal integer that may be negative.
 *
 * @return 0 and *out set, -EINVAL if not a number, -ERANGE if out of range
 */
int vmha_util_parse_i64(const char *text, int64_t *out);

/**
 * Parse a duration: a number with an optional unit ms, s, m, h (default
 * seconds, as in Pacemaker's op timeouts: "90", "90s", "1m30s" is not
 * accepted, "1500ms" is).
 *
 * @return 0 and *out_ms set, -EINVAL or -ERANGE
 */
int vmha_util_parse_duration_ms(const char *text, uint64_t *out_ms);

/**
 * Name check for things that become file names or XML values (VM, host,
 * group names): 1..64 characters of [A-Za-z0-9._-], not starting with '.'.
 */
bool vmha_util_name_is_valid(const char *name);

/**
 * printf into buf (size bytes, always terminated): the one way a function
 * fills its caller's error or reason buffer. buf NULL or size 0: nothing.
 */
void vmha_util_set_text(char *buf, size_t size, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif /* VMHA_UTIL_H */

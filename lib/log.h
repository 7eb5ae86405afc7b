/*
 * vmha logging: a thin layer over libqb's logging.
 *
 * One macro per level. Messages are lowercase, name their subject in
 * quotes and have no trailing full stop:  vmha_err("domain '%s' not found", n);
 */
#ifndef VMHA_LOG_H
#define VMHA_LOG_H

#include <stdbool.h>
#include <syslog.h>
#include <qb/qblog.h>

/** Where log messages go; combine with |. */
enum vmha_log_target {
	VMHA_LOG_TO_SYSLOG = 1 << 0,
	VMHA_LOG_TO_STDERR = 1 << 1,
};

/**
 * Set up logging for this process.
 *
 * The level comes from, in order: the environment variable VMHA_LOG_LEVEL
 * (err, warning, notice, info, debug, trace), HA_debug=1 (Pacemaker's
 * convention, gives debug), else "notice".
 *
 * @param ident    program name shown in syslog and on stderr
 * @param targets  VMHA_LOG_TO_* flags
 * @return 0, or -EINVAL if VMHA_LOG_LEVEL names no level (logging is still
 *         set up, at the default level)
 */
int vmha_log_init(const char *ident, unsigned int targets);

/**
 * Change the threshold of every enabled target.
 *
 * @param level  a syslog priority (LOG_ERR .. LOG_DEBUG) or LOG_TRACE
 * @return 0, or -EINVAL if level is out of range
 */
int vmha_log_set_level(int level);

/** @return the threshold set by vmha_log_init() or vmha_log_set_level() */
int vmha_log_get_level(void);

/**
 * Parse a level name ("err", "error", "warning", "warn", "notice", "info",
 * "debug", "trace"), case-insensitive.
 *
 * @return 0 and *level set, or -EINVAL
 */
int vmha_log_level_parse(const char *name, int *level);

/** Flush and close the log targets; safe to call when not initialised. */
void vmha_log_fini(void);

#define vmha_crit(fmt, ...)   qb_log(LOG_CRIT, fmt, ##__VA_ARGS__)
#define vmha_err(fmt, ...)    qb_log(LOG_ERR, fmt, ##__VA_ARGS__)
#define vmha_warn(fmt, ...)   qb_log(LOG_WARNING, fmt, ##__VA_ARGS__)
#define vmha_notice(fmt, ...) qb_log(LOG_NOTICE, fmt, ##__VA_ARGS__)
#define vmha_info(fmt, ...)   qb_log(LOG_INFO, fmt, ##__VA_ARGS__)
#define vmha_debug(fmt, ...)  qb_log(LOG_DEBUG, fmt, ##__VA_ARGS__)
#define vmha_trace(fmt, ...)  qb_log(LOG_TRACE, fmt, ##__VA_ARGS__)

#endif /* VMHA_LOG_H */

/* vmha logging over libqb: targets, level from the environment. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

static const struct {
	const char *name;
	int level;
} level_names[] = {
        {"crit", LOG_CRIT},       {"err", LOG_ERR},      {"error", LOG_ERR},
        {"warning", LOG_WARNING}, {"warn", LOG_WARNING}, {"notice", LOG_NOTICE},
        {"info", LOG_INFO},       {"debug", LOG_DEBUG},  {"trace", LOG_TRACE},
};

static bool log_ready;
static unsigned int log_targets;
static int log_level = LOG_NOTICE;

int vmha_log_level_parse(const char *name, int *level)
{
	size_t i;

	if (name == NULL || level == NULL) {
		return -EINVAL;
	}
	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(name, level_names[i].name) == 0) {
			*level = level_names[i].level;
			return 0;
		}
	}
	return -EINVAL;
}

static void apply_level(int target, bool enabled)
{
	qb_log_filter_ctl(target, QB_LOG_FILTER_CLEAR_ALL, QB_LOG_FILTER_FILE, "*", LOG_TRACE);
	if (enabled) {
		qb_log_filter_ctl(target, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", log_level);
	}
	qb_log_ctl(target, QB_LOG_CONF_ENABLED, enabled ? QB_TRUE : QB_FALSE);
}

int vmha_log_set_level(int level)
{
	if (level < LOG_EMERG || level > LOG_TRACE) {
		return -EINVAL;
	}
	log_level = level;
	if (log_ready) {
		apply_level(QB_LOG_SYSLOG, (log_targets & VMHA_LOG_TO_SYSLOG) != 0);
		apply_level(QB_LOG_STDERR, (log_targets & VMHA_LOG_TO_STDERR) != 0);
	}
	return 0;
}

int vmha_log_get_level(void)
{
	return log_level;
}

int vmha_log_init(const char *ident, unsigned int targets)
{
	const char *env = getenv("VMHA_LOG_LEVEL");
	const char *ha_debug = getenv("HA_debug");
	int level = LOG_NOTICE;
	int rc = 0;

	if (env != NULL && *env != '\0') {
		rc = vmha_log_level_parse(env, &level);
		if (rc < 0) {
			level = LOG_NOTICE;
		}
	} else if (ha_debug != NULL && strcmp(ha_debug, "1") == 0) {
		level = LOG_DEBUG;
	}

	if (log_ready) {
		qb_log_fini();
	}
	qb_log_init(ident != NULL ? ident : "vmha", LOG_DAEMON, LOG_TRACE);
	qb_log_format_set(QB_LOG_STDERR, "%N[%P]: %p: %b");
	log_ready = true;
	log_targets = targets;
	vmha_log_set_level(level);
	if (rc < 0) {
		vmha_warn("ignoring VMHA_LOG_LEVEL '%s': not a level name", env);
	}
	return rc;
}

void vmha_log_fini(void)
{
	if (log_ready) {
		qb_log_fini();
		log_ready = false;
	}
}

/* vmhad.conf parser. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heartbeat/hbconf.h"
#include "log.h"
#include "transport.h"
#include "util.h"

#define LINE_MAX_BYTES 4096
/* more than the number of known keys */
#define MAX_KEYS 64
#define KEY_SIZE 32

void vmha_hbconf_defaults(struct vmha_hbconf *conf)
{
	memset(conf, 0, sizeof(*conf));
	snprintf(conf->group_name, sizeof(conf->group_name), "vmha");
	conf->announce_interval_ms = 2000;
	conf->storage_interval_ms = 1000;
	conf->storage_timeout_ms = 5000;
	conf->self_fence_delay_ms = 30000;
	snprintf(conf->registry_dir, sizeof(conf->registry_dir), "%s",
	         "/var/lib/vmha/shared/registry");
	conf->max_parallel_starts = 2;
	conf->max_restart = 1;
	conf->max_relocate = 1;
	conf->restart_delay_ms = 60000;
	conf->start_timeout_ms = 60000;
	conf->mode = VMHA_HB_MODE_MONITOR;
	conf->allow_insecure_ring = false;
	snprintf(conf->libvirt_uri, sizeof(conf->libvirt_uri), "qemu:///system");
	conf->log_level = -1;
	snprintf(conf->watchdog_device, sizeof(conf->watchdog_device), "%s", "/dev/watchdog");
	conf->watchdog_timeout_ms = 10000;
	conf->alert_timeout_ms = 30000;
	conf->health_interval_ms = 10000;
	conf->health_timeout_ms = 5000;
	conf->health_failures = 3;
	snprintf(conf->libvirt_conf_dir, sizeof(conf->libvirt_conf_dir), "%s", "/etc/libvirt");
	conf->disk_leases_required = true;
	snprintf(conf->state_dir, sizeof(conf->state_dir), "%s", "/var/lib/vmha");
	snprintf(conf->migration_transport, sizeof(conf->migration_transport), "%s",
	         VMHA_TRANSPORT_DEFAULT);
}

const char *vmha_hbconf_mode_name(enum vmha_hb_mode mode)
{
	return mode == VMHA_HB_MODE_STANDALONE ? "standalone" : "monitor";
}

static char *trim(char *s)
{
	char *end = NULL;

	while (isspace((unsigned char)*s)) {
		s++;
	}
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1])) {
		*--end = '\0';
	}
	return s;
}

static int set_duration(const char *value, uint64_t min_ms, uint64_t max_ms, uint64_t *out,
                        const char **why)
{
	uint64_t ms = 0;

	if (vmha_util_parse_duration_ms(value, &ms) < 0) {
		*why = "is not a duration (e.g. 2s, 1500ms)";
		return -EINVAL;
	}
	if (ms < min_ms || ms > max_ms) {
		*why = "is out of range";
		return -EINVAL;
	}
	*out = ms;
	return 0;
}

static int set_string(const char *value, char *dst, size_t size, const char **why)
{
	if (strlen(value) >= size) {
		*why = "is too long";
		return -EINVAL;
	}
	snprintf(dst, size, "%s", value);
	return 0;
}

/* alert_path: up to VMHA_HBCONF_MAX_ALERTS absolute paths separated by spaces */
static int set_alert_path(struct vmha_hbconf *conf, const char *value, const char **why)
{
	char copy[sizeof(conf->alert_path)];
	char *save = NULL;
	char *tok = NULL;
	unsigned int n = 0;

	if (set_string(value, copy, sizeof(copy), why) < 0) {
		return -EINVAL;
	}
	for (tok = strtok_r(copy, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
		if (tok[0] != '/') {
			*why = "is not a list of absolute paths";
			return -EINVAL;
		}
		if (++n > VMHA_HBCONF_MAX_ALERTS) {
			*why = "names more than 8 agents";
			return -EINVAL;
		}
	}
	return set_string(value, conf->alert_path, sizeof(conf->alert_path), why);
}

/* The keys of alerts, metrics, disk leases and VM health; -ENOENT for another key. */
static int apply_observability(struct vmha_hbconf *conf, const char *key, const char *value,
                               const char **why)
{
	if (strcmp(key, "alert_path") == 0) {
		return set_alert_path(conf, value, why);
	}
	if (strcmp(key, "alert_recipient") == 0) {
		return set_string(value, conf->alert_recipient, sizeof(conf->alert_recipient), why);
	}
	if (strcmp(key, "alert_timeout") == 0) {
		return set_duration(value, 100, 600000, &conf->alert_timeout_ms, why);
	}
	if (strcmp(key, "metrics_file") == 0 || strcmp(key, "libvirt_conf_dir") == 0) {
		if (value[0] != '/') {
			*why = "is not an absolute path";
			return -EINVAL;
		}
		return set_string(value,
		                  key[0] == 'm' ? conf->metrics_file : conf->libvirt_conf_dir,
		                  sizeof(conf->metrics_file), why);
	}
	if (strcmp(key, "disk_leases") == 0) {
		if (strcmp(value, "require") != 0 && strcmp(value, "warn") != 0) {
			*why = "is not 'require' or 'warn'";
			return -EINVAL;
		}
		conf->disk_leases_required = value[0] == 'r';
		return 0;
	}
	if (strcmp(key, "health_interval") == 0) {
		return set_duration(value, 1000, 3600000, &conf->health_interval_ms, why);
	}
	if (strcmp(key, "health_timeout") == 0) {
		return set_duration(value, 1000, 60000, &conf->health_timeout_ms, why);
	}
	if (strcmp(key, "health_failures") == 0) {
		uint64_t n = 0;

		if (vmha_util_parse_u64(value, &n) < 0 || n < 1 || n > 100) {
			*why = "is not a number from 1 to 100";
			return -EINVAL;
		}
		conf->health_failures = (unsigned int)n;
		return 0;
	}
	*why = NULL;
	return -ENOENT;
}

static int apply(struct vmha_hbconf *conf, const char *key, const char *value, const char **why)
{
	uint64_t n = 0;
	int rc = 0;

	if (strcmp(key, "group_name") == 0 || strcmp(key, "host_name") == 0) {
		if (!vmha_util_name_is_valid(value)) {
			*why = "is not a valid name (1-64 of A-Z a-z 0-9 . _ -, not starting with "
			       ".)";
			return -EINVAL;
		}
		snprintf(key[0] == 'g' ? conf->group_name : conf->host_name, VMHA_NAME_SIZE, "%s",
		         value);
	} else if (strcmp(key, "announce_interval") == 0) {
		rc = set_duration(value, 100, 60000, &conf->announce_interval_ms, why);
	} else if (strcmp(key, "storage_dir") == 0) {
		if (value[0] != '/') {
			*why = "is not an absolute path";
			return -EINVAL;
		}
		rc = set_string(value, conf->storage_dir, sizeof(conf->storage_dir), why);
	} else if (strcmp(key, "storage_interval") == 0) {
		rc = set_duration(value, 100, 60000, &conf->storage_interval_ms, why);
	} else if (strcmp(key, "storage_timeout") == 0) {
		rc = set_duration(value, 500, 600000, &conf->storage_timeout_ms, why);
	} else if (strcmp(key, "self_fence_delay") == 0) {
		rc = set_duration(value, 0, 3600000, &conf->self_fence_delay_ms, why);
	} else if (strcmp(key, "mode") == 0) {
		if (strcmp(value, "monitor") == 0) {
			conf->mode = VMHA_HB_MODE_MONITOR;
		} else if (strcmp(value, "standalone") == 0) {
			conf->mode = VMHA_HB_MODE_STANDALONE;
		} else {
			*why = "is not 'monitor' or 'standalone'";
			return -EINVAL;
		}
	} else if (strcmp(key, "allow_insecure_ring") == 0) {
		if (vmha_util_parse_bool(value, &conf->allow_insecure_ring) < 0) {
			*why = "is not a boolean (yes/no)";
			return -EINVAL;
		}
	} else if (strcmp(key, "libvirt_uri") == 0) {
		rc = set_string(value, conf->libvirt_uri, sizeof(conf->libvirt_uri), why);
	} else if (strcmp(key, "fake_vms") == 0) {
		if (vmha_util_parse_u64(value, &n) < 0 || n > VMHA_MSG_MAX_VMS) {
			*why = "is not a number from 0 to 1024";
			return -EINVAL;
		}
		conf->fake_vms = (uint32_t)n;
	} else if (strcmp(key, "registry_dir") == 0 || strcmp(key, "fence_config") == 0) {
		if (value[0] != '/') {
			*why = "is not an absolute path";
			return -EINVAL;
		}
		rc = set_string(value, key[0] == 'r' ? conf->registry_dir : conf->fence_config,
		                sizeof(conf->registry_dir), why);
	} else if (strcmp(key, "max_parallel_starts") == 0) {
		if (vmha_util_parse_u64(value, &n) < 0 || n < 1 || n > 64) {
			*why = "is not a number from 1 to 64";
			return -EINVAL;
		}
		conf->max_parallel_starts = (unsigned int)n;
	} else if (strcmp(key, "max_restart") == 0 || strcmp(key, "max_relocate") == 0) {
		if (vmha_util_parse_u64(value, &n) < 0 || n > 100) {
			*why = "is not a number from 0 to 100";
			return -EINVAL;
		}
		*(strcmp(key, "max_restart") == 0 ? &conf->max_restart : &conf->max_relocate) =
		        (unsigned int)n;
	} else if (strcmp(key, "restart_delay") == 0) {
		rc = set_duration(value, 0, 3600000, &conf->restart_delay_ms, why);
	} else if (strcmp(key, "start_timeout") == 0) {
		rc = set_duration(value, 1000, 600000, &conf->start_timeout_ms, why);
	} else if (strcmp(key, "watchdog_device") == 0) {
		if (strcmp(value, "none") == 0) {
			conf->watchdog_device[0] = '\0';
			return 0;
		}
		if (value[0] != '/') {
			*why = "is not an absolute path or 'none'";
			return -EINVAL;
		}
		rc = set_string(value, conf->watchdog_device, sizeof(conf->watchdog_device), why);
	} else if (strcmp(key, "watchdog_timeout") == 0) {
		rc = set_duration(value, 1000, 600000, &conf->watchdog_timeout_ms, why);
		if (rc == 0 && conf->watchdog_timeout_ms % 1000 != 0) {
			*why = "is not a whole number of seconds (the watchdog API counts seconds)";
			rc = -EINVAL;
		}
	} else if (strcmp(key, "state_dir") == 0) {
		if (value[0] != '/') {
			*why = "is not an absolute path";
			return -EINVAL;
		}
		rc = set_string(value, conf->state_dir, sizeof(conf->state_dir), why);
	} else if (strcmp(key, "migration_transport") == 0) {
		if (!vmha_transport_is_valid(value)) {
			*why = "is not a libvirt transport (tcp, ssh, tls, libssh, libssh2)";
			return -EINVAL;
		}
		rc = set_string(value, conf->migration_transport, sizeof(conf->migration_transport),
		                why);
	} else if (strcmp(key, "log_level") == 0) {
		if (vmha_log_level_parse(value, &conf->log_level) < 0) {
			*why = "is not a log level (err, warning, notice, info, debug, trace)";
			return -EINVAL;
		}
	} else {
		return apply_observability(conf, key, value, why);
	}
	return rc;
}

int vmha_hbconf_load(const char *path, struct vmha_hbconf *conf, char *err, size_t err_size)
{
	struct vmha_hbconf tmp;
	FILE *f = NULL;
	char *line = NULL;
	size_t line_size = 0;
	ssize_t got = 0;
	char seen[MAX_KEYS][KEY_SIZE];
	size_t nseen = 0;
	unsigned int lineno = 0;
	int rc = 0;

	vmha_hbconf_defaults(&tmp);
	f = fopen(path, "re");
	if (f == NULL) {
		rc = -errno;
		snprintf(err, err_size, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	while ((got = getline(&line, &line_size, f)) > 0) {
		char *s = NULL;
		char *eq = NULL;
		char *key = NULL;
		char *value = NULL;
		const char *why = NULL;
		size_t len = strlen(line);
		size_t i = 0;

		lineno++;
		if (got > LINE_MAX_BYTES - 1) {
			snprintf(err, err_size, "%s:%u: line is longer than %d bytes", path, lineno,
			         LINE_MAX_BYTES - 2);
			rc = -EINVAL;
			goto out;
		}
		if (len != (size_t)got) {
			snprintf(err, err_size, "%s:%u: line has a NUL byte at column %zu", path,
			         lineno, len + 1);
			rc = -EINVAL;
			goto out;
		}
		s = strchr(line, '#');
		if (s != NULL) {
			*s = '\0';
		}
		s = trim(line);
		if (*s == '\0') {
			continue;
		}
		eq = strchr(s, '=');
		if (eq == NULL) {
			snprintf(err, err_size, "%s:%u: expected 'key = value', got '%.64s'", path,
			         lineno, s);
			rc = -EINVAL;
			goto out;
		}
		*eq = '\0';
		key = trim(s);
		value = trim(eq + 1);
		if (*value == '\0') {
			snprintf(err, err_size, "%s:%u: key '%.64s' has no value", path, lineno,
			         key);
			rc = -EINVAL;
			goto out;
		}
		for (i = 0; i < nseen; i++) {
			if (strcmp(seen[i], key) == 0) {
				snprintf(err, err_size, "%s:%u: key '%.64s' is given twice", path,
				         lineno, key);
				rc = -EINVAL;
				goto out;
			}
		}
		rc = apply(&tmp, key, value, &why);
		if (rc == -ENOENT) {
			snprintf(err, err_size, "%s:%u: unknown key '%.64s'", path, lineno, key);
			rc = -EINVAL;
			goto out;
		}
		if (rc < 0) {
			snprintf(err, err_size, "%s:%u: key '%.64s': value '%.128s' %s", path,
			         lineno, key, value, why);
			goto out;
		}
		if (nseen < MAX_KEYS) {
			snprintf(seen[nseen++], KEY_SIZE, "%s", key); /* keys are known: short */
		}
	}
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, err_size, "%s: read error", path);
		goto out;
	}
	if (tmp.storage_dir[0] != '\0' && tmp.storage_timeout_ms < 2 * tmp.storage_interval_ms) {
		snprintf(err, err_size,
		         "%s: key 'storage_timeout' must be at least twice 'storage_interval'",
		         path);
		rc = -EINVAL;
		goto out;
	}
	*conf = tmp;
out:
	if (f != NULL) {
		fclose(f);
	}
	free(line);
	return rc;
}

/* Fencing configuration: reading and parsing fence.conf (see fence_config.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_meta.h"
#include "deadline.h"
#include "fence_config.h"
#include "fence_config_priv.h"
#include "log.h"
#include "util.h"

#define MAX_TOKENS       64
#define CONFIG_MAX_BYTES (1024 * 1024)

#define set_err vmha_fence_config_set_err

void vmha_fence_config_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void device_clear(struct vmha_fence_device *dev)
{
	size_t i;

	free(dev->name);
	free(dev->agent);
	free(dev->agent_path);
	vmha_agent_args_free(dev->params);
	for (i = 0; i < dev->n_params; i++) {
		free(dev->param_names[i]);
	}
	free(dev->param_names);
}

void vmha_fence_config_free(struct vmha_fence_config *cfg)
{
	size_t i, j;

	if (cfg == NULL) {
		return;
	}
	for (i = 0; i < cfg->n_devices; i++) {
		device_clear(&cfg->devices[i]);
	}
	for (i = 0; i < cfg->n_maps; i++) {
		free(cfg->maps[i].node);
		free(cfg->maps[i].device);
		free(cfg->maps[i].plug);
	}
	for (i = 0; i < cfg->n_levels; i++) {
		free(cfg->levels[i].node);
		for (j = 0; j < cfg->levels[i].n_devices; j++) {
			free(cfg->levels[i].devices[j]);
		}
		free(cfg->levels[i].devices);
	}
	for (i = 0; i < cfg->n_metas; i++) {
		free(cfg->metas[i].path);
		vmha_agent_meta_free(cfg->metas[i].meta);
	}
	free(cfg->devices);
	free(cfg->maps);
	free(cfg->levels);
	free(cfg->metas);
	free(cfg->name);
	free(cfg->agent_dir);
	free(cfg->stonith_admin);
	free(cfg);
}

/*
 * Split one line into tokens in place: whitespace separates, a '#' that
 * starts a token ends the line, "..." quotes (with \" and \\) may appear
 * anywhere in a token. Returns the number of tokens, or -1 with *bad set on an
 * unterminated quote.
 */
static int tokenize(char *line, char **tok, int max, const char **bad)
{
	char *r = line;
	char *w = line;
	int n = 0;

	for (;;) {
		bool quoted = false;
		while (*r == ' ' || *r == '\t' || *r == '\r') {
			r++;
		}
		if (*r == '\0' || *r == '#') {
			break;
		}
		if (n == max) {
			*bad = "too many items on the line";
			return -1;
		}
		tok[n++] = w;
		while (*r != '\0') {
			if (!quoted && (*r == ' ' || *r == '\t' || *r == '\r')) {
				break;
			}
			if (*r == '"') {
				quoted = !quoted;
				r++;
				continue;
			}
			if (quoted && *r == '\\' && (r[1] == '"' || r[1] == '\\')) {
				r++;
			}
			*w++ = *r++;
		}
		if (quoted) {
			*bad = "unterminated quote";
			return -1;
		}
		/* The writer never overtakes the reader, so this stays inside the token. */
		if (*r == '\0') {
			*w = '\0';
			break;
		}
		*w++ = '\0';
		r++;
	}
	return n;
}

struct vmha_fence_device *vmha_fence_config_find_device(const struct vmha_fence_config *cfg,
                                                        const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_devices; i++) {
		if (strcmp(cfg->devices[i].name, name) == 0) {
			return &cfg->devices[i];
		}
	}
	return NULL;
}

static bool agent_name_is_valid(const char *agent)
{
	const char *p;

	if (agent[0] == '/') {
		return strlen(agent) < 4096;
	}
	if (strncmp(agent, "fence_", 6) != 0 || agent[6] == '\0' || strlen(agent) > 64) {
		return false;
	}
	for (p = agent; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')) {
			return false;
		}
	}
	return true;
}

static int parse_device(struct vmha_fence_config *cfg, char **tok, int n, int line, char *err,
                        size_t errlen)
{
	struct vmha_fence_device *grown = NULL;
	struct vmha_fence_device dev = {0};
	int i;
	int rc = 0;

	if (n < 3) {
		set_err(err, errlen, "%s:%d: device: expected 'device NAME AGENT [key=value...]'",
		        cfg->name, line);
		rc = -EINVAL;
		goto out;
	}
	if (!vmha_util_name_is_valid(tok[1])) {
		set_err(err, errlen, "%s:%d: device: item 2 is not a valid device name", cfg->name,
		        line);
		rc = -EINVAL;
		goto out;
	}
	if (vmha_fence_config_find_device(cfg, tok[1]) != NULL) {
		set_err(err, errlen, "%s:%d: device: device '%s' defined twice", cfg->name, line,
		        tok[1]);
		rc = -EINVAL;
		goto out;
	}
	if (!agent_name_is_valid(tok[2])) {
		set_err(err, errlen,
		        "%s:%d: agent: item 3 is not a valid agent (a fence_* name or an absolute "
		        "path)",
		        cfg->name, line);
		rc = -EINVAL;
		goto out;
	}
	dev.line = line;
	dev.name = strdup(tok[1]);
	dev.agent = strdup(tok[2]);
	dev.params = vmha_agent_args_new();
	dev.timeout_ms = cfg->timeout_ms;
	dev.retries = cfg->retries;
	if (dev.name == NULL || dev.agent == NULL || dev.params == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 3; i < n; i++) {
		char *eq = strchr(tok[i], '=');
		const char *key = tok[i];
		const char *value = NULL;
		char **names = NULL;
		uint64_t u = 0;

		if (eq == NULL || eq == tok[i]) {
			/* Never echo it: an unquoted password with a space ends up here. */
			set_err(err, errlen,
			        "%s:%d: device: item %d is not key=value (not shown: it may hold "
			        "a secret; quote values with spaces)",
			        cfg->name, line, i + 1);
			rc = -EINVAL;
			goto out;
		}
		*eq = '\0';
		value = eq + 1;
		if (strcmp(key, "timeout") == 0) {
			if (vmha_util_parse_duration_ms(value, &u) != 0 || u == 0) {
				set_err(err, errlen, "%s:%d: timeout: item %d is not a duration",
				        cfg->name, line, i + 1);
				rc = -EINVAL;
				goto out;
			}
			dev.timeout_ms = u;
			dev.timeout_set = true;
			continue;
		}
		if (strcmp(key, "retries") == 0) {
			if (vmha_util_parse_u64(value, &u) != 0 || u > 10) {
				set_err(err, errlen,
				        "%s:%d: retries: item %d is not a count (0..10)", cfg->name,
				        line, i + 1);
				rc = -EINVAL;
				goto out;
			}
			dev.retries = (unsigned int)u;
			dev.retries_set = true;
			continue;
		}
		if (strcmp(key, "action") == 0 || strcmp(key, "plug") == 0 ||
		    strcmp(key, "port") == 0 || strcmp(key, "nodename") == 0) {
			set_err(err, errlen,
			        "%s:%d: %s: set by vmha for each request, not configurable",
			        cfg->name, line, key);
			rc = -EINVAL;
			goto out;
		}
		if (vmha_agent_args_get(dev.params, key) != NULL) {
			set_err(err, errlen, "%s:%d: %s: given twice", cfg->name, line, key);
			rc = -EINVAL;
			goto out;
		}
		rc = vmha_agent_args_set(dev.params, key, value, false);
		if (rc == -EINVAL) {
			set_err(err, errlen, "%s:%d: device: item %d has an invalid parameter name",
			        cfg->name, line, i + 1);
			goto out;
		}
		if (rc != 0) {
			goto out;
		}
		names = realloc(dev.param_names, (dev.n_params + 1) * sizeof(*names));
		if (names == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		dev.param_names = names;
		dev.param_names[dev.n_params] = strdup(key);
		if (dev.param_names[dev.n_params] == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		dev.n_params++;
	}
	grown = realloc(cfg->devices, (cfg->n_devices + 1) * sizeof(*grown));
	if (grown == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	cfg->devices = grown;
	cfg->devices[cfg->n_devices++] = dev;
	memset(&dev, 0, sizeof(dev));
out:
	device_clear(&dev);
	return rc;
}

static int parse_host(struct vmha_fence_config *cfg, char **tok, int n, int line, char *err,
                      size_t errlen)
{
	struct hostmap *grown = NULL;
	int i;
	size_t j;
	int rc = 0;

	if (n < 3) {
		set_err(err, errlen, "%s:%d: host: expected 'host NODE DEVICE=PLUG...'", cfg->name,
		        line);
		rc = -EINVAL;
		goto out;
	}
	if (!vmha_util_name_is_valid(tok[1])) {
		set_err(err, errlen, "%s:%d: host: invalid node name '%s'", cfg->name, line,
		        tok[1]);
		rc = -EINVAL;
		goto out;
	}
	for (i = 2; i < n; i++) {
		char *eq = strchr(tok[i], '=');
		if (eq == NULL || eq == tok[i] || eq[1] == '\0') {
			set_err(err, errlen, "%s:%d: %s: expected DEVICE=PLUG", cfg->name, line,
			        tok[i]);
			rc = -EINVAL;
			goto out;
		}
		*eq = '\0';
		if (vmha_fence_config_find_device(cfg, tok[i]) == NULL) {
			set_err(err, errlen, "%s:%d: %s: no device of that name defined above",
			        cfg->name, line, tok[i]);
			rc = -EINVAL;
			goto out;
		}
		for (j = 0; j < cfg->n_maps; j++) {
			if (strcmp(cfg->maps[j].node, tok[1]) == 0 &&
			    strcmp(cfg->maps[j].device, tok[i]) == 0) {
				set_err(err, errlen, "%s:%d: %s: plug of node '%s' given twice",
				        cfg->name, line, tok[i], tok[1]);
				rc = -EINVAL;
				goto out;
			}
		}
		grown = realloc(cfg->maps, (cfg->n_maps + 1) * sizeof(*grown));
		if (grown == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		cfg->maps = grown;
		cfg->maps[cfg->n_maps] = (struct hostmap){.node = strdup(tok[1]),
		                                          .device = strdup(tok[i]),
		                                          .plug = strdup(eq + 1),
		                                          .line = line};
		cfg->n_maps++;
		if (cfg->maps[cfg->n_maps - 1].node == NULL ||
		    cfg->maps[cfg->n_maps - 1].device == NULL ||
		    cfg->maps[cfg->n_maps - 1].plug == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
out:
	return rc;
}

static int parse_level(struct vmha_fence_config *cfg, char **tok, int n, int line, char *err,
                       size_t errlen)
{
	struct level lv = {0};
	struct level *grown = NULL;
	uint64_t index = 0;
	char *p = NULL;
	char *save = NULL;
	size_t i;
	int rc = 0;

	if (n != 4) {
		set_err(err, errlen,
		        "%s:%d: level: expected 'level NODE|* INDEX DEVICE[,DEVICE...]'", cfg->name,
		        line);
		rc = -EINVAL;
		goto out;
	}
	if (strcmp(tok[1], "*") != 0 && !vmha_util_name_is_valid(tok[1])) {
		set_err(err, errlen, "%s:%d: level: invalid node name '%s'", cfg->name, line,
		        tok[1]);
		rc = -EINVAL;
		goto out;
	}
	if (vmha_util_parse_u64(tok[2], &index) != 0 || index < 1 || index > 9) {
		set_err(err, errlen, "%s:%d: index: invalid level '%s' (1..9)", cfg->name, line,
		        tok[2]);
		rc = -EINVAL;
		goto out;
	}
	for (i = 0; i < cfg->n_levels; i++) {
		if (strcmp(cfg->levels[i].node, tok[1]) == 0 && cfg->levels[i].index == index) {
			set_err(err, errlen,
			        "%s:%d: index: level %s of '%s' already defined on line %d",
			        cfg->name, line, tok[2], tok[1], cfg->levels[i].line);
			rc = -EINVAL;
			goto out;
		}
	}
	lv.node = strdup(tok[1]);
	lv.index = (unsigned int)index;
	lv.line = line;
	if (lv.node == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (p = strtok_r(tok[3], ",", &save); p != NULL; p = strtok_r(NULL, ",", &save)) {
		char **names = NULL;
		if (vmha_fence_config_find_device(cfg, p) == NULL) {
			set_err(err, errlen, "%s:%d: %s: no device of that name defined above",
			        cfg->name, line, p);
			rc = -EINVAL;
			goto out;
		}
		names = realloc(lv.devices, (lv.n_devices + 1) * sizeof(*names));
		if (names == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		lv.devices = names;
		lv.devices[lv.n_devices] = strdup(p);
		if (lv.devices[lv.n_devices] == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		lv.n_devices++;
	}
	if (lv.n_devices == 0) {
		set_err(err, errlen, "%s:%d: level: no devices", cfg->name, line);
		rc = -EINVAL;
		goto out;
	}
	grown = realloc(cfg->levels, (cfg->n_levels + 1) * sizeof(*grown));
	if (grown == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	cfg->levels = grown;
	cfg->levels[cfg->n_levels++] = lv;
	memset(&lv, 0, sizeof(lv));
out:
	free(lv.node);
	for (i = 0; i < lv.n_devices; i++) {
		free(lv.devices[i]);
	}
	free(lv.devices);
	return rc;
}

/* Global settings: "KEY VALUE". */
static int parse_setting(struct vmha_fence_config *cfg, char **tok, int n, int line, char *err,
                         size_t errlen)
{
	uint64_t u = 0;
	char **slot = NULL;
	int rc = 0;

	if (n != 2) {
		set_err(err, errlen, "%s:%d: %s: expected '%s VALUE'", cfg->name, line, tok[0],
		        tok[0]);
		rc = -EINVAL;
		goto out;
	}
	if (strcmp(tok[0], "mode") == 0) {
		if (strcmp(tok[1], "auto") == 0) {
			cfg->mode = VMHA_FENCE_MODE_AUTO;
		} else if (strcmp(tok[1], "agents") == 0) {
			cfg->mode = VMHA_FENCE_MODE_AGENTS;
		} else if (strcmp(tok[1], "pacemaker") == 0) {
			cfg->mode = VMHA_FENCE_MODE_PACEMAKER;
		} else {
			set_err(err, errlen,
			        "%s:%d: mode: unknown mode '%s' (auto, agents, pacemaker)",
			        cfg->name, line, tok[1]);
			rc = -EINVAL;
		}
		goto out;
	}
	if (strcmp(tok[0], "timeout") == 0) {
		if (vmha_util_parse_duration_ms(tok[1], &u) != 0 || u == 0) {
			set_err(err, errlen, "%s:%d: timeout: invalid duration '%s'", cfg->name,
			        line, tok[1]);
			rc = -EINVAL;
			goto out;
		}
		cfg->timeout_ms = u;
		goto out;
	}
	if (strcmp(tok[0], "retries") == 0) {
		if (vmha_util_parse_u64(tok[1], &u) != 0 || u > 10) {
			set_err(err, errlen, "%s:%d: retries: invalid count '%s' (0..10)",
			        cfg->name, line, tok[1]);
			rc = -EINVAL;
			goto out;
		}
		cfg->retries = (unsigned int)u;
		goto out;
	}
	slot = strcmp(tok[0], "agent_dir") == 0 ? &cfg->agent_dir : &cfg->stonith_admin;
	if (tok[1][0] != '/') {
		set_err(err, errlen, "%s:%d: %s: '%s' is not an absolute path", cfg->name, line,
		        tok[0], tok[1]);
		rc = -EINVAL;
		goto out;
	}
	free(*slot);
	*slot = strdup(tok[1]);
	if (*slot == NULL) {
		rc = -ENOMEM;
	}
out:
	return rc;
}

int vmha_fence_config_parse(const char *text, const char *name, struct vmha_fence_config **out,
                            char *err, size_t errlen)
{
	struct vmha_fence_config *cfg = NULL;
	char *copy = NULL;
	char *line = NULL;
	char *next = NULL;
	int lineno = 0;
	int rc = 0;
	size_t i;

	*out = NULL;
	cfg = calloc(1, sizeof(*cfg));
	copy = strdup(text != NULL ? text : "");
	if (cfg == NULL || copy == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	cfg->name = strdup(name != NULL ? name : "fence.conf");
	cfg->agent_dir = strdup("/usr/sbin");
	cfg->stonith_admin = strdup("/usr/sbin/stonith_admin");
	cfg->timeout_ms = VMHA_FENCE_DEFAULT_TIMEOUT_MS;
	cfg->retries = VMHA_FENCE_DEFAULT_RETRIES;
	if (cfg->name == NULL || cfg->agent_dir == NULL || cfg->stonith_admin == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (line = copy; line != NULL && rc == 0; line = next) {
		char *tok[MAX_TOKENS];
		const char *bad = NULL;
		int n;

		next = strchr(line, '\n');
		if (next != NULL) {
			*next++ = '\0';
		}
		lineno++;
		n = tokenize(line, tok, MAX_TOKENS, &bad);
		if (n < 0) {
			set_err(err, errlen, "%s:%d: %s", cfg->name, lineno, bad);
			rc = -EINVAL;
		} else if (n == 0) {
			continue;
		} else if (strcmp(tok[0], "device") == 0) {
			rc = parse_device(cfg, tok, n, lineno, err, errlen);
		} else if (strcmp(tok[0], "host") == 0) {
			rc = parse_host(cfg, tok, n, lineno, err, errlen);
		} else if (strcmp(tok[0], "level") == 0) {
			rc = parse_level(cfg, tok, n, lineno, err, errlen);
		} else if (strcmp(tok[0], "mode") == 0 || strcmp(tok[0], "timeout") == 0 ||
		           strcmp(tok[0], "retries") == 0 || strcmp(tok[0], "agent_dir") == 0 ||
		           strcmp(tok[0], "stonith_admin") == 0) {
			if (cfg->n_devices > 0 &&
			    (strcmp(tok[0], "timeout") == 0 || strcmp(tok[0], "retries") == 0)) {
				set_err(err, errlen,
				        "%s:%d: %s: global settings come before the devices",
				        cfg->name, lineno, tok[0]);
				rc = -EINVAL;
			} else {
				rc = parse_setting(cfg, tok, n, lineno, err, errlen);
			}
		} else {
			set_err(err, errlen,
			        "%s:%d: %s: unknown item (mode, timeout, retries, agent_dir, "
			        "stonith_admin, device, host, level)",
			        cfg->name, lineno, tok[0]);
			rc = -EINVAL;
		}
	}
	if (rc != 0) {
		goto out;
	}
	for (i = 0; i < cfg->n_devices; i++) {
		struct vmha_fence_device *dev = &cfg->devices[i];
		if (dev->agent[0] == '/') {
			dev->agent_path = strdup(dev->agent);
		} else if (asprintf(&dev->agent_path, "%s/%s", cfg->agent_dir, dev->agent) < 0) {
			dev->agent_path = NULL;
		}
		if (dev->agent_path == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	*out = cfg;
	cfg = NULL;
out:
	if (copy != NULL) {
		explicit_bzero(copy, strlen(copy));
		free(copy);
	}
	vmha_fence_config_free(cfg);
	return rc;
}

static bool config_has_secret(const struct vmha_fence_config *cfg)
{
	size_t i, j;

	for (i = 0; i < cfg->n_devices; i++) {
		for (j = 0; j < cfg->devices[i].n_params; j++) {
			if (vmha_agent_param_is_secret(cfg->devices[i].param_names[j])) {
				return true;
			}
		}
	}
	return false;
}

int vmha_fence_config_load(const char *path, struct vmha_fence_config **out, char *err,
                           size_t errlen)
{
	char *text = NULL;
	struct stat st;
	ssize_t got = 0;
	size_t len = 0;
	int fd = -1;
	int rc = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = -errno;
		set_err(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX_BYTES) {
		rc = -EINVAL;
		set_err(err, errlen, "%s: not a regular file of at most 1 MiB", path);
		goto out;
	}
	/* It names programs run as root: only root (or this process's owner) may write it. */
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		rc = -EPERM;
		set_err(err, errlen, "%s: owned by uid %ld, not root (chown root it)", path,
		        (long)st.st_uid);
		goto out;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		rc = -EPERM;
		set_err(err, errlen, "%s: writable by %s (mode %04o; chmod 600 it)", path,
		        (st.st_mode & S_IWOTH) != 0 ? "everyone" : "its group",
		        (unsigned int)(st.st_mode & 07777));
		goto out;
	}
	text = calloc(1, (size_t)st.st_size + 1);
	if (text == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	while (len < (size_t)st.st_size &&
	       (got = read(fd, text + len, (size_t)st.st_size - len)) != 0) {
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got < 0) {
			rc = -errno;
			set_err(err, errlen, "%s: cannot read: %s", path, strerror(errno));
			goto out;
		}
		len += (size_t)got;
	}
	text[len] = '\0';
	rc = vmha_fence_config_parse(text, path, out, err, errlen);
	if (rc == 0 && config_has_secret(*out)) {
		/* No core dump or ptrace of a process that holds fence secrets. */
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
			vmha_warn("cannot make this process non-dumpable: %s", strerror(errno));
		}
		if ((st.st_mode & S_IROTH) != 0) {
			vmha_warn("fencing configuration '%s' holds secrets and is readable by "
			          "everyone (chmod 600 it)",
			          path);
		}
	}
out:
	if (fd >= 0) {
		close(fd);
	}
	if (text != NULL) {
		explicit_bzero(text, len);
		free(text);
	}
	return rc;
}

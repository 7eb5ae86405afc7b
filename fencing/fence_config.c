/* Fencing configuration: parsing, references, validation against agent meta-data. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_meta.h"
#include "deadline.h"
#include "fence_config.h"
#include "log.h"
#include "util.h"

#define MAX_TOKENS       64
#define CONFIG_MAX_BYTES (1024 * 1024)
#define META_TIMEOUT_MS  15000

struct vmha_fence_device {
	char *name;
	char *agent;
	char *agent_path;
	uint64_t timeout_ms;
	unsigned int retries;
	bool timeout_set;
	bool retries_set;
	struct vmha_agent_args *params;
	char **param_names;
	size_t n_params;
	int line;
	const struct vmha_agent_meta *meta; /* owned by the config's cache */
	const char *plug_param;
};

struct hostmap {
	char *node;
	char *device;
	char *plug;
	int line;
};

struct level {
	char *node;
	unsigned int index;
	char **devices;
	size_t n_devices;
	int line;
};

struct meta_cache {
	char *path;
	struct vmha_agent_meta *meta;
};

struct vmha_fence_config {
	char *name;
	enum vmha_fence_mode mode;
	uint64_t timeout_ms;
	unsigned int retries;
	char *agent_dir;
	char *stonith_admin;
	struct vmha_fence_device *devices;
	size_t n_devices;
	struct hostmap *maps;
	size_t n_maps;
	struct level *levels;
	size_t n_levels;
	struct meta_cache *metas;
	size_t n_metas;
	bool valid;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
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

static struct vmha_fence_device *find_device(const struct vmha_fence_config *cfg, const char *name)
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
		set_err(err, errlen, "%s:%d: device: invalid device name '%s'", cfg->name, line,
		        tok[1]);
		rc = -EINVAL;
		goto out;
	}
	if (find_device(cfg, tok[1]) != NULL) {
		set_err(err, errlen, "%s:%d: device: device '%s' defined twice", cfg->name, line,
		        tok[1]);
		rc = -EINVAL;
		goto out;
	}
	if (!agent_name_is_valid(tok[2])) {
		set_err(err, errlen,
		        "%s:%d: agent: invalid agent '%s' (a fence_* name or an absolute path)",
		        cfg->name, line, tok[2]);
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
			set_err(err, errlen, "%s:%d: %s: expected key=value", cfg->name, line,
			        tok[i]);
			rc = -EINVAL;
			goto out;
		}
		*eq = '\0';
		value = eq + 1;
		if (strcmp(key, "timeout") == 0) {
			if (vmha_util_parse_duration_ms(value, &u) != 0 || u == 0) {
				set_err(err, errlen, "%s:%d: timeout: invalid duration '%s'",
				        cfg->name, line, value);
				rc = -EINVAL;
				goto out;
			}
			dev.timeout_ms = u;
			dev.timeout_set = true;
			continue;
		}
		if (strcmp(key, "retries") == 0) {
			if (vmha_util_parse_u64(value, &u) != 0 || u > 10) {
				set_err(err, errlen, "%s:%d: retries: invalid count '%s' (0..10)",
				        cfg->name, line, value);
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
			set_err(err, errlen, "%s:%d: %s: invalid parameter name", cfg->name, line,
			        key);
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
		if (find_device(cfg, tok[i]) == NULL) {
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
		if (find_device(cfg, p) == NULL) {
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
	if (rc == 0 && (st.st_mode & S_IROTH) != 0) {
		size_t i, j;
		for (i = 0; i < (*out)->n_devices; i++) {
			for (j = 0; j < (*out)->devices[i].n_params; j++) {
				if (vmha_agent_param_is_secret((*out)->devices[i].param_names[j])) {
					vmha_warn("fencing configuration '%s' holds secrets and is "
					          "readable by everyone (chmod 600 it)",
					          path);
					goto out;
				}
			}
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

static const struct vmha_agent_meta *meta_for(struct vmha_fence_config *cfg, const char *path,
                                              uint64_t deadline_ms, char *msg, size_t msglen,
                                              int *rc)
{
	struct meta_cache *grown = NULL;
	struct vmha_agent_meta *meta = NULL;
	size_t i;

	for (i = 0; i < cfg->n_metas; i++) {
		if (strcmp(cfg->metas[i].path, path) == 0) {
			return cfg->metas[i].meta;
		}
	}
	*rc = vmha_agent_meta_load(path, deadline_ms, &meta, msg, msglen);
	if (*rc != 0) {
		return NULL;
	}
	grown = realloc(cfg->metas, (cfg->n_metas + 1) * sizeof(*grown));
	if (grown == NULL) {
		vmha_agent_meta_free(meta);
		*rc = -ENOMEM;
		return NULL;
	}
	cfg->metas = grown;
	cfg->metas[cfg->n_metas].path = strdup(path);
	cfg->metas[cfg->n_metas].meta = meta;
	if (cfg->metas[cfg->n_metas].path == NULL) {
		vmha_agent_meta_free(meta);
		*rc = -ENOMEM;
		return NULL;
	}
	cfg->n_metas++;
	return meta;
}

int vmha_fence_config_validate(struct vmha_fence_config *cfg, uint64_t deadline_ms, char *err,
                               size_t errlen)
{
	char msg[512];
	size_t i;
	int rc = 0;

	cfg->valid = false;
	for (i = 0; i < cfg->n_devices; i++) {
		struct vmha_fence_device *dev = &cfg->devices[i];
		const struct vmha_agent_meta *meta = NULL;
		const char *bad = NULL;
		uint64_t meta_deadline_ms = vmha_deadline_in_ms(META_TIMEOUT_MS);

		if (meta_deadline_ms > deadline_ms) {
			meta_deadline_ms = deadline_ms;
		}
		meta = meta_for(cfg, dev->agent_path, meta_deadline_ms, msg, sizeof(msg), &rc);
		if (meta == NULL) {
			if (rc == -ENOENT) {
				set_err(err, errlen, "%s:%d: agent: unknown fence agent '%s' (%s)",
				        cfg->name, dev->line, dev->agent, msg);
			} else {
				set_err(err, errlen, "%s:%d: agent: %s", cfg->name, dev->line, msg);
			}
			rc = rc == -ETIMEDOUT ? rc : -EINVAL;
			goto out;
		}
		rc = vmha_agent_meta_validate(meta, (const char *const *)dev->param_names,
		                              dev->n_params, &bad, msg, sizeof(msg));
		if (rc != 0) {
			set_err(err, errlen, "%s:%d: %s: %s (device '%s')", cfg->name, dev->line,
			        bad != NULL ? bad : "device", msg, dev->name);
			rc = -EINVAL;
			goto out;
		}
		if (!vmha_agent_meta_has_action(meta, "off") ||
		    !vmha_agent_meta_has_action(meta, "status")) {
			set_err(err, errlen,
			        "%s:%d: agent: '%s' has no 'off' or no 'status' action", cfg->name,
			        dev->line, dev->agent);
			rc = -EINVAL;
			goto out;
		}
		dev->meta = meta;
		dev->plug_param = vmha_agent_meta_plug_param(meta);
	}
	for (i = 0; i < cfg->n_maps; i++) {
		const struct vmha_fence_device *dev = find_device(cfg, cfg->maps[i].device);
		if (dev->plug_param == NULL) {
			set_err(err, errlen,
			        "%s:%d: %s: agent '%s' takes no plug or port, a plug cannot be "
			        "mapped",
			        cfg->name, cfg->maps[i].line, cfg->maps[i].device, dev->agent);
			rc = -EINVAL;
			goto out;
		}
	}
	cfg->valid = true;
out:
	return rc;
}

char *vmha_fence_config_describe(const struct vmha_fence_config *cfg)
{
	static const char *const modes[] = {"auto", "agents", "pacemaker"};
	char *text = NULL;
	size_t len = 0;
	FILE *f = NULL;
	size_t i, j;

	f = open_memstream(&text, &len);
	if (f == NULL) {
		return NULL;
	}
	fprintf(f, "mode %s\n", modes[cfg->mode]);
	fprintf(f, "stonith_admin %s\n", cfg->stonith_admin);
	for (i = 0; i < cfg->n_devices; i++) {
		const struct vmha_fence_device *dev = &cfg->devices[i];
		char *params = vmha_agent_args_format(dev->params);
		fprintf(f, "device %s agent=%s timeout_ms=%llu retries=%u%s%s\n", dev->name,
		        dev->agent, (unsigned long long)dev->timeout_ms, dev->retries,
		        params != NULL && params[0] != '\0' ? " " : "",
		        params != NULL ? params : "");
		free(params);
	}
	for (i = 0; i < cfg->n_maps; i++) {
		fprintf(f, "host %s %s=%s\n", cfg->maps[i].node, cfg->maps[i].device,
		        cfg->maps[i].plug);
	}
	for (i = 0; i < cfg->n_levels; i++) {
		fprintf(f, "level %s %u ", cfg->levels[i].node, cfg->levels[i].index);
		for (j = 0; j < cfg->levels[i].n_devices; j++) {
			fprintf(f, "%s%s", j > 0 ? "," : "", cfg->levels[i].devices[j]);
		}
		fprintf(f, "\n");
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

bool vmha_fence_config_is_valid(const struct vmha_fence_config *cfg)
{
	return cfg != NULL && cfg->valid;
}

enum vmha_fence_mode vmha_fence_config_mode(const struct vmha_fence_config *cfg)
{
	return cfg->mode;
}

const char *vmha_fence_config_stonith_admin(const struct vmha_fence_config *cfg)
{
	return cfg->stonith_admin;
}

size_t vmha_fence_config_device_count(const struct vmha_fence_config *cfg)
{
	return cfg->n_devices;
}

const struct vmha_fence_device *vmha_fence_config_device(const struct vmha_fence_config *cfg,
                                                         size_t i)
{
	return i < cfg->n_devices ? &cfg->devices[i] : NULL;
}

void vmha_fence_config_levels_free(struct vmha_fence_level_view *levels, size_t n)
{
	size_t i;

	if (levels == NULL) {
		return;
	}
	for (i = 0; i < n; i++) {
		free(levels[i].devices);
	}
	free(levels);
}

static int cmp_level_view(const void *a, const void *b)
{
	const struct vmha_fence_level_view *la = a;
	const struct vmha_fence_level_view *lb = b;

	return (la->index > lb->index) - (la->index < lb->index);
}

int vmha_fence_config_levels(const struct vmha_fence_config *cfg, const char *node,
                             struct vmha_fence_level_view **levels, size_t *n)
{
	struct vmha_fence_level_view *views = NULL;
	const char *owner = node;
	size_t count = 0;
	size_t i, j;
	int rc = 0;

	*levels = NULL;
	*n = 0;
	for (i = 0; i < cfg->n_levels; i++) {
		count += strcmp(cfg->levels[i].node, node) == 0;
	}
	if (count == 0) {
		owner = "*";
		for (i = 0; i < cfg->n_levels; i++) {
			count += strcmp(cfg->levels[i].node, "*") == 0;
		}
	}
	if (count == 0) {
		/* The devices of the node's host line, as one level. */
		size_t k = 0;
		for (i = 0; i < cfg->n_maps; i++) {
			count += strcmp(cfg->maps[i].node, node) == 0;
		}
		if (count == 0) {
			rc = -ENOENT;
			goto out;
		}
		views = calloc(1, sizeof(*views));
		if (views == NULL || (views[0].devices = calloc(count, sizeof(void *))) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		views[0].index = 1;
		for (i = 0; i < cfg->n_maps; i++) {
			if (strcmp(cfg->maps[i].node, node) == 0) {
				views[0].devices[k++] = find_device(cfg, cfg->maps[i].device);
			}
		}
		views[0].n_devices = k;
		*levels = views;
		*n = 1;
		views = NULL;
		goto out;
	}
	views = calloc(count, sizeof(*views));
	if (views == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0, j = 0; i < cfg->n_levels; i++) {
		const struct level *lv = &cfg->levels[i];
		size_t d;
		if (strcmp(lv->node, owner) != 0) {
			continue;
		}
		views[j].index = lv->index;
		views[j].devices = calloc(lv->n_devices, sizeof(void *));
		if (views[j].devices == NULL) {
			vmha_fence_config_levels_free(views, j);
			views = NULL;
			rc = -ENOMEM;
			goto out;
		}
		for (d = 0; d < lv->n_devices; d++) {
			views[j].devices[d] = find_device(cfg, lv->devices[d]);
		}
		views[j].n_devices = lv->n_devices;
		j++;
	}
	qsort(views, count, sizeof(*views), cmp_level_view);
	*levels = views;
	*n = count;
	views = NULL;
out:
	free(views);
	return rc;
}

const char *vmha_fence_device_name(const struct vmha_fence_device *dev)
{
	return dev->name;
}

const char *vmha_fence_device_agent(const struct vmha_fence_device *dev)
{
	return dev->agent;
}

const char *vmha_fence_device_agent_path(const struct vmha_fence_device *dev)
{
	return dev->agent_path;
}

uint64_t vmha_fence_device_timeout_ms(const struct vmha_fence_device *dev)
{
	return dev->timeout_ms;
}

unsigned int vmha_fence_device_retries(const struct vmha_fence_device *dev)
{
	return dev->retries;
}

int vmha_fence_device_args(const struct vmha_fence_config *cfg, const struct vmha_fence_device *dev,
                           const char *node, const char *action, struct vmha_agent_args **out)
{
	struct vmha_agent_args *args = NULL;
	const char *plug = node;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (!cfg->valid || dev->meta == NULL) {
		rc = -EINVAL;
		goto out;
	}
	args = vmha_agent_args_new();
	if (args == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmha_agent_args_set(args, "action", action, false);
	if (rc == 0 && dev->plug_param != NULL) {
		for (i = 0; i < cfg->n_maps; i++) {
			if (strcmp(cfg->maps[i].node, node) == 0 &&
			    strcmp(cfg->maps[i].device, dev->name) == 0) {
				plug = cfg->maps[i].plug;
			}
		}
		rc = vmha_agent_args_set(args, dev->plug_param, plug, false);
	}
	for (i = 0; rc == 0 && i < dev->n_params; i++) {
		rc = vmha_agent_args_set(args, dev->param_names[i],
		                         vmha_agent_args_get(dev->params, dev->param_names[i]),
		                         false);
	}
	if (rc != 0) {
		goto out;
	}
	*out = args;
	args = NULL;
out:
	vmha_agent_args_free(args);
	return rc;
}

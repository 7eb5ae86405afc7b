/* Fencing configuration: validation against agent meta-data, accessors. */
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
#include "fence_config_priv.h"
#include "log.h"
#include "util.h"

#define META_TIMEOUT_MS 15000

#define set_err vmha_fence_config_set_err

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
		const struct vmha_fence_device *dev =
		        vmha_fence_config_find_device(cfg, cfg->maps[i].device);
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
				views[0].devices[k++] =
				        vmha_fence_config_find_device(cfg, cfg->maps[i].device);
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
			views[j].devices[d] = vmha_fence_config_find_device(cfg, lv->devices[d]);
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

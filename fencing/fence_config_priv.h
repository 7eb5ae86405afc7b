/*
 * The fencing configuration's records, shared by its parser
 * (fence_config_parse.c) and its validation and accessors (fence_config.c).
 * Private to fencing/: users go through fence_config.h.
 */
#ifndef VMHA_FENCING_FENCE_CONFIG_PRIV_H
#define VMHA_FENCING_FENCE_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent_meta.h"
#include "fence_config.h"

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

/** @return the device called name, or NULL */
struct vmha_fence_device *vmha_fence_config_find_device(const struct vmha_fence_config *cfg,
                                                        const char *name);

/** Format a message into err (NULL or errlen 0: nothing). */
void vmha_fence_config_set_err(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif /* VMHA_FENCING_FENCE_CONFIG_PRIV_H */

/*
 * A fence agent's meta-data (`AGENT -o metadata`): its parameters and
 * actions, used to validate a device's configured parameters before anything
 * runs.
 */
#ifndef VMHA_FENCING_AGENT_META_H
#define VMHA_FENCING_AGENT_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The parsed meta-data of one agent. */
struct vmha_agent_meta;

/**
 * Parse meta-data XML.
 *
 * @param xml   the document (need not be NUL-terminated)
 * @param len   its length
 * @param err   receives a message on failure (may be NULL)
 * @return the meta-data, or NULL when the document is not agent meta-data
 */
struct vmha_agent_meta *vmha_agent_meta_parse(const char *xml, size_t len, char *err,
                                              size_t errlen);

/**
 * Run `path -o metadata` (bounded by deadline_ms) and parse its output.
 *
 * @return 0 and *out set, -ENOENT when path is not an executable,
 *         -ETIMEDOUT, -EPROTO when the agent failed or printed no valid
 *         meta-data (err says which), -ENOMEM
 */
int vmha_agent_meta_load(const char *path, uint64_t deadline_ms, struct vmha_agent_meta **out,
                         char *err, size_t errlen);

/** Free meta-data; NULL is a no-op. */
void vmha_agent_meta_free(struct vmha_agent_meta *meta);

/** @return the agent's name from the meta-data */
const char *vmha_agent_meta_name(const struct vmha_agent_meta *meta);

/** @return true when the agent declares a parameter of this name */
bool vmha_agent_meta_has_param(const struct vmha_agent_meta *meta, const char *name);

/** @return true when the agent declares this action */
bool vmha_agent_meta_has_action(const struct vmha_agent_meta *meta, const char *action);

/**
 * @return the parameter that names the target on a multi-target device:
 *         "plug" (preferred) or "port", or NULL when the agent takes none
 */
const char *vmha_agent_meta_plug_param(const struct vmha_agent_meta *meta);

/**
 * Check configured parameter names against the meta-data: every name must be
 * declared, every required parameter (other than "action" and the plug
 * parameter, which vmha supplies) must be given, directly or through the
 * parameter it obsoletes or that obsoletes it.
 *
 * @param names   the configured parameter names
 * @param n       how many
 * @param bad     receives the offending parameter name (points into names
 *                or the meta-data), may be NULL
 * @param msg     receives a message: "unknown parameter" or "missing
 *                required parameter 'ip'"
 * @return 0, -EINVAL when a name is unknown, -ENOENT when a required one is
 *         missing
 */
int vmha_agent_meta_validate(const struct vmha_agent_meta *meta, const char *const *names, size_t n,
                             const char **bad, char *msg, size_t msglen);

#endif /* VMHA_FENCING_AGENT_META_H */

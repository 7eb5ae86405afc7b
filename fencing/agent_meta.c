/* A fence agent's meta-data, parsed with libxml2. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "agent_meta.h"
#include "agent_run.h"
#include "log.h"

struct param {
	char *name;
	char *obsoletes;
	bool required;
};

struct vmha_agent_meta {
	char *name;
	struct param *params;
	size_t n_params;
	char **actions;
	size_t n_actions;
};

void vmha_agent_meta_free(struct vmha_agent_meta *meta)
{
	size_t i;

	if (meta == NULL) {
		return;
	}
	for (i = 0; i < meta->n_params; i++) {
		free(meta->params[i].name);
		free(meta->params[i].obsoletes);
	}
	for (i = 0; i < meta->n_actions; i++) {
		free(meta->actions[i]);
	}
	free(meta->params);
	free(meta->actions);
	free(meta->name);
	free(meta);
}

static char *xml_prop(xmlNodePtr node, const char *name)
{
	xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
	char *copy = NULL;

	if (v != NULL) {
		copy = strdup((const char *)v);
		xmlFree(v);
	}
	return copy;
}

static bool is_element(xmlNodePtr node, const char *name)
{
	return node->type == XML_ELEMENT_NODE && xmlStrcmp(node->name, (const xmlChar *)name) == 0;
}

static int add_param(struct vmha_agent_meta *meta, xmlNodePtr node)
{
	struct param *grown = NULL;
	char *required = NULL;
	int rc = 0;

	grown = realloc(meta->params, (meta->n_params + 1) * sizeof(*grown));
	if (grown == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	meta->params = grown;
	memset(&meta->params[meta->n_params], 0, sizeof(struct param));
	meta->params[meta->n_params].name = xml_prop(node, "name");
	if (meta->params[meta->n_params].name == NULL) {
		rc = -EPROTO;
		goto out;
	}
	meta->params[meta->n_params].obsoletes = xml_prop(node, "obsoletes");
	required = xml_prop(node, "required");
	meta->params[meta->n_params].required = required != NULL && strcmp(required, "1") == 0;
	meta->n_params++;
out:
	free(required);
	return rc;
}

static int add_action(struct vmha_agent_meta *meta, xmlNodePtr node)
{
	char **grown = NULL;
	char *name = xml_prop(node, "name");

	if (name == NULL) {
		return -EPROTO;
	}
	grown = realloc(meta->actions, (meta->n_actions + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(name);
		return -ENOMEM;
	}
	meta->actions = grown;
	meta->actions[meta->n_actions++] = name;
	return 0;
}

struct vmha_agent_meta *vmha_agent_meta_parse(const char *xml, size_t len, char *err, size_t errlen)
{
	struct vmha_agent_meta *meta = NULL;
	xmlDocPtr doc = NULL;
	xmlNodePtr root = NULL;
	xmlNodePtr section = NULL;
	xmlNodePtr node = NULL;
	int rc = 0;

	if (err != NULL && errlen > 0) {
		err[0] = '\0';
	}
	if (xml == NULL || len == 0 || len > INT32_MAX) {
		rc = -EPROTO;
		if (err != NULL) {
			snprintf(err, errlen, "empty meta-data");
		}
		goto out;
	}
	doc = xmlReadMemory(xml, (int)len, "metadata.xml", NULL,
	                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	if (root == NULL || !is_element(root, "resource-agent")) {
		rc = -EPROTO;
		if (err != NULL) {
			snprintf(err, errlen, "meta-data is not a <resource-agent> XML document");
		}
		goto out;
	}
	meta = calloc(1, sizeof(*meta));
	if (meta == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	meta->name = xml_prop(root, "name");
	if (meta->name == NULL) {
		meta->name = strdup("");
	}
	for (section = root->children; section != NULL && rc == 0; section = section->next) {
		if (is_element(section, "parameters")) {
			for (node = section->children; node != NULL && rc == 0; node = node->next) {
				if (is_element(node, "parameter")) {
					rc = add_param(meta, node);
				}
			}
		} else if (is_element(section, "actions")) {
			for (node = section->children; node != NULL && rc == 0; node = node->next) {
				if (is_element(node, "action")) {
					rc = add_action(meta, node);
				}
			}
		}
	}
	if (rc == 0 && meta->n_actions == 0) {
		rc = -EPROTO;
	}
	if (rc != 0 && err != NULL) {
		snprintf(err, errlen, "%s",
		         rc == -ENOMEM ? "out of memory" : "meta-data has no usable actions");
	}
out:
	xmlFreeDoc(doc);
	if (rc != 0) {
		vmha_agent_meta_free(meta);
		meta = NULL;
	}
	return meta;
}

int vmha_agent_meta_load(const char *path, uint64_t deadline_ms, struct vmha_agent_meta **out,
                         char *err, size_t errlen)
{
	static const char *const argv[] = {"-o", "metadata", NULL};
	struct vmha_agent_result *res = NULL;
	struct vmha_agent_meta *meta = NULL;
	char why[256];
	int rc = 0;

	*out = NULL;
	if (access(path, X_OK) != 0) {
		rc = -ENOENT;
		snprintf(err, errlen, "'%s' is not an executable fence agent: %s", path,
		         strerror(errno));
		goto out;
	}
	rc = vmha_agent_run(path, argv, NULL, deadline_ms, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot run '%s -o metadata': %s", path, strerror(-rc));
		goto out;
	}
	if (vmha_agent_result_outcome(res) == VMHA_AGENT_TIMEOUT) {
		rc = -ETIMEDOUT;
		snprintf(err, errlen, "'%s -o metadata' %s", path, vmha_agent_result_summary(res));
		goto out;
	}
	if (vmha_agent_result_outcome(res) != VMHA_AGENT_SUCCESS) {
		rc = -EPROTO;
		snprintf(err, errlen, "'%s -o metadata' failed: %s", path,
		         vmha_agent_result_summary(res));
		goto out;
	}
	meta = vmha_agent_meta_parse(vmha_agent_result_stdout(res),
	                             vmha_agent_result_stdout_len(res), why, sizeof(why));
	if (meta == NULL) {
		rc = -EPROTO;
		snprintf(err, errlen, "'%s -o metadata': %s", path, why);
		goto out;
	}
	*out = meta;
	rc = 0;
out:
	vmha_agent_result_free(res);
	return rc;
}

const char *vmha_agent_meta_name(const struct vmha_agent_meta *meta)
{
	return meta->name;
}

static const struct param *find_param(const struct vmha_agent_meta *meta, const char *name)
{
	size_t i;

	for (i = 0; i < meta->n_params; i++) {
		if (strcmp(meta->params[i].name, name) == 0) {
			return &meta->params[i];
		}
	}
	return NULL;
}

bool vmha_agent_meta_has_param(const struct vmha_agent_meta *meta, const char *name)
{
	return meta != NULL && name != NULL && find_param(meta, name) != NULL;
}

bool vmha_agent_meta_has_action(const struct vmha_agent_meta *meta, const char *action)
{
	size_t i;

	for (i = 0; meta != NULL && action != NULL && i < meta->n_actions; i++) {
		if (strcmp(meta->actions[i], action) == 0) {
			return true;
		}
	}
	return false;
}

const char *vmha_agent_meta_plug_param(const struct vmha_agent_meta *meta)
{
	if (vmha_agent_meta_has_param(meta, "plug")) {
		return "plug";
	}
	if (vmha_agent_meta_has_param(meta, "port")) {
		return "port";
	}
	return NULL;
}

static bool given(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < n; i++) {
		if (strcmp(names[i], name) == 0) {
			return true;
		}
	}
	return false;
}

/* A required parameter is satisfied by itself or by a parameter related through "obsoletes". */
static bool satisfied(const struct vmha_agent_meta *meta, const struct param *p,
                      const char *const *names, size_t n)
{
	size_t i;

	if (given(names, n, p->name) || given(names, n, p->obsoletes)) {
		return true;
	}
	for (i = 0; i < meta->n_params; i++) {
		const char *obs = meta->params[i].obsoletes;
		if (obs != NULL && strcmp(obs, p->name) == 0 &&
		    given(names, n, meta->params[i].name)) {
			return true;
		}
	}
	return false;
}

int vmha_agent_meta_validate(const struct vmha_agent_meta *meta, const char *const *names, size_t n,
                             const char **bad, char *msg, size_t msglen)
{
	const char *plug = vmha_agent_meta_plug_param(meta);
	size_t i;
	int rc = 0;

	if (bad != NULL) {
		*bad = NULL;
	}
	for (i = 0; i < n; i++) {
		if (!vmha_agent_meta_has_param(meta, names[i])) {
			rc = -EINVAL;
			if (bad != NULL) {
				*bad = names[i];
			}
			snprintf(msg, msglen, "unknown parameter '%s' for agent '%s'", names[i],
			         meta->name);
			goto out;
		}
	}
	for (i = 0; i < meta->n_params; i++) {
		const struct param *p = &meta->params[i];
		if (!p->required || strcmp(p->name, "action") == 0 ||
		    (plug != NULL &&
		     (strcmp(p->name, "plug") == 0 || strcmp(p->name, "port") == 0))) {
			continue;
		}
		if (!satisfied(meta, p, names, n)) {
			rc = -ENOENT;
			if (bad != NULL) {
				*bad = p->name;
			}
			snprintf(msg, msglen, "missing required parameter '%s' of agent '%s'",
			         p->name, meta->name);
			goto out;
		}
	}
out:
	return rc;
}

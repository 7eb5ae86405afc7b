/* Parse a Pacemaker CIB into the planner's model (see cib.h; reading it: cib_read.c). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cib.h"
#include "cib_int.h"
#include "deadline.h"
#include "log.h"
#include "util.h"

struct rsc {
	char *id;
	size_t vm;
	long call_id; /* of the last operation seen in status */
	char *host;
};

struct ctx {
	const char *file;
	struct vmha_model *m;
	char *err;
	size_t errlen;
	struct rsc *rsc;
	size_t nrsc;
	char **nodes;
	size_t nnodes;
};

static bool is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

static const char *attr(const xmlNode *n, const char *name)
{
	const xmlAttr *a = NULL;

	for (a = n->properties; a != NULL; a = a->next) {
		if (xmlStrcmp(a->name, (const xmlChar *)name) == 0 && a->children != NULL &&
		    a->children->type == XML_TEXT_NODE) {
			return (const char *)a->children->content;
		}
	}
	return NULL;
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
	const xmlNode *c = NULL;

	for (c = n == NULL ? NULL : n->children; c != NULL; c = c->next) {
		if (is(c, name)) {
			return c;
		}
	}
	return NULL;
}

static int fail(struct ctx *c, const xmlNode *n, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int fail(struct ctx *c, const xmlNode *n, const char *field, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%ld: field '%s': %s", c->file,
	         n != NULL ? xmlGetLineNo(n) : 0L, field, what);
	return -EINVAL;
}

static int cmp_rsc(const void *a, const void *b)
{
	return strcmp(((const struct rsc *)a)->id, ((const struct rsc *)b)->id);
}

/* A resource by id (c->rsc is sorted once the resources are read). */
static struct rsc *find_rsc(struct ctx *c, const char *id)
{
	struct rsc key = {.id = (char *)id};

	if (id == NULL || c->nrsc == 0) {
		return NULL;
	}
	return bsearch(&key, c->rsc, c->nrsc, sizeof(*c->rsc), cmp_rsc);
}

/* Parse a Pacemaker score: an integer or [+-]INFINITY. */
static int parse_score(const char *text, int64_t *out)
{
	if (text == NULL) {
		return -EINVAL;
	}
	if (strcmp(text, "INFINITY") == 0 || strcmp(text, "+INFINITY") == 0) {
		*out = INT64_MAX;
		return 0;
	}
	if (strcmp(text, "-INFINITY") == 0) {
		*out = INT64_MIN;
		return 0;
	}
	if (text[0] == '+') {
		text++;
	}
	return vmha_util_parse_i64(text, out);
}

/* utilization nvpairs: dimension amounts. host: true for nodes. */
static int read_utilization(struct ctx *c, const xmlNode *owner, size_t index, bool host)
{
	const xmlNode *u = NULL;
	const xmlNode *nv = NULL;
	int rc = 0;

	for (u = owner->children; u != NULL; u = u->next) {
		if (!is(u, "utilization")) {
			continue;
		}
		for (nv = u->children; nv != NULL; nv = nv->next) {
			const char *name = NULL;
			const char *value = NULL;
			size_t d = 0;
			uint64_t amount = 0;

			if (!is(nv, "nvpair")) {
				continue;
			}
			name = attr(nv, "name");
			value = attr(nv, "value");
			if (name == NULL) {
				rc = fail(c, nv, "name", "utilization nvpair without a name");
				goto out;
			}
			rc = vmha_model_dim(c->m, name, true, &d);
			if (rc == -EINVAL) {
				rc = fail(c, nv, name, "'%s' is not a valid dimension name", name);
				goto out;
			}
			if (rc == -E2BIG) {
				rc = fail(c, nv, name, "too many dimensions (at most %d)",
				          VMHA_MODEL_MAX_DIMS);
				goto out;
			}
			if (rc < 0) {
				goto out;
			}
			if (value == NULL || vmha_util_parse_u64(value, &amount) < 0 ||
			    amount > VMHA_MODEL_MAX_AMOUNT) {
				rc = fail(c, nv, name, "'%s' is not a non-negative integer",
				          value != NULL ? value : "");
				goto out;
			}
			rc = host ? vmha_model_host_set_capacity(c->m, index, d, amount)
			          : vmha_model_vm_set_demand(c->m, index, d, amount);
			if (rc < 0) {
				goto out;
			}
		}
	}
out:
	return rc;
}

/* The value of nvpair @p name in any @p set child of @p owner, or NULL. */
static const xmlNode *find_nvpair(const xmlNode *owner, const char *set, const char *name)
{
	const xmlNode *s = NULL;
	const xmlNode *nv = NULL;

	for (s = owner->children; s != NULL; s = s->next) {
		if (!is(s, set)) {
			continue;
		}
		for (nv = s->children; nv != NULL; nv = nv->next) {
			const char *n = is(nv, "nvpair") ? attr(nv, "name") : NULL;

			if (n != NULL && strcmp(n, name) == 0) {
				return nv;
			}
		}
	}
	return NULL;
}

/* Add host @p name (defined by element @p n, field @p field) to the model and the node list. */
static int add_host(struct ctx *c, const xmlNode *n, const char *field, const char *name, size_t *h)
{
	char origin[512];
	char **grown = NULL;
	int rc = 0;

	snprintf(origin, sizeof(origin), "%s:%ld", c->file, xmlGetLineNo(n));
	rc = vmha_model_add_host(c->m, name, origin, h);
	if (rc == -EINVAL) {
		rc = fail(c, n, field, "'%s' is not a valid node name", name);
		goto out;
	}
	if (rc < 0) {
		goto out;
	}
	grown = realloc(c->nodes, (c->nnodes + 1) * sizeof(*grown));
	if (grown == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	c->nodes = grown;
	c->nodes[c->nnodes] = strdup(name);
	if (c->nodes[c->nnodes] == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	c->nnodes++;
out:
	return rc;
}

/*
 * A Pacemaker Remote node (its connection resource) or a guest node (a VM's
 * remote-node meta-attribute) is a host: add it unless the nodes section
 * already has it (with its utilization); without one it has no capacity.
 */
static int add_remote_host(struct ctx *c, const xmlNode *n, const char *field, const char *name)
{
	size_t h;

	for (h = 0; h < c->nnodes; h++) {
		if (strcmp(c->nodes[h], name) == 0) {
			return 0;
		}
	}
	return add_host(c, n, field, name, &h);
}

static bool is_remote_connection(const xmlNode *p)
{
	const char *cls = attr(p, "class");
	const char *provider = attr(p, "provider");
	const char *type = attr(p, "type");

	return cls != NULL && provider != NULL && type != NULL && strcmp(cls, "ocf") == 0 &&
	       strcmp(provider, "pacemaker") == 0 && strcmp(type, "remote") == 0;
}

static int read_nodes(struct ctx *c, const xmlNode *nodes)
{
	const xmlNode *n = NULL;
	int rc = 0;

	for (n = nodes == NULL ? NULL : nodes->children; n != NULL; n = n->next) {
		const char *uname = NULL;
		const char *flags[] = {"standby", "maintenance"};
		size_t h = 0;
		size_t i;

		if (!is(n, "node")) {
			continue;
		}
		uname = attr(n, "uname");
		if (uname == NULL) {
			uname = attr(n, "id");
		}
		if (uname == NULL) {
			rc = fail(c, n, "uname", "node without uname or id");
			goto out;
		}
		rc = add_host(c, n, "uname", uname, &h);
		if (rc < 0) {
			goto out;
		}
		rc = read_utilization(c, n, h, true);
		if (rc < 0) {
			goto out;
		}
		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
			const xmlNode *nv = find_nvpair(n, "instance_attributes", flags[i]);
			bool on = false;

			if (nv == NULL) {
				continue;
			}
			if (vmha_util_parse_bool(attr(nv, "value"), &on) < 0) {
				rc = fail(c, nv, flags[i], "'%s' is not a boolean",
				          attr(nv, "value") != NULL ? attr(nv, "value") : "");
				goto out;
			}
			if (on) {
				vmha_model_host_set_standby(c->m, h, true);
			}
		}
	}
out:
	return rc;
}

static int read_primitive(struct ctx *c, const xmlNode *p)
{
	const char *id = attr(p, "id");
	const xmlNode *prio = NULL;
	const xmlNode *guest = NULL;
	struct rsc *grown = NULL;
	char origin[512];
	size_t v = 0;
	int64_t value = 0;
	int rc = 0;

	if (id == NULL) {
		rc = fail(c, p, "id", "primitive without an id");
		goto out;
	}
	if (attr(p, "class") != NULL && strcmp(attr(p, "class"), "stonith") == 0) {
		goto out; /* a fence device, not a VM */
	}
	if (is_remote_connection(p)) {
		/* the connection to a Pacemaker Remote node: a host, not a VM */
		rc = add_remote_host(c, p, "id", id);
		goto out;
	}
	guest = find_nvpair(p, "meta_attributes", "remote-node");
	if (guest != NULL) {
		/* the VM stays a VM; the guest node inside it is a host too */
		if (attr(guest, "value") == NULL || *attr(guest, "value") == '\0') {
			rc = fail(c, guest, "remote-node", "empty guest node name");
			goto out;
		}
		rc = add_remote_host(c, guest, "remote-node", attr(guest, "value"));
		if (rc < 0) {
			goto out;
		}
	}
	snprintf(origin, sizeof(origin), "%s:%ld", c->file, xmlGetLineNo(p));
	rc = vmha_model_add_vm(c->m, id, origin, &v);
	if (rc == -EINVAL) {
		rc = fail(c, p, "id", "'%s' is not a valid vm name", id);
		goto out;
	}
	if (rc < 0) {
		goto out;
	}
	grown = realloc(c->rsc, (c->nrsc + 1) * sizeof(*grown));
	if (grown == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	c->rsc = grown;
	memset(&c->rsc[c->nrsc], 0, sizeof(c->rsc[c->nrsc]));
	c->rsc[c->nrsc].id = strdup(id);
	c->rsc[c->nrsc].vm = v;
	c->rsc[c->nrsc].call_id = -1;
	if (c->rsc[c->nrsc].id == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	c->nrsc++;
	rc = read_utilization(c, p, v, false);
	if (rc < 0) {
		goto out;
	}
	prio = find_nvpair(p, "meta_attributes", "priority");
	if (prio != NULL) {
		const char *text = attr(prio, "value");

		if (text == NULL || parse_score(text, &value) < 0) {
			rc = fail(c, prio, "priority", "'%s' is not an integer",
			          text != NULL ? text : "");
			goto out;
		}
		if (value > VMHA_PRIORITY_MAX) {
			value = VMHA_PRIORITY_MAX;
		} else if (value < VMHA_PRIORITY_MIN) {
			value = VMHA_PRIORITY_MIN;
		}
		rc = vmha_model_vm_set_priority(c->m, v, value);
	}
out:
	return rc;
}

static int read_resources(struct ctx *c, const xmlNode *parent, int depth)
{
	const xmlNode *n = NULL;
	int rc = 0;

	if (depth > 8) {
		goto out;
	}
	for (n = parent == NULL ? NULL : parent->children; n != NULL; n = n->next) {
		if (is(n, "primitive")) {
			rc = read_primitive(c, n);
		} else if (is(n, "group")) {
			rc = read_resources(c, n, depth + 1);
		}
		/* clones, bundles and templates are not VMs */
		if (rc < 0) {
			goto out;
		}
	}
out:
	return rc;
}

static int read_constraints(struct ctx *c, const xmlNode *cons)
{
	const xmlNode *n = NULL;
	int rc = 0;

	for (n = cons == NULL ? NULL : cons->children; n != NULL; n = n->next) {
		int64_t score = 0;
		const char *score_text = NULL;

		if (!is(n, "rsc_colocation") && !is(n, "rsc_location")) {
			continue;
		}
		score_text = attr(n, "score");
		if (score_text == NULL) {
			continue; /* score-attribute, rules: not modelled */
		}
		if (parse_score(score_text, &score) < 0) {
			rc = fail(c, n, "score", "'%s' is not a score", score_text);
			goto out;
		}
		if (is(n, "rsc_colocation")) {
			struct rsc *a = find_rsc(c, attr(n, "rsc"));
			struct rsc *b = find_rsc(c, attr(n, "with-rsc"));
			const char *id = attr(n, "id");

			if (score >= 0 || a == NULL || b == NULL) {
				continue;
			}
			if (id == NULL) {
				rc = fail(c, n, "id", "rsc_colocation without an id");
				goto out;
			}
			rc = vmha_model_vm_add_group(c->m, a->vm, id);
			if (rc == 0) {
				rc = vmha_model_vm_add_group(c->m, b->vm, id);
			}
			if (rc == -EINVAL) {
				rc = fail(c, n, "id", "'%s' is not a valid group name", id);
			}
		} else {
			struct rsc *a = find_rsc(c, attr(n, "rsc"));
			const char *node = attr(n, "node");
			size_t i;
			bool known = false;

			if (a == NULL || node == NULL) {
				continue;
			}
			for (i = 0; i < c->nnodes; i++) {
				known = known || strcmp(c->nodes[i], node) == 0;
			}
			if (!known) {
				continue;
			}
			if (score > 0) {
				rc = vmha_model_vm_add_preferred(c->m, a->vm, node);
			} else if (score == INT64_MIN) {
				/* a ban: allowed = every other node */
				for (i = 0; i < c->nnodes && rc == 0; i++) {
					if (strcmp(c->nodes[i], node) != 0) {
						rc = vmha_model_vm_add_allowed(c->m, a->vm,
						                               c->nodes[i]);
					}
				}
				if (rc == 0 && c->nnodes == 1) {
					rc = fail(c, n, "node",
					          "ban of the only node '%s' is not modelled",
					          node);
				}
			}
		}
		if (rc < 0) {
			goto out;
		}
	}
out:
	return rc;
}

/* Does this node_state say the node is not a cluster member now? in_ccm
 * "false" (or "0"), or the controller "offline" (or "0"); newer Pacemakers
 * write a timestamp for a member. */
static bool node_state_offline(const xmlNode *ns)
{
	const char *in_ccm = attr(ns, "in_ccm");
	const char *crmd = attr(ns, "crmd");

	return (in_ccm != NULL && (strcmp(in_ccm, "false") == 0 || strcmp(in_ccm, "0") == 0)) ||
	       (crmd != NULL && (strcmp(crmd, "offline") == 0 || strcmp(crmd, "0") == 0));
}

/* Where each resource runs: its last operation on each node. A node that is
 * offline takes no VMs (its capacity is gone until it rejoins). */
static int read_status(struct ctx *c, const xmlNode *status)
{
	const xmlNode *ns = NULL;
	int rc = 0;

	for (ns = status == NULL ? NULL : status->children; ns != NULL; ns = ns->next) {
		const char *uname = NULL;
		const xmlNode *lrm = NULL;
		const xmlNode *r = NULL;

		if (!is(ns, "node_state")) {
			continue;
		}
		uname = attr(ns, "uname");
		if (uname != NULL && node_state_offline(ns)) {
			size_t h;

			for (h = 0; h < c->nnodes; h++) {
				if (strcmp(c->nodes[h], uname) == 0) {
					vmha_model_host_set_offline(c->m, h, true);
				}
			}
		}
		lrm = child(child(ns, "lrm"), "lrm_resources");
		for (r = lrm == NULL ? NULL : lrm->children; r != NULL; r = r->next) {
			struct rsc *res = NULL;
			const xmlNode *op = NULL;
			long best_call = -1;
			bool running = false;

			if (!is(r, "lrm_resource")) {
				continue;
			}
			res = find_rsc(c, attr(r, "id"));
			if (res == NULL || uname == NULL) {
				continue;
			}
			for (op = r->children; op != NULL; op = op->next) {
				const char *opname = NULL;
				int64_t call = 0;
				int64_t rcode = 0;

				if (!is(op, "lrm_rsc_op")) {
					continue;
				}
				opname = attr(op, "operation");
				if (vmha_util_parse_i64(attr(op, "call-id") ? attr(op, "call-id")
				                                            : "",
				                        &call) < 0) {
					rc = fail(c, op, "call-id", "'%s' is not an integer",
					          attr(op, "call-id") ? attr(op, "call-id") : "");
					goto out;
				}
				if (vmha_util_parse_i64(attr(op, "rc-code") ? attr(op, "rc-code")
				                                            : "",
				                        &rcode) < 0) {
					rc = fail(c, op, "rc-code", "'%s' is not an integer",
					          attr(op, "rc-code") ? attr(op, "rc-code") : "");
					goto out;
				}
				if (call < 0 || call <= best_call || opname == NULL) {
					continue;
				}
				best_call = (long)call;
				running = (rcode == 0 || rcode == 8) &&
				          (strcmp(opname, "start") == 0 ||
				           strcmp(opname, "migrate_from") == 0 ||
				           strcmp(opname, "monitor") == 0 ||
				           strcmp(opname, "promote") == 0 ||
				           strcmp(opname, "demote") == 0 ||
				           strcmp(opname, "notify") == 0);
			}
			if (!running) {
				continue;
			}
			if (res->host != NULL) {
				vmha_warn("resource '%s' active on '%s' and '%s', using '%s'",
				          res->id, res->host, uname, res->host);
				continue;
			}
			res->host = strdup(uname);
			if (res->host == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			rc = vmha_model_vm_set_host(c->m, res->vm, uname);
			if (rc == -EINVAL) {
				rc = fail(c, ns, "uname", "'%s' is not a valid node name", uname);
			}
			if (rc < 0) {
				goto out;
			}
		}
	}
out:
	return rc;
}

int vmha_cib_parse_buffer(const char *name, const char *data, size_t len, struct vmha_model *m,
                          char *err, size_t errlen)
{
	struct ctx c = {.file = name, .m = m, .err = err, .errlen = errlen};
	xmlParserCtxtPtr pctx = NULL;
	xmlDocPtr doc = NULL;
	const xmlNode *root = NULL;
	const xmlNode *conf = NULL;
	size_t i;
	int rc = 0;

	if (len > MAX_CIB_BYTES || len > (size_t)INT32_MAX) {
		snprintf(err, errlen, "%s: larger than 256 MiB", name);
		rc = -EFBIG;
		goto out;
	}
	pctx = xmlNewParserCtxt();
	if (pctx == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	doc = xmlCtxtReadMemory(pctx, data, (int)len, name, NULL,
	                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		const xmlError *e = xmlCtxtGetLastError(pctx);
		char msg[256];
		size_t n;

		snprintf(msg, sizeof(msg), "%s", e != NULL && e->message ? e->message : "invalid");
		n = strlen(msg);
		while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) {
			msg[--n] = '\0';
		}
		snprintf(err, errlen, "%s:%d: field 'xml': not well-formed: %s", name,
		         e != NULL ? e->line : 0, msg);
		rc = -EINVAL;
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !is(root, "cib")) {
		rc = fail(&c, root, "cib", "the root element is '%s', not 'cib'",
		          root != NULL ? (const char *)root->name : "");
		goto out;
	}
	conf = child(root, "configuration");
	if (conf == NULL) {
		rc = fail(&c, root, "configuration", "no configuration section");
		goto out;
	}
	rc = read_nodes(&c, child(conf, "nodes"));
	if (rc == 0) {
		rc = read_resources(&c, child(conf, "resources"), 0);
	}
	if (rc == 0 && c.nrsc > 0) {
		qsort(c.rsc, c.nrsc, sizeof(*c.rsc), cmp_rsc);
	}
	if (rc == 0) {
		rc = read_constraints(&c, child(conf, "constraints"));
	}
	if (rc == 0) {
		rc = read_status(&c, child(root, "status"));
	}
out:
	if (rc == -ENOMEM) {
		snprintf(err, errlen, "%s: out of memory", name);
	}
	for (i = 0; i < c.nrsc; i++) {
		free(c.rsc[i].id);
		free(c.rsc[i].host);
	}
	free(c.rsc);
	for (i = 0; i < c.nnodes; i++) {
		free(c.nodes[i]);
	}
	free(c.nodes);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(pctx);
	return rc;
}

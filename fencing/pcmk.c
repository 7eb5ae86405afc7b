/* Pacemaker's fencer through stonith_admin, confirmed by its history. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "deadline.h"
#include "log.h"
#include "pcmk.h"
#include "util.h"

#define PROBE_TIMEOUT_MS 5000

bool vmha_pcmk_fencer_running(const char *stonith_admin, uint64_t deadline_ms)
{
	static const char *const argv[] = {"--list-registered", "--timeout", "3", NULL};
	struct vmha_agent_result *res = NULL;
	uint64_t probe_ms = vmha_deadline_in_ms(PROBE_TIMEOUT_MS);
	bool running = false;

	if (probe_ms > deadline_ms) {
		probe_ms = deadline_ms;
	}
	if (vmha_agent_run(stonith_admin, argv, NULL, probe_ms, &res) == 0) {
		running = vmha_agent_result_outcome(res) == VMHA_AGENT_SUCCESS;
		vmha_debug("fencer probe with '%s': %s", stonith_admin,
		           vmha_agent_result_summary(res));
	}
	vmha_agent_result_free(res);
	return running;
}

static int run_admin(const char *stonith_admin, const char *const *argv, uint64_t deadline_ms,
                     struct vmha_agent_result **out)
{
	return vmha_agent_run(stonith_admin, argv, NULL, deadline_ms, out);
}

/* Seconds for stonith_admin's --timeout: the time left, keeping 2 s for ourselves. */
static void timeout_arg(uint64_t deadline_ms, char *buf, size_t len)
{
	uint64_t left_ms = vmha_deadline_remaining_ms(deadline_ms);
	uint64_t s = left_ms > 3000 ? (left_ms - 2000) / 1000 : 1;

	if (s > 3600) {
		s = 3600;
	}
	snprintf(buf, len, "%llu", (unsigned long long)s);
}

int vmha_pcmk_request(const char *stonith_admin, const char *node, const char *action,
                      uint64_t deadline_ms, struct vmha_agent_result **out)
{
	const char *argv[8] = {NULL};
	char timeout[32];

	if (node == NULL || !vmha_util_name_is_valid(node) || node[0] == '-' || action == NULL) {
		return -EINVAL;
	}
	if (strcmp(action, "off") == 0) {
		argv[0] = "--fence";
	} else if (strcmp(action, "reboot") == 0) {
		argv[0] = "--reboot";
	} else if (strcmp(action, "on") == 0) {
		argv[0] = "--unfence";
	} else {
		return -EINVAL;
	}
	timeout_arg(deadline_ms, timeout, sizeof(timeout));
	argv[1] = node;
	argv[2] = "--timeout";
	argv[3] = timeout;
	argv[4] = "--tag";
	argv[5] = "vmha";
	argv[6] = NULL;
	return run_admin(stonith_admin, argv, deadline_ms, out);
}

int vmha_pcmk_history(const char *stonith_admin, const char *node, uint64_t deadline_ms,
                      struct vmha_agent_result **out)
{
	const char *argv[8] = {NULL};
	char timeout[32];

	if (node == NULL || !vmha_util_name_is_valid(node) || node[0] == '-') {
		return -EINVAL;
	}
	timeout_arg(deadline_ms, timeout, sizeof(timeout));
	argv[0] = "--history";
	argv[1] = node;
	argv[2] = "--verbose";
	argv[3] = "--output-as=xml";
	argv[4] = "--timeout";
	argv[5] = timeout;
	argv[6] = NULL;
	return run_admin(stonith_admin, argv, deadline_ms, out);
}

static int parse_tz(const char *p, int64_t *offset_s)
{
	int hh = 0, mm = 0;
	int sign = 1;

	while (*p == ' ') {
		p++;
	}
	*offset_s = 0;
	if (*p == '\0' || strcmp(p, "Z") == 0) {
		return 0;
	}
	if (*p != '+' && *p != '-') {
		return -EINVAL;
	}
	sign = *p == '-' ? -1 : 1;
	p++;
	if (sscanf(p, "%2d:%2d", &hh, &mm) == 2 && strlen(p) == 5) {
		*offset_s = sign * (hh * 3600 + mm * 60);
		return 0;
	}
	if (strlen(p) == 4 && sscanf(p, "%2d%2d", &hh, &mm) == 2) {
		*offset_s = sign * (hh * 3600 + mm * 60);
		return 0;
	}
	if (strlen(p) == 2 && sscanf(p, "%2d", &hh) == 1) {
		*offset_s = sign * hh * 3600;
		return 0;
	}
	return -EINVAL;
}

int vmha_pcmk_time_parse(const char *text, int64_t *epoch)
{
	struct tm tm;
	const char *rest = NULL;
	int64_t offset_s = 0;
	time_t t;

	if (text == NULL) {
		return -EINVAL;
	}
	memset(&tm, 0, sizeof(tm));
	rest = strptime(text, "%Y-%m-%d %H:%M:%S", &tm);
	if (rest != NULL) {
		if (*rest == '.') {
			rest++;
			while (*rest >= '0' && *rest <= '9') {
				rest++;
			}
		}
		if (parse_tz(rest, &offset_s) != 0) {
			return -EINVAL;
		}
		t = timegm(&tm);
		if (t == (time_t)-1) {
			return -EINVAL;
		}
		*epoch = (int64_t)t - offset_s;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	rest = strptime(text, "%a %b %d %H:%M:%S %Y", &tm);
	if (rest != NULL && (*rest == '\0' || *rest == '\n')) {
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t == (time_t)-1) {
			return -EINVAL;
		}
		*epoch = (int64_t)t;
		return 0;
	}
	return -EINVAL;
}

static char *prop(xmlNodePtr node, const char *name)
{
	xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
	char *copy = NULL;

	if (v != NULL) {
		copy = strdup((const char *)v);
		xmlFree(v);
	}
	return copy;
}

struct found {
	int rc;
	int64_t when;
	char status[16];
	char reason[200];
	char delegate[100];
};

static void visit(xmlNodePtr node, const char *target, const char *action, int64_t since,
                  struct found *best, int *status_code, char *status_msg, size_t status_len)
{
	xmlNodePtr n;

	for (n = node; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE) {
			continue;
		}
		if (xmlStrcmp(n->name, (const xmlChar *)"status") == 0 && n->parent != NULL &&
		    xmlStrcmp(n->parent->name, (const xmlChar *)"pacemaker-result") == 0) {
			char *code = prop(n, "code");
			char *message = prop(n, "message");
			int64_t c = 0;
			if (code == NULL || vmha_util_parse_i64(code, &c) != 0) {
				c = -1;
			}
			*status_code = (int)c;
			snprintf(status_msg, status_len, "%s", message != NULL ? message : "");
			free(code);
			free(message);
		} else if (xmlStrcmp(n->name, (const xmlChar *)"fence_event") == 0) {
			char *t = prop(n, "target");
			char *a = prop(n, "action");
			char *s = prop(n, "status");
			char *c = prop(n, "completed");
			char *r = prop(n, "exit-reason");
			char *d = prop(n, "delegate");
			int64_t when = INT64_MIN;
			bool match = t != NULL && a != NULL && s != NULL &&
			             strcmp(t, target) == 0 && strcmp(a, action) == 0;

			if (match && c != NULL && vmha_pcmk_time_parse(c, &when) != 0) {
				when = INT64_MIN;
			}
			if (match && strcmp(s, "pending") == 0) {
				/* A pending request outranks older results. */
				if (best->rc == -ENOENT || best->rc == 0 ||
				    best->rc == -ECANCELED) {
					best->rc = -EINPROGRESS;
					snprintf(best->status, sizeof(best->status), "pending");
				}
			} else if (match && when != INT64_MIN && when >= since &&
			           (best->rc == -ENOENT || when >= best->when) &&
			           best->rc != -EINPROGRESS) {
				best->when = when;
				best->rc = strcmp(s, "success") == 0 ? 0 : -ECANCELED;
				snprintf(best->status, sizeof(best->status), "%s", s);
				snprintf(best->reason, sizeof(best->reason), "%s",
				         r != NULL ? r : "");
				snprintf(best->delegate, sizeof(best->delegate), "%s",
				         d != NULL ? d : "");
			}
			free(t);
			free(a);
			free(s);
			free(c);
			free(r);
			free(d);
		}
		visit(n->children, target, action, since, best, status_code, status_msg,
		      status_len);
	}
}

int vmha_pcmk_history_find(const char *xml, size_t len, const char *node, const char *action,
                           int64_t since_epoch, int64_t *completed_epoch, char *msg, size_t msglen)
{
	struct found best = {.rc = -ENOENT, .when = INT64_MIN};
	xmlDocPtr doc = NULL;
	xmlNodePtr root = NULL;
	int status_code = -1;
	char status_msg[200] = "";
	int rc = 0;

	if (xml == NULL || len == 0 || len > INT32_MAX || node == NULL || action == NULL) {
		rc = -EPROTO;
		snprintf(msg, msglen, "no fencing history output");
		goto out;
	}
	doc = xmlReadMemory(xml, (int)len, "history.xml", NULL,
	                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	if (root == NULL || xmlStrcmp(root->name, (const xmlChar *)"pacemaker-result") != 0) {
		rc = -EPROTO;
		snprintf(msg, msglen, "fencing history is not a <pacemaker-result> document");
		goto out;
	}
	visit(root, node, action, since_epoch, &best, &status_code, status_msg, sizeof(status_msg));
	if (status_code != 0) {
		rc = -EPROTO;
		snprintf(msg, msglen, "fencer history query failed: code %d (%s)", status_code,
		         status_msg);
		goto out;
	}
	rc = best.rc;
	switch (rc) {
	case 0: {
		char stamp[64] = "";
		time_t t = (time_t)best.when;
		struct tm tm;
		if (gmtime_r(&t, &tm) != NULL) {
			strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%SZ", &tm);
		}
		*completed_epoch = best.when;
		snprintf(msg, msglen, "fencer history: %s of '%s' succeeded%s%s at %s", action,
		         node, best.delegate[0] ? " by " : "", best.delegate, stamp);
		break;
	}
	case -ECANCELED:
		*completed_epoch = best.when;
		snprintf(msg, msglen, "fencer history: %s of '%s' failed%s%s%s", action, node,
		         best.reason[0] ? " (" : "", best.reason, best.reason[0] ? ")" : "");
		break;
	case -EINPROGRESS:
		snprintf(msg, msglen, "fencer history: %s of '%s' still pending", action, node);
		break;
	default:
		snprintf(msg, msglen, "fencer history: no %s of '%s' since %lld", action, node,
		         (long long)since_epoch);
		break;
	}
out:
	xmlFreeDoc(doc);
	return rc;
}

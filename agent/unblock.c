/* Management back after a lost migration target (see unblock.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cmd.h"
#include "deadline.h"
#include "log.h"
#include "unblock.h"

#define POLL_MS    2000
#define CMD_MS     15000
#define OUTPUT_LEN (256 * 1024)

static xmlDocPtr parse(const char *xml)
{
	if (xml == NULL) {
		return NULL;
	}
	return xmlReadMemory(xml, (int)strlen(xml), "pacemaker.xml", NULL,
	                     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* depth-first: every element named name, in document order */
static xmlNodePtr next_element(xmlNodePtr n, const char *name)
{
	while (n != NULL) {
		if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0) {
			return n;
		}
		if (n->children != NULL) {
			n = n->children;
			continue;
		}
		while (n != NULL && n->next == NULL) {
			n = n->parent;
		}
		if (n != NULL) {
			n = n->next;
		}
	}
	return NULL;
}

static xmlNodePtr after(xmlNodePtr n)
{
	if (n->children != NULL) {
		return n->children;
	}
	while (n != NULL && n->next == NULL) {
		n = n->parent;
	}
	return n != NULL ? n->next : NULL;
}

static bool attr_is(xmlNodePtr n, const char *attr, const char *value)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST attr);
	bool same = v != NULL && strcmp((const char *)v, value) == 0;

	xmlFree(v);
	return same;
}

int vmha_unblock_fence_count(const char *xml, const char *target)
{
	xmlDocPtr doc = parse(xml);
	xmlNodePtr n;
	int count = 0;

	if (doc == NULL) {
		return -EINVAL;
	}
	for (n = next_element(xmlDocGetRootElement(doc), "fence_event"); n != NULL;
	     n = next_element(after(n), "fence_event")) {
		if (attr_is(n, "target", target) && attr_is(n, "status", "success")) {
			count++;
		}
	}
	xmlFreeDoc(doc);
	return count;
}

int vmha_unblock_node_state(const char *xml, const char *node, bool *online, bool *unclean)
{
	xmlDocPtr doc = parse(xml);
	xmlNodePtr n;
	xmlChar *on = NULL;
	xmlChar *uc = NULL;
	int rc = -ENOENT;

	if (doc == NULL) {
		return -EINVAL;
	}
	for (n = next_element(xmlDocGetRootElement(doc), "node"); n != NULL;
	     n = next_element(after(n), "node")) {
		if (attr_is(n, "name", node)) {
			break;
		}
	}
	if (n == NULL) {
		goto out;
	}
	on = xmlGetProp(n, BAD_CAST "online");
	uc = xmlGetProp(n, BAD_CAST "unclean");
	if (on == NULL || uc == NULL) {
		rc = -EINVAL;
		goto out;
	}
	*online = strcmp((const char *)on, "true") == 0;
	*unclean = strcmp((const char *)uc, "true") == 0;
	rc = 0;
out:
	xmlFree(on);
	xmlFree(uc);
	xmlFreeDoc(doc);
	return rc;
}

int vmha_unblock_spawn(const char *exe)
{
	pid_t pid;
	int status = 0;

	pid = fork();
	if (pid < 0) {
		return -errno;
	}
	if (pid == 0) {
		char *argv[] = {"VirtualDomain", VMHA_UNBLOCK_ACTION, NULL};
		int fd;

		/* a session of its own, and a grandchild: Pacemaker's executor
		 * waits for the agent only, and nothing waits for the watcher */
		if (setsid() < 0) {
			_exit(1);
		}
		pid = fork();
		if (pid != 0) {
			_exit(pid < 0 ? 1 : 0);
		}
		fd = open("/dev/null", O_RDWR);
		if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
			_exit(1);
		}
		closefrom(3);
		execv(exe, argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		return -errno;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

/* 1 when Pacemaker has fenced target since baseline (or shows it offline
 * and clean), 0 when not yet, -EALREADY when it is a clean member */
static int target_fenced(const char *target, int baseline, char *out)
{
	char *hist_argv[] = {"stonith_admin", "--history", (char *)target, "--output-as=xml", NULL};
	char *mon_argv[] = {"crm_mon",         "-1", "--output-as=xml", "--exclude=all",
	                    "--include=nodes", NULL};
	bool online = false;
	bool unclean = false;
	int n;

	if (vmha_cmd_run(hist_argv, vmha_deadline_in_ms(CMD_MS), out, OUTPUT_LEN) == 0) {
		n = vmha_unblock_fence_count(out, target);
		if (baseline >= 0 && n > baseline) {
			return 1;
		}
	}
	if (vmha_cmd_run(mon_argv, vmha_deadline_in_ms(CMD_MS), out, OUTPUT_LEN) != 0 ||
	    vmha_unblock_node_state(out, target, &online, &unclean) < 0) {
		return 0;
	}
	if (!online && !unclean) {
		return 1;
	}
	return online && !unclean ? -EALREADY : 0;
}

int vmha_unblock_watch(const char *rsc, const char *source, const char *target, uint64_t alive_ms,
                       uint64_t deadline_ms)
{
	char *hist_argv[] = {"stonith_admin", "--history", (char *)target, "--output-as=xml", NULL};
	char *cleanup_argv[] = {"crm_resource", "--cleanup",    "--resource", (char *)rsc,
	                        "--node",       (char *)source, NULL};
	uint64_t alive_since_ms = 0;
	char *out = NULL;
	int baseline = -1;
	int rc;

	if (rsc == NULL || source == NULL || target == NULL) {
		return -EINVAL;
	}
	out = malloc(OUTPUT_LEN);
	if (out == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (vmha_cmd_run(hist_argv, vmha_deadline_in_ms(CMD_MS), out, OUTPUT_LEN) == 0) {
		baseline = vmha_unblock_fence_count(out, target);
	}
	vmha_notice("'%s' failed to migrate from '%s' to '%s' and runs on '%s': waiting for '%s' "
	            "to be fenced, then clearing the failure",
	            rsc, source, target, source, target);
	for (;;) {
		rc = target_fenced(target, baseline, out);
		if (rc == 1) {
			break;
		}
		if (rc == -EALREADY) {
			if (alive_since_ms == 0) {
				alive_since_ms = vmha_clock_now_ms();
			} else if (vmha_clock_now_ms() - alive_since_ms >= alive_ms) {
				vmha_notice("'%s' stays a cluster member: the failure of '%s' is "
				            "left for crm_resource --cleanup",
				            target, rsc);
				goto out;
			}
		} else {
			alive_since_ms = 0;
		}
		if (vmha_deadline_expired(deadline_ms)) {
			vmha_warn("'%s' was not fenced in time: the failure of '%s' is left for "
			          "crm_resource --cleanup",
			          target, rsc);
			rc = -ETIMEDOUT;
			goto out;
		}
		usleep(POLL_MS * 1000);
	}
	rc = vmha_cmd_run(cleanup_argv, vmha_deadline_in_ms(CMD_MS), out, OUTPUT_LEN);
	if (rc != 0) {
		vmha_err("cannot clear the failure of '%s' on '%s' (crm_resource: %d)", rsc, source,
		         rc);
		rc = -EIO;
		goto out;
	}
	vmha_notice("'%s' was fenced: cleared the failure of '%s' on '%s' (Pacemaker probes it "
	            "there and manages it again)",
	            target, rsc, source);
out:
	free(out);
	return rc;
}

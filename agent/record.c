/* The record of a start (see record.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "context.h"
#include "log.h"
#include "record.h"

void vmha_record_path(struct vmha_actx *c)
{
	char key[512];
	size_t i;

	snprintf(key, sizeof(key), "%s",
	         vmha_params_instance(c->p) != NULL
	                 ? vmha_params_instance(c->p)
	                 : (vmha_params_config(c->p) != NULL ? vmha_params_config(c->p)
	                                                     : "default"));
	for (i = 0; key[i] != '\0'; i++) {
		if (key[i] == '/') {
			key[i] = '_';
		}
	}
	snprintf(c->record_path, sizeof(c->record_path), "%s/vmha-VirtualDomain-%s.state",
	         vmha_params_rsctmp(c->p), key);
}

/* Record prefix of a parameter that only a restart applies. */
#define RECORD_PARAM "param:"

/* Value of parameter i as recorded: one line. */
static void record_value(const struct vmha_actx *c, size_t i, char *buf, size_t len)
{
	char *s = NULL;

	if (vmha_params_value(c->p, i, buf, len) < 0) {
		buf[0] = '\0';
	}
	for (s = buf; *s != '\0'; s++) {
		if (*s == '\n' || *s == '\r') {
			*s = ' ';
		}
	}
}

/* The values the guest was started with, of every parameter that reload
 * cannot apply: a later reload compares them. */
static void record_write_params(const struct vmha_actx *c, FILE *f)
{
	char value[4096];
	size_t i;

	for (i = 0; i < vmha_params_count(); i++) {
		if (vmha_params_info(i)->reloadable) {
			continue;
		}
		record_value(c, i, value, sizeof(value));
		fprintf(f, RECORD_PARAM "%s=%s\n", vmha_params_info(i)->name, value);
	}
}

/* Write name, UUID and the start's parameters atomically. */
int vmha_record_write(struct vmha_actx *c)
{
	char tmp[4200];
	FILE *f;
	int rc = 0;

	if (mkdir(vmha_params_rsctmp(c->p), 0755) < 0 && errno != EEXIST) {
		rc = -errno;
		vmha_warn("cannot create '%s': %s", vmha_params_rsctmp(c->p), strerror(errno));
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", c->record_path);
	f = fopen(tmp, "we");
	if (f == NULL) {
		rc = -errno;
		goto out;
	}
	fprintf(f, "name=%s\nuuid=%s\n", c->name, c->uuid);
	record_write_params(c, f);
	if (fclose(f) != 0 || rename(tmp, c->record_path) < 0) {
		rc = -errno;
		unlink(tmp);
	}
out:
	if (rc < 0) {
		vmha_warn("cannot record domain '%s' in '%s': %s", c->name, c->record_path,
		          strerror(-rc));
	}
	return rc;
}

int vmha_record_read(struct vmha_actx *c)
{
	char line[512];
	FILE *f = fopen(c->record_path, "re");
	int rc = 0;

	if (f == NULL) {
		rc = -errno;
		goto out;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "name=", 5) == 0) {
			snprintf(c->name, sizeof(c->name), "%.255s", line + 5);
		} else if (strncmp(line, "uuid=", 5) == 0) {
			snprintf(c->uuid, sizeof(c->uuid), "%.36s", line + 5);
		}
	}
	fclose(f);
	if (c->name[0] == '\0') {
		rc = -EINVAL;
	}
out:
	return rc;
}

/* The recorded value of parameter name, or NULL. */
static const char *recorded(char *const *lines, size_t n, const char *name)
{
	size_t len = strlen(name);
	size_t i;

	for (i = 0; i < n; i++) {
		if (strncmp(lines[i], RECORD_PARAM, strlen(RECORD_PARAM)) == 0 &&
		    strncmp(lines[i] + strlen(RECORD_PARAM), name, len) == 0 &&
		    lines[i][strlen(RECORD_PARAM) + len] == '=') {
			return lines[i] + strlen(RECORD_PARAM) + len + 1;
		}
	}
	return NULL;
}

/* reload (Pacemaker's legacy name) and reload-agent: every tunable is read
 * afresh by each action, so nothing needs doing for them. Pacemaker also
 * reloads when a parameter changes that only a restart applies (it
 * restarts only for unique ones): then fail, naming it, so that Pacemaker
 * restarts the guest with stop using the parameters of its start. */
int vmha_record_check_unchanged(struct vmha_actx *c)
{
	char *lines[256];
	char line[4200];
	char value[4096];
	const char *was = NULL;
	size_t n = 0;
	size_t i;
	FILE *f = NULL;
	int rc = 0;

	vmha_record_path(c);
	f = fopen(c->record_path, "re");
	if (f == NULL) {
		/* not started here: the next start uses the new values */
		vmha_debug("no record '%s': nothing to compare", c->record_path);
		goto out;
	}
	while (n < sizeof(lines) / sizeof(lines[0]) && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "name=", 5) == 0) {
			snprintf(c->name, sizeof(c->name), "%.255s", line + 5);
		}
		lines[n] = strdup(line);
		if (lines[n] == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		n++;
	}
	for (i = 0; i < vmha_params_count(); i++) {
		const struct vmha_param_info *pi = vmha_params_info(i);

		if (pi->reloadable) {
			continue;
		}
		record_value(c, i, value, sizeof(value));
		was = recorded(lines, n, pi->name);
		if (was == NULL) {
			rc = vmha_actx_fail(
			        c, -EIO,
			        "domain '%s' was started without a record of parameter '%s': "
			        "only a "
			        "restart applies the change",
			        c->name, pi->name);
			goto out;
		}
		if (strcmp(was, value) != 0) {
			rc = vmha_actx_fail(
			        c, -EIO,
			        "parameter '%s' changed from '%s' to '%s' while domain '%s' runs: "
			        "only a restart applies it",
			        pi->name, was, value, c->name);
			goto out;
		}
	}
	vmha_info("reload of domain '%s': tunables apply from the next operation", c->name);
out:
	while (n > 0) {
		free(lines[--n]);
	}
	if (f != NULL) {
		fclose(f);
	}
	return rc;
}

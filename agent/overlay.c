/* Copy-on-write guest images (see overlay.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cmd.h"
#include "domxml.h"
#include "log.h"
#include "overlay.h"
#include "util.h"

/* Room for qemu-img info's JSON and the tools' error messages. */
#define OUTPUT_LEN 16384
/* Suffix of the image while it is being built. */
#define NEW_SUFFIX ".vmha-new"

/* The last line of a tool's output, for a one-line reason. */
static const char *last_line(char *text)
{
	char *end = text + strlen(text);
	char *start = NULL;

	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	start = strrchr(text, '\n');
	return start != NULL ? start + 1 : text;
}

static bool domain_has_disk(const struct vmha_domxml *dx, const char *path)
{
	size_t i;

	for (i = 0; i < vmha_domxml_disk_count(dx); i++) {
		if (strcmp(vmha_domxml_disk(dx, i), path) == 0)
			return true;
	}
	return false;
}

int vmha_overlay_path(const char *config, const struct vmha_domxml *dx, const char *backingfile,
                      char *path, size_t path_len, char *reason, size_t reason_len)
{
	char stock[4096];
	char local[4096];
	const char *base = strrchr(config, '/');
	int rc = 0;

	base = base != NULL ? base + 1 : config;
	/* the stock agent's ${config%%.*}.qcow2 */
	snprintf(stock, sizeof(stock), "%.*s.qcow2", (int)strcspn(config, "."), config);
	/* the same rule on the file name only */
	snprintf(local, sizeof(local), "%.*s%.*s.qcow2", (int)(base - config), config,
	         (int)strcspn(base, "."), base);
	if (dx != NULL && !domain_has_disk(dx, stock) && domain_has_disk(dx, local))
		snprintf(path, path_len, "%s", local);
	else
		snprintf(path, path_len, "%s", stock);
	if (dx != NULL && !domain_has_disk(dx, path)) {
		vmha_util_set_text(
		        reason, reason_len,
		        "parameter 'backingfile': domain '%s' has no disk '%s', the copy-on-write "
		        "image created from '%s' (named after config '%s')",
		        vmha_domxml_name(dx), path, backingfile, config);
		rc = -EINVAL;
		goto out;
	}
	if (strcmp(path, backingfile) == 0 || strcmp(path, config) == 0) {
		vmha_util_set_text(
		        reason, reason_len,
		        "parameter 'backingfile': the copy-on-write image '%s' would replace %s",
		        path, strcmp(path, config) == 0 ? "the config file" : "the backing file");
		rc = -EINVAL;
		goto out;
	}
out:
	return rc;
}

bool vmha_overlay_wanted(const char *path, bool stateless)
{
	struct stat st;

	if (stateless)
		return true;
	return stat(path, &st) < 0 || st.st_size == 0;
}

int vmha_overlay_check(const char *backingfile, const char *path, const char *copyindirs,
                       char *reason, size_t reason_len)
{
	char dir[4096];
	char *copy = NULL;
	char *save = NULL;
	char *entry = NULL;
	struct stat st;
	size_t dir_len;
	int rc = 0;

	if (stat(backingfile, &st) < 0 || access(backingfile, R_OK) < 0) {
		rc = errno == EACCES ? -EACCES : -ENOENT;
		vmha_util_set_text(reason, reason_len,
		                   "parameter 'backingfile': '%s' is not readable: %s", backingfile,
		                   strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		rc = -EINVAL;
		vmha_util_set_text(reason, reason_len,
		                   "parameter 'backingfile': '%s' is not a file or a block device",
		                   backingfile);
		goto out;
	}
	dir_len = (size_t)(strrchr(path, '/') - path);
	snprintf(dir, sizeof(dir), "%.*s", (int)(dir_len == 0 ? 1 : dir_len), path);
	if (access(dir, W_OK) < 0) {
		rc = errno == ENOENT ? -ENOENT : -EACCES;
		vmha_util_set_text(
		        reason, reason_len,
		        "parameter 'backingfile': cannot create the image '%s' in '%s': %s", path,
		        dir, strerror(errno));
		goto out;
	}
	if (!vmha_cmd_exists("qemu-img")) {
		rc = -ENOENT;
		vmha_util_set_text(
		        reason, reason_len,
		        "parameter 'backingfile' needs qemu-img (Debian package qemu-utils), "
		        "which is not installed");
		goto out;
	}
	if (copyindirs == NULL)
		goto out;
	if (!vmha_cmd_exists("virt-copy-in")) {
		rc = -ENOENT;
		vmha_util_set_text(
		        reason, reason_len,
		        "parameter 'copyindirs' needs virt-copy-in (Debian package guestfish), "
		        "which is not installed");
		goto out;
	}
	copy = strdup(copyindirs);
	if (copy == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (entry = strtok_r(copy, " \t", &save); entry != NULL;
	     entry = strtok_r(NULL, " \t", &save)) {
		if (stat(entry, &st) < 0) {
			rc = -ENOENT;
			vmha_util_set_text(reason, reason_len,
			                   "parameter 'copyindirs': '%s' does not exist", entry);
			goto out;
		}
	}
out:
	free(copy);
	return rc;
}

/* The format qemu-img detects for file (raw, qcow2, ...). */
static int backing_format(const char *file, uint64_t deadline_ms, char *fmt, size_t fmt_len,
                          char *reason, size_t reason_len)
{
	char *argv[] = {"qemu-img", "info", "-U", "--output=json", (char *)file, NULL};
	struct json_object *root = NULL;
	struct json_object *format = NULL;
	char *output = NULL;
	int rc;

	output = malloc(OUTPUT_LEN);
	if (output == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmha_cmd_run(argv, deadline_ms, output, OUTPUT_LEN);
	if (rc != 0) {
		vmha_util_set_text(
		        reason, reason_len, "parameter 'backingfile': qemu-img info '%s' %s%s",
		        file, rc == -ETIMEDOUT ? "timed out" : "failed: ",
		        rc == -ETIMEDOUT ? "" : (rc < 0 ? strerror(-rc) : last_line(output)));
		rc = rc == -ENOENT || rc == -ETIMEDOUT ? rc : -EIO;
		goto out;
	}
	root = json_tokener_parse(output);
	if (root == NULL || !json_object_object_get_ex(root, "format", &format) ||
	    !json_object_is_type(format, json_type_string)) {
		vmha_util_set_text(reason, reason_len,
		                   "parameter 'backingfile': qemu-img info '%s' names no format",
		                   file);
		rc = -EIO;
		goto out;
	}
	snprintf(fmt, fmt_len, "%s", json_object_get_string(format));
out:
	json_object_put(root);
	free(output);
	return rc;
}

static int copy_in(const char *image, const char *copyindirs, uint64_t deadline_ms, char *output,
                   char *reason, size_t reason_len)
{
	char **argv = NULL;
	char *copy = NULL;
	char *save = NULL;
	char *entry = NULL;
	size_t n = 0;
	int rc = 0;

	copy = strdup(copyindirs);
	/* virt-copy-in --format=qcow2 -a IMAGE DIR... / */
	argv = calloc(strlen(copyindirs) / 2 + 8, sizeof(*argv));
	if (copy == NULL || argv == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	argv[n++] = "virt-copy-in";
	argv[n++] = "--format=qcow2";
	argv[n++] = "-a";
	argv[n++] = (char *)image;
	for (entry = strtok_r(copy, " \t", &save); entry != NULL;
	     entry = strtok_r(NULL, " \t", &save))
		argv[n++] = entry;
	argv[n++] = "/";
	argv[n] = NULL;
	rc = vmha_cmd_run(argv, deadline_ms, output, OUTPUT_LEN);
	if (rc != 0) {
		vmha_util_set_text(
		        reason, reason_len, "parameter 'copyindirs': virt-copy-in into '%s' %s%s",
		        image, rc == -ETIMEDOUT ? "timed out" : "failed: ",
		        rc == -ETIMEDOUT ? "" : (rc < 0 ? strerror(-rc) : last_line(output)));
		rc = rc == -ENOENT || rc == -ETIMEDOUT ? rc : -EIO;
	}
out:
	free(argv);
	free(copy);
	return rc;
}

int vmha_overlay_create(const char *backingfile, const char *path, const char *copyindirs,
                        uint64_t deadline_ms, char *reason, size_t reason_len)
{
	char fmt[64] = "";
	char tmp[4200];
	char *argv[] = {"qemu-img",          "create", "-q", "-f", "qcow2", "-b",
	                (char *)backingfile, "-F",     fmt,  tmp,  NULL};
	char *output = NULL;
	int rc;

	snprintf(tmp, sizeof(tmp), "%s" NEW_SUFFIX, path);
	output = malloc(OUTPUT_LEN);
	if (output == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = backing_format(backingfile, deadline_ms, fmt, sizeof(fmt), reason, reason_len);
	if (rc < 0)
		goto out;
	/* a leftover of an interrupted start */
	unlink(tmp);
	rc = vmha_cmd_run(argv, deadline_ms, output, OUTPUT_LEN);
	if (rc != 0) {
		vmha_util_set_text(reason, reason_len,
		                   "parameter 'backingfile': qemu-img create '%s' on '%s' %s%s",
		                   path, backingfile, rc == -ETIMEDOUT ? "timed out" : "failed: ",
		                   rc == -ETIMEDOUT ? ""
		                                    : (rc < 0 ? strerror(-rc) : last_line(output)));
		rc = rc == -ENOENT || rc == -ETIMEDOUT ? rc : -EIO;
		goto out;
	}
	if (copyindirs != NULL) {
		rc = copy_in(tmp, copyindirs, deadline_ms, output, reason, reason_len);
		if (rc < 0)
			goto out;
	}
	if (rename(tmp, path) < 0) {
		rc = -EIO;
		vmha_util_set_text(reason, reason_len,
		                   "parameter 'backingfile': cannot rename '%s' to '%s': %s", tmp,
		                   path, strerror(errno));
		goto out;
	}
	vmha_notice("created copy-on-write image '%s' on '%s' (%s)%s%s", path, backingfile, fmt,
	            copyindirs != NULL ? " with " : "", copyindirs != NULL ? copyindirs : "");
out:
	if (rc < 0)
		unlink(tmp);
	free(output);
	return rc;
}

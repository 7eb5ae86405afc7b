/* The disk-lease check of standalone mode (see leases.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heartbeat/leases.h"
#include "log.h"

#define MAX_VMS        1024
#define VM_NAME        65
#define LINE_MAX_BYTES 4096

struct vmha_leases {
	struct vmha_leases_info info;
	/* the protected VMs not covered now, and those warned about (bounded) */
	char (*unleased)[VM_NAME];
	size_t n_unleased;
	char (*warned)[VM_NAME];
	size_t n_warned;
	bool full_logged;
};

static char *trim(char *s)
{
	char *end = NULL;

	while (isspace((unsigned char)*s)) {
		s++;
	}
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1])) {
		*--end = '\0';
	}
	return s;
}

/*
 * libvirt's configuration syntax, as far as these keys need it: key = "string"
 * or key = number, '#' comments. Other lines (lists over several lines, other
 * keys) are skipped: only the keys asked for must parse.
 */
static int conf_get(const char *path, const char *key, char *value, size_t size, bool *found,
                    char *err, size_t err_size)
{
	FILE *f = fopen(path, "re");
	char line[LINE_MAX_BYTES];
	unsigned int lineno = 0;
	int rc = 0;

	*found = false;
	if (f == NULL) {
		return 0;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = NULL;
		char *eq = NULL;
		char *v = NULL;
		size_t len = 0;

		lineno++;
		s = strchr(line, '#');
		if (s != NULL) {
			*s = '\0';
		}
		s = trim(line);
		eq = strchr(s, '=');
		if (eq == NULL) {
			continue;
		}
		*eq = '\0';
		if (strcmp(trim(s), key) != 0) {
			continue;
		}
		v = trim(eq + 1);
		len = strlen(v);
		if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
			v[len - 1] = '\0';
			v++;
		} else if (len == 0 || strspn(v, "0123456789") != len) {
			snprintf(err, err_size,
			         "%s:%u: key '%s': value '%.64s' is not a string or a number", path,
			         lineno, key, v);
			rc = -EINVAL;
			goto out;
		}
		if (strlen(v) >= size) {
			snprintf(err, err_size, "%s:%u: key '%s': value is too long", path, lineno,
			         key);
			rc = -EINVAL;
			goto out;
		}
		/* the last assignment wins, as in libvirt */
		snprintf(value, size, "%s", v);
		*found = true;
	}
out:
	fclose(f);
	return rc;
}

int vmha_leases_probe(const char *dir, struct vmha_leases_info *out, char *err, size_t err_size)
{
	char path[1100];
	char value[512] = "";
	bool found = false;
	bool is_lockd = false;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	snprintf(out->manager, sizeof(out->manager), "none");
	snprintf(path, sizeof(path), "%s/qemu.conf", dir);
	rc = conf_get(path, "lock_manager", value, sizeof(value), &found, err, err_size);
	if (rc < 0) {
		return rc;
	}
	if (!found || strcmp(value, "nop") == 0 || value[0] == '\0') {
		snprintf(out->why, sizeof(out->why), "no lock_manager in '%.200s'", path);
		return 0;
	}
	if (strcmp(value, "lockd") != 0 && strcmp(value, "sanlock") != 0) {
		snprintf(err, err_size, "%s: lock_manager '%.64s' is not lockd or sanlock", path,
		         value);
		return -EINVAL;
	}
	is_lockd = strcmp(value, "lockd") == 0;
	snprintf(out->manager, sizeof(out->manager), "%s", is_lockd ? "lockd" : "sanlock");
	snprintf(path, sizeof(path), "%s/qemu-%s.conf", dir, out->manager);
	/* libvirt's defaults: lockd leases every disk, sanlock only the <lease>s of a domain */
	out->auto_disk_leases = is_lockd;
	rc = conf_get(path, "auto_disk_leases", value, sizeof(value), &found, err, err_size);
	if (rc < 0) {
		return rc;
	}
	if (found) {
		out->auto_disk_leases = strcmp(value, "0") != 0;
	}
	rc = conf_get(path, is_lockd ? "file_lockspace_dir" : "disk_lease_dir", value,
	              sizeof(value), &found, err, err_size);
	if (rc < 0) {
		return rc;
	}
	if (found) {
		snprintf(out->lockspace, sizeof(out->lockspace), "%s", value);
	}
	if (!out->auto_disk_leases) {
		snprintf(out->why, sizeof(out->why),
		         "lock manager %s without auto_disk_leases in '%.120s': only <lease>s the "
		         "domain XML names",
		         out->manager, path);
	}
	return 0;
}

bool vmha_leases_cover_disks(const struct vmha_leases_info *info)
{
	return info != NULL && strcmp(info->manager, "none") != 0 && info->auto_disk_leases;
}

struct vmha_leases *vmha_leases_new(const struct vmha_leases_info *info)
{
	struct vmha_leases *l = calloc(1, sizeof(*l));

	if (l == NULL) {
		return NULL;
	}
	l->unleased = calloc(MAX_VMS, sizeof(*l->unleased));
	l->warned = calloc(MAX_VMS, sizeof(*l->warned));
	if (l->unleased == NULL || l->warned == NULL) {
		vmha_leases_free(l);
		return NULL;
	}
	l->info = *info;
	return l;
}

void vmha_leases_free(struct vmha_leases *l)
{
	if (l == NULL) {
		return;
	}
	free(l->unleased);
	free(l->warned);
	free(l);
}

static bool was_warned(const struct vmha_leases *l, const char *vm)
{
	size_t i;

	for (i = 0; i < l->n_warned; i++) {
		if (strcmp(l->warned[i], vm) == 0) {
			return true;
		}
	}
	return false;
}

size_t vmha_leases_set_vms(struct vmha_leases *l, const char *const *vms, size_t n)
{
	size_t fresh = 0;
	size_t i;

	if (l == NULL) {
		return 0;
	}
	l->n_unleased = 0;
	if (vmha_leases_cover_disks(&l->info)) {
		return 0;
	}
	for (i = 0; i < n && l->n_unleased < MAX_VMS; i++) {
		snprintf(l->unleased[l->n_unleased++], VM_NAME, "%s", vms[i]);
		if (was_warned(l, vms[i])) {
			continue;
		}
		vmha_warn("vm '%s' is protected but its disks are not leased (%s): if this "
		          "host's view is wrong, nothing stops a second copy of it from writing "
		          "the same disks; set lock_manager = \"lockd\" (see vmhad(8))",
		          vms[i], l->info.why);
		fresh++;
		if (l->n_warned < MAX_VMS) {
			snprintf(l->warned[l->n_warned++], VM_NAME, "%s", vms[i]);
		} else if (!l->full_logged) {
			vmha_warn(
			        "disk leases: more than %d unleased vms: not all are warned about "
			        "once",
			        MAX_VMS);
			l->full_logged = true;
		}
	}
	return fresh;
}

size_t vmha_leases_unleased_count(const struct vmha_leases *l)
{
	return l != NULL ? l->n_unleased : 0;
}

const char *vmha_leases_manager(const struct vmha_leases *l)
{
	return l != NULL ? l->info.manager : "none";
}

json_object *vmha_leases_to_json(const struct vmha_leases *l)
{
	json_object *o = NULL;
	json_object *arr = NULL;
	size_t i;

	if (l == NULL) {
		return NULL;
	}
	o = json_object_new_object();
	arr = json_object_new_array();
	if (o == NULL || arr == NULL) {
		json_object_put(o);
		json_object_put(arr);
		return NULL;
	}
	json_object_object_add(o, "manager", json_object_new_string(l->info.manager));
	json_object_object_add(o, "automatic", json_object_new_boolean(l->info.auto_disk_leases));
	json_object_object_add(
	        o, "lockspace",
	        l->info.lockspace[0] != '\0' ? json_object_new_string(l->info.lockspace) : NULL);
	json_object_object_add(
	        o, "warning",
	        vmha_leases_cover_disks(&l->info) ? NULL : json_object_new_string(l->info.why));
	for (i = 0; i < l->n_unleased; i++) {
		json_object_array_add(arr, json_object_new_string(l->unleased[i]));
	}
	json_object_object_add(o, "unleased_vms", arr);
	return o;
}

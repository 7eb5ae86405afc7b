/* The registry of protected VMs on shared storage. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "registry.h"
#include "registry_int.h"
#include "priority.h"
#include "vmspec.h"
#include "util.h"

struct vmha_registry {
	char *dir;
	int lock_fd;
};

static const char *const key_names[VMHA_REGISTRY_N_KEYS] = {
        [VMHA_REGISTRY_PRIORITY] = "priority",
        [VMHA_REGISTRY_RESTART] = "restart",
        [VMHA_REGISTRY_ANTI_AFFINITY] = "anti_affinity",
        [VMHA_REGISTRY_ALLOWED] = "allowed",
        [VMHA_REGISTRY_PREFERRED] = "preferred",
        [VMHA_REGISTRY_CPU] = "cpu",
        [VMHA_REGISTRY_MEMORY] = "memory",
        [VMHA_REGISTRY_STATE] = "state",
        [VMHA_REGISTRY_HEALTH] = "health",
};

static char *path_join(const char *dir, const char *name, const char *suffix)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%s%s", dir, name, suffix) < 0) {
		path = NULL;
	}
	return path;
}

struct vmha_registry *vmha_registry_open(const char *dir)
{
	struct vmha_registry *reg = NULL;
	struct stat st;

	if (dir == NULL || *dir == '\0') {
		errno = EINVAL;
		goto out;
	}
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		goto out;
	}
	if (stat(dir, &st) < 0) {
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto out;
	}
	reg = calloc(1, sizeof(*reg));
	if (reg == NULL) {
		goto out;
	}
	reg->lock_fd = -1;
	reg->dir = strdup(dir);
	if (reg->dir == NULL) {
		free(reg);
		reg = NULL;
	}
out:
	return reg;
}

void vmha_registry_free(struct vmha_registry *reg)
{
	if (reg == NULL) {
		return;
	}
	vmha_registry_unlock(reg);
	free(reg->dir);
	free(reg);
}

int vmha_registry_lock(struct vmha_registry *reg, uint64_t deadline_ms)
{
	struct timespec pause = {.tv_sec = 0, .tv_nsec = 50 * 1000000L};
	char *path = NULL;
	int fd = -1;
	int rc = 0;

	if (reg->lock_fd >= 0) {
		goto out;
	}
	path = path_join(reg->dir, ".lock", "");
	if (path == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			rc = -errno;
			goto out;
		}
		if (vmha_deadline_expired(deadline_ms)) {
			rc = -ETIMEDOUT;
			goto out;
		}
		nanosleep(&pause, NULL);
	}
	reg->lock_fd = fd;
	fd = -1;
out:
	if (fd >= 0) {
		close(fd);
	}
	free(path);
	return rc;
}

void vmha_registry_unlock(struct vmha_registry *reg)
{
	if (reg != NULL && reg->lock_fd >= 0) {
		close(reg->lock_fd);
		reg->lock_fd = -1;
	}
}

/* Replace dir/name with data: temporary file, fsync, rename, fsync dir. */
static int write_atomic(const char *dir, const char *name, const char *data)
{
	char *tmp = NULL;
	char *dst = NULL;
	size_t len = strlen(data);
	size_t done = 0;
	int fd = -1;
	int dirfd = -1;
	int rc = 0;

	dst = path_join(dir, name, "");
	if (dst == NULL || asprintf(&tmp, "%s/.%s.tmp.%ld", dir, name, (long)getpid()) < 0) {
		tmp = NULL;
		rc = -ENOMEM;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		done += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		rc = -errno;
		goto out;
	}
	fd = -1;
	if (rename(tmp, dst) < 0) {
		rc = -errno;
		goto out;
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd >= 0) {
		fsync(dirfd);
	}
out:
	if (fd >= 0) {
		close(fd);
	}
	if (rc < 0 && tmp != NULL) {
		unlink(tmp);
	}
	if (dirfd >= 0) {
		close(dirfd);
	}
	free(tmp);
	free(dst);
	return rc;
}

static int read_file(const char *path, char **out)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t n;
	int rc = 0;

	f = fopen(path, "re");
	if (f == NULL) {
		rc = -errno;
		goto out;
	}
	buf = malloc(REGISTRY_MAX_FILE_BYTES + 1);
	if (buf == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	n = fread(buf, 1, REGISTRY_MAX_FILE_BYTES + 1, f);
	if (ferror(f)) {
		rc = -EIO;
		goto out;
	}
	if (n > REGISTRY_MAX_FILE_BYTES) {
		rc = -EFBIG;
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
out:
	if (f != NULL) {
		fclose(f);
	}
	free(buf);
	return rc;
}

static char *format_settings(const struct vmha_registry_vm *vm)
{
	char *text = NULL;
	char *next = NULL;
	size_t i;

	if (asprintf(&text, "# vmha HA settings of '%s'\n", vm->name) < 0) {
		return NULL;
	}
	for (i = 0; i < VMHA_REGISTRY_N_KEYS; i++) {
		if (vm->settings[i] == NULL) {
			continue;
		}
		if (asprintf(&next, "%s%s=%s\n", text, key_names[i], vm->settings[i]) < 0) {
			free(text);
			return NULL;
		}
		free(text);
		text = next;
	}
	return text;
}

static bool vm_exists(const struct vmha_registry *reg, const char *name)
{
	char *path = path_join(reg->dir, name, ".ha");
	bool exists = path != NULL && access(path, F_OK) == 0;

	free(path);
	return exists;
}

int vmha_registry_add(struct vmha_registry *reg, const struct vmha_registry_vm *vm, bool replace)
{
	char *settings = NULL;
	char *xml_name = NULL;
	char *ha_name = NULL;
	int rc = 0;

	if (reg->lock_fd < 0) {
		rc = -ENOLCK;
		goto out;
	}
	if (vm->xml == NULL) {
		rc = -EINVAL;
		goto out;
	}
	if (!replace && vm_exists(reg, vm->name)) {
		rc = -EEXIST;
		goto out;
	}
	settings = format_settings(vm);
	if (settings == NULL || asprintf(&xml_name, "%s.xml", vm->name) < 0) {
		xml_name = NULL;
		rc = -ENOMEM;
		goto out;
	}
	if (asprintf(&ha_name, "%s.ha", vm->name) < 0) {
		ha_name = NULL;
		rc = -ENOMEM;
		goto out;
	}
	/* The XML first, the settings last: the .ha file marks a complete entry. */
	rc = write_atomic(reg->dir, xml_name, vm->xml);
	if (rc < 0) {
		goto out;
	}
	rc = write_atomic(reg->dir, ha_name, settings);
out:
	free(settings);
	free(xml_name);
	free(ha_name);
	return rc;
}

int vmha_registry_remove(struct vmha_registry *reg, const char *name)
{
	char *ha = NULL;
	char *xml = NULL;
	int rc = 0;

	if (reg->lock_fd < 0) {
		rc = -ENOLCK;
		goto out;
	}
	if (!vmha_util_name_is_valid(name)) {
		rc = -EINVAL;
		goto out;
	}
	ha = path_join(reg->dir, name, ".ha");
	xml = path_join(reg->dir, name, ".xml");
	if (ha == NULL || xml == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (unlink(ha) < 0) {
		rc = -errno;
		goto out;
	}
	if (unlink(xml) < 0 && errno != ENOENT) {
		rc = -errno;
	}
out:
	free(ha);
	free(xml);
	return rc;
}

static int parse_settings(struct vmha_registry_vm *vm, const char *path, char *text, char **err)
{
	char *save = NULL;
	char *line;
	unsigned int lineno = 0;
	int rc = 0;

	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		enum vmha_registry_key key;
		char *eq;

		lineno++;
		if (*line == '#' || *line == '\0') {
			continue;
		}
		eq = strchr(line, '=');
		if (eq == NULL) {
			rc = -EINVAL;
			if (err != NULL && asprintf(err, "%s:%u: expected key=value, got '%s'",
			                            path, lineno, line) < 0) {
				*err = NULL;
			}
			goto out;
		}
		*eq = '\0';
		if (vmha_registry_key_parse(line, &key) < 0) {
			rc = -EINVAL;
			if (err != NULL &&
			    asprintf(err, "%s:%u: unknown setting '%s'", path, lineno, line) < 0) {
				*err = NULL;
			}
			goto out;
		}
		rc = vmha_registry_vm_set(vm, key, eq + 1);
		if (rc < 0) {
			if (err != NULL &&
			    asprintf(err, "%s:%u: %s: invalid value '%s'%s", path, lineno, line,
			             eq + 1,
			             key == VMHA_REGISTRY_STATE
			                     ? " (expected started, stopped or disabled)"
			             : key == VMHA_REGISTRY_HEALTH ? " (expected agent or none)"
			                                           : "") < 0) {
				*err = NULL;
			}
			goto out;
		}
	}
out:
	return rc;
}

int vmha_registry_load(struct vmha_registry *reg, const char *name, struct vmha_registry_vm **out,
                       char **err)
{
	struct vmha_registry_vm *vm = NULL;
	char *ha_path = NULL;
	char *xml_path = NULL;
	char *ha = NULL;
	char *xml = NULL;
	int rc = 0;

	if (err != NULL) {
		*err = NULL;
	}
	vm = vmha_registry_vm_new(name);
	if (vm == NULL) {
		rc = errno == EINVAL ? -ENOENT : -ENOMEM;
		goto out;
	}
	ha_path = path_join(reg->dir, name, ".ha");
	xml_path = path_join(reg->dir, name, ".xml");
	if (ha_path == NULL || xml_path == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = read_file(ha_path, &ha);
	if (rc < 0) {
		goto out;
	}
	rc = read_file(xml_path, &xml);
	if (rc < 0) {
		if (err != NULL && asprintf(err, "%s: %s", xml_path, strerror(-rc)) < 0) {
			*err = NULL;
		}
		rc = rc == -ENOENT ? -EINVAL : rc;
		goto out;
	}
	/* The XML sets cpu/memory defaults; explicit settings then override them. */
	rc = vmha_registry_vm_set_xml(vm, xml, err);
	if (rc < 0) {
		goto out;
	}
	rc = parse_settings(vm, ha_path, ha, err);
	if (rc < 0) {
		goto out;
	}
	*out = vm;
	vm = NULL;
out:
	vmha_registry_vm_free(vm);
	free(ha_path);
	free(xml_path);
	free(ha);
	free(xml);
	return rc;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vmha_registry_list(struct vmha_registry *reg, char ***names, size_t *count)
{
	DIR *d = NULL;
	struct dirent *de;
	char **list = NULL;
	size_t n = 0;
	size_t cap = 0;
	int rc = 0;

	d = opendir(reg->dir);
	if (d == NULL) {
		rc = -errno;
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char *name;

		if (len <= 3 || strcmp(de->d_name + len - 3, ".ha") != 0) {
			continue;
		}
		name = strndup(de->d_name, len - 3);
		if (name == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		if (!vmha_util_name_is_valid(name)) {
			free(name);
			continue;
		}
		if (n == cap) {
			size_t new_cap = cap == 0 ? 16 : cap * 2;
			char **grown = realloc(list, new_cap * sizeof(*list));

			if (grown == NULL) {
				free(name);
				rc = -ENOMEM;
				goto out;
			}
			list = grown;
			cap = new_cap;
		}
		list[n++] = name;
	}
	if (n > 0) {
		qsort(list, n, sizeof(*list), compare_names);
	}
	*names = list;
	*count = n;
	list = NULL;
	n = 0;
out:
	while (n > 0) {
		free(list[--n]);
	}
	free(list);
	if (d != NULL) {
		closedir(d);
	}
	return rc;
}

struct vmha_registry_vm *vmha_registry_vm_new(const char *name)
{
	struct vmha_registry_vm *vm = NULL;

	if (!vmha_util_name_is_valid(name)) {
		errno = EINVAL;
		goto out;
	}
	vm = calloc(1, sizeof(*vm));
	if (vm == NULL) {
		goto out;
	}
	vm->name = strdup(name);
	if (vm->name == NULL || vmha_registry_vm_set(vm, VMHA_REGISTRY_PRIORITY, "medium") < 0 ||
	    vmha_registry_vm_set(vm, VMHA_REGISTRY_RESTART, "restart") < 0) {
		vmha_registry_vm_free(vm);
		vm = NULL;
		errno = ENOMEM;
	}
out:
	return vm;
}

void vmha_registry_vm_free(struct vmha_registry_vm *vm)
{
	size_t i;

	if (vm == NULL) {
		return;
	}
	for (i = 0; i < VMHA_REGISTRY_N_KEYS; i++) {
		free(vm->settings[i]);
	}
	free(vm->name);
	free(vm->uuid);
	free(vm->xml);
	free(vm);
}

const char *vmha_registry_vm_name(const struct vmha_registry_vm *vm)
{
	return vm->name;
}

int vmha_registry_key_parse(const char *name, enum vmha_registry_key *key)
{
	size_t i;

	for (i = 0; name != NULL && i < VMHA_REGISTRY_N_KEYS; i++) {
		if (strcmp(name, key_names[i]) == 0) {
			*key = (enum vmha_registry_key)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *vmha_registry_key_name(enum vmha_registry_key key)
{
	return key < VMHA_REGISTRY_N_KEYS ? key_names[key] : "?";
}

/* A comma-separated list of valid host names, no empty items. */
static bool host_list_is_valid(const char *value)
{
	char *copy = strdup(value);
	char *save = NULL;
	char *item;
	bool ok = copy != NULL && *value != '\0' && value[strlen(value) - 1] != ',';

	for (item = ok ? strtok_r(copy, ",", &save) : NULL; item != NULL;
	     item = strtok_r(NULL, ",", &save)) {
		ok = ok && vmha_util_name_is_valid(item);
	}
	ok = ok && strstr(value, ",,") == NULL && value[0] != ',';
	free(copy);
	return ok;
}

static bool value_is_valid(enum vmha_registry_key key, const char *value)
{
	uint64_t u;
	int64_t i;

	switch (key) {
	case VMHA_REGISTRY_PRIORITY:
		/* a tier name or an integer in range (the planner's vocabulary) */
		return vmha_priority_parse(value, &i) == 0;
	case VMHA_REGISTRY_RESTART:
		return strcmp(value, "restart") == 0 || strcmp(value, "never") == 0;
	case VMHA_REGISTRY_ANTI_AFFINITY:
		return vmha_util_name_is_valid(value);
	case VMHA_REGISTRY_ALLOWED:
	case VMHA_REGISTRY_PREFERRED:
		return host_list_is_valid(value);
	case VMHA_REGISTRY_CPU:
		return vmha_util_parse_u64(value, &u) == 0 && u <= VMHA_VM_SPEC_MAX_VCPUS;
	case VMHA_REGISTRY_MEMORY:
		return vmha_util_parse_u64(value, &u) == 0 && u <= VMHA_VM_SPEC_MAX_MEMORY_MIB;
	case VMHA_REGISTRY_STATE:
		return vmha_registry_desired_parse(value, &(enum vmha_registry_desired){0}) == 0;
	case VMHA_REGISTRY_HEALTH:
		return strcmp(value, "agent") == 0 || strcmp(value, "none") == 0;
	case VMHA_REGISTRY_N_KEYS:
		break;
	}
	return false;
}

int vmha_registry_vm_set(struct vmha_registry_vm *vm, enum vmha_registry_key key, const char *value)
{
	char *copy = NULL;

	if (key >= VMHA_REGISTRY_N_KEYS || value == NULL || !value_is_valid(key, value)) {
		return -EINVAL;
	}
	copy = strdup(value);
	if (copy == NULL) {
		return -ENOMEM;
	}
	free(vm->settings[key]);
	vm->settings[key] = copy;
	return 0;
}

const char *vmha_registry_vm_get(const struct vmha_registry_vm *vm, enum vmha_registry_key key)
{
	return key < VMHA_REGISTRY_N_KEYS ? vm->settings[key] : NULL;
}

enum vmha_registry_desired vmha_registry_vm_desired(const struct vmha_registry_vm *vm)
{
	enum vmha_registry_desired d = VMHA_DESIRED_STARTED;

	if (vm != NULL && vm->settings[VMHA_REGISTRY_STATE] != NULL) {
		(void)vmha_registry_desired_parse(vm->settings[VMHA_REGISTRY_STATE], &d);
	}
	return d;
}

bool vmha_registry_vm_health_agent(const struct vmha_registry_vm *vm)
{
	return vm != NULL && vm->settings[VMHA_REGISTRY_HEALTH] != NULL &&
	       strcmp(vm->settings[VMHA_REGISTRY_HEALTH], "agent") == 0;
}

/* The storage heartbeat: atomic slot files on shared storage. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heartbeat/storage_hb.h"
#include "util.h"

/* A slot line is far shorter; anything longer is not a slot. */
#define SLOT_MAX_BYTES 512
#define SLOT_SUFFIX    ".slot"

struct vmha_storage_hb {
	char *dir;
	char host[VMHA_NAME_SIZE];
	uint64_t incarnation;
	uint64_t seq;
};

struct vmha_storage_hb *vmha_storage_hb_new(const char *dir, const char *host, uint64_t incarnation)
{
	struct vmha_storage_hb *hb = NULL;

	if (dir == NULL || dir[0] == '\0' || host == NULL || !vmha_util_name_is_valid(host)) {
		goto out;
	}
	hb = calloc(1, sizeof(*hb));
	if (hb == NULL) {
		goto out;
	}
	hb->dir = strdup(dir);
	if (hb->dir == NULL) {
		free(hb);
		hb = NULL;
		goto out;
	}
	snprintf(hb->host, sizeof(hb->host), "%s", host);
	hb->incarnation = incarnation;
out:
	return hb;
}

void vmha_storage_hb_free(struct vmha_storage_hb *hb)
{
	if (hb == NULL) {
		return;
	}
	free(hb->dir);
	free(hb);
}

uint64_t vmha_storage_hb_seq(const struct vmha_storage_hb *hb)
{
	return hb != NULL ? hb->seq : 0;
}

int vmha_storage_hb_format(const struct vmha_slot_record *record, char *buf, size_t size)
{
	int n;

	if (record == NULL || buf == NULL || !vmha_util_name_is_valid(record->host)) {
		return -EINVAL;
	}
	n = snprintf(buf, size,
	             "vmha-slot 1 host=%s incarnation=%" PRIu64 " seq=%" PRIu64 " mono_ms=%" PRIu64
	             " flags=%u\n",
	             record->host, record->incarnation, record->seq, record->mono_ms,
	             record->flags);
	if (n < 0 || (size_t)n >= size) {
		return -ENOSPC;
	}
	return 0;
}

/* Parses "key=<u64>" at *p into out, advancing *p past it and one space. */
static int take_field(const char **p, const char *key, char *value, size_t value_size)
{
	size_t klen = strlen(key);
	size_t n = 0;

	if (strncmp(*p, key, klen) != 0 || (*p)[klen] != '=') {
		return -EBADMSG;
	}
	*p += klen + 1;
	while ((*p)[n] != '\0' && (*p)[n] != ' ' && (*p)[n] != '\n') {
		n++;
	}
	if (n == 0 || n >= value_size) {
		return -EBADMSG;
	}
	memcpy(value, *p, n);
	value[n] = '\0';
	*p += n;
	if (**p == ' ') {
		(*p)++;
	}
	return 0;
}

int vmha_storage_hb_parse(const char *text, size_t len, struct vmha_slot_record *record)
{
	static const char magic[] = "vmha-slot 1 ";
	char copy[SLOT_MAX_BYTES + 1];
	char value[VMHA_NAME_SIZE];
	const char *p = NULL;
	uint64_t n = 0;
	int rc = 0;

	memset(record, 0, sizeof(*record));
	if (text == NULL || len == 0 || len > SLOT_MAX_BYTES || memchr(text, '\0', len) != NULL) {
		rc = -EBADMSG;
		goto out;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (copy[len - 1] != '\n' || strncmp(copy, magic, sizeof(magic) - 1) != 0) {
		rc = -EBADMSG;
		goto out;
	}
	p = copy + sizeof(magic) - 1;
	rc = take_field(&p, "host", value, sizeof(value));
	if (rc == 0 && !vmha_util_name_is_valid(value)) {
		rc = -EBADMSG;
	}
	if (rc < 0) {
		goto out;
	}
	snprintf(record->host, sizeof(record->host), "%s", value);
	rc = take_field(&p, "incarnation", value, sizeof(value));
	if (rc == 0) {
		rc = vmha_util_parse_u64(value, &record->incarnation) < 0 ? -EBADMSG : 0;
	}
	if (rc == 0) {
		rc = take_field(&p, "seq", value, sizeof(value));
	}
	if (rc == 0) {
		rc = vmha_util_parse_u64(value, &record->seq) < 0 ? -EBADMSG : 0;
	}
	if (rc == 0) {
		rc = take_field(&p, "mono_ms", value, sizeof(value));
	}
	if (rc == 0) {
		rc = vmha_util_parse_u64(value, &record->mono_ms) < 0 ? -EBADMSG : 0;
	}
	if (rc == 0) {
		rc = take_field(&p, "flags", value, sizeof(value));
	}
	if (rc == 0) {
		rc = (vmha_util_parse_u64(value, &n) < 0 || n > 0xffff) ? -EBADMSG : 0;
		record->flags = (unsigned int)n;
	}
	if (rc == 0 && strcmp(p, "\n") != 0) {
		rc = -EBADMSG;
	}
out:
	if (rc < 0) {
		memset(record, 0, sizeof(*record));
	}
	return rc;
}

int vmha_storage_hb_write(struct vmha_storage_hb *hb, uint64_t now_ms, unsigned int flags)
{
	struct vmha_slot_record r = {0};
	char line[SLOT_MAX_BYTES];
	char *tmp = NULL;
	char *path = NULL;
	size_t len;
	int fd = -1;
	int rc = 0;

	if (hb == NULL) {
		return -EINVAL;
	}
	snprintf(r.host, sizeof(r.host), "%s", hb->host);
	r.incarnation = hb->incarnation;
	r.seq = hb->seq + 1;
	r.mono_ms = now_ms;
	r.flags = flags;
	rc = vmha_storage_hb_format(&r, line, sizeof(line));
	if (rc < 0) {
		goto out;
	}
	if (asprintf(&tmp, "%s/.%s" SLOT_SUFFIX ".tmp", hb->dir, hb->host) < 0) {
		tmp = NULL;
		rc = -ENOMEM;
		goto out;
	}
	if (asprintf(&path, "%s/%s" SLOT_SUFFIX, hb->dir, hb->host) < 0) {
		path = NULL;
		rc = -ENOMEM;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	len = strlen(line);
	if (write(fd, line, len) != (ssize_t)len) {
		rc = errno != 0 ? -errno : -EIO;
		goto out;
	}
	if (fdatasync(fd) < 0) {
		rc = -errno;
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		rc = -errno;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		rc = -errno;
		goto out;
	}
	hb->seq = r.seq;
out:
	if (fd >= 0) {
		close(fd);
	}
	if (rc < 0 && tmp != NULL) {
		unlink(tmp);
	}
	free(tmp);
	free(path);
	return rc;
}

static int read_slot(int dirfd, const char *name, struct vmha_slot_record *r)
{
	char buf[SLOT_MAX_BYTES + 1];
	ssize_t n;
	int fd = -1;
	int rc = 0;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0) {
		rc = -errno;
		goto out;
	}
	rc = vmha_storage_hb_parse(buf, (size_t)n, r);
out:
	if (fd >= 0) {
		close(fd);
	}
	return rc;
}

int vmha_storage_hb_scan(struct vmha_storage_hb *hb, vmha_slot_fn fn, void *opaque)
{
	DIR *d = NULL;
	struct dirent *e = NULL;
	int invalid = 0;
	int rc = 0;

	if (hb == NULL || fn == NULL) {
		return -EINVAL;
	}
	d = opendir(hb->dir);
	if (d == NULL) {
		rc = -errno;
		goto out;
	}
	while ((e = readdir(d)) != NULL) {
		struct vmha_slot_record r;
		size_t len = strlen(e->d_name);
		size_t slen = strlen(SLOT_SUFFIX);

		if (e->d_name[0] == '.' || len <= slen ||
		    strcmp(e->d_name + len - slen, SLOT_SUFFIX) != 0) {
			continue;
		}
		if (read_slot(dirfd(d), e->d_name, &r) < 0 || len - slen != strlen(r.host) ||
		    strncmp(e->d_name, r.host, len - slen) != 0) {
			/* unreadable, malformed, or a slot claiming another host's name */
			invalid++;
			continue;
		}
		fn(&r, opaque);
	}
	rc = invalid;
out:
	if (d != NULL) {
		closedir(d);
	}
	return rc;
}

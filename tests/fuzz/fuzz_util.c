/*
 * Helpers shared by the fuzz targets (see fuzz_util.h).
 */
#include "config.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/fuzz/fuzz_util.h"

static char dir[64];

static void remove_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[512];

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.') {
				continue;
			}
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

const char *vmha_fuzz_dir(void)
{
	if (dir[0] == '\0') {
		/* tmpfs when there is one: the registry and the record fsync each write. */
		snprintf(dir, sizeof(dir), "%s/vmha-fuzz.XXXXXX",
		         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (mkdtemp(dir) == NULL) {
			vmha_fuzz_fail("cannot create a scratch directory");
		}
		atexit(remove_dir);
	}
	return dir;
}

const char *vmha_fuzz_write(const char *name, const void *data, size_t size)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", vmha_fuzz_dir(), name);
	f = fopen(path, "we");
	if (f == NULL) {
		return NULL;
	}
	if (size > 0 && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return NULL;
	}
	if (fclose(f) != 0) {
		return NULL;
	}
	return path;
}

char *vmha_fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL) {
		abort();
	}
	if (size > 0) {
		memcpy(s, data, size);
	}
	s[size] = '\0';
	return s;
}

void vmha_fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz oracle: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

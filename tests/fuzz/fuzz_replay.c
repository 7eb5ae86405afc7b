/*
 * A main() for the fuzz targets in builds without libFuzzer: run the target
 * once on every file of its kept corpus (or on the files and directories
 * given as arguments). `make check` runs each target this way, so every
 * corpus file, among them every crash input ever found, is a regression test.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz_util.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "re");
	uint8_t *buf = NULL;
	size_t len = 0;
	size_t cap = 0;
	size_t n;
	int rc = 0;

	if (f == NULL) {
		fprintf(stderr, "fuzz_replay: cannot read '%s': %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (len == cap) {
			uint8_t *grown;

			cap = cap == 0 ? 4096 : cap * 2;
			grown = realloc(buf, cap);
			if (grown == NULL) {
				rc = -1;
				goto out;
			}
			buf = grown;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	LLVMFuzzerTestOneInput(buf, len);
out:
	free(buf);
	fclose(f);
	return rc;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path, size_t *count)
{
	struct stat st;
	DIR *d = NULL;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	size_t i;
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "fuzz_replay: '%s': %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "fuzz_replay: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char **grown;

		if (de->d_name[0] == '.') {
			continue;
		}
		grown = realloc(names, (n + 1) * sizeof(*names));
		if (grown == NULL) {
			rc = -1;
			goto out;
		}
		names = grown;
		if (asprintf(&names[n], "%s/%s", path, de->d_name) < 0) {
			rc = -1;
			goto out;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), compare_names);
	for (i = 0; i < n && rc == 0; i++) {
		(*count)++;
		rc = run_file(names[i]);
	}
out:
	for (i = 0; i < n; i++) {
		free(names[i]);
	}
	free(names);
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	const char *srcdir = getenv("VMHA_FUZZ_SRCDIR");
	const char *base = strrchr(argv[0], '/');
	char corpus[1024];
	size_t count = 0;
	size_t len;
	int i;

	if (argc > 1) {
		for (i = 1; i < argc; i++) {
			if (run_path(argv[i], &count) != 0) {
				return 1;
			}
		}
		printf("%zu inputs ran\n", count);
		return 0;
	}
	/* TARGET_fuzz runs SRCDIR/TARGET_corpus. */
	base = base != NULL ? base + 1 : argv[0];
	len = strlen(base);
	if (len > 5 && strcmp(base + len - 5, "_fuzz") == 0) {
		len -= 5;
	}
	snprintf(corpus, sizeof(corpus), "%s/%.*s_corpus", srcdir != NULL ? srcdir : ".", (int)len,
	         base);
	if (run_path(corpus, &count) != 0) {
		return 1;
	}
	if (count == 0) {
		fprintf(stderr, "fuzz_replay: '%s' is empty: every target keeps seeds\n", corpus);
		return 1;
	}
	printf("%s: %zu inputs ran\n", corpus, count);
	return 0;
}

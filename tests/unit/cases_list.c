/* Data-driven unit tests: run each case of a cases.list as a cmocka test. */
#include "config.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cases_list.h"

int cases_list_run(const char *group, const char *list_path, void (*run)(void **state))
{
	return cases_list_run_with(group, list_path, run, NULL, 0);
}

int cases_list_run_with(const char *group, const char *list_path, void (*run)(void **state),
                        const struct CMUnitTest *extra, size_t n_extra)
{
	struct cases_list_case *cases = NULL;
	struct CMUnitTest *tests = NULL;
	size_t n = 0;
	size_t cap = 0;
	char line[512];
	FILE *list = fopen(list_path, "re");
	int rc = 1;

	if (list == NULL) {
		fprintf(stderr, "cannot read '%s'\n", list_path);
		goto out;
	}
	while (fgets(line, sizeof(line), list) != NULL) {
		char *desc = NULL;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0') {
			continue;
		}
		desc = strchr(line, ' ');
		if (desc == NULL) {
			fprintf(stderr, "%s: '%s' has no description\n", list_path, line);
			goto out;
		}
		*desc++ = '\0';
		if (n == cap) {
			size_t new_cap = cap == 0 ? 32 : cap * 2;
			struct cases_list_case *c = realloc(cases, new_cap * sizeof(*cases));

			if (c == NULL) {
				goto out;
			}
			cases = c;
			cap = new_cap;
		}
		snprintf(cases[n].name, sizeof(cases[n].name), "%s", line);
		snprintf(cases[n].description, sizeof(cases[n].description), "%s: %s", line, desc);
		n++;
	}
	/* The cases array no longer moves: point the tests at it. */
	tests = calloc(n + n_extra > 0 ? n + n_extra : 1, sizeof(*tests));
	if (tests == NULL) {
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		tests[i].name = cases[i].description;
		tests[i].test_func = run;
		tests[i].initial_state = &cases[i];
	}
	for (size_t i = 0; i < n_extra; i++) {
		tests[n + i] = extra[i];
	}
	rc = _cmocka_run_group_tests(group, tests, n + n_extra, NULL, NULL);
out:
	if (list != NULL) {
		fclose(list);
	}
	free(tests);
	free(cases);
	return rc;
}

char *cases_list_read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;
	size_t cap = 0;
	size_t n;

	if (f == NULL) {
		return NULL;
	}
	do {
		if (cap - len < 4096) {
			char *p = realloc(buf, cap + 65536);

			if (p == NULL) {
				free(buf);
				buf = NULL;
				goto out;
			}
			buf = p;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	buf[len] = '\0';
out:
	fclose(f);
	return buf;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (f == NULL) {
		fail_msg("cannot write '%s'", path);
	}
	fputs(text, f);
	fclose(f);
}

void cases_list_expect(const char *case_name, const char *expected_path, const char *actual_path,
                       const char *actual)
{
	const char *regen = getenv("VMHA_REGENERATE");
	char *expected = NULL;
	char cmd[2400];
	bool same;

	if (regen != NULL && strcmp(regen, "1") == 0) {
		write_file(expected_path, actual);
	}
	expected = cases_list_read_file(expected_path);
	same = expected != NULL && strcmp(expected, actual) == 0;
	free(expected);
	if (same) {
		return;
	}
	write_file(actual_path, actual);
	snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s' | sed 's/^/# /'", expected_path, actual_path);
	if (system(cmd) < 0) {
		perror("diff");
	}
	fail_msg("case '%s': the output differs from '%s' (VMHA_REGENERATE=1 rewrites it)",
	         case_name, expected_path);
}

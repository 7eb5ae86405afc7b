/* Data-driven unit tests: run each case of a cases.list as a cmocka test. */
#include "config.h"

#include <setjmp.h>
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
	tests = calloc(n > 0 ? n : 1, sizeof(*tests));
	if (tests == NULL) {
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		tests[i].name = cases[i].description;
		tests[i].test_func = run;
		tests[i].initial_state = &cases[i];
	}
	rc = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
out:
	if (list != NULL) {
		fclose(list);
	}
	free(tests);
	free(cases);
	return rc;
}

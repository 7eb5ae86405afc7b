/*
 * Data-driven unit tests: read a cases.list (one "NAME DESCRIPTION" per line,
 * '#' comments) and run each case as a cmocka test.
 */
#ifndef VMHA_TESTS_CASES_LIST_H
#define VMHA_TESTS_CASES_LIST_H

/** One case of a cases.list, handed to the test function as its state. */
struct cases_list_case {
	char name[512];
	char description[1100];
};

/**
 * Run every case of list_path as a test of the group named group; each test
 * gets its struct cases_list_case as *state.
 *
 * @return cmocka's result (the number of failed tests), or 1 when the list
 *         cannot be read or a line has no description
 */
int cases_list_run(const char *group, const char *list_path, void (*run)(void **state));

/** As cases_list_run(), with n_extra more tests after the cases (one TAP plan). */
int cases_list_run_with(const char *group, const char *list_path, void (*run)(void **state),
                        const struct CMUnitTest *extra, size_t n_extra);

/** @return the whole file at path, NUL-terminated (free it), or NULL */
char *cases_list_read_file(const char *path);

/**
 * The one comparison of the data-driven tests: actual against the file
 * expected_path. With VMHA_REGENERATE=1 the file is rewritten first. On a
 * difference, actual is written to actual_path, `diff -u` is printed as TAP
 * comments and the test fails, naming the case and the expectation file.
 */
void cases_list_expect(const char *case_name, const char *expected_path, const char *actual_path,
                       const char *actual);

#endif /* VMHA_TESTS_CASES_LIST_H */

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

#endif /* VMHA_TESTS_CASES_LIST_H */

/*
 * heartbeat/vmhealth: the data-driven cases of tests/unit/vmhealth-cases/
 * cases.list (each line's results recomputed, the whole list compared with
 * diff -u; VMHA_REGENERATE=1 rewrites it), and the edges of the interface.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "heartbeat/vmhealth.h"

/* One line's observations ("3: ok failed@2 gone") into its results. */
static void run_case(char *input, char *out, size_t out_size)
{
	struct vmha_vmhealth *h = NULL;
	char *save = NULL;
	char *tok = NULL;
	char *colon = strchr(input, ':');
	unsigned long failures = strtoul(input, NULL, 10);
	int64_t run = 1;
	size_t used = 0;

	out[0] = '\0';
	if (colon == NULL) {
		fail_msg("malformed case '%s' (no 'FAILURES:')", input);
	}
	h = vmha_vmhealth_new((unsigned int)failures);
	assert_non_null(h);
	for (tok = strtok_r(colon + 1, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		enum vmha_vmhealth_input in = VMHA_VMHEALTH_IN_OK;
		enum vmha_vmhealth_action act = VMHA_VMHEALTH_NOTHING;
		enum vmha_vmhealth_state st = VMHA_VMHEALTH_WAITING;
		unsigned int failed = 0;
		char *at = strchr(tok, '@');
		char res[64];

		if (strcmp(tok, "gone") == 0) {
			vmha_vmhealth_end_round(h);
			vmha_vmhealth_end_round(h);
			assert_int_equal(vmha_vmhealth_get(h, "vm1", &st, &failed), -ENOENT);
			snprintf(res, sizeof(res), "forgotten");
		} else {
			if (at != NULL) {
				*at = '\0';
				run = strtoll(at + 1, NULL, 10);
			}
			if (vmha_vmhealth_input_parse(tok, &in) < 0) {
				fail_msg("malformed case: unknown input '%s'", tok);
			}
			assert_int_equal(vmha_vmhealth_observe(h, "vm1", run, in, &act), 0);
			assert_int_equal(vmha_vmhealth_get(h, "vm1", &st, &failed), 0);
			snprintf(res, sizeof(res), "%s/%u%s", vmha_vmhealth_state_name(st), failed,
			         act == VMHA_VMHEALTH_DESTROY         ? "!destroy"
			         : act == VMHA_VMHEALTH_DESTROY_AGAIN ? "!again"
			                                              : "");
		}
		used += (size_t)snprintf(out + used, out_size - used, "%s%s", used > 0 ? " " : "",
		                         res);
		assert_true(used < out_size);
	}
	vmha_vmhealth_free(h);
}

static void test_cases(void **state)
{
	const char *list = VMHEALTH_CASES_DIR "/cases.list";
	char actual[] = "/tmp/health_cases.XXXXXX";
	char line[2048];
	char cmd[1200];
	FILE *in = fopen(list, "r");
	FILE *out = NULL;
	int fd = mkstemp(actual);
	unsigned int n = 0;

	(void)state;
	assert_non_null(in);
	assert_true(fd >= 0);
	out = fdopen(fd, "w");
	assert_non_null(out);
	while (fgets(line, sizeof(line), in) != NULL) {
		char input[2048];
		char result[2048];
		char *arrow = NULL;

		line[strcspn(line, "\n")] = '\0';
		arrow = strstr(line, " -> ");
		if (line[0] == '#' || line[0] == '\0' || arrow == NULL) {
			fprintf(out, "%s\n", line);
			continue;
		}
		*arrow = '\0';
		snprintf(input, sizeof(input), "%s", line);
		run_case(input, result, sizeof(result));
		fprintf(out, "%s -> %s\n", line, result);
		n++;
	}
	fclose(in);
	fclose(out);
	assert_true(n >= 10);
	if (getenv("VMHA_REGENERATE") != NULL) {
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", actual, list);
		assert_int_equal(system(cmd), 0);
	}
	snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s' | sed 's/^/# /'; cmp -s '%s' '%s'", list,
	         actual, list, actual);
	if (system(cmd) != 0) {
		unlink(actual);
		fail_msg(
		        "'%s' differs from the results (diff above; VMHA_REGENERATE=1 rewrites it)",
		        list);
	}
	unlink(actual);
}

/* Several VMs are kept apart; a round forgets only those not observed. */
static void test_vms_apart(void **state)
{
	struct vmha_vmhealth *h = vmha_vmhealth_new(1);
	enum vmha_vmhealth_action act = VMHA_VMHEALTH_NOTHING;
	enum vmha_vmhealth_state st = VMHA_VMHEALTH_WAITING;
	unsigned int failed = 0;

	(void)state;
	assert_non_null(h);
	assert_int_equal(vmha_vmhealth_observe(h, "a", 1, VMHA_VMHEALTH_IN_OK, &act), 0);
	assert_int_equal(vmha_vmhealth_observe(h, "b", 2, VMHA_VMHEALTH_IN_OK, &act), 0);
	assert_int_equal(vmha_vmhealth_observe(h, "a", 1, VMHA_VMHEALTH_IN_FAILED, &act), 0);
	assert_int_equal(act, VMHA_VMHEALTH_DESTROY);
	assert_int_equal(vmha_vmhealth_get(h, "b", &st, &failed), 0);
	assert_int_equal(st, VMHA_VMHEALTH_HEALTHY);
	assert_int_equal(vmha_vmhealth_count(h), 2);
	vmha_vmhealth_end_round(h);
	assert_int_equal(vmha_vmhealth_observe(h, "b", 2, VMHA_VMHEALTH_IN_OK, &act), 0);
	vmha_vmhealth_end_round(h);
	assert_int_equal(vmha_vmhealth_count(h), 1);
	/* kept without an observation (libvirt did not answer): not forgotten, unchanged */
	vmha_vmhealth_keep(h, "b");
	vmha_vmhealth_keep(h, "absent");
	vmha_vmhealth_keep(NULL, "b");
	vmha_vmhealth_end_round(h);
	assert_int_equal(vmha_vmhealth_count(h), 1);
	assert_int_equal(vmha_vmhealth_get(h, "b", &st, &failed), 0);
	assert_int_equal(st, VMHA_VMHEALTH_HEALTHY);
	assert_string_equal(vmha_vmhealth_name(h, 0), "b");
	assert_null(vmha_vmhealth_name(h, 1));
	assert_int_equal(vmha_vmhealth_get(h, "a", &st, &failed), -ENOENT);
	vmha_vmhealth_free(h);
}

/* Bad arguments are refused; names of states and inputs. */
static void test_edges(void **state)
{
	struct vmha_vmhealth *h = vmha_vmhealth_new(2);
	enum vmha_vmhealth_action act = VMHA_VMHEALTH_DESTROY;
	enum vmha_vmhealth_input in = VMHA_VMHEALTH_IN_OK;
	char many[100];
	int i;

	(void)state;
	assert_null(vmha_vmhealth_new(0));
	vmha_vmhealth_free(NULL);
	assert_non_null(h);
	assert_int_equal(vmha_vmhealth_observe(h, "", 1, VMHA_VMHEALTH_IN_OK, &act), -EINVAL);
	assert_int_equal(act, VMHA_VMHEALTH_NOTHING);
	assert_int_equal(vmha_vmhealth_observe(h, "a b", 1, VMHA_VMHEALTH_IN_OK, &act), -EINVAL);
	assert_int_equal(vmha_vmhealth_observe(NULL, "a", 1, VMHA_VMHEALTH_IN_OK, &act), -EINVAL);
	assert_int_equal(vmha_vmhealth_observe(h, "a", 1, (enum vmha_vmhealth_input)9, &act),
	                 -EINVAL);
	for (i = 0; i < 40; i++) {
		snprintf(many, sizeof(many), "vm%d", i);
		assert_int_equal(vmha_vmhealth_observe(h, many, i, VMHA_VMHEALTH_IN_OK, &act), 0);
	}
	assert_int_equal(vmha_vmhealth_count(h), 40);
	assert_int_equal(vmha_vmhealth_count(NULL), 0);
	assert_null(vmha_vmhealth_name(NULL, 0));
	vmha_vmhealth_end_round(NULL);
	assert_string_equal(vmha_vmhealth_state_name(VMHA_VMHEALTH_UNHEALTHY), "unhealthy");
	assert_string_equal(vmha_vmhealth_state_name((enum vmha_vmhealth_state)9), "?");
	assert_string_equal(vmha_vmhealth_input_name(VMHA_VMHEALTH_IN_NOT_CONNECTED),
	                    "not-connected");
	assert_null(vmha_vmhealth_input_name((enum vmha_vmhealth_input)9));
	assert_int_equal(vmha_vmhealth_input_parse("not-running", &in), 0);
	assert_int_equal(in, VMHA_VMHEALTH_IN_NOT_RUNNING);
	assert_int_equal(vmha_vmhealth_input_parse("OK", &in), -EINVAL);
	assert_int_equal(vmha_vmhealth_input_parse(NULL, &in), -EINVAL);
	vmha_vmhealth_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cases),
	        cmocka_unit_test(test_vms_apart),
	        cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests_name("vmhealth", tests, NULL, NULL);
}

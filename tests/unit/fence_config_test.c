/*
 * Data-driven tests of fencing/fence_config.c: each case in
 * fence_config/cases.list is NAME.conf (parsed, then validated against the
 * agents' meta-data) and NAME.expected (what the parser and validator say).
 * @TESTAGENT@ stands for tests/integration/fence_vmhatest. A failure shows
 * `diff -u`; VMHA_REGENERATE=1 rewrites the expectations.
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
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "deadline.h"
#include "cases_list.h"
#include "fence_config.h"
#include "log.h"

#define DATA_DIR   VMHA_TOP_SRCDIR "/tests/unit/fence_config"
#define TEST_AGENT VMHA_TOP_SRCDIR "/tests/integration/fence_vmhatest"

/* Replace every from by to in text (returns a new string, frees text). */
static char *replace(char *text, const char *from, const char *to)
{
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	const char *p = text;
	const char *hit;

	while ((hit = strstr(p, from)) != NULL) {
		fwrite(p, 1, (size_t)(hit - p), m);
		fputs(to, m);
		p = hit + strlen(from);
	}
	fputs(p, m);
	fclose(m);
	free(text);
	return out;
}

static char *run_case(const char *name)
{
	struct vmha_fence_config *cfg = NULL;
	char path[1100];
	char err[1024] = "";
	char *conf = NULL;
	char *out = NULL;
	char *desc = NULL;
	size_t len = 0;
	FILE *m = NULL;
	const char *nodes[] = {"h1", "h2", "h3"};
	size_t i, l, d;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.conf", DATA_DIR, name);
	conf = cases_list_read_file(path);
	assert_non_null(conf);
	conf = replace(conf, "@TESTAGENT@", TEST_AGENT);
	m = open_memstream(&out, &len);
	snprintf(path, sizeof(path), "%s.conf", name);
	rc = vmha_fence_config_parse(conf, path, &cfg, err, sizeof(err));
	if (rc != 0) {
		fprintf(m, "parse error %d: %s\n", rc, err);
		goto done;
	}
	desc = vmha_fence_config_describe(cfg);
	fputs(desc, m);
	free(desc);
	rc = vmha_fence_config_validate(cfg, vmha_deadline_in_ms(20000), err, sizeof(err));
	if (rc != 0) {
		fprintf(m, "invalid %d: %s\n", rc, err);
		goto done;
	}
	fprintf(m, "valid\n");
	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		struct vmha_fence_level_view *levels = NULL;
		size_t n = 0;
		rc = vmha_fence_config_levels(cfg, nodes[i], &levels, &n);
		if (rc != 0) {
			fprintf(m, "%s: no levels (%d)\n", nodes[i], rc);
			continue;
		}
		for (l = 0; l < n; l++) {
			for (d = 0; d < levels[l].n_devices; d++) {
				struct vmha_agent_args *args = NULL;
				char *shown = NULL;
				assert_int_equal(vmha_fence_device_args(cfg, levels[l].devices[d],
				                                        nodes[i], "off", &args),
				                 0);
				shown = vmha_agent_args_format(args);
				fprintf(m, "%s: level %u %s: %s\n", nodes[i], levels[l].index,
				        vmha_fence_device_name(levels[l].devices[d]), shown);
				free(shown);
				vmha_agent_args_free(args);
			}
		}
		vmha_fence_config_levels_free(levels, n);
	}
done:
	fclose(m);
	vmha_fence_config_free(cfg);
	free(conf);
	return replace(out, TEST_AGENT, "@TESTAGENT@");
}

static void test_case(void **state)
{
	const struct cases_list_case *c = *state;
	char expected_path[1024];
	char actual_path[1024];
	char *actual = run_case(c->name);

	snprintf(expected_path, sizeof(expected_path), "%s/%s.expected", DATA_DIR, c->name);
	snprintf(actual_path, sizeof(actual_path), "fence_config-%s.actual", c->name);
	cases_list_expect(c->name, expected_path, actual_path, actual);
	free(actual);
}

static void test_file_errors(void **state)
{
	struct vmha_fence_config *cfg = NULL;
	char err[512];
	char path[] = "/tmp/vmha-fence-conf-XXXXXX";
	int fd;

	assert_int_equal(vmha_fence_config_load("/nonexistent/fence.conf", &cfg, err, sizeof(err)),
	                 -ENOENT);
	assert_null(cfg);
	assert_non_null(strstr(err, "/nonexistent/fence.conf: cannot read"));
	assert_int_equal(vmha_fence_config_load("/tmp", &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "mode agents\nbogus 1\n", 20), 20);
	close(fd);
	assert_int_equal(vmha_fence_config_load(path, &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: bogus: unknown item"));

	/* A file that others may write is refused (it names programs run as root). */
	assert_int_equal(chmod(path, 0602), 0);
	assert_int_equal(vmha_fence_config_load(path, &cfg, err, sizeof(err)), -EPERM);
	assert_null(cfg);
	assert_non_null(strstr(err, ": writable by everyone (mode 0602; chmod 600 it)"));
	assert_int_equal(chmod(path, 0620), 0);
	assert_int_equal(vmha_fence_config_load(path, &cfg, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, ": writable by its group (mode 0620"));
	unlink(path);

	/* A badly quoted password is not echoed. */
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "device d fence_x password=Pa55 word\n", 36), 36);
	close(fd);
	assert_int_equal(vmha_fence_config_load(path, &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":1: device: item 5 is not key=value"));
	assert_null(strstr(err, "word"));
	assert_null(strstr(err, "Pa55"));
	unlink(path);

	/* Loading a secret makes the process non-dumpable. */
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "device d fence_x password=s3cret\n", 33), 33);
	close(fd);
	assert_int_equal(vmha_fence_config_load(path, &cfg, err, sizeof(err)), 0);
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	vmha_fence_config_free(cfg);
	cfg = NULL;
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_file_errors),
	};
	int rc;

	vmha_log_init("fence_config_test", 0);
	rc = cases_list_run_with("fence_config", DATA_DIR "/cases.list", test_case, tests,
	                         sizeof(tests) / sizeof(tests[0]));
	vmha_log_fini();
	return rc;
}

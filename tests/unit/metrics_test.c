/*
 * Unit tests of heartbeat/metrics.c. Data-driven: each status JSON in
 * tests/unit/metrics-cases/NAME.json is rendered and compared with
 * NAME.prom (diff -u on failure; VMHA_REGENERATE=1 rewrites it), and the
 * rendered text is checked by metrics_check.py: prometheus_client's own
 * parser, values recomputed from the JSON. Also: the counters' JSON renders
 * back to the same values, the atomic write, the writer thread, bad input.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "heartbeat/alerts.h"
#include "heartbeat/metrics.h"

static char dir[] = "/tmp/vmha-metrics-test-XXXXXX";
static const char *const cases[] = {"standalone", "monitor"};

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0;

	if (f == NULL) {
		return NULL;
	}
	buf = calloc(1, 65536);
	assert_non_null(buf);
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static bool have_checker(void)
{
	return system("/usr/bin/python3 -c 'import prometheus_client.parser' 2>/dev/null") == 0;
}

/* metrics_check.py on a status file and a text: its exit code */
static int check(const char *status_path, const char *prom_path)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s/metrics_check.py' '%s' '%s'",
	         METRICS_TEST_DIR, status_path, prom_path);
	return system(cmd);
}

static void test_cases(void **state)
{
	int failures = 0;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char json_path[512];
		char prom_path[512];
		char got_path[512];
		char cmd[1200];
		json_object *status = NULL;
		char *text = NULL;
		char *want = NULL;

		snprintf(json_path, sizeof(json_path), "%s/metrics-cases/%s.json", METRICS_TEST_DIR,
		         cases[i]);
		snprintf(prom_path, sizeof(prom_path), "%s/metrics-cases/%s.prom", METRICS_TEST_DIR,
		         cases[i]);
		snprintf(got_path, sizeof(got_path), "%s/%s.prom", dir, cases[i]);
		status = json_object_from_file(json_path);
		assert_non_null(status);
		assert_int_equal(vmha_metrics_render(status, &text), 0);
		assert_int_equal(vmha_metrics_write_file(got_path, text), 0);
		if (getenv("VMHA_REGENERATE") != NULL) {
			assert_int_equal(vmha_metrics_write_file(prom_path, text), 0);
		}
		want = slurp(prom_path);
		if (want == NULL || strcmp(want, text) != 0) {
			snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s' >&2", prom_path, got_path);
			(void)system(cmd);
			failures++;
		}
		if (have_checker() && check(json_path, got_path) != 0) {
			fprintf(stderr, "case %s: metrics_check.py disagrees\n", cases[i]);
			failures++;
		}
		free(want);
		free(text);
		json_object_put(status);
	}
	if (!have_checker()) {
		/* the expected files were checked when written; the parser makes it independent */
		fprintf(stderr, "skip: prometheus_client parser (python3-prometheus-client) "
		                "not installed: only the expected files are compared\n");
	}
	assert_int_equal(failures, 0);
}

/* A checker that cannot fail is no checker: a wrong value and a broken line are caught. */
static void test_checker_catches(void **state)
{
	char json_path[512];
	char bad_path[512];
	json_object *status = NULL;
	char *text = NULL;
	char *p = NULL;

	(void)state;
	if (!have_checker()) {
		skip();
	}
	snprintf(json_path, sizeof(json_path), "%s/metrics-cases/standalone.json",
	         METRICS_TEST_DIR);
	snprintf(bad_path, sizeof(bad_path), "%s/bad.prom", dir);
	status = json_object_from_file(json_path);
	assert_non_null(status);
	assert_int_equal(vmha_metrics_render(status, &text), 0);
	p = strstr(text, "\nvmha_quorate 1\n");
	assert_non_null(p);
	p[strlen("\nvmha_quorate ")] = '0';
	assert_int_equal(vmha_metrics_write_file(bad_path, text), 0);
	assert_int_not_equal(check(json_path, bad_path), 0);
	p[strlen("\nvmha_quorate ")] = '}';
	assert_int_equal(vmha_metrics_write_file(bad_path, text), 0);
	assert_int_not_equal(check(json_path, bad_path), 0);
	free(text);
	json_object_put(status);
}

/* The counters' JSON is what the text shows. */
static void test_counters(void **state)
{
	struct vmha_metrics *m = vmha_metrics_new();
	struct vmha_alerts_stats st;
	json_object *status = json_object_new_object();
	char *text = NULL;

	(void)state;
	assert_non_null(m);
	vmha_metrics_fence(m, true, 1200);
	vmha_metrics_fence(m, false, 300);
	vmha_metrics_host_down(m, 10000);
	vmha_metrics_start(m, 12500, true, false, 800);
	vmha_metrics_start(m, 14000, true, false, 700);
	vmha_metrics_start(m, 15000, false, false, 100);
	vmha_metrics_start(m, 15000, false, true, 0);
	memset(&st, 0, sizeof(st));
	st.ok = 3;
	st.timed_out = 1;
	vmha_metrics_alerts(m, &st);
	vmha_metrics_leases(m, "none", 2);
	json_object_object_add(status, "hosts", json_object_new_array());
	json_object_object_add(status, "metrics", vmha_metrics_to_json(m));
	assert_int_equal(vmha_metrics_render(status, &text), 0);
	assert_non_null(strstr(text, "\nvmha_fences_total{result=\"ok\"} 1\n"));
	assert_non_null(strstr(text, "\nvmha_fences_total{result=\"failed\"} 1\n"));
	assert_non_null(strstr(text, "\nvmha_fence_duration_seconds_sum 1.5\n"));
	assert_non_null(strstr(text, "\nvmha_vm_starts_total{result=\"ok\"} 2\n"));
	assert_non_null(strstr(text, "\nvmha_vm_starts_total{result=\"unknown\"} 1\n"));
	assert_non_null(strstr(text, "\nvmha_vm_start_duration_seconds_count 4\n"));
	/* from the down decision at 10 s to the last start after it at 14 s */
	assert_non_null(strstr(text, "\nvmha_last_failover_duration_seconds 4\n"));
	assert_non_null(strstr(text, "\nvmha_alerts_total{result=\"timed_out\"} 1\n"));
	assert_non_null(strstr(text, "\nvmha_disk_lease_manager{manager=\"none\"} 1\n"));
	assert_non_null(strstr(text, "\nvmha_unleased_protected_vms 2\n"));
	/* monitor mode: no failover table, no self-guard series */
	assert_null(strstr(text, "vmha_protected_vms"));
	free(text);
	json_object_put(status);
	vmha_metrics_free(m);
	vmha_metrics_free(NULL);
}

static void test_writer(void **state)
{
	struct vmha_metrics_writer *w = NULL;
	char path[512];
	char *got = NULL;
	struct stat sb;

	(void)state;
	assert_int_equal(vmha_metrics_writer_new("relative.prom", &w), -EINVAL);
	assert_null(w);
	snprintf(path, sizeof(path), "%s/vmha.prom", dir);
	assert_int_equal(vmha_metrics_writer_new(path, &w), 0);
	vmha_metrics_writer_put(w, strdup("a 1\n"));
	vmha_metrics_writer_put(w, strdup("a 2\n"));
	assert_int_equal(vmha_metrics_writer_flush(w, 5000), 0);
	got = slurp(path);
	assert_non_null(got);
	/* the newest text wins; no temporary file is left */
	assert_string_equal(got, "a 2\n");
	free(got);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644);
	snprintf(path, sizeof(path), "%s/vmha.prom.tmp", dir);
	assert_int_equal(stat(path, &sb), -1);
	assert_int_equal(vmha_metrics_writer_errors(w), 0);
	vmha_metrics_writer_free(w);
	vmha_metrics_writer_free(NULL);

	/* a directory that does not exist: counted, never fatal */
	snprintf(path, sizeof(path), "%s/missing/vmha.prom", dir);
	assert_int_equal(vmha_metrics_writer_new(path, &w), 0);
	vmha_metrics_writer_put(w, strdup("a 1\n"));
	assert_int_equal(vmha_metrics_writer_flush(w, 5000), 0);
	assert_int_equal(vmha_metrics_writer_errors(w), 1);
	vmha_metrics_writer_free(w);
	assert_int_equal(vmha_metrics_write_file(path, "x"), -ENOENT);
}

static void test_bad_status(void **state)
{
	json_object *o = json_object_new_object();
	char *text = NULL;

	(void)state;
	assert_int_equal(vmha_metrics_render(o, &text), -EINVAL);
	assert_null(text);
	json_object_object_add(o, "hosts", json_object_new_string("x"));
	assert_int_equal(vmha_metrics_render(o, &text), -EINVAL);
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cases),      cmocka_unit_test(test_checker_catches),
	        cmocka_unit_test(test_counters),   cmocka_unit_test(test_writer),
	        cmocka_unit_test(test_bad_status),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

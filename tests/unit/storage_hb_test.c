/* Unit tests of heartbeat/storage_hb.c: slot files. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "heartbeat/storage_hb.h"

struct seen {
	struct vmha_slot_record records[8];
	size_t n;
};

static void collect(const struct vmha_slot_record *r, void *opaque)
{
	struct seen *s = opaque;

	if (s->n < 8) {
		s->records[s->n++] = *r;
	}
}

static void test_format_parse(void **state)
{
	struct vmha_slot_record r = {0}, back;
	char buf[256];

	snprintf(r.host, sizeof(r.host), "h2");
	r.incarnation = 99;
	r.seq = 12;
	r.mono_ms = 123456;
	r.flags = 3;
	assert_int_equal(vmha_storage_hb_format(&r, buf, sizeof(buf)), 0);
	assert_string_equal(buf,
	                    "vmha-slot 1 host=h2 incarnation=99 seq=12 mono_ms=123456 flags=3\n");
	assert_int_equal(vmha_storage_hb_parse(buf, strlen(buf), &back), 0);
	assert_memory_equal(&r, &back, sizeof(r));
	assert_int_equal(vmha_storage_hb_format(&r, buf, 10), -ENOSPC);
}

static void test_parse_rejects(void **state)
{
	static const char *const bad[] = {
	        "",
	        "vmha-slot 2 host=h2 incarnation=1 seq=1 mono_ms=1 flags=0\n",
	        "vmha-slot 1 host=h2 incarnation=1 seq=1 mono_ms=1 flags=0",
	        "vmha-slot 1 host=../h incarnation=1 seq=1 mono_ms=1 flags=0\n",
	        "vmha-slot 1 host=h2 incarnation=x seq=1 mono_ms=1 flags=0\n",
	        "vmha-slot 1 host=h2 incarnation=1 seq=-1 mono_ms=1 flags=0\n",
	        "vmha-slot 1 host=h2 incarnation=1 seq=1 mono_ms=1 flags=0 extra=1\n",
	        "vmha-slot 1 host=h2 seq=1 incarnation=1 mono_ms=1 flags=0\n",
	        "vmha-slot 1 host=h2 incarnation=1 seq=1 mono_ms=1 flags=99999999\n",
	};
	struct vmha_slot_record r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (vmha_storage_hb_parse(bad[i], strlen(bad[i]), &r) != -EBADMSG) {
			fail_msg("accepted '%s'", bad[i]);
		}
	}
}

static void test_write_and_scan(void **state)
{
	char dir[] = "/tmp/vmha-slot-test.XXXXXX";
	struct vmha_storage_hb *a = NULL;
	struct vmha_storage_hb *b = NULL;
	struct seen seen = {0};
	char path[512];
	FILE *f = NULL;

	assert_non_null(mkdtemp(dir));
	a = vmha_storage_hb_new(dir, "h1", 5);
	b = vmha_storage_hb_new(dir, "h2", 6);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(vmha_storage_hb_new(dir, "bad/name", 1));
	assert_int_equal(vmha_storage_hb_write(a, 1000, 0), 0);
	assert_int_equal(vmha_storage_hb_write(a, 2000, 1), 0);
	assert_int_equal(vmha_storage_hb_write(b, 5000, 0), 0);
	assert_int_equal(vmha_storage_hb_seq(a), 2);
	/* a slot that lies about its host, and garbage: skipped and counted */
	snprintf(path, sizeof(path), "%s/h3.slot", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("vmha-slot 1 host=h1 incarnation=1 seq=1 mono_ms=1 flags=0\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/h4.slot", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("garbage\n", f);
	fclose(f);
	/* a symlink (never followed) and a directory: unreadable, counted too */
	snprintf(path, sizeof(path), "%s/h5.slot", dir);
	assert_int_equal(symlink("h1.slot", path), 0);
	snprintf(path, sizeof(path), "%s/h6.slot", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(vmha_storage_hb_scan(a, collect, &seen), 4);
	assert_int_equal(rmdir(path), 0);
	snprintf(path, sizeof(path), "%s/h5.slot", dir);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/h4.slot", dir);
	assert_int_equal(seen.n, 2);
	if (strcmp(seen.records[0].host, "h1") != 0) {
		struct vmha_slot_record t = seen.records[0];

		seen.records[0] = seen.records[1];
		seen.records[1] = t;
	}
	assert_string_equal(seen.records[0].host, "h1");
	assert_int_equal(seen.records[0].seq, 2);
	assert_int_equal(seen.records[0].flags, 1);
	assert_int_equal(seen.records[0].incarnation, 5);
	assert_string_equal(seen.records[1].host, "h2");
	unlink(path);
	snprintf(path, sizeof(path), "%s/h3.slot", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/h1.slot", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/h2.slot", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
	/* the directory is gone: writes and scans fail with errno */
	assert_int_equal(vmha_storage_hb_write(a, 3000, 0), -ENOENT);
	assert_int_equal(vmha_storage_hb_seq(a), 2);
	assert_int_equal(vmha_storage_hb_scan(a, collect, &seen), -ENOENT);
	assert_int_equal(vmha_storage_hb_scan(a, NULL, &seen), -EINVAL);
	assert_int_equal(vmha_storage_hb_scan(NULL, collect, &seen), -EINVAL);
	assert_int_equal(vmha_storage_hb_write(NULL, 1, 0), -EINVAL);
	assert_null(vmha_storage_hb_new(NULL, "h1", 1));
	assert_null(vmha_storage_hb_new("", "h1", 1));
	vmha_storage_hb_free(a);
	vmha_storage_hb_free(b);
	vmha_storage_hb_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_format_parse),
	        cmocka_unit_test(test_parse_rejects),
	        cmocka_unit_test(test_write_and_scan),
	};

	return cmocka_run_group_tests_name("storage_hb", tests, NULL, NULL);
}

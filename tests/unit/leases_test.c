/*
 * Unit tests of heartbeat/leases.c: libvirt configurations (one case per
 * line: qemu.conf, qemu-lockd.conf, qemu-sanlock.conf, expected verdict or
 * error), the warning once per unleased protected VM, the status JSON.
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
#include <unistd.h>
#include <cmocka.h>

#include "heartbeat/leases.h"

static char dir[] = "/tmp/vmha-leases-test-XXXXXX";

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

static void put(const char *name, const char *text)
{
	char path[512];
	FILE *f = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	if (text == NULL) {
		return;
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

struct probe_case {
	/* NULL = the file is absent */
	const char *qemu;
	const char *lockd;
	const char *sanlock;
	/* "manager covered lockspace" or "error: part of the message" */
	const char *expect;
};

static const struct probe_case probe_cases[] = {
        {NULL, NULL, NULL, "none no -"},
        {"#lock_manager = \"lockd\"\n", NULL, NULL, "none no -"},
        {"lock_manager = \"lockd\"\n", NULL, NULL, "lockd yes -"},
        {"  lock_manager=\"lockd\"  # on\n", "auto_disk_leases = 1\n", NULL, "lockd yes -"},
        {"lock_manager = \"lockd\"\n", "auto_disk_leases = 0\n", NULL, "lockd no -"},
        {"lock_manager = \"lockd\"\n", "file_lockspace_dir = \"/var/lib/libvirt/shared/lockd\"\n",
         NULL, "lockd yes /var/lib/libvirt/shared/lockd"},
        {"lock_manager = \"sanlock\"\n", NULL, NULL, "sanlock no -"},
        {"lock_manager = \"sanlock\"\n", NULL,
         "auto_disk_leases = 1\ndisk_lease_dir = \"/san\"\nhost_id = 1\n", "sanlock yes /san"},
        {"lock_manager = \"nop\"\n", NULL, NULL, "none no -"},
        {"lock_manager = \"lockd\"\nlock_manager = \"nop\"\n", NULL, NULL, "none no -"},
        {"security_driver = [ \"selinux\",\n \"dac\" ]\nlock_manager = \"lockd\"\n", NULL, NULL,
         "lockd yes -"},
        {"lock_manager = \"flock\"\n", NULL, NULL,
         "error: lock_manager 'flock' is not lockd or sanlock"},
        {"lock_manager = lockd\n", NULL, NULL,
         "error: qemu.conf:1: key 'lock_manager': value 'lockd' is not a string or a number"},
        {"lock_manager = \"lockd\"\n", "\n\nauto_disk_leases = yes\n", NULL,
         "error: qemu-lockd.conf:3: key 'auto_disk_leases'"},
};

static void test_probe(void **state)
{
	int failures = 0;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(probe_cases) / sizeof(probe_cases[0]); i++) {
		const struct probe_case *c = &probe_cases[i];
		struct vmha_leases_info info;
		char err[512] = "";
		char got[1024];
		int rc = 0;

		put("qemu.conf", c->qemu);
		put("qemu-lockd.conf", c->lockd);
		put("qemu-sanlock.conf", c->sanlock);
		rc = vmha_leases_probe(dir, &info, err, sizeof(err));
		if (rc < 0) {
			snprintf(got, sizeof(got), "error: %s", err);
		} else {
			snprintf(got, sizeof(got), "%s %s %s", info.manager,
			         vmha_leases_cover_disks(&info) ? "yes" : "no",
			         info.lockspace[0] ? info.lockspace : "-");
		}
		if (strncmp(c->expect, "error: ", 7) == 0 ? strstr(got, c->expect + 7) == NULL
		                                          : strcmp(got, c->expect) != 0) {
			fprintf(stderr, "case %zu:\n-%s\n+%s\n", i + 1, c->expect, got);
			failures++;
		}
		if (rc == 0 && !vmha_leases_cover_disks(&info)) {
			/* the warning says why */
			assert_true(info.why[0] != '\0');
		}
	}
	assert_int_equal(failures, 0);
}

static void test_tracker(void **state)
{
	struct vmha_leases_info info;
	struct vmha_leases *l = NULL;
	const char *const vms[] = {"web1", "db"};
	const char *const more[] = {"web1", "db", "cache"};
	json_object *o = NULL;
	json_object *arr = NULL;
	char err[256];

	(void)state;
	put("qemu.conf", NULL);
	assert_int_equal(vmha_leases_probe(dir, &info, err, sizeof(err)), 0);
	l = vmha_leases_new(&info);
	assert_non_null(l);
	assert_int_equal(vmha_leases_set_vms(l, vms, 2), 2);
	/* warned once: the same list again warns about nothing new */
	assert_int_equal(vmha_leases_set_vms(l, vms, 2), 0);
	assert_int_equal(vmha_leases_set_vms(l, more, 3), 1);
	assert_int_equal(vmha_leases_unleased_count(l), 3);
	assert_int_equal(vmha_leases_set_vms(l, vms, 1), 0);
	assert_int_equal(vmha_leases_unleased_count(l), 1);
	assert_string_equal(vmha_leases_manager(l), "none");
	o = vmha_leases_to_json(l);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "unleased_vms", &arr));
	assert_int_equal(json_object_array_length(arr), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(arr, 0)), "web1");
	assert_true(json_object_object_get_ex(o, "warning", &arr));
	assert_non_null(strstr(json_object_get_string(arr), "no lock_manager"));
	json_object_put(o);
	vmha_leases_free(l);

	/* leased: nothing to warn about */
	put("qemu.conf", "lock_manager = \"lockd\"\n");
	put("qemu-lockd.conf", NULL);
	assert_int_equal(vmha_leases_probe(dir, &info, err, sizeof(err)), 0);
	l = vmha_leases_new(&info);
	assert_int_equal(vmha_leases_set_vms(l, more, 3), 0);
	assert_int_equal(vmha_leases_unleased_count(l), 0);
	o = vmha_leases_to_json(l);
	assert_true(json_object_object_get_ex(o, "warning", &arr));
	assert_null(arr);
	json_object_put(o);
	vmha_leases_free(l);
	vmha_leases_free(NULL);
	assert_int_equal(vmha_leases_unleased_count(NULL), 0);
	assert_string_equal(vmha_leases_manager(NULL), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_probe),
	        cmocka_unit_test(test_tracker),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

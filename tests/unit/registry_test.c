/* Unit tests of lib/registry.c: the registry of protected VMs on shared storage. */
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

#include "deadline.h"
#include "registry.h"

/* A macro, not a variable: a literal format string at any optimization level. */
#define DOMAIN_FMT                                           \
	"<domain type='qemu'><name>%s</name>"                \
	"<uuid>8f1c2d3e-0000-4000-8000-00000000000%d</uuid>" \
	"<memory unit='KiB'>262144</memory><vcpu>%d</vcpu>"  \
	"<os><type>hvm</type></os></domain>"

struct fixture {
	char dir[64];
	struct vmha_registry *reg;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/vmha-registry-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->reg = vmha_registry_open(f->dir);
	assert_non_null(f->reg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	vmha_registry_free(f->reg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static struct vmha_registry_vm *make_vm(const char *name, int n, int vcpus)
{
	struct vmha_registry_vm *vm = vmha_registry_vm_new(name);
	char xml[512];
	char *err = NULL;

	assert_non_null(vm);
	snprintf(xml, sizeof(xml), DOMAIN_FMT, name, n, vcpus);
	assert_int_equal(vmha_registry_vm_set_xml(vm, xml, &err), 0);
	assert_null(err);
	return vm;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct vmha_registry_vm *vm = make_vm("web1", 1, 2);
	struct vmha_registry_vm *back = NULL;
	char *err = NULL;

	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_PRIORITY, "high"), 0);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_ALLOWED, "h1,h2"), 0);
	assert_int_equal(vmha_registry_lock(f->reg, vmha_deadline_in_ms(1000)), 0);
	assert_int_equal(vmha_registry_add(f->reg, vm, false), 0);
	assert_int_equal(vmha_registry_load(f->reg, "web1", &back, &err), 0);
	assert_string_equal(vmha_registry_vm_name(back), "web1");
	assert_string_equal(vmha_registry_vm_uuid(back), "8f1c2d3e-0000-4000-8000-000000000001");
	assert_string_equal(vmha_registry_vm_get(back, VMHA_REGISTRY_PRIORITY), "high");
	assert_string_equal(vmha_registry_vm_get(back, VMHA_REGISTRY_RESTART), "restart");
	assert_string_equal(vmha_registry_vm_get(back, VMHA_REGISTRY_ALLOWED), "h1,h2");
	assert_string_equal(vmha_registry_vm_get(back, VMHA_REGISTRY_CPU), "2");
	assert_string_equal(vmha_registry_vm_get(back, VMHA_REGISTRY_MEMORY), "256");
	assert_null(vmha_registry_vm_get(back, VMHA_REGISTRY_PREFERRED));
	assert_string_equal(vmha_registry_vm_xml(back), vmha_registry_vm_xml(vm));
	vmha_registry_vm_free(vm);
	vmha_registry_vm_free(back);
}

static void test_add_needs_lock_and_refuses_duplicates(void **state)
{
	struct fixture *f = *state;
	struct vmha_registry_vm *vm = make_vm("db1", 2, 1);

	assert_int_equal(vmha_registry_add(f->reg, vm, false), -ENOLCK);
	assert_int_equal(vmha_registry_remove(f->reg, "db1"), -ENOLCK);
	assert_int_equal(vmha_registry_lock(f->reg, vmha_deadline_in_ms(1000)), 0);
	assert_int_equal(vmha_registry_add(f->reg, vm, false), 0);
	assert_int_equal(vmha_registry_add(f->reg, vm, false), -EEXIST);
	assert_int_equal(vmha_registry_add(f->reg, vm, true), 0);
	vmha_registry_vm_free(vm);
}

static void test_lock_excludes_a_second_editor(void **state)
{
	struct fixture *f = *state;
	struct vmha_registry *other = vmha_registry_open(f->dir);
	uint64_t start;

	assert_non_null(other);
	assert_int_equal(vmha_registry_lock(f->reg, vmha_deadline_in_ms(1000)), 0);
	start = vmha_clock_now_ms();
	assert_int_equal(vmha_registry_lock(other, vmha_deadline_in_ms(200)), -ETIMEDOUT);
	assert_true(vmha_clock_now_ms() - start >= 200);
	vmha_registry_unlock(f->reg);
	assert_int_equal(vmha_registry_lock(other, vmha_deadline_in_ms(1000)), 0);
	vmha_registry_free(other);
}

static void test_list_sorted_and_remove(void **state)
{
	struct fixture *f = *state;
	const char *order[] = {"zeta", "alpha", "mid"};
	char **names = NULL;
	size_t n = 0;
	size_t i;

	assert_int_equal(vmha_registry_lock(f->reg, vmha_deadline_in_ms(1000)), 0);
	for (i = 0; i < 3; i++) {
		struct vmha_registry_vm *vm = make_vm(order[i], (int)i, 1);

		assert_int_equal(vmha_registry_add(f->reg, vm, false), 0);
		vmha_registry_vm_free(vm);
	}
	/* Leftovers of an interrupted write are not entries. */
	write_file(f->dir, ".zeta.ha.tmp.123", "priority=high\n");
	write_file(f->dir, "orphan.xml", "<domain/>");
	assert_int_equal(vmha_registry_list(f->reg, &names, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "alpha");
	assert_string_equal(names[1], "mid");
	assert_string_equal(names[2], "zeta");
	for (i = 0; i < n; i++) {
		free(names[i]);
	}
	free(names);
	assert_int_equal(vmha_registry_remove(f->reg, "mid"), 0);
	assert_int_equal(vmha_registry_remove(f->reg, "mid"), -ENOENT);
	assert_int_equal(vmha_registry_remove(f->reg, "../etc"), -EINVAL);
	assert_int_equal(vmha_registry_list(f->reg, &names, &n), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		free(names[i]);
	}
	free(names);
}

static void test_bad_settings_file_names_line_and_field(void **state)
{
	struct fixture *f = *state;
	struct vmha_registry_vm *vm = make_vm("app", 3, 1);
	struct vmha_registry_vm *back = NULL;
	char *err = NULL;

	assert_int_equal(vmha_registry_lock(f->reg, vmha_deadline_in_ms(1000)), 0);
	assert_int_equal(vmha_registry_add(f->reg, vm, false), 0);

	write_file(f->dir, "app.ha", "# comment\npriority=high\ncolour=blue\n");
	assert_int_equal(vmha_registry_load(f->reg, "app", &back, &err), -EINVAL);
	assert_null(back);
	assert_non_null(strstr(err, "app.ha:3: unknown setting 'colour'"));
	free(err);

	write_file(f->dir, "app.ha", "restart=sometimes\n");
	assert_int_equal(vmha_registry_load(f->reg, "app", &back, &err), -EINVAL);
	assert_non_null(strstr(err, "app.ha:1: restart: invalid value 'sometimes'"));
	free(err);

	write_file(f->dir, "app.ha", "priority\n");
	assert_int_equal(vmha_registry_load(f->reg, "app", &back, &err), -EINVAL);
	assert_non_null(strstr(err, "app.ha:1: expected key=value"));
	free(err);

	write_file(f->dir, "app.ha", "priority=high\nstate=paused\n");
	assert_int_equal(vmha_registry_load(f->reg, "app", &back, &err), -EINVAL);
	assert_null(back);
	assert_non_null(strstr(err, "app.ha:2: state: invalid value 'paused' (expected started, "
	                            "stopped or disabled)"));
	free(err);

	assert_int_equal(vmha_registry_load(f->reg, "absent", &back, &err), -ENOENT);
	vmha_registry_vm_free(vm);
}

/* The desired state: "started" for an entry without one, kept through a save and a load. */
static void test_desired_state(void **state)
{
	struct fixture *f = *state;
	struct vmha_registry_vm *vm = make_vm("db", 4, 1);
	struct vmha_registry_vm *back = NULL;
	enum vmha_registry_desired d = VMHA_DESIRED_STARTED;
	char *err = NULL;

	assert_int_equal(vmha_registry_vm_desired(vm), VMHA_DESIRED_STARTED);
	assert_null(vmha_registry_vm_get(vm, VMHA_REGISTRY_STATE));
	assert_int_equal(vmha_registry_lock(f->reg, vmha_deadline_in_ms(1000)), 0);
	assert_int_equal(vmha_registry_add(f->reg, vm, false), 0);
	write_file(f->dir, "db.ha", "# written before desired states existed\npriority=high\n");
	assert_int_equal(vmha_registry_load(f->reg, "db", &back, &err), 0);
	assert_int_equal(vmha_registry_vm_desired(back), VMHA_DESIRED_STARTED);
	vmha_registry_vm_free(back);
	back = NULL;

	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_STATE, "stopped"), 0);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_STATE, "Stopped"), -EINVAL);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_STATE, ""), -EINVAL);
	assert_int_equal(vmha_registry_add(f->reg, vm, true), 0);
	assert_int_equal(vmha_registry_load(f->reg, "db", &back, &err), 0);
	assert_int_equal(vmha_registry_vm_desired(back), VMHA_DESIRED_STOPPED);
	assert_string_equal(vmha_registry_vm_get(back, VMHA_REGISTRY_STATE), "stopped");
	vmha_registry_vm_free(back);

	assert_int_equal(vmha_registry_desired_parse("disabled", &d), 0);
	assert_int_equal(d, VMHA_DESIRED_DISABLED);
	assert_int_equal(vmha_registry_desired_parse("off", &d), -EINVAL);
	assert_int_equal(vmha_registry_desired_parse(NULL, &d), -EINVAL);
	assert_string_equal(vmha_registry_desired_name(VMHA_DESIRED_STOPPED), "stopped");
	assert_string_equal(vmha_registry_desired_name((enum vmha_registry_desired)9), "?");
	assert_string_equal(vmha_registry_key_name(VMHA_REGISTRY_STATE), "state");
	assert_int_equal(vmha_registry_vm_desired(NULL), VMHA_DESIRED_STARTED);
	vmha_registry_vm_free(vm);
}

/* The health check: off unless health=agent; strict values; a bad line names file, line and values. */
static void test_health_setting(void **state)
{
	struct fixture *f = *state;
	struct vmha_registry_vm *vm = make_vm("hv", 2, 1);
	struct vmha_registry_vm *back = NULL;
	char *err = NULL;

	assert_false(vmha_registry_vm_health_agent(vm));
	assert_false(vmha_registry_vm_health_agent(NULL));
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_HEALTH, "Agent"), -EINVAL);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_HEALTH, "agent "), -EINVAL);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_HEALTH, "none"), 0);
	assert_false(vmha_registry_vm_health_agent(vm));
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_HEALTH, "agent"), 0);
	assert_true(vmha_registry_vm_health_agent(vm));
	assert_int_equal(vmha_registry_lock(f->reg, vmha_deadline_in_ms(1000)), 0);
	assert_int_equal(vmha_registry_add(f->reg, vm, false), 0);
	assert_int_equal(vmha_registry_load(f->reg, "hv", &back, &err), 0);
	assert_true(vmha_registry_vm_health_agent(back));
	assert_string_equal(vmha_registry_key_name(VMHA_REGISTRY_HEALTH), "health");
	vmha_registry_vm_free(back);
	back = NULL;
	write_file(f->dir, "hv.ha", "priority=high\nhealth=ping\n");
	assert_int_equal(vmha_registry_load(f->reg, "hv", &back, &err), -EINVAL);
	assert_non_null(err);
	assert_non_null(
	        strstr(err, "hv.ha:2: health: invalid value 'ping' (expected agent or none)"));
	free(err);
	assert_null(back);
	vmha_registry_vm_free(vm);
}

static void test_setting_values(void **state)
{
	struct vmha_registry_vm *vm = vmha_registry_vm_new("v");
	enum vmha_registry_key key;

	assert_non_null(vm);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_PRIORITY, "-5"), 0);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_PRIORITY, "lowest"), 0);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_PRIORITY, "urgent"), -EINVAL);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_RESTART, "never"), 0);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_ALLOWED, "a,,b"), -EINVAL);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_ALLOWED, ",a"), -EINVAL);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_ALLOWED, "a,"), -EINVAL);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_ALLOWED, "a/b"), -EINVAL);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_PREFERRED, "h3"), 0);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_MEMORY, "1.5"), -EINVAL);
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_ANTI_AFFINITY, "web tier"),
	                 -EINVAL);
	assert_int_equal(vmha_registry_key_parse("anti_affinity", &key), 0);
	assert_int_equal(key, VMHA_REGISTRY_ANTI_AFFINITY);
	assert_int_equal(vmha_registry_key_parse("nope", &key), -EINVAL);
	assert_null(vmha_registry_vm_new("bad/name"));
	assert_null(vmha_registry_vm_new(""));
	vmha_registry_vm_free(vm);
	vmha_registry_vm_free(NULL);
	vmha_registry_free(NULL);
}

static void test_domain_xml_checks(void **state)
{
	static const struct {
		const char *xml;
		const char *error;
	} cases[] = {
	        {"<domain><name>v</name", "not well-formed"},
	        {"<vm><name>v</name></vm>", "root element is not <domain>"},
	        {"<domain><name>w</name></domain>", "<name> differs"},
	        {"<domain><name>v</name></domain>", "<uuid> is missing"},
	        {"<domain><name>v</name><uuid>8f1c2d3e-0000-4000-8000-000000000001</uuid>"
	         "<memory>1024</memory></domain>",
	         "<vcpu> is missing"},
	        {"<domain><name>v</name><uuid>8f1c2d3e-0000-4000-8000-000000000001</uuid>"
	         "<vcpu>1</vcpu><memory unit='parsecs'>1</memory></domain>",
	         "<memory>: unknown unit 'parsecs'"},
	};
	struct vmha_registry_vm *vm = vmha_registry_vm_new("v");
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *err = NULL;

		assert_int_equal(vmha_registry_vm_set_xml(vm, cases[i].xml, &err), -EINVAL);
		assert_non_null(err);
		if (strstr(err, cases[i].error) == NULL) {
			fail_msg("case %zu: '%s' does not contain '%s'", i, err, cases[i].error);
		}
		free(err);
	}
	assert_null(vmha_registry_vm_xml(vm));
	/* An explicit demand is not overridden by the XML's. */
	assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_MEMORY, "64"), 0);
	assert_int_equal(
	        vmha_registry_vm_set_xml(
	                vm,
	                "<domain><name>v</name><uuid>8f1c2d3e-0000-4000-8000-"
	                "000000000001</uuid><vcpu>4</vcpu><memory unit='GiB'>2</memory></domain>",
	                NULL),
	        0);
	assert_string_equal(vmha_registry_vm_get(vm, VMHA_REGISTRY_MEMORY), "64");
	assert_string_equal(vmha_registry_vm_get(vm, VMHA_REGISTRY_CPU), "4");
	vmha_registry_vm_free(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_add_needs_lock_and_refuses_duplicates, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_lock_excludes_a_second_editor, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_list_sorted_and_remove, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bad_settings_file_names_line_and_field, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_desired_state, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_health_setting, setup, teardown),
	        cmocka_unit_test(test_setting_values),
	        cmocka_unit_test(test_domain_xml_checks),
	};

	return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}

/* Unit tests of planner/model.c and planner/scenario.c */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "planner/model.h"
#include "planner/scenario.h"

static struct vmha_model *parse(const char *text, int *rc, char *err, size_t errlen)
{
	struct vmha_model *m = vmha_model_new();

	assert_non_null(m);
	*rc = vmha_scenario_parse_buffer("t.scenario", text, strlen(text), m, err, errlen);
	if (*rc == 0) {
		*rc = vmha_model_finish(m, err, errlen);
	}
	return m;
}

static void test_parse_valid(void **state)
{
	static const char text[] =
	        "# a comment\n"
	        "node h2 cpu=9000 memory=9216   # trailing comment\n"
	        "\n"
	        "   node h1 cpu=100 memory=200 failover\n"
	        "node h3\tcpu=5 standby gpu=1\n"
	        "vm web1 on=h1 cpu=2000 memory=1024 priority=high anti-affinity=web,front\n"
	        "vm db on=h2 cpu=1 priority=-7 restart=never allowed=h1,h2 preferred=h2\n"
	        "vm off cpu=3\n";
	char err[512] = "";
	struct vmha_model *m = NULL;
	size_t d = 0;
	size_t h = 0;
	int rc;

	m = parse(text, &rc, err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_int_equal(vmha_model_host_count(m), 3);
	assert_int_equal(vmha_model_vm_count(m), 3);
	assert_int_equal(vmha_model_dim_count(m), 3);
	/* hosts and VMs sorted by name */
	assert_string_equal(vmha_model_host_name(m, 0), "h1");
	assert_string_equal(vmha_model_host_name(m, 2), "h3");
	assert_string_equal(vmha_model_vm_name(m, 0), "db");
	assert_string_equal(vmha_model_vm_name(m, 1), "off");
	assert_string_equal(vmha_model_vm_name(m, 2), "web1");
	assert_int_equal(vmha_model_dim(m, "memory", false, &d), 0);
	assert_int_equal(vmha_model_host_capacity(m, 1, d), 9216);
	assert_int_equal(vmha_model_host_capacity(m, 2, d), 0);
	assert_true(vmha_model_host_is_failover(m, 0));
	assert_false(vmha_model_host_is_failover(m, 1));
	assert_true(vmha_model_host_is_standby(m, 2));
	assert_int_equal(vmha_model_vm_host(m, 2), 0);
	assert_int_equal(vmha_model_vm_host(m, 1), -1);
	assert_int_equal(vmha_model_vm_priority(m, 2), VMHA_PRIORITY_HIGH);
	assert_int_equal(vmha_model_vm_priority(m, 0), -7);
	assert_int_equal(vmha_model_vm_priority(m, 1), VMHA_PRIORITY_MEDIUM);
	assert_false(vmha_model_vm_restarts(m, 0));
	assert_true(vmha_model_vm_restarts(m, 2));
	assert_int_equal(vmha_model_group_count(m), 2);
	assert_int_equal(vmha_model_vm_group_count(m, 2), 2);
	assert_string_equal(vmha_model_group_name(m, vmha_model_vm_group(m, 2, 0)), "front");
	assert_true(vmha_model_vm_is_restricted(m, 0));
	assert_true(vmha_model_vm_allows(m, 0, 0));
	assert_false(vmha_model_vm_allows(m, 0, 2));
	assert_true(vmha_model_vm_allows(m, 2, 2));
	assert_true(vmha_model_vm_prefers(m, 0, 1));
	assert_false(vmha_model_vm_prefers(m, 0, 0));
	assert_int_equal(vmha_model_host_find(m, "h3", &h), 0);
	assert_int_equal(h, 2);
	assert_int_equal(vmha_model_host_find(m, "h4", &h), -ENOENT);
	vmha_model_free(m);
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
	        {"node h1 cpu=x\n", "t.scenario:1: field 'cpu': 'x' is not a non-negative integer"},
	        {"\n\nfoo h1\n", "t.scenario:3: field 'kind': unknown item 'foo'"},
	        {"node\n", "t.scenario:1: field 'name': node without a name"},
	        {"node h1\nvm v on=h2\n", "t.scenario:2: vm 'v': field 'on': no node 'h2'"},
	        {"node h1\nnode h1\n", "t.scenario:2: node 'h1': field 'name': defined twice"},
	        {"node h1\nvm v\nvm v\n", "t.scenario:3: vm 'v': field 'name': defined twice"},
	        {"node h1 cpu=1 cpu=2\n", "t.scenario:1: field 'cpu': given twice"},
	        {"node h1 fast\n", "t.scenario:1: field 'fast': unknown flag"},
	        {"node h1 failover=maybe\n",
	         "t.scenario:1: field 'failover': 'maybe' is not a boolean"},
	        {"vm v priority=urgent\n", "t.scenario:1: field 'priority': 'urgent'"},
	        {"vm v priority=2000000\n", "t.scenario:1: field 'priority'"},
	        {"vm v restart=maybe\n", "t.scenario:1: field 'restart'"},
	        {"vm v cpu\n", "t.scenario:1: field 'cpu': 'cpu' is not key=value"},
	        {"vm v anti-affinity=\n", "t.scenario:1: field 'anti-affinity'"},
	        {"vm v allowed=a,\n", "t.scenario:1: field 'allowed'"},
	        {"vm v allowed=a/b\n", "t.scenario:1: field 'allowed': 'a/b' is not a valid name"},
	        {"vm .v\n", "t.scenario:1: field 'name': '.v' is not a valid vm name"},
	        {"vm v on=a/b\n", "t.scenario:1: field 'on'"},
	        {"vm v a/b=1\n", "t.scenario:1: field 'a/b': 'a/b' is not a valid dimension name"},
	        {"node h cpu=1099511627777\n",
	         "t.scenario:1: field 'cpu': '1099511627777' is too large"},
	        {"node h cpu=99999999999999999999999\n", "t.scenario:1: field 'cpu'"},
	        {"vm v allowed=h9\n", "t.scenario:1: vm 'v': field 'allowed': no node 'h9'"},
	        {"vm v preferred=h9\n", "t.scenario:1: vm 'v': field 'preferred': no node 'h9'"},
	        {"node h d1=1 d2=1 d3=1 d4=1 d5=1 d6=1 d7=1 d8=1 d9=1 d10=1 d11=1 d12=1 d13=1 "
	         "d14=1 d15=1 d16=1 d17=1\n",
	         "t.scenario:1: field 'd17': too many dimensions"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[512] = "";
		struct vmha_model *m = NULL;
		int rc;

		m = parse(cases[i].text, &rc, err, sizeof(err));
		if (rc != -EINVAL || strstr(err, cases[i].err) == NULL) {
			fail_msg("case %zu: rc %d, err '%s', expected '%s'", i, rc, err,
			         cases[i].err);
		}
		vmha_model_free(m);
	}
}

static void test_nul_byte(void **state)
{
	static const char text[] = "node h1\nnode h2\0x\n";
	struct vmha_model *m = vmha_model_new();
	char err[256] = "";

	assert_int_equal(vmha_scenario_parse_buffer("t.scenario", text, sizeof(text) - 1, m, err,
	                                            sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "t.scenario:2: field 'text': contains a NUL byte"));
	vmha_model_free(m);
}

static void test_order_independent(void **state)
{
	static const char a[] = "node h1 cpu=1\nnode h2 cpu=2\nvm b on=h2 anti-affinity=y,x\nvm a "
	                        "on=h1 anti-affinity=x\n";
	static const char b[] = "vm a on=h1 anti-affinity=x\nvm b on=h2 anti-affinity=x,y\nnode h2 "
	                        "cpu=2\nnode h1 cpu=1\n";
	char err[256];
	struct vmha_model *ma = NULL;
	struct vmha_model *mb = NULL;
	size_t i;
	int rc;

	ma = parse(a, &rc, err, sizeof(err));
	assert_int_equal(rc, 0);
	mb = parse(b, &rc, err, sizeof(err));
	assert_int_equal(rc, 0);
	for (i = 0; i < 2; i++) {
		assert_string_equal(vmha_model_host_name(ma, i), vmha_model_host_name(mb, i));
		assert_string_equal(vmha_model_vm_name(ma, i), vmha_model_vm_name(mb, i));
		assert_int_equal(vmha_model_vm_host(ma, i), vmha_model_vm_host(mb, i));
		assert_string_equal(vmha_model_group_name(ma, i), vmha_model_group_name(mb, i));
		assert_int_equal(vmha_model_vm_group(ma, 1, i), vmha_model_vm_group(mb, 1, i));
	}
	vmha_model_free(ma);
	vmha_model_free(mb);
}

static void test_priority(void **state)
{
	int64_t p = 0;
	char buf[32];

	assert_int_equal(vmha_model_priority_parse("highest", &p), 0);
	assert_int_equal(p, VMHA_PRIORITY_HIGHEST);
	assert_int_equal(vmha_model_priority_parse("LOW", &p), 0);
	assert_int_equal(p, VMHA_PRIORITY_LOW);
	assert_int_equal(vmha_model_priority_parse("-42", &p), 0);
	assert_int_equal(p, -42);
	assert_int_equal(vmha_model_priority_parse("1000001", &p), -ERANGE);
	assert_int_equal(vmha_model_priority_parse("hi", &p), -EINVAL);
	assert_string_equal(vmha_model_priority_format(VMHA_PRIORITY_LOWEST, buf, sizeof(buf)),
	                    "lowest");
	assert_string_equal(vmha_model_priority_format(7, buf, sizeof(buf)), "7");
}

static void test_parse_line_and_file(void **state)
{
	struct vmha_model *m = vmha_model_new();
	char err[256] = "";
	size_t v = 0;

	assert_int_equal(vmha_scenario_parse_line("--add", "vm n1 cpu=5", m, err, sizeof(err)), 0);
	assert_int_equal(vmha_scenario_parse_line("--add", "vm n2 cpu=z", m, err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "--add:1: field 'cpu'"));
	assert_int_equal(vmha_model_finish(m, err, sizeof(err)), 0);
	assert_int_equal(vmha_model_vm_count(m), 2);
	assert_int_equal(vmha_model_add_vm(m, "late", NULL, &v), -EBUSY);
	vmha_model_free(m);

	m = vmha_model_new();
	assert_int_equal(vmha_scenario_parse_file("/nonexistent/x.scenario", m, err, sizeof(err)),
	                 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/x.scenario: cannot open"));
	vmha_model_free(m);
	vmha_model_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse_valid), cmocka_unit_test(test_parse_errors),
	        cmocka_unit_test(test_nul_byte),    cmocka_unit_test(test_order_independent),
	        cmocka_unit_test(test_priority),    cmocka_unit_test(test_parse_line_and_file),
	};

	return cmocka_run_group_tests_name("planner scenario", tests, NULL, NULL);
}

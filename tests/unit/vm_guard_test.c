/*
 * Unit tests of tools/vm_guard.c: may an operator start/stop/migrate a VM
 * now? One case per line: vmhad's status JSON, the VM, the expected result
 * and a part of the reason.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "vm_guard.h"

#define HOSTS                                                                           \
	"\"hosts\":[{\"name\":\"h1\",\"state\":\"online\"},{\"name\":\"h2\",\"state\":" \
	"\"lost\"},{\"name\":\"h3\",\"state\":\"standby\"}]"

struct guard_case {
	const char *status;
	const char *vm;
	int rc;
	const char *why;
};

static const struct guard_case cases[] = {
        {"{\"quorate\":true," HOSTS "}", "web1", 0, ""},
        {"{\"quorate\":false," HOSTS "}", "web1", -ENOLINK, "this host is inquorate"},
        {"{" HOSTS "}", "web1", -EPROTO, "does not say whether this host is quorate"},
        {"{\"quorate\":true,\"self_fenced\":true," HOSTS "}", "web1", -ENOLINK, "fenced itself"},
        {"{\"quorate\":true," HOSTS ",\"failover\":[]}", "web1", 0, ""},
        {"{\"quorate\":true," HOSTS
         ",\"failover\":[{\"name\":\"web1\",\"state\":\"running\",\"host\":\"h1\"}]}",
         "web1", 0, ""},
        {"{\"quorate\":true," HOSTS
         ",\"failover\":[{\"name\":\"web1\",\"state\":\"running\",\"host\":\"h3\"}]}",
         "web1", 0, ""},
        {"{\"quorate\":true," HOSTS
         ",\"failover\":[{\"name\":\"web1\",\"state\":\"running\",\"host\":\"h2\"}]}",
         "web1", -EBUSY, "'web1' last ran on host 'h2', which is lost: the failover owns it"},
        {"{\"quorate\":true," HOSTS
         ",\"failover\":[{\"name\":\"web1\",\"state\":\"running\",\"host\":\"h9\"}]}",
         "web1", -EBUSY, "which is unknown"},
        {"{\"quorate\":true," HOSTS
         ",\"failover\":[{\"name\":\"web1\",\"state\":\"assigned\",\"host\":\"h2\","
         "\"target\":\"h1\"}]}",
         "web1", -EBUSY, "'web1' is assigned in the failover (target host 'h1')"},
        {"{\"quorate\":true," HOSTS
         ",\"failover\":[{\"name\":\"web1\",\"state\":\"displaced\",\"host\":\"h2\"}]}",
         "web1", -EBUSY, "'web1' is displaced in the failover"},
        {"{\"quorate\":true," HOSTS
         ",\"failover\":[{\"name\":\"web1\",\"state\":\"stranded\",\"host\":\"h2\"}]}",
         "web1", -EBUSY, "is stranded"},
        {"{\"quorate\":true," HOSTS
         ",\"failover\":[{\"name\":\"web1\",\"state\":\"unknown\"},{\"name\":\"db1\","
         "\"state\":\"assigned\"}]}",
         "web1", 0, ""},
        {"{\"quorate\":true," HOSTS
         ",\"failover\":[{\"name\":\"web1\",\"state\":\"not_restarted\",\"host\":\"h2\"}]}",
         "web1", 0, ""},
        {"{\"quorate\":true," HOSTS ",\"failover\":[{\"name\":\"web1\",\"state\":\"fencing\"}]}",
         "web1", -EBUSY, "is fencing in the failover"},
};

static void test_cases(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_object *status = json_tokener_parse(cases[i].status);
		char why[512] = "";
		int rc;

		assert_non_null(status);
		rc = vmha_vm_guard_check(status, cases[i].vm, why, sizeof(why));
		if (rc != cases[i].rc || strstr(why, cases[i].why) == NULL) {
			fail_msg("case %zu: rc %d why '%s', expected %d '%s'", i + 1, rc, why,
			         cases[i].rc, cases[i].why);
		}
		json_object_put(status);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cases),
	};

	return cmocka_run_group_tests_name("vm_guard", tests, NULL, NULL);
}

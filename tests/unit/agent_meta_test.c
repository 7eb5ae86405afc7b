/* Unit tests of fencing/agent_meta.c: parsing meta-data and validating parameters. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent_meta.h"
#include "deadline.h"
#include "log.h"

#define TEST_AGENT VMHA_TOP_SRCDIR "/tests/integration/fence_vmhatest"

/* Shaped like fence-agents' output: ip obsoletes ipaddr (deprecated, required). */
static const char ipmi_like[] =
        "<?xml version=\"1.0\" ?>\n"
        "<resource-agent name=\"fence_example\" shortdesc=\"x\">\n"
        "<parameters>\n"
        " <parameter name=\"action\" required=\"1\"/>\n"
        " <parameter name=\"ip\" required=\"1\" obsoletes=\"ipaddr\"/>\n"
        " <parameter name=\"ipaddr\" required=\"1\" deprecated=\"1\"/>\n"
        " <parameter name=\"username\" required=\"0\"/>\n"
        " <parameter name=\"password\" required=\"0\"/>\n"
        " <parameter name=\"port\" required=\"1\" deprecated=\"1\"/>\n"
        " <parameter name=\"plug\" required=\"1\" obsoletes=\"port\"/>\n"
        "</parameters>\n"
        "<actions><action name=\"off\"/><action name=\"status\"/><action name=\"metadata\"/>"
        "</actions>\n"
        "</resource-agent>\n";

static const char no_plug[] = "<resource-agent name=\"fence_solo\"><parameters>"
                              "<parameter name=\"status_file\" required=\"0\"/>"
                              "<parameter name=\"port\" required=\"0\"/>"
                              "</parameters><actions><action name=\"off\"/></actions>"
                              "</resource-agent>";

static const char nothing[] = "<resource-agent name=\"fence_none\"><parameters/>"
                              "<actions><action name=\"off\"/></actions></resource-agent>";

static void test_parse(void **state)
{
	char err[256];
	struct vmha_agent_meta *meta =
	        vmha_agent_meta_parse(ipmi_like, strlen(ipmi_like), err, sizeof(err));

	assert_non_null(meta);
	assert_string_equal(vmha_agent_meta_name(meta), "fence_example");
	assert_true(vmha_agent_meta_has_param(meta, "ip"));
	assert_false(vmha_agent_meta_has_param(meta, "colour"));
	assert_true(vmha_agent_meta_has_action(meta, "off"));
	assert_false(vmha_agent_meta_has_action(meta, "reboot"));
	assert_string_equal(vmha_agent_meta_plug_param(meta), "plug");
	vmha_agent_meta_free(meta);

	meta = vmha_agent_meta_parse(no_plug, strlen(no_plug), err, sizeof(err));
	assert_non_null(meta);
	assert_string_equal(vmha_agent_meta_plug_param(meta), "port");
	vmha_agent_meta_free(meta);

	meta = vmha_agent_meta_parse(nothing, strlen(nothing), err, sizeof(err));
	assert_non_null(meta);
	assert_null(vmha_agent_meta_plug_param(meta));
	vmha_agent_meta_free(meta);
	vmha_agent_meta_free(NULL);
}

static void test_parse_errors(void **state)
{
	char err[256];
	const char *not_xml = "Usage: fence_x [options]";
	const char *wrong_root = "<html><body/></html>";
	const char *no_actions = "<resource-agent name=\"x\"><parameters/></resource-agent>";

	assert_null(vmha_agent_meta_parse(not_xml, strlen(not_xml), err, sizeof(err)));
	assert_non_null(strstr(err, "not a <resource-agent>"));
	assert_null(vmha_agent_meta_parse(wrong_root, strlen(wrong_root), err, sizeof(err)));
	assert_null(vmha_agent_meta_parse(no_actions, strlen(no_actions), err, sizeof(err)));
	assert_non_null(strstr(err, "no usable actions"));
	assert_null(vmha_agent_meta_parse(NULL, 0, err, sizeof(err)));
	assert_null(vmha_agent_meta_parse(ipmi_like, 10, err, sizeof(err)));
}

static void test_validate(void **state)
{
	struct vmha_agent_meta *meta = vmha_agent_meta_parse(ipmi_like, strlen(ipmi_like), NULL, 0);
	const char *ok1[] = {"ip", "username", "password"};
	const char *ok2[] = {"ipaddr"};
	const char *unknown[] = {"ip", "colour"};
	const char *missing[] = {"username"};
	const char *bad = NULL;
	char msg[256];

	assert_non_null(meta);
	assert_int_equal(vmha_agent_meta_validate(meta, ok1, 3, &bad, msg, sizeof(msg)), 0);
	/* The deprecated name satisfies the required new one, and the other way round. */
	assert_int_equal(vmha_agent_meta_validate(meta, ok2, 1, &bad, msg, sizeof(msg)), 0);
	assert_int_equal(vmha_agent_meta_validate(meta, unknown, 2, &bad, msg, sizeof(msg)),
	                 -EINVAL);
	assert_string_equal(bad, "colour");
	assert_string_equal(msg, "unknown parameter 'colour' for agent 'fence_example'");
	assert_int_equal(vmha_agent_meta_validate(meta, missing, 1, &bad, msg, sizeof(msg)),
	                 -ENOENT);
	assert_string_equal(bad, "ip");
	assert_string_equal(msg, "missing required parameter 'ip' of agent 'fence_example'");
	vmha_agent_meta_free(meta);
}

static void test_load_real_agent(void **state)
{
	struct vmha_agent_meta *meta = NULL;
	char err[512];

	assert_int_equal(vmha_agent_meta_load(TEST_AGENT, vmha_deadline_in_ms(10000), &meta, err,
	                                      sizeof(err)),
	                 0);
	assert_string_equal(vmha_agent_meta_name(meta), "fence_vmhatest");
	assert_string_equal(vmha_agent_meta_plug_param(meta), "plug");
	assert_true(vmha_agent_meta_has_action(meta, "status"));
	vmha_agent_meta_free(meta);

	assert_int_equal(vmha_agent_meta_load("/nonexistent/fence_x", vmha_deadline_in_ms(1000),
	                                      &meta, err, sizeof(err)),
	                 -ENOENT);
	assert_null(meta);
	assert_non_null(strstr(err, "not an executable fence agent"));
	/* /bin/true prints nothing: not meta-data. */
	assert_int_equal(vmha_agent_meta_load("/bin/true", vmha_deadline_in_ms(5000), &meta, err,
	                                      sizeof(err)),
	                 -EPROTO);
	assert_non_null(strstr(err, "empty meta-data"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse),
	        cmocka_unit_test(test_parse_errors),
	        cmocka_unit_test(test_validate),
	        cmocka_unit_test(test_load_real_agent),
	};
	int rc;

	vmha_log_init("agent_meta_test", 0);
	rc = cmocka_run_group_tests_name("agent_meta", tests, NULL, NULL);
	vmha_log_fini();
	return rc;
}

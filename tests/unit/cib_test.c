/* Unit tests of planner/cib.c */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "planner/cib.h"
#include "planner/model.h"

static const char cib[] =
        "<cib epoch=\"1\" num_updates=\"0\" admin_epoch=\"0\">\n"
        "  <configuration>\n"
        "    <nodes>\n"
        "      <node id=\"1\" uname=\"n1\"><utilization id=\"u1\">\n"
        "        <nvpair id=\"u1c\" name=\"cpu\" value=\"8\"/>\n"
        "        <nvpair id=\"u1m\" name=\"memory\" value=\"4096\"/></utilization></node>\n"
        "      <node id=\"2\" uname=\"n2\"><utilization id=\"u2\">\n"
        "        <nvpair id=\"u2c\" name=\"cpu\" value=\"4\"/></utilization>\n"
        "        <instance_attributes id=\"ia2\"><nvpair id=\"s2\" name=\"maintenance\" "
        "value=\"true\"/></instance_attributes></node>\n"
        "      <node id=\"3\"/>\n"
        "    </nodes>\n"
        "    <resources>\n"
        "      <primitive id=\"vm1\" class=\"ocf\" provider=\"vmha\" type=\"VirtualDomain\">\n"
        "        <meta_attributes id=\"m1\"><nvpair id=\"p1\" name=\"priority\" "
        "value=\"5\"/></meta_attributes>\n"
        "        <utilization id=\"vu1\"><nvpair id=\"vu1c\" name=\"cpu\" "
        "value=\"2\"/></utilization>\n"
        "      </primitive>\n"
        "      <group id=\"grp\"><primitive id=\"vm2\" class=\"ocf\" provider=\"vmha\" "
        "type=\"VirtualDomain\"/></group>\n"
        "      <clone id=\"cl\"><primitive id=\"ping\" class=\"ocf\" provider=\"pacemaker\" "
        "type=\"ping\"/></clone>\n"
        "      <primitive id=\"vm3\" class=\"ocf\" provider=\"vmha\" type=\"VirtualDomain\"/>\n"
        "    </resources>\n"
        "    <constraints>\n"
        "      <rsc_colocation id=\"apart\" rsc=\"vm1\" with-rsc=\"vm2\" score=\"-INFINITY\"/>\n"
        "      <rsc_colocation id=\"together\" rsc=\"vm1\" with-rsc=\"vm3\" score=\"100\"/>\n"
        "      <rsc_location id=\"ban\" rsc=\"vm3\" node=\"n1\" score=\"-INFINITY\"/>\n"
        "      <rsc_location id=\"pref\" rsc=\"vm2\" node=\"n2\" score=\"50\"/>\n"
        "    </constraints>\n"
        "  </configuration>\n"
        "  <status>\n"
        "    <node_state id=\"1\" uname=\"n1\"><lrm id=\"1\"><lrm_resources>\n"
        "      <lrm_resource id=\"vm1\">\n"
        "        <lrm_rsc_op id=\"a\" operation=\"monitor\" call-id=\"9\" rc-code=\"0\"/>\n"
        "        <lrm_rsc_op id=\"b\" operation=\"start\" call-id=\"8\" rc-code=\"0\"/>\n"
        "      </lrm_resource>\n"
        "      <lrm_resource id=\"vm2\">\n"
        "        <lrm_rsc_op id=\"c\" operation=\"start\" call-id=\"3\" rc-code=\"0\"/>\n"
        "        <lrm_rsc_op id=\"d\" operation=\"migrate_to\" call-id=\"4\" rc-code=\"0\"/>\n"
        "      </lrm_resource>\n"
        "      <lrm_resource id=\"gone\"><lrm_rsc_op id=\"e\" operation=\"start\" "
        "call-id=\"1\" rc-code=\"0\"/></lrm_resource>\n"
        "    </lrm_resources></lrm></node_state>\n"
        "    <node_state id=\"2\" uname=\"n2\"><lrm id=\"2\"><lrm_resources>\n"
        "      <lrm_resource id=\"vm2\">\n"
        "        <lrm_rsc_op id=\"f\" operation=\"migrate_from\" call-id=\"5\" rc-code=\"0\"/>\n"
        "      </lrm_resource>\n"
        "      <lrm_resource id=\"vm3\">\n"
        "        <lrm_rsc_op id=\"g\" operation=\"monitor\" call-id=\"6\" rc-code=\"7\"/>\n"
        "      </lrm_resource>\n"
        "    </lrm_resources></lrm></node_state>\n"
        "  </status>\n"
        "</cib>\n";

static struct vmha_model *read_cib(const char *text, int *rc, char *err, size_t errlen)
{
	struct vmha_model *m = vmha_model_new();

	*rc = vmha_cib_parse_buffer("cib.xml", text, strlen(text), m, err, errlen);
	if (*rc == 0) {
		*rc = vmha_model_finish(m, err, errlen);
	}
	return m;
}

static void test_read(void **state)
{
	char err[512] = "";
	int rc;
	struct vmha_model *m = read_cib(cib, &rc, err, sizeof(err));
	size_t d = 0;

	assert_int_equal(rc, 0);
	assert_int_equal(vmha_model_host_count(m), 3);
	/* hosts in name order: "3" (no uname: the id), n1, n2 */
	assert_string_equal(vmha_model_host_name(m, 0), "3");
	assert_int_equal(vmha_model_vm_count(m), 3); /* the clone is not a VM */
	assert_int_equal(vmha_model_dim(m, "memory", false, &d), 0);
	assert_int_equal(vmha_model_host_capacity(m, 1, d), 4096);
	assert_int_equal(vmha_model_host_capacity(m, 2, d), 0);
	assert_true(vmha_model_host_is_standby(m, 2));
	assert_false(vmha_model_host_is_standby(m, 1));
	/* vm1: monitor (call 9) after start on n1: runs there; priority 5 */
	assert_int_equal(vmha_model_vm_host(m, 0), 1);
	assert_int_equal(vmha_model_vm_priority(m, 0), 5);
	assert_int_equal(vmha_model_vm_demand(m, 0, 0), 2);
	/* vm2 migrated from n1 to n2 */
	assert_int_equal(vmha_model_vm_host(m, 1), 2);
	assert_true(vmha_model_vm_prefers(m, 1, 2));
	/* vm3: probe says not running; banned from n1 */
	assert_int_equal(vmha_model_vm_host(m, 2), -1);
	assert_false(vmha_model_vm_allows(m, 2, 1));
	assert_true(vmha_model_vm_allows(m, 2, 2));
	assert_true(vmha_model_vm_allows(m, 2, 0));
	/* the negative colocation is an anti-affinity group, the positive one is not */
	assert_int_equal(vmha_model_group_count(m), 1);
	assert_string_equal(vmha_model_group_name(m, 0), "apart");
	assert_int_equal(vmha_model_vm_group_count(m, 0), 1);
	assert_int_equal(vmha_model_vm_group_count(m, 1), 1);
	assert_int_equal(vmha_model_vm_group_count(m, 2), 0);
	vmha_model_free(m);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
	        {"<cib><configuration>", "cib.xml:1: field 'xml': not well-formed"},
	        {"", "cib.xml:"},
	        {"<?xml version=\"1.0\"?>\n<domain/>",
	         "cib.xml:2: field 'cib': the root element is 'domain'"},
	        {"<cib>\n</cib>", "cib.xml:1: field 'configuration': no configuration section"},
	        {"<cib><configuration><nodes>\n<node id=\"1\" uname=\"n1\"><utilization>\n<nvpair "
	         "name=\"cpu\" value=\"-4\"/></utilization></node></nodes></configuration></cib>",
	         "cib.xml:3: field 'cpu': '-4' is not a non-negative integer"},
	        {"<cib><configuration><nodes/><resources>\n<primitive id=\"v\"><meta_attributes>\n"
	         "<nvpair name=\"priority\" value=\"high\"/></meta_attributes></primitive>"
	         "</resources></configuration></cib>",
	         "cib.xml:3: field 'priority': 'high' is not an integer"},
	        {"<cib><configuration><nodes/><resources/><constraints>\n<rsc_colocation id=\"c\" "
	         "rsc=\"a\" with-rsc=\"b\" score=\"lots\"/></constraints></configuration></cib>",
	         "cib.xml:2: field 'score': 'lots' is not a score"},
	        {"<cib><configuration><nodes/><resources><primitive id=\"v\"/></resources>"
	         "</configuration><status><node_state uname=\"n\"><lrm><lrm_resources>\n"
	         "<lrm_resource id=\"v\"><lrm_rsc_op operation=\"start\" call-id=\"x\" "
	         "rc-code=\"0\"/></lrm_resource></lrm_resources></lrm></node_state></status></cib>",
	         "cib.xml:2: field 'call-id': 'x' is not an integer"},
	        {"<cib><configuration><nodes/><resources><primitive id=\"v\"/></resources>"
	         "</configuration><status><node_state uname=\"n9\"><lrm><lrm_resources>\n"
	         "<lrm_resource id=\"v\"><lrm_rsc_op operation=\"start\" call-id=\"1\" "
	         "rc-code=\"0\"/></lrm_resource></lrm_resources></lrm></node_state></status></cib>",
	         "vm 'v': field 'on': no node 'n9'"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[512] = "";
		int rc;
		struct vmha_model *m = read_cib(cases[i].text, &rc, err, sizeof(err));

		if (rc != -EINVAL || strstr(err, cases[i].err) == NULL) {
			fail_msg("case %zu: rc %d, err '%s', expected '%s'", i, rc, err,
			         cases[i].err);
		}
		vmha_model_free(m);
	}
}

static void test_file(void **state)
{
	struct vmha_model *m = vmha_model_new();
	char err[256] = "";

	assert_int_equal(vmha_cib_parse_file("/nonexistent/cib.xml", m, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/cib.xml: cannot open"));
	vmha_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_read),
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests_name("planner cib", tests, NULL, NULL);
}

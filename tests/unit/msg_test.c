/* Unit tests of heartbeat/msg.c: the announcement codec. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "heartbeat/msg.h"

static void sample(struct vmha_announce *a, struct vmha_vm_info *vms)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->host, sizeof(a->host), "h1");
	a->incarnation = 42;
	a->seq = 7;
	a->cpus = 8;
	a->memory_kib = 16777216;
	a->memory_free_kib = 8388608;
	a->health = VMHA_HEALTH_OK;
	a->n_vms = 2;
	a->vms = vms;
	memset(vms, 0, 2 * sizeof(*vms));
	snprintf(vms[0].name, sizeof(vms[0].name), "web1");
	snprintf(vms[0].uuid, sizeof(vms[0].uuid), "6f1c2a9e-0d3b-4c5e-9a7f-1b2c3d4e5f60");
	vms[0].state = VMHA_VM_RUNNING;
	vms[0].vcpus = 2;
	vms[0].memory_kib = 1048576;
	snprintf(vms[1].name, sizeof(vms[1].name), "db1");
	snprintf(vms[1].uuid, sizeof(vms[1].uuid), "7f1c2a9e-0d3b-4c5e-9a7f-1b2c3d4e5f61");
	vms[1].state = VMHA_VM_PAUSED;
	vms[1].vcpus = 4;
	vms[1].memory_kib = 4194304;
}

static void test_round_trip(void **state)
{
	struct vmha_announce a, b;
	struct vmha_vm_info vms[2];
	char *buf = NULL;
	size_t len = 0;
	char err[128];

	sample(&a, vms);
	assert_int_equal(vmha_msg_encode(&a, &buf, &len), 0);
	assert_int_equal(strlen(buf), len);
	assert_int_equal(vmha_msg_decode(buf, len, &b, err, sizeof(err)), 0);
	assert_string_equal(b.host, "h1");
	assert_int_equal(b.incarnation, 42);
	assert_int_equal(b.seq, 7);
	assert_int_equal(b.cpus, 8);
	assert_int_equal(b.memory_kib, 16777216);
	assert_int_equal(b.memory_free_kib, 8388608);
	assert_int_equal(b.n_vms, 2);
	assert_memory_equal(b.vms, vms, sizeof(vms));
	assert_false(b.has_safety);
	assert_false(b.synced);
	vmha_msg_announce_clear(&b);
	free(buf);

	/* Whether the vmhad holds the table travels; an older one's (no field) counts as synced. */
	a.synced = true;
	assert_int_equal(vmha_msg_encode(&a, &buf, &len), 0);
	assert_non_null(strstr(buf, "\"synced\":true"));
	assert_int_equal(vmha_msg_decode(buf, len, &b, err, sizeof(err)), 0);
	assert_true(b.synced);
	vmha_msg_announce_clear(&b);
	free(buf);
	a.synced = false;
	{
		static const char old[] =
		        "{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,"
		        "\"seq\":1,\"cpus\":1,\"memory_kib\":1,\"memory_free_kib\":1,"
		        "\"health\":\"ok\",\"standby\":false,\"vms\":[]}";

		assert_int_equal(vmha_msg_decode(old, strlen(old), &b, err, sizeof(err)), 0);
		assert_true(b.synced);
		vmha_msg_announce_clear(&b);
	}

	/* The optional self-fence settings travel too. */
	a.has_safety = true;
	a.safety.fence_device = false;
	a.safety.watchdog_timeout_ms = 10000;
	a.safety.self_fence_delay_ms = 30000;
	assert_int_equal(vmha_msg_encode(&a, &buf, &len), 0);
	assert_non_null(strstr(buf, "\"safety\":{\"fence_device\":false,\"watchdog_timeout_ms\":"
	                            "10000,\"self_fence_delay_ms\":30000}"));
	assert_int_equal(vmha_msg_decode(buf, len, &b, err, sizeof(err)), 0);
	assert_true(b.has_safety);
	assert_false(b.safety.fence_device);
	assert_int_equal(b.safety.watchdog_timeout_ms, 10000);
	assert_int_equal(b.safety.self_fence_delay_ms, 30000);
	vmha_msg_announce_clear(&b);
	free(buf);
	a.safety.watchdog_timeout_ms = 86400001;
	assert_int_equal(vmha_msg_encode(&a, &buf, &len), -EINVAL);
}

/* Each malformed message: the decoder refuses it with the expected code. */
static void test_rejects(void **state)
{
	static const struct {
		const char *text;
		int rc;
		const char *why;
		const char *err; /* a part of the error expected, when given */
	} cases[] = {
	        {"", -EBADMSG, "empty", NULL},
	        {"[]", -EBADMSG, "not an object", NULL},
	        {"{\"v\":2,\"type\":\"announce\"}", -EPROTONOSUPPORT, "version 2", NULL},
	        {"{\"type\":\"announce\"}", -EBADMSG, "no version", NULL},
	        {"{\"v\":\"1\"}", -EBADMSG, "version as string", NULL},
	        {"{\"v\":1,\"type\":\"hello\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,\"cpus\":"
	         "1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"vms\":[]}",
	         -EBADMSG, "unknown type", NULL},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"../"
	         "x\",\"incarnation\":1,\"seq\":1,\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"vms\":[]}",
	         -EBADMSG, "bad host name", NULL},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":-1,"
	         "\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"vms\":[]}",
	         -EBADMSG, "negative seq", NULL},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":2,\"health\":\"ok\",\"standby\":false,"
	         "\"vms\":[]}",
	         -EBADMSG, "free above total", NULL},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1.5,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"vms\":[]}",
	         -EBADMSG, "fractional cpus", NULL},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"vms\":[],"
	         "\"extra\":1}",
	         -EBADMSG, "unknown field", NULL},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"vms\":[]} x",
	         -EBADMSG, "trailing bytes", NULL},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"vms\":["
	         "{\"name\":\"a\",\"uuid\":\"nope\",\"state\":\"running\",\"vcpus\":1,\"memory_"
	         "kib\":1}]}",
	         -EBADMSG, "bad uuid", NULL},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"vms\":["
	         "{\"name\":\"a\",\"uuid\":\"6f1c2a9e-0d3b-4c5e-9a7f-1b2c3d4e5f60\",\"state\":"
	         "\"running\","
	         "\"vcpus\":1,\"memory_kib\":1},"
	         "{\"name\":\"a\",\"uuid\":\"7f1c2a9e-0d3b-4c5e-9a7f-1b2c3d4e5f60\",\"state\":"
	         "\"running\","
	         "\"vcpus\":1,\"memory_kib\":1}]}",
	         -EBADMSG, "duplicate vm name", NULL},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"vms\":["
	         "{\"name\":\"a\",\"uuid\":\"6f1c2a9e-0d3b-4c5e-9a7f-1b2c3d4e5f60\",\"state\":"
	         "\"zombie\","
	         "\"vcpus\":1,\"memory_kib\":1}]}",
	         -EBADMSG, "unknown vm state", NULL},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"vms\":[",
	         -EBADMSG, "truncated", NULL},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"vms\":[[[[1]]]]}",
	         -EBADMSG, "too deep", NULL},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"safety\":1,\"vms\":[]}",
	         -EBADMSG, "safety not an object", NULL},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"synced\":\"yes\",\"vms\":[]}",
	         -EBADMSG, "synced not a boolean", "'synced'"},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"safety\":{\"fence_device\":true,\"watchdog_timeout_ms\":1,\"self_fence_delay_"
	         "ms\":1,\"x\":1},\"vms\":[]}",
	         -EBADMSG, "unknown safety field", NULL},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"safety\":{\"fence_device\":1,\"watchdog_timeout_ms\":1,\"self_fence_delay_ms\":"
	         "1},\"vms\":[]}",
	         -EBADMSG, "safety fence_device not boolean", NULL},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"safety\":{\"fence_device\":true,\"watchdog_timeout_ms\":-1,\"self_fence_delay_"
	         "ms\":1},\"vms\":[]}",
	         -EBADMSG, "negative watchdog timeout", NULL},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"safety\":{\"fence_device\":true,\"watchdog_timeout_ms\":1,\"self_fence_delay_"
	         "ms\":86400001},\"vms\":[]}",
	         -EBADMSG, "self-fence delay above a day", NULL},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"safety\":{\"fence_device\":true,\"watchdog_timeout_ms\":1},\"vms\":[]}",
	         -EBADMSG, "self-fence delay missing", NULL},
	        {"{\"v\":1,\"type\":\"announce\",\"incarnation\":1,\"seq\":1,\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"vms\":[]}",
	         -EBADMSG, "no host", "field 'host' is missing"},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":7,\"incarnation\":1,\"seq\":1,\"cpus\":1,"
	         "\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\",\"standby\":false,"
	         "\"vms\":[]}",
	         -EBADMSG, "host a number", "field 'host' is not a string"},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h\\u00001\",\"incarnation\":1,\"seq\":"
	         "1,"
	         "\"cpus\":1,\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\","
	         "\"standby\":false,\"vms\":[]}",
	         -EBADMSG, "NUL in the host name", "field 'host' contains a NUL character"},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"fine\","
	         "\"standby\":false,\"vms\":[]}",
	         -EBADMSG, "unknown health", "field 'health' is not 'ok' or 'degraded'"},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\","
	         "\"standby\":0,\"vms\":[]}",
	         -EBADMSG, "standby a number", "field 'standby' is missing or not a boolean"},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\","
	         "\"standby\":false,\"vms\":{}}",
	         -EBADMSG, "vms an object", "field 'vms' is missing or not an array"},
	        {"{\"v\":1,\"type\":\"announce\",\"host\":\"h1\",\"incarnation\":1,\"seq\":1,"
	         "\"cpus\":1,\"memory_kib\":1,\"memory_free_kib\":1,\"health\":\"ok\","
	         "\"standby\":false,\"vms\":[\"web1\"]}",
	         -EBADMSG, "a vm as a string", "vms[0] is not an object"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmha_announce a;
		char err[160] = "";
		int rc =
		        vmha_msg_decode(cases[i].text, strlen(cases[i].text), &a, err, sizeof(err));

		if (rc != cases[i].rc) {
			fail_msg("case '%s': rc %d, expected %d (%s)", cases[i].why, rc,
			         cases[i].rc, err);
		}
		if (cases[i].err != NULL && strstr(err, cases[i].err) == NULL) {
			fail_msg("case '%s': error '%s', expected '%s'", cases[i].why, err,
			         cases[i].err);
		}
		assert_int_equal(a.n_vms, 0);
		assert_null(a.vms);
		assert_true(strlen(err) > 0);
	}
}

static void test_nul_and_size(void **state)
{
	struct vmha_announce a;
	struct vmha_vm_info vms[2];
	char *buf = NULL;
	char *big = NULL;
	size_t len = 0;
	char err[160];

	sample(&a, vms);
	assert_int_equal(vmha_msg_encode(&a, &buf, &len), 0);
	buf[3] = '\0';
	assert_int_equal(vmha_msg_decode(buf, len, &a, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "NUL"));
	free(buf);
	big = calloc(1, VMHA_MSG_MAX_BYTES + 2);
	assert_non_null(big);
	memset(big, ' ', VMHA_MSG_MAX_BYTES + 1);
	assert_int_equal(vmha_msg_decode(big, VMHA_MSG_MAX_BYTES + 1, &a, err, sizeof(err)),
	                 -EBADMSG);
	free(big);
}

static void test_encode_refuses_invalid(void **state)
{
	struct vmha_announce a;
	struct vmha_vm_info vms[2];
	char *buf = NULL;
	size_t len = 0;

	sample(&a, vms);
	snprintf(vms[1].uuid, sizeof(vms[1].uuid), "x");
	assert_int_equal(vmha_msg_encode(&a, &buf, &len), -EINVAL);
	assert_null(buf);
	sample(&a, vms);
	a.host[0] = '\0';
	assert_int_equal(vmha_msg_encode(&a, &buf, &len), -EINVAL);
	sample(&a, vms);
	a.memory_free_kib = a.memory_kib + 1;
	assert_int_equal(vmha_msg_encode(&a, &buf, &len), -EINVAL);
}

static void test_copy_and_names(void **state)
{
	struct vmha_announce a, b;
	struct vmha_vm_info vms[2];

	sample(&a, vms);
	assert_int_equal(vmha_msg_announce_copy(&b, &a), 0);
	assert_ptr_not_equal(b.vms, a.vms);
	assert_string_equal(b.vms[1].name, "db1");
	vmha_msg_announce_clear(&b);
	vmha_msg_announce_clear(NULL);
	assert_string_equal(vmha_msg_vm_state_name(VMHA_VM_SHUTOFF), "shutoff");
	assert_string_equal(vmha_msg_health_name(VMHA_HEALTH_DEGRADED), "degraded");
	assert_true(vmha_msg_uuid_is_valid("6F1C2A9E-0D3B-4C5E-9A7F-1B2C3D4E5F60"));
	assert_false(vmha_msg_uuid_is_valid("6f1c2a9e-0d3b-4c5e-9a7f-1b2c3d4e5f6"));
	assert_false(vmha_msg_uuid_is_valid("6f1c2a9e+0d3b-4c5e-9a7f-1b2c3d4e5f60"));
	assert_false(vmha_msg_uuid_is_valid("6f1c2a9e-0d3b-4c5e-9a7f-1b2c3d4e5f6g"));
	assert_false(vmha_msg_uuid_is_valid(NULL));
	/* out of range: never an index past the tables */
	assert_string_equal(vmha_msg_vm_state_name((enum vmha_vm_state)99), "other");
	assert_string_equal(vmha_msg_health_name((enum vmha_health)99), "degraded");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_round_trip),
	        cmocka_unit_test(test_rejects),
	        cmocka_unit_test(test_nul_and_size),
	        cmocka_unit_test(test_encode_refuses_invalid),
	        cmocka_unit_test(test_copy_and_names),
	};

	return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}

/* Unit tests of heartbeat/view.c beyond the scenarios: JSON, arguments. */
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
#include "heartbeat/view.h"

static void feed_announce(struct vmha_view *v, uint32_t nodeid, const char *host, const char *vm_a,
                          const char *vm_b)
{
	struct vmha_announce a = {0};
	struct vmha_vm_info vms[2];
	char *buf = NULL;
	size_t len = 0;

	memset(vms, 0, sizeof(vms));
	snprintf(a.host, sizeof(a.host), "%s", host);
	a.incarnation = 1;
	a.seq = 1;
	a.cpus = 2;
	a.memory_kib = 1000;
	a.memory_free_kib = 500;
	a.vms = vms;
	snprintf(vms[0].name, sizeof(vms[0].name), "%s", vm_a);
	snprintf(vms[0].uuid, sizeof(vms[0].uuid), "00000000-0000-4000-8000-00000000000%u", nodeid);
	snprintf(vms[1].name, sizeof(vms[1].name), "%s", vm_b);
	snprintf(vms[1].uuid, sizeof(vms[1].uuid), "10000000-0000-4000-8000-00000000000%u", nodeid);
	a.n_vms = 2;
	assert_int_equal(vmha_msg_encode(&a, &buf, &len), 0);
	assert_int_equal(vmha_view_message(v, 100, nodeid, 1000 + nodeid, buf, len), 0);
	free(buf);
}

static void test_json(void **state)
{
	struct vmha_view_config c = {
	        .self_name = "alpha", .storage_enabled = true, .storage_timeout_ms = 3000};
	struct vmha_view *v = vmha_view_new(&c);
	struct vmha_member m[] = {{1, 1001, VMHA_REASON_JOIN},
	                          {2, 1002, VMHA_REASON_JOIN},
	                          {3, 1003, VMHA_REASON_JOIN}};
	uint32_t nodes[] = {1, 2, 3};
	struct vmha_view_action act;
	json_object *root = NULL;
	json_object *hosts = NULL;
	json_object *h = NULL;
	json_object *x = NULL;
	const char *text = NULL;

	assert_non_null(v);
	assert_int_equal(vmha_view_set_self_nodeid(v, 1), 0);
	assert_int_equal(vmha_view_ring(v, 0, 1, 0x1c, nodes, 3), 0);
	assert_int_equal(vmha_view_confchg(v, 0, m, 3, NULL, 0, m, 3), 0);
	assert_int_equal(vmha_view_quorum(v, 0, true), 0);
	/* announced out of name order; node 3 never announces */
	feed_announce(v, 2, "zulu", "web9", "app1");
	feed_announce(v, 1, "alpha", "db1", "cache1");
	assert_int_equal(vmha_view_storage(v, 100, "zulu", 5, 1, 0), 0);
	assert_int_equal(vmha_view_storage(v, 600, "zulu", 5, 2, 0), 0);
	while (vmha_view_next_action(v, &act)) {
	}
	root = vmha_view_to_json(v, 1100);
	assert_non_null(root);
	text = json_object_to_json_string(root);
	assert_true(json_object_object_get_ex(root, "ring_id", &x));
	assert_string_equal(json_object_get_string(x), "1.1c");
	assert_true(json_object_object_get_ex(root, "quorate", &x));
	assert_true(json_object_get_boolean(x));
	assert_true(json_object_object_get_ex(root, "hosts", &hosts));
	assert_int_equal(json_object_array_length(hosts), 3);
	/* name order: alpha, node3, zulu */
	h = json_object_array_get_idx(hosts, 0);
	assert_true(json_object_object_get_ex(h, "name", &x));
	assert_string_equal(json_object_get_string(x), "alpha");
	assert_true(json_object_object_get_ex(h, "self", &x));
	assert_true(json_object_get_boolean(x));
	assert_true(json_object_object_get_ex(h, "vms", &x));
	assert_string_equal(json_object_get_string(json_object_object_get(
	                            json_object_array_get_idx(x, 0), "name")),
	                    "cache1");
	h = json_object_array_get_idx(hosts, 1);
	assert_string_equal(json_object_get_string(json_object_object_get(h, "name")), "node3");
	assert_string_equal(json_object_get_string(json_object_object_get(h, "state")), "joining");
	assert_true(json_object_object_get_ex(h, "last_heard_network_ms", &x));
	assert_null(x);
	h = json_object_array_get_idx(hosts, 2);
	assert_string_equal(json_object_get_string(json_object_object_get(h, "name")), "zulu");
	assert_int_equal(json_object_get_int64(json_object_object_get(h, "last_heard_network_ms")),
	                 1000);
	assert_int_equal(json_object_get_int64(json_object_object_get(h, "last_heard_storage_ms")),
	                 500);
	assert_int_equal(json_object_get_int64(json_object_object_get(h, "memory_free_kib")), 500);
	/* keys are snake_case */
	assert_null(strpbrk(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
	json_object_put(root);
	assert_int_equal(vmha_view_host_count(v), 3);
	assert_int_equal(vmha_view_host_state(v, "zulu"), VMHA_HOST_ONLINE);
	assert_int_equal(vmha_view_host_state(v, "nobody"), -ENOENT);
	vmha_view_free(v);
}

/* A lost host whose decision waits on storage silence asks for frequent ticks. */
static void test_decision_pending(void **state)
{
	struct vmha_view_config c = {
	        .self_name = "alpha", .storage_enabled = true, .storage_timeout_ms = 2000};
	struct vmha_view *v = vmha_view_new(&c);
	struct vmha_member m[] = {{1, 1001, VMHA_REASON_JOIN}, {2, 1002, VMHA_REASON_JOIN}};
	struct vmha_member gone[] = {{2, 1002, VMHA_REASON_NODEDOWN}};
	uint32_t nodes[] = {1, 2};
	struct vmha_view_action act;
	bool down = false;

	(void)state;
	assert_non_null(v);
	assert_false(vmha_view_decision_pending(NULL));
	assert_int_equal(vmha_view_set_self_nodeid(v, 1), 0);
	assert_int_equal(vmha_view_ring(v, 0, 1, 0x1c, nodes, 2), 0);
	assert_int_equal(vmha_view_confchg(v, 0, m, 2, NULL, 0, m, 2), 0);
	assert_int_equal(vmha_view_quorum(v, 0, true), 0);
	feed_announce(v, 1, "alpha", "db1", "cache1");
	feed_announce(v, 2, "zulu", "web9", "app1");
	assert_int_equal(vmha_view_storage(v, 100, "zulu", 5, 1, 0), 0);
	assert_int_equal(vmha_view_storage(v, 600, "zulu", 5, 2, 0), 0);
	assert_false(vmha_view_decision_pending(v));
	/* zulu's node goes down at 1500: its slot last changed at 600 */
	assert_int_equal(vmha_view_confchg(v, 1500, m, 1, gone, 1, NULL, 0), 0);
	assert_int_equal(vmha_view_host_state(v, "zulu"), VMHA_HOST_LOST);
	assert_true(vmha_view_decision_pending(v));
	assert_int_equal(vmha_view_tick(v, 2599), 0);
	assert_true(vmha_view_decision_pending(v));
	/* 2000 ms of storage silence: decided, no more hurry */
	assert_int_equal(vmha_view_tick(v, 2600), 0);
	while (vmha_view_next_action(v, &act)) {
		down = down || act.kind == VMHA_ACTION_HOST_DOWN;
	}
	assert_true(down);
	assert_false(vmha_view_decision_pending(v));
	/* zulu's node comes back into the ring (its vmhad not yet): a ring join;
	 * the same ring again, or this node alone, is none */
	assert_int_equal(vmha_view_ring_joins(v), 0);
	assert_int_equal(vmha_view_ring(v, 3000, 1, 0x20, &nodes[0], 1), 0);
	assert_int_equal(vmha_view_ring_joins(v), 0);
	assert_int_equal(vmha_view_ring(v, 3100, 1, 0x24, nodes, 2), 0);
	assert_int_equal(vmha_view_ring_joins(v), 1);
	assert_int_equal(vmha_view_ring(v, 3200, 1, 0x28, nodes, 2), 0);
	assert_int_equal(vmha_view_ring_joins(v), 1);
	vmha_view_free(v);
}

static void test_arguments(void **state)
{
	struct vmha_view_config bad = {.self_name = "no/slash"};
	struct vmha_view_config c = {.self_name = "h1"};
	struct vmha_view *v = NULL;

	assert_null(vmha_view_new(NULL));
	assert_null(vmha_view_new(&bad));
	bad.self_name = "h1";
	bad.storage_enabled = true; /* with a zero timeout */
	assert_null(vmha_view_new(&bad));
	v = vmha_view_new(&c);
	assert_non_null(v);
	assert_int_equal(vmha_view_set_self_nodeid(v, 0), -EINVAL);
	assert_int_equal(vmha_view_ring(v, 0, 1, 1, NULL, 2), -EINVAL);
	assert_int_equal(vmha_view_confchg(v, 0, NULL, 1, NULL, 0, NULL, 0), -EINVAL);
	assert_int_equal(vmha_view_storage(v, 0, NULL, 0, 0, 0), -EINVAL);
	assert_int_equal(vmha_view_fenced(v, 0, "nobody"), -ENOENT);
	assert_int_equal(vmha_view_message(v, 0, 9, 9, "x", 1), -EBADMSG);
	assert_false(vmha_view_is_quorate(v));
	assert_string_equal(vmha_view_state_name(VMHA_HOST_DAEMON_DOWN), "daemon_down");
	assert_string_equal(vmha_view_reason_name(VMHA_REASON_PROCDOWN), "procdown");
	assert_string_equal(vmha_view_state_name((enum vmha_host_state)99), "unknown");
	vmha_view_free(v);
	vmha_view_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_json),
	        cmocka_unit_test(test_decision_pending),
	        cmocka_unit_test(test_arguments),
	};

	return cmocka_run_group_tests_name("view", tests, NULL, NULL);
}

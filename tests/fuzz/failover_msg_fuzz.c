/*
 * libFuzzer target for the failover message codec (heartbeat/failover_msg.c)
 * and the coordinator's message path (heartbeat/failover.c).
 *
 * Oracle: a rejected message gives a known error code and a zeroed record;
 * an accepted one has valid names, text without control characters, and
 * survives an encode/decode round trip unchanged. Any other outcome aborts.
 * Built and run by tests/integration/heartbeat-fuzz.test.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heartbeat/failover.h"
#include "heartbeat/failover_msg.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vmha_failover *fo;

static void setup(void)
{
	struct vmha_failover_config c = {.self_name = "h1", .fence_device = true};
	struct vmha_announce a = {0};
	struct vmha_failover_vm v = {
	        .name = "web1", .restart = true, .vcpus = 1, .memory_mib = 256};
	const char *hosts[] = {"h1", "h2", "h3"};
	size_t i;

	fo = vmha_failover_new(&c);
	if (fo == NULL) {
		abort();
	}
	vmha_failover_set_quorum(fo, true);
	vmha_failover_protect(fo, &v);
	for (i = 0; i < 3; i++) {
		memset(&a, 0, sizeof(a));
		snprintf(a.host, sizeof(a.host), "%s", hosts[i]);
		a.cpus = 4;
		a.memory_kib = 4 << 20;
		vmha_failover_announce(fo, 0, &a);
		vmha_failover_host_online(fo, hosts[i], true);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmha_failover_msg m;
	struct vmha_failover_msg back;
	struct vmha_failover_action act;
	char err[256];
	char *buf = NULL;
	size_t len = 0;
	size_t i;
	int rc;

	if (fo == NULL) {
		setup();
	}
	rc = vmha_failover_msg_decode(data, size, &m, err, sizeof(err));
	if (rc == -ENOMSG || rc == -EINVAL) {
		return 0;
	}
	if (rc != 0 || !vmha_util_name_is_valid(m.host) ||
	    (m.vm[0] != '\0' && !vmha_util_name_is_valid(m.vm))) {
		abort();
	}
	for (i = 0; m.text[i] != '\0'; i++) {
		if ((unsigned char)m.text[i] < 0x20 || m.text[i] == 0x7f) {
			abort();
		}
	}
	if (vmha_failover_msg_encode(&m, &buf, &len) != 0 ||
	    vmha_failover_msg_decode(buf, len, &back, err, sizeof(err)) != 0 ||
	    memcmp(&m, &back, sizeof(m)) != 0) {
		abort();
	}
	free(buf);
	/* from a process that is not vmhad, then from a member: refused or applied, never a crash */
	vmha_failover_message(fo, 1, NULL, &m);
	vmha_failover_message(fo, 2, "h2", &m);
	while (vmha_failover_next_action(fo, &act)) {
		if (act.kind == VMHA_FAILOVER_START || act.kind == VMHA_FAILOVER_FENCE) {
			abort(); /* h2 is not the coordinator, and nothing was declared down by h1 */
		}
	}
	return 0;
}

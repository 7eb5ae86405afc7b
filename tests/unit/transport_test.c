/* Unit tests of lib/transport.c: the libvirt URI of a host per transport. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "transport.h"

static void test_uris(void **state)
{
	static const struct {
		const char *transport;
		const char *host;
		int rc;
		const char *uri;
	} cases[] = {
	        {NULL, "node2", 0, "qemu+tcp://node2/system"},
	        {"", "node2", 0, "qemu+tcp://node2/system"},
	        {"tcp", "node2", 0, "qemu+tcp://node2/system"},
	        {"ssh", "h-1.example", 0, "qemu+ssh://h-1.example/system"},
	        {"tls", "node3", 0, "qemu+tls://node3/system"},
	        {"libssh", "node3", 0, "qemu+libssh://node3/system"},
	        {"libssh2", "node3", 0, "qemu+libssh2://node3/system"},
	        {"unix", "node3", -EINVAL, NULL},
	        {"SSH", "node3", -EINVAL, NULL},
	        {"ssh+tcp", "node3", -EINVAL, NULL},
	        {"tcp", "a/b", -EINVAL, NULL},
	        {"tcp", "", -EINVAL, NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *uri = NULL;
		int rc = vmha_transport_uri(cases[i].transport, cases[i].host, &uri);

		if (rc != cases[i].rc || (cases[i].uri == NULL) != (uri == NULL) ||
		    (uri != NULL && strcmp(uri, cases[i].uri) != 0)) {
			fail_msg("%s %s: rc %d uri %s, expected %d %s",
			         cases[i].transport ? cases[i].transport : "(null)", cases[i].host,
			         rc, uri ? uri : "(null)", cases[i].rc,
			         cases[i].uri ? cases[i].uri : "(null)");
		}
		free(uri);
	}
	assert_true(vmha_transport_is_valid("ssh"));
	assert_false(vmha_transport_is_valid(NULL));
	assert_non_null(strstr(vmha_transport_names(), "tls"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_uris),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

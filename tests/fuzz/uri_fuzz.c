/*
 * libFuzzer target: the URI parsers of lib/uri.c (the syntax check and the
 * host and port split the migration pre-checks use), on one URI per input.
 *
 * Oracle: the check gives 0 or -EINVAL with a reason naming the URI; the
 * split gives 0 or -EINVAL, a host that fits and has no brackets left, and
 * a port from 0 to 65535; a URI the check accepts also splits.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/uri.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *uri = vmha_fuzz_strndup(data, size);
	char reason[512] = "";
	char host[256];
	unsigned int port = 0;
	int check_rc;
	int split_rc;

	check_rc = vmha_uri_check("fuzz", uri, reason, sizeof(reason));
	if (check_rc != 0 && (check_rc != -EINVAL || strstr(reason, "fuzz: URI") == NULL)) {
		vmha_fuzz_fail("check gave rc %d and reason '%s'", check_rc, reason);
	}
	split_rc = vmha_uri_host_port(uri, host, sizeof(host), &port);
	if (split_rc != 0 && split_rc != -EINVAL) {
		vmha_fuzz_fail("split gave rc %d", split_rc);
	}
	if (split_rc == 0 && (strlen(host) >= sizeof(host) || port > 65535)) {
		vmha_fuzz_fail("split gave host '%s' port %u", host, port);
	}
	if (check_rc == 0 && uri[0] != '\0' && strlen(uri) < sizeof(host) && split_rc != 0) {
		vmha_fuzz_fail("'%s' passes the check but does not split", uri);
	}
	free(uri);
	return 0;
}

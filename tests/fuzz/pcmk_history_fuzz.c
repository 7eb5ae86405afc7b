/*
 * libFuzzer target: Pacemaker's fencing history (stonith_admin --history
 * --output-as=xml) and its time stamps, vmha_pcmk_history_find() and
 * vmha_pcmk_time_parse() (fencing/pcmk.c).
 *
 * Oracle: every result is one of the documented codes; a success reports a
 * completion time not before the 'since' bound and a message; a time stamp
 * either parses or gives -EINVAL.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fencing/pcmk.h"
#include "tests/fuzz/fuzz_util.h"

static void find(const uint8_t *data, size_t size, const char *node, const char *action,
                 int64_t since)
{
	int64_t completed = -1;
	char msg[512];
	int rc;

	msg[0] = '\0';
	rc = vmha_pcmk_history_find((const char *)data, size, node, action, since, &completed, msg,
	                            sizeof(msg));
	if (rc != 0 && rc != -ECANCELED && rc != -EINPROGRESS && rc != -ENOENT && rc != -EPROTO) {
		vmha_fuzz_fail("history of '%s' %s: unexpected rc %d", node, action, rc);
	}
	if (rc == 0 && completed < since) {
		vmha_fuzz_fail("history: an event completed at %lld before %lld was taken",
		               (long long)completed, (long long)since);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = vmha_fuzz_strndup(data, size < 128 ? size : 128);
	int64_t epoch = 0;
	int rc;

	find(data, size, "h1", "reboot", 0);
	find(data, size, "h2", "off", 1700000000);
	line[strcspn(line, "\n")] = '\0';
	rc = vmha_pcmk_time_parse(line, &epoch);
	if (rc != 0 && rc != -EINVAL) {
		vmha_fuzz_fail("time '%s': unexpected rc %d", line, rc);
	}
	free(line);
	return 0;
}

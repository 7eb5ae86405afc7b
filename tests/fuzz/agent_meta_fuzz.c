/*
 * libFuzzer target: a fence agent's meta-data XML, vmha_agent_meta_parse()
 * (fencing/agent_meta.c).
 *
 * Oracle: a rejected document gives NULL and a reason; an accepted one has
 * a name, and its plug parameter (when it has one) is one of its parameters.
 */
#include "config.h"

#include <string.h>

#include "fencing/agent_meta.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"ip", "username", "password", "plug", "port"};
	struct vmha_agent_meta *meta;
	const char *bad = NULL;
	const char *plug;
	char err[512];
	char msg[512];

	err[0] = '\0';
	meta = vmha_agent_meta_parse((const char *)data, size, err, sizeof(err));
	if (meta == NULL) {
		if (err[0] == '\0') {
			vmha_fuzz_fail("meta-data rejected without a reason");
		}
		return 0;
	}
	if (vmha_agent_meta_name(meta) == NULL) {
		vmha_fuzz_fail("meta-data accepted without a name");
	}
	plug = vmha_agent_meta_plug_param(meta);
	if (plug != NULL && !vmha_agent_meta_has_param(meta, plug)) {
		vmha_fuzz_fail("plug parameter '%s' is not a parameter", plug);
	}
	if (vmha_agent_meta_validate(meta, names, sizeof(names) / sizeof(names[0]), &bad, msg,
	                             sizeof(msg)) != 0 &&
	    msg[0] == '\0') {
		vmha_fuzz_fail("parameters rejected without a reason");
	}
	vmha_agent_meta_has_action(meta, "off");
	vmha_agent_meta_free(meta);
	return 0;
}

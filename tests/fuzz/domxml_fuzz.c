/* libFuzzer target: lib/domxml's parser (domain XML, <memory> units, <vcpu>). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmha_domxml *dx = NULL;
	char error[256];
	char *text = malloc(size + 1);
	char *unit;
	uint64_t kib = 0;
	unsigned int vcpus = 0;

	if (text == NULL) {
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	if (vmha_domxml_parse_string(text, &dx, error, sizeof(error)) == 0) {
		(void)vmha_domxml_memory_kib(dx);
		(void)vmha_domxml_vcpus(dx);
	}
	vmha_domxml_free(dx);
	/* the value parsers alone: "VALUE UNIT" split at the first blank */
	unit = strchr(text, ' ');
	if (unit != NULL) {
		*unit++ = '\0';
	}
	(void)vmha_domxml_parse_memory(text, unit, &kib, error, sizeof(error));
	(void)vmha_domxml_parse_vcpus(text, &vcpus, error, sizeof(error));
	free(text);
	return 0;
}

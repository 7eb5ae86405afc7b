/* Fixtures of the unit tests on libvirt's test driver (see virt_fixture.h). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "deadline.h"
#include "virt_fixture.h"

int virt_fixture_setup(void **state)
{
	struct virt_fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	assert_int_equal(vmha_virt_open("test:///default", 0,
	                                vmha_deadline_in_ms(VIRT_FIXTURE_TIMEOUT_MS), &fx->src),
	                 0);
	assert_int_equal(vmha_virt_domain_lookup(fx->src, NULL, "test",
	                                         vmha_deadline_in_ms(VIRT_FIXTURE_TIMEOUT_MS),
	                                         &fx->dom),
	                 0);
	*state = fx;
	return 0;
}

int virt_fixture_teardown(void **state)
{
	struct virt_fixture *fx = *state;

	vmha_virt_domain_free(fx->dom);
	vmha_virt_free(fx->src);
	free(fx);
	return 0;
}

char *virt_fixture_node_uri(const char *body)
{
	char path[] = "/tmp/vmha-virt-fixture.XXXXXX";
	char *uri = NULL;
	FILE *f;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f,
	        "<node>\n"
	        "  <cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>1</threads>"
	        "<active>4</active><mhz>2000</mhz><model>i686</model></cpu>\n"
	        "  <memory>67108864</memory>\n"
	        "%s"
	        "</node>\n",
	        body);
	fclose(f);
	assert_true(asprintf(&uri, "test://%s", path) > 0);
	return uri;
}

void virt_fixture_node_done(char *uri)
{
	if (uri == NULL) {
		return;
	}
	unlink(uri + strlen("test://"));
	free(uri);
}

/* Unit tests of agent/overlay.c: where the copy-on-write image goes. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "domxml.h"
#include "overlay.h"

static struct vmha_domxml *domain_with_disk(const char *disk)
{
	struct vmha_domxml *dx = NULL;
	char xml[1024];

	snprintf(xml, sizeof(xml),
	         "<domain type='kvm'><name>web</name><memory>65536</memory><devices>"
	         "<disk type='file' device='disk'><source file='%s'/><target dev='vda'/></disk>"
	         "</devices></domain>",
	         disk);
	assert_int_equal(vmha_domxml_parse_string(xml, &dx, NULL, 0), 0);
	return dx;
}

static void test_path(void **state)
{
	static const struct {
		const char *config;
		const char *disk;
		const char *backing;
		int rc;
		const char *path_or_reason;
	} cases[] = {
	        /* the stock agent's ${config%%.*}.qcow2 */
	        {"/srv/vm/web.xml", "/srv/vm/web.qcow2", "/srv/base.img", 0, "/srv/vm/web.qcow2"},
	        {"/srv/vm/web.prod.xml", "/srv/vm/web.qcow2", "/srv/base.img", 0,
	         "/srv/vm/web.qcow2"},
	        {"/srv/vm/web", "/srv/vm/web.qcow2", "/srv/base.img", 0, "/srv/vm/web.qcow2"},
	        /* a dot in a directory: the stock rule leaves it, the file's stem stays */
	        {"/srv/vms.d/web.xml", "/srv/vms.qcow2", "/srv/base.img", 0, "/srv/vms.qcow2"},
	        {"/srv/vms.d/web.xml", "/srv/vms.d/web.qcow2", "/srv/base.img", 0,
	         "/srv/vms.d/web.qcow2"},
	        /* the domain must use the image */
	        {"/srv/vm/web.xml", "/srv/vm/other.qcow2", "/srv/base.img", -EINVAL,
	         "parameter 'backingfile': domain 'web' has no disk '/srv/vm/web.qcow2'"},
	        /* never over the base or the config */
	        {"/srv/vm/web.xml", "/srv/vm/web.qcow2", "/srv/vm/web.qcow2", -EINVAL,
	         "would replace the backing file"},
	        {"/srv/vm/web.qcow2", "/srv/vm/web.qcow2", "/srv/base.img", -EINVAL,
	         "would replace the config file"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmha_domxml *dx = domain_with_disk(cases[i].disk);
		char path[256] = "";
		char reason[256] = "";
		int rc = vmha_overlay_path(cases[i].config, dx, cases[i].backing, path,
		                           sizeof(path), reason, sizeof(reason));

		if (rc != cases[i].rc || (rc == 0 && strcmp(path, cases[i].path_or_reason) != 0) ||
		    (rc < 0 && strstr(reason, cases[i].path_or_reason) == NULL))
			fail_msg("%s (disk %s): %d '%s' '%s', expected %d '%s'", cases[i].config,
			         cases[i].disk, rc, path, reason, cases[i].rc,
			         cases[i].path_or_reason);
		vmha_domxml_free(dx);
	}
}

static void test_wanted(void **state)
{
	char path[] = "/tmp/agent_overlay_test.XXXXXX";
	FILE *f;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	/* empty: wanted (as the stock agent's test -s) */
	assert_true(vmha_overlay_wanted(path, false));
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("QFI", f);
	fclose(f);
	assert_false(vmha_overlay_wanted(path, false));
	assert_true(vmha_overlay_wanted(path, true));
	assert_int_equal(remove(path), 0);
	assert_true(vmha_overlay_wanted(path, false));
}

static void test_check(void **state)
{
	char reason[256] = "";

	assert_int_equal(vmha_overlay_check("/nonexistent/base.img", "/tmp/x.qcow2", NULL, reason,
	                                    sizeof(reason)),
	                 -ENOENT);
	assert_non_null(strstr(reason, "'backingfile': '/nonexistent/base.img' is not readable"));
	assert_int_equal(vmha_overlay_check("/etc", "/tmp/x.qcow2", NULL, reason, sizeof(reason)),
	                 -EINVAL);
	assert_non_null(strstr(reason, "not a file or a block device"));
	assert_int_equal(vmha_overlay_check("/etc/hostname", "/nonexistent/dir/x.qcow2", NULL,
	                                    reason, sizeof(reason)),
	                 -ENOENT);
	assert_non_null(strstr(reason, "cannot create the image '/nonexistent/dir/x.qcow2'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_path),
	        cmocka_unit_test(test_wanted),
	        cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests_name("agent overlay", tests, NULL, NULL);
}

/* Unit tests of lib/virt_stop.c (the stop ladder) on libvirt's test:///default driver. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "deadline.h"
#include "virt.h"
#include "virt_stop.h"

#define TIMEOUT_MS 5000

/* A transient domain of the test driver, running. */
static struct vmha_virt_domain *transient(struct vmha_virt *v, const char *name)
{
	char xml[256];
	struct vmha_virt_domain *d = NULL;

	snprintf(xml, sizeof(xml),
	         "<domain type='test'><name>%s</name><memory>65536</memory>"
	         "<os><type>hvm</type></os></domain>",
	         name);
	assert_int_equal(
	        vmha_virt_domain_create_xml(v, xml, 0, vmha_deadline_in_ms(TIMEOUT_MS), &d), 0);
	return d;
}

static void test_graceful_stop(void **state)
{
	struct vmha_virt *v = NULL;
	struct vmha_virt_domain *d = NULL;
	uint64_t dl = vmha_deadline_in_ms(TIMEOUT_MS);

	(void)state;
	assert_int_equal(vmha_virt_open("test:///default", 0, dl, &v), 0);
	assert_int_equal(vmha_virt_domain_lookup(v, NULL, "test", dl, &d), 0);
	assert_false(vmha_virt_domain_is_off(d, dl));
	/* the test driver's guest obeys the shutdown: off in the first step */
	assert_int_equal(vmha_virt_domain_stop(d, true, 0, vmha_deadline_share(dl, 50), dl, 0), 0);
	assert_true(vmha_virt_domain_is_off(d, dl));
	/* persistent: still defined, shut off; a second stop has nothing to do */
	assert_int_equal(vmha_virt_domain_stop(d, true, 0, vmha_deadline_share(dl, 50), dl, 0), 0);
	assert_int_equal(vmha_virt_domain_start(d, dl), 0);
	vmha_virt_domain_free(d);
	vmha_virt_free(v);
}

static void test_forced_stop(void **state)
{
	struct vmha_virt *v = NULL;
	struct vmha_virt_domain *d = NULL;
	uint64_t dl = vmha_deadline_in_ms(TIMEOUT_MS);

	(void)state;
	assert_int_equal(vmha_virt_open("test:///default", 0, dl, &v), 0);
	d = transient(v, "stop1");
	/* no shutdown asked: SIGTERM (a graceful destroy) ends it; transient: gone */
	assert_int_equal(vmha_virt_domain_stop(d, false, 0, 0, dl, TIMEOUT_MS), 0);
	assert_true(vmha_virt_domain_is_off(d, dl));
	vmha_virt_domain_free(d);
	vmha_virt_free(v);
}

static void test_past_deadline(void **state)
{
	struct vmha_virt *v = NULL;
	struct vmha_virt_domain *d = NULL;
	uint64_t dl = vmha_deadline_in_ms(TIMEOUT_MS);

	(void)state;
	assert_int_equal(vmha_virt_open("test:///default", 0, dl, &v), 0);
	d = transient(v, "stop2");
	/* every step's time is gone: with a bound of its own the kill still
	 * runs and the guest is not left half way down */
	assert_int_equal(vmha_virt_domain_stop(d, true, 0, vmha_clock_now_ms(), vmha_clock_now_ms(),
	                                       TIMEOUT_MS),
	                 0);
	assert_true(vmha_virt_domain_is_off(d, dl));
	vmha_virt_domain_free(d);
	vmha_virt_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_graceful_stop),
	        cmocka_unit_test(test_forced_stop),
	        cmocka_unit_test(test_past_deadline),
	};

	return cmocka_run_group_tests_name("virt_stop", tests, NULL, NULL);
}

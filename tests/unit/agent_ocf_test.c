/* Unit tests of agent/ocf.c: state + reason -> status, -errno -> OCF code. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libvirt/libvirt.h>

#include "ocf.h"

struct state_case {
	int state;
	int reason;
	int status;
	enum vmha_ocf_rc ocf; /* as the agent's monitor reports it */
};

static void test_state_table(void **state)
{
	static const struct state_case cases[] = {
	        {VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED, 0, VMHA_OCF_SUCCESS},
	        {VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_MIGRATED, 0, VMHA_OCF_SUCCESS},
	        {VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_POSTCOPY, 0, VMHA_OCF_SUCCESS},
	        {VIR_DOMAIN_BLOCKED, 0, 0, VMHA_OCF_SUCCESS},
	        {VIR_DOMAIN_SHUTDOWN, VIR_DOMAIN_SHUTDOWN_USER, 0, VMHA_OCF_SUCCESS},
	        {VIR_DOMAIN_PMSUSPENDED, 0, 0, VMHA_OCF_SUCCESS},
	        {VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER, 0, VMHA_OCF_SUCCESS},
	        {VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_SAVE, 0, VMHA_OCF_SUCCESS},
	        {VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_SNAPSHOT, 0, VMHA_OCF_SUCCESS},
	        {VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_STARTING_UP, -EINPROGRESS,
	         VMHA_OCF_ERR_GENERIC},
	        {VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_SAVE, 0, VMHA_OCF_SUCCESS},
	        {VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY, 0, VMHA_OCF_SUCCESS},
	        {VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_IOERROR, -EIO, VMHA_OCF_ERR_GENERIC},
	        {VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_WATCHDOG, -EIO, VMHA_OCF_ERR_GENERIC},
	        {VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_CRASHED, -EIO, VMHA_OCF_ERR_GENERIC},
	        {VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY_FAILED, -EIO, VMHA_OCF_ERR_GENERIC},
	        {VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION, -EINPROGRESS,
	         VMHA_OCF_ERR_GENERIC},
	        {VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_SHUTDOWN, -ESRCH, VMHA_OCF_NOT_RUNNING},
	        {VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_DESTROYED, -ESRCH, VMHA_OCF_NOT_RUNNING},
	        {VIR_DOMAIN_CRASHED, 0, -EIO, VMHA_OCF_ERR_GENERIC},
	        {VIR_DOMAIN_NOSTATE, 0, -EAGAIN, VMHA_OCF_ERR_GENERIC},
	        {42, 0, -EIO, VMHA_OCF_ERR_GENERIC},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st = vmha_ocf_domain_status(cases[i].state, cases[i].reason);

		if (st != cases[i].status)
			fail_msg("state %d reason %d: status %d, expected %d", cases[i].state,
			         cases[i].reason, st, cases[i].status);
		/* the monitor reports -EINPROGRESS as a failure */
		if (vmha_ocf_rc_from_errno(st == -EINPROGRESS ? -EIO : st) != cases[i].ocf)
			fail_msg("state %d reason %d: wrong OCF code", cases[i].state,
			         cases[i].reason);
		assert_non_null(vmha_ocf_state_reason_name(cases[i].state, cases[i].reason));
	}
}

static void test_errno_table(void **state)
{
	static const struct {
		int rc;
		enum vmha_ocf_rc ocf;
	} cases[] = {
	        {0, VMHA_OCF_SUCCESS},
	        {-ESRCH, VMHA_OCF_NOT_RUNNING},
	        {-EINVAL, VMHA_OCF_ERR_CONFIGURED},
	        {-EPROTONOSUPPORT, VMHA_OCF_ERR_CONFIGURED},
	        {-ENOENT, VMHA_OCF_ERR_INSTALLED},
	        {-EACCES, VMHA_OCF_ERR_INSTALLED},
	        {-ENOTDIR, VMHA_OCF_ERR_INSTALLED},
	        {-EPERM, VMHA_OCF_ERR_PERM},
	        {-EOPNOTSUPP, VMHA_OCF_ERR_UNIMPLEMENTED},
	        {-E2BIG, VMHA_OCF_ERR_ARGS},
	        {-EIO, VMHA_OCF_ERR_GENERIC},
	        {-ETIMEDOUT, VMHA_OCF_ERR_GENERIC},
	        {-ECONNREFUSED, VMHA_OCF_ERR_GENERIC},
	        {-ENOMEM, VMHA_OCF_ERR_GENERIC},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(vmha_ocf_rc_from_errno(cases[i].rc), cases[i].ocf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_state_table),
	        cmocka_unit_test(test_errno_table),
	};

	return cmocka_run_group_tests_name("agent ocf", tests, NULL, NULL);
}

/*
 * Unit tests of fencing/sfworker.c, the self-fence worker thread, with real
 * processes: a copy of /bin/sh called qemu-system-x86_64 running "-name
 * guest=VM" (a QEMU process to lib/qemuproc.h) is killed; /bin/sh with the
 * same arguments (not QEMU) survives; a QEMU matched by -uuid only is killed;
 * libvirt's test driver (test:///default) has its domain destroyed. The
 * caller never waits: the result comes through a descriptor.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "deadline.h"
#include "log.h"
#include "sfworker.h"
#include "virt.h"

#define U1 "3f0b1c2d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

static char dir[] = "/tmp/vmha-sfworker-test-XXXXXX";

static void quiet_libvirt(void *opaque, virErrorPtr err)
{
}

/* exe a QEMU copy of /bin/sh (as_qemu) or /bin/sh, with -name and -uuid. */
static pid_t spawn(const char *name, const char *uuid, bool as_qemu)
{
	char arg[128];
	char exe[300];
	pid_t pid;

	snprintf(arg, sizeof(arg), "guest=%s,debug-threads=on", name);
	snprintf(exe, sizeof(exe), "%s/qemu-system-x86_64", dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		execl(as_qemu ? exe : "/bin/sh", "qemu-system-x86_64", "-c", "sleep 30 & wait",
		      "qemu-system-x86_64", "-name", arg, "-uuid", uuid, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

/* Wait (poll, as the main loop does) for the run's result. */
static void wait_result(struct vmha_sfworker *w, struct vmha_sfworker_result *res)
{
	struct pollfd p = {.fd = vmha_sfworker_fd(w), .events = POLLIN};

	assert_true(poll(&p, 1, 20000) == 1);
	assert_int_equal(vmha_sfworker_result(w, res), 0);
}

static bool exited(pid_t pid)
{
	int status = 0;
	uint64_t deadline = vmha_deadline_in_ms(3000);

	while (!vmha_deadline_expired(deadline)) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			return true;
		}
		usleep(20 * 1000);
	}
	return false;
}

static void test_proc_only(void **state)
{
	struct vmha_sfworker *w = NULL;
	struct vmha_sfworker_result res;
	struct vmha_sfworker_vm vms[3];
	char name[64], other[64];
	pid_t qemu, sh, by_uuid;
	int status = 0;

	snprintf(name, sizeof(name), "vmha-sfw-%d", (int)getpid());
	snprintf(other, sizeof(other), "vmha-sfw-%d-renamed", (int)getpid());
	qemu = spawn(name, "00000000-0000-4000-8000-000000000001", true);
	sh = spawn(name, "00000000-0000-4000-8000-000000000001", false);
	by_uuid = spawn(other, U1, true);
	usleep(150 * 1000);

	memset(vms, 0, sizeof(vms));
	snprintf(vms[0].name, sizeof(vms[0].name), "%s", name);
	/* known to the registry under another name, but its UUID is U1 */
	snprintf(vms[1].name, sizeof(vms[1].name), "vmha-sfw-%d-reg", (int)getpid());
	snprintf(vms[1].uuid, sizeof(vms[1].uuid), "%s", U1);
	snprintf(vms[2].name, sizeof(vms[2].name), "never-ran");

	assert_int_equal(vmha_sfworker_new("", 2000, &w), 0);
	assert_int_equal(vmha_sfworker_result(w, &res), -EAGAIN);
	assert_int_equal(vmha_sfworker_start(w, vms, 3), 0);
	wait_result(w, &res);
	assert_int_equal(res.run, 1);
	assert_int_equal(res.n_vms, 3);
	assert_int_equal(res.stopped, 3);
	assert_int_equal(res.killed, 2);
	assert_true(res.complete);
	assert_false(res.libvirt_ok);
	assert_true(exited(qemu));
	assert_true(exited(by_uuid));
	/* not a QEMU binary: alive */
	assert_int_equal(waitpid(sh, &status, WNOHANG), 0);
	assert_int_equal(kill(sh, 0), 0);

	/* Again (the main loop repeats while inquorate): nothing left to kill. */
	assert_int_equal(vmha_sfworker_start(w, vms, 3), 0);
	wait_result(w, &res);
	assert_int_equal(res.run, 2);
	assert_int_equal(res.killed, 0);
	assert_true(res.complete);
	assert_int_equal(vmha_sfworker_start(NULL, vms, 1), -EINVAL);
	vmha_sfworker_free(w);
	vmha_sfworker_free(NULL);

	kill(-sh, SIGKILL);
	kill(-qemu, SIGKILL);
	kill(-by_uuid, SIGKILL);
	waitpid(sh, &status, 0);
}

static void test_libvirt_test_driver(void **state)
{
	struct vmha_sfworker *w = NULL;
	struct vmha_sfworker_result res;
	struct vmha_sfworker_vm vm;
	struct vmha_virt *v = NULL;
	struct vmha_virt_domain *dom = NULL;
	int st = 0, reason = 0;

	/* keep one connection open: the test driver's state lives while it does */
	assert_int_equal(vmha_virt_open("test:///default", 0, vmha_deadline_in_ms(5000), &v), 0);
	assert_int_equal(vmha_virt_domain_lookup(v, NULL, "test", vmha_deadline_in_ms(5000), &dom),
	                 0);
	assert_int_equal(vmha_virt_domain_get_state(dom, vmha_deadline_in_ms(5000), &st, &reason),
	                 0);
	assert_int_equal(st, VIR_DOMAIN_RUNNING);

	memset(&vm, 0, sizeof(vm));
	snprintf(vm.name, sizeof(vm.name), "test");
	assert_int_equal(vmha_sfworker_new("test:///default", 5000, &w), 0);
	assert_int_equal(vmha_sfworker_start(w, &vm, 1), 0);
	/* one run at a time */
	assert_true(vmha_sfworker_start(w, &vm, 1) == -EBUSY || !vmha_sfworker_busy(w));
	wait_result(w, &res);
	assert_true(res.libvirt_ok);
	assert_true(res.complete);
	assert_int_equal(res.stopped, 1);
	assert_false(vmha_sfworker_busy(w));
	vmha_sfworker_free(w);

	assert_int_equal(vmha_virt_domain_get_state(dom, vmha_deadline_in_ms(5000), &st, &reason),
	                 0);
	assert_int_equal(st, VIR_DOMAIN_SHUTOFF);
	vmha_virt_domain_free(dom);
	vmha_virt_free(v);
}

static int setup(void **state)
{
	char cmd[400];

	virSetErrorFunc(NULL, quiet_libvirt);
	if (mkdtemp(dir) == NULL) {
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "cp /bin/sh '%s/qemu-system-x86_64'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_proc_only),
	        cmocka_unit_test(test_libvirt_test_driver),
	};
	int rc;

	vmha_log_init("sfworker_test", 0);
	rc = cmocka_run_group_tests_name("sfworker", tests, setup, teardown);
	vmha_log_fini();
	return rc;
}

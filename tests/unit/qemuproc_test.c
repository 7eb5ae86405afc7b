/*
 * Unit tests of lib/qemuproc.c, the one QEMU process matcher: the pure
 * matchers (executable, arguments, cgroup) one case per line, and real
 * processes: a copy of /bin/sh called qemu-system-x86_64 is found, /bin/sh
 * with the same arguments is not.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "qemuproc.h"

static char dir[] = "/tmp/vmha-qemuproc-test-XXXXXX";

struct exe_case {
	const char *exe;
	bool qemu;
};

static const struct exe_case exe_cases[] = {
        {"/usr/bin/qemu-system-x86_64", true},
        {"/usr/bin/qemu-system-aarch64 (deleted)", true},
        {"/usr/libexec/qemu-kvm", true},
        {"/usr/bin/kvm", true},
        {"/usr/bin/qemu-system-", false},
        {"/usr/bin/python3.11", false},
        {"/usr/bin/find", false},
        {"/tmp/qemu-system-x86_64/sh", false},
        {"/usr/bin/qemu-img", false},
        {"qemu-system-x86_64", false},
        {"/usr/bin/kvm-ok", false},
        {"", false},
};

static void test_exe(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(exe_cases) / sizeof(exe_cases[0]); i++) {
		if (vmha_qemuproc_exe_is_qemu(exe_cases[i].exe) != exe_cases[i].qemu) {
			fail_msg("exe '%s': expected %s", exe_cases[i].exe,
			         exe_cases[i].qemu ? "qemu" : "not qemu");
		}
	}
	assert_false(vmha_qemuproc_exe_is_qemu(NULL));
}

/* Arguments as one string, '|' between them. */
struct args_case {
	const char *args;
	const char *name;
	const char *uuid;
	bool match;
};

#define U1 "1b4e28ba-2fa1-11d2-883f-0016d3cca427"

static const struct args_case args_cases[] = {
        {"qemu|-name|guest=web1,debug-threads=on|-uuid|" U1, "web1", NULL, true},
        {"qemu|-name|web1", "web1", NULL, true},
        {"qemu|-name|debug-threads=on,guest=web1", "web1", NULL, true},
        {"qemu|-name|guest=web10", "web1", NULL, false},
        {"qemu|-name|guest=xweb1", "web1", NULL, false},
        {"qemu|-name|noguest=web1", "web1", NULL, false},
        {"qemu|web1|-name", "web1", NULL, false},
        {"qemu|-name", "web1", NULL, false},
        {"qemu|-uuid|" U1, "other", U1, true},
        {"qemu|-uuid|1B4E28BA-2FA1-11D2-883F-0016D3CCA427", NULL, U1, true},
        {"qemu|-uuid|" U1, NULL, "00000000-0000-0000-0000-000000000000", false},
        {"qemu|-name|guest=web1", NULL, NULL, false},
        {"find|/|-name|web1", "web1", NULL, true}, /* arguments alone: exe decides */
};

static void test_args(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(args_cases) / sizeof(args_cases[0]); i++) {
		char buf[512];
		size_t len = strlen(args_cases[i].args) + 1;
		size_t j;

		snprintf(buf, sizeof(buf), "%s", args_cases[i].args);
		for (j = 0; j < len; j++) {
			if (buf[j] == '|') {
				buf[j] = '\0';
			}
		}
		if (vmha_qemuproc_args_match(buf, len, args_cases[i].name, args_cases[i].uuid) !=
		    args_cases[i].match) {
			fail_msg("args '%s' name '%s' uuid '%s': expected %s", args_cases[i].args,
			         args_cases[i].name ? args_cases[i].name : "(null)",
			         args_cases[i].uuid ? args_cases[i].uuid : "(null)",
			         args_cases[i].match ? "match" : "no match");
		}
	}
}

struct cgroup_case {
	const char *cgroup;
	const char *name;
	bool match;
};

static const struct cgroup_case cgroup_cases[] = {
        {"0::/machine/qemu-3-web1.libvirt-qemu/emulator\n", "web1", true},
        {"0::/machine/qemu-3-web1.libvirt-qemu\n", "web1", true},
        {"0::/machine.slice/machine-qemu\\x2d3\\x2dweb1.scope/libvirt/emulator\n", "web1", true},
        {"0::/machine.slice/machine-qemu\\x2d3\\x2ddb\\x2dprod.scope\n", "db-prod", true},
        {"0::/machine.slice/machine-qemu\\x2d3\\x2ddb-prod.scope\n", "db-prod", false},
        {"0::/machine/qemu-3-web10.libvirt-qemu/emulator\n", "web1", false},
        {"0::/machine/qemu--web1.libvirt-qemu\n", "web1", false},
        {"0::/machine/qemu-3-web1.libvirt-lxc\n", "web1", false},
        {"0::/user.slice/web1\n", "web1", false},
        {"12:cpu:/\n0::/machine/qemu-7-a.libvirt-qemu/vcpu0\n", "a", true},
        {"", "web1", false},
};

static void test_cgroup(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cgroup_cases) / sizeof(cgroup_cases[0]); i++) {
		if (vmha_qemuproc_cgroup_match(cgroup_cases[i].cgroup, cgroup_cases[i].name) !=
		    cgroup_cases[i].match) {
			fail_msg("cgroup '%s' name '%s': expected %s", cgroup_cases[i].cgroup,
			         cgroup_cases[i].name,
			         cgroup_cases[i].match ? "match" : "no match");
		}
	}
	assert_false(vmha_qemuproc_cgroup_match(NULL, "web1"));
}

static pid_t spawn(const char *exe, const char *name)
{
	char arg[128];
	pid_t pid;

	snprintf(arg, sizeof(arg), "guest=%s,debug-threads=on", name);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(exe, "qemu-system-x86_64", "-c", "sleep 30 & wait", "qemu-system-x86_64",
		      "-name", arg, "-uuid", U1, (char *)NULL);
		_exit(127);
	}
	usleep(100 * 1000);
	return pid;
}

static void test_processes(void **state)
{
	char exe[300];
	char cmd[400];
	char name[64];
	pid_t qemu, sh, found = 0;
	pid_t all[4];
	size_t n = 0;
	int status = 0;

	snprintf(exe, sizeof(exe), "%s/qemu-system-x86_64", dir);
	snprintf(cmd, sizeof(cmd), "cp /bin/sh '%s'", exe);
	assert_int_equal(system(cmd), 0);
	snprintf(name, sizeof(name), "vmha-qp-%d", (int)getpid());
	qemu = spawn(exe, name);
	sh = spawn("/bin/sh", name);

	assert_true(vmha_qemuproc_is_guest(qemu, name));
	assert_true(vmha_qemuproc_is_guest_of(qemu, NULL, U1));
	assert_false(vmha_qemuproc_is_guest(sh, name));
	assert_false(vmha_qemuproc_is_guest(qemu, "vmha-qp-other"));
	assert_int_equal(vmha_qemuproc_find(dir, name, &found), 0);
	assert_int_equal(found, qemu);
	assert_int_equal(vmha_qemuproc_find_all(name, NULL, all, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(all[0], qemu);
	/* A pid file naming a process that is not the guest's QEMU is not trusted. */
	snprintf(cmd, sizeof(cmd), "echo %d > '%s/%s.pid'", (int)sh, dir, name);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(vmha_qemuproc_find(dir, name, &found), 0);
	assert_int_equal(found, qemu);
	assert_int_equal(vmha_qemuproc_find_all(NULL, NULL, all, 4, &n), -EINVAL);

	kill(qemu, SIGKILL);
	kill(sh, SIGKILL);
	waitpid(qemu, &status, 0);
	waitpid(sh, &status, 0);
	assert_int_equal(vmha_qemuproc_find(dir, name, &found), -ESRCH);
	assert_false(vmha_qemuproc_is_guest(qemu, name));
}

static int setup(void **state)
{
	return mkdtemp(dir) != NULL ? 0 : -1;
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
	        cmocka_unit_test(test_exe),
	        cmocka_unit_test(test_args),
	        cmocka_unit_test(test_cgroup),
	        cmocka_unit_test(test_processes),
	};

	return cmocka_run_group_tests_name("qemuproc", tests, setup, teardown);
}

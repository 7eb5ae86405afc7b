/*
 * Unit tests of lib/qemuproc.c against real child processes whose command
 * line looks like QEMU's (argv[0] "qemu-system-x86_64", "-name guest=NAME,...")
 * or not, with and without libvirt's pid file.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "qemuproc.h"

static char rundir[] = "/tmp/vmha-qemuproc-test-XXXXXX";

struct child {
	pid_t pid;
	int fd; /* its standard input: it runs until this closes */
};

/* A process with the given argv[0] and "-name" value, blocked reading stdin. */
static struct child spawn(const char *argv0, const char *name_value)
{
	struct child c = {0, -1};
	int p[2];

	assert_int_equal(pipe(p), 0);
	c.pid = fork();
	assert_true(c.pid >= 0);
	if (c.pid == 0) {
		char *argv[] = {(char *)argv0, "-c", "read x", "-name", (char *)name_value, NULL};

		dup2(p[0], 0);
		close(p[0]);
		close(p[1]);
		execv("/bin/sh", argv);
		_exit(127);
	}
	close(p[0]);
	c.fd = p[1];
	/* Wait until the exec is done (the command line is the new one). */
	for (int i = 0; i < 200; i++) {
		char path[64];
		char buf[64] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)c.pid);
		f = fopen(path, "re");
		if (f != NULL) {
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);

			fclose(f);
			buf[n] = '\0';
			if (strcmp(buf, argv0) == 0) {
				break;
			}
		}
		usleep(10000);
	}
	return c;
}

static void reap(struct child *c)
{
	int status;

	close(c->fd);
	kill(c->pid, SIGTERM);
	assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
}

static void write_pid_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.pid", rundir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(rundir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rundir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_is_guest_name_forms(void **state)
{
	struct child guest = spawn("/usr/bin/qemu-system-x86_64", "guest=web1,debug-threads=on");
	struct child plain = spawn("qemu-kvm", "db1");
	struct child other = spawn("/bin/sh", "guest=web1");

	(void)state;
	assert_true(vmha_qemuproc_is_guest(guest.pid, "web1"));
	assert_false(vmha_qemuproc_is_guest(guest.pid, "web"));
	assert_false(vmha_qemuproc_is_guest(guest.pid, "web10"));
	assert_false(vmha_qemuproc_is_guest(guest.pid, "debug-threads"));
	assert_true(vmha_qemuproc_is_guest(plain.pid, "db1"));
	assert_false(vmha_qemuproc_is_guest(plain.pid, "db"));
	/* the right -name, but not a QEMU binary */
	assert_false(vmha_qemuproc_is_guest(other.pid, "web1"));
	reap(&guest);
	reap(&plain);
	reap(&other);
	/* gone */
	assert_false(vmha_qemuproc_is_guest(guest.pid, "web1"));
}

static void test_find_by_pid_file(void **state)
{
	struct child guest = spawn("qemu-system-x86_64", "guest=app1,debug-threads=on");
	char text[32];
	pid_t pid = -1;

	(void)state;
	snprintf(text, sizeof(text), "%ld\n", (long)guest.pid);
	write_pid_file("app1", text);
	assert_int_equal(vmha_qemuproc_find(rundir, "app1", &pid), 0);
	assert_int_equal(pid, guest.pid);
	reap(&guest);
	/* the pid file now names a dead process: no guest */
	assert_int_equal(vmha_qemuproc_find(rundir, "app1", &pid), -ESRCH);
	assert_int_equal(pid, 0);
}

static void test_find_by_scan(void **state)
{
	struct child guest = spawn("qemu-system-x86_64", "guest=scan1");
	char text[32];
	pid_t pid = -1;

	(void)state;
	/* no pid file */
	assert_int_equal(vmha_qemuproc_find(rundir, "scan1", &pid), 0);
	assert_int_equal(pid, guest.pid);
	/* a pid file naming another process (this test) is not believed */
	snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	write_pid_file("scan1", text);
	pid = -1;
	assert_int_equal(vmha_qemuproc_find(rundir, "scan1", &pid), 0);
	assert_int_equal(pid, guest.pid);
	/* nor is garbage */
	write_pid_file("scan1", "not a pid\n");
	pid = -1;
	assert_int_equal(vmha_qemuproc_find(rundir, "scan1", &pid), 0);
	assert_int_equal(pid, guest.pid);
	write_pid_file("scan1", "");
	assert_int_equal(vmha_qemuproc_find(rundir, "scan1", &pid), 0);
	reap(&guest);
	assert_int_equal(vmha_qemuproc_find(rundir, "scan1", &pid), -ESRCH);
}

static void test_find_none(void **state)
{
	pid_t pid = -1;

	(void)state;
	assert_int_equal(vmha_qemuproc_find(rundir, "vmha-no-such-guest", &pid), -ESRCH);
	assert_int_equal(pid, 0);
	assert_false(vmha_qemuproc_is_guest(0, "x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_is_guest_name_forms),
	        cmocka_unit_test(test_find_by_pid_file),
	        cmocka_unit_test(test_find_by_scan),
	        cmocka_unit_test(test_find_none),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

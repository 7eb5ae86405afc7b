/*
 * Unit tests of fencing/selffence.c and fencing/watchdog.c: the quorum-loss
 * timer on a virtual clock, destroying VMs through libvirt's test driver
 * (test:///default), the record beside the heartbeat slot, and a fake
 * watchdog (a FIFO and a regular file; never a real watchdog device).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "deadline.h"
#include "log.h"
#include "selffence.h"
#include "watchdog.h"

static char dir[] = "/tmp/vmha-selffence-test-XXXXXX";

static void quiet_libvirt(void *opaque, virErrorPtr err)
{
}

static void test_check_delay(void **state)
{
	assert_int_equal(vmha_selffence_check_delay(10000, 20000), 0);
	assert_int_equal(vmha_selffence_check_delay(18000, 20000), 0);
	assert_int_equal(vmha_selffence_check_delay(19000, 20000), -EINVAL);
	assert_int_equal(vmha_selffence_check_delay(30000, 20000), -EINVAL);
	assert_int_equal(vmha_selffence_check_delay(UINT64_MAX, UINT64_MAX), -EINVAL);
}

static void test_timer(void **state)
{
	struct vmha_selffence *sf = vmha_selffence_new(5000);

	assert_non_null(sf);
	assert_false(vmha_selffence_due(sf, 0));
	assert_int_equal(vmha_selffence_due_at_ms(sf), VMHA_DEADLINE_NEVER);
	assert_true(vmha_selffence_may_feed_watchdog(sf, 100));

	vmha_selffence_set_quorate(sf, false, 1000);
	assert_int_equal(vmha_selffence_due_at_ms(sf), 6000);
	assert_false(vmha_selffence_due(sf, 5999));
	assert_true(vmha_selffence_may_feed_watchdog(sf, 5999));
	assert_true(vmha_selffence_due(sf, 6000));
	assert_false(vmha_selffence_may_feed_watchdog(sf, 6000));
	/* A repeated "not quorate" does not restart the clock. */
	vmha_selffence_set_quorate(sf, false, 5000);
	assert_int_equal(vmha_selffence_due_at_ms(sf), 6000);

	/* Quorum back before the delay: nothing happens. */
	vmha_selffence_set_quorate(sf, true, 5500);
	assert_false(vmha_selffence_due(sf, 100000));

	vmha_selffence_set_quorate(sf, false, 10000);
	assert_true(vmha_selffence_due(sf, 15000));
	vmha_selffence_mark_done(sf);
	assert_false(vmha_selffence_due(sf, 16000));
	assert_false(vmha_selffence_may_feed_watchdog(sf, 16000));
	vmha_selffence_set_quorate(sf, true, 20000);
	assert_true(vmha_selffence_may_feed_watchdog(sf, 20000));
	vmha_selffence_free(sf);
	vmha_selffence_free(NULL);
}

static void start_vm(virConnectPtr conn, const char *name, bool persistent)
{
	char xml[512];
	virDomainPtr dom = NULL;

	snprintf(xml, sizeof(xml),
	         "<domain type='test'><name>%s</name><memory>65536</memory>"
	         "<os><type>hvm</type></os></domain>",
	         name);
	if (persistent) {
		dom = virDomainDefineXML(conn, xml);
		assert_non_null(dom);
		assert_int_equal(virDomainCreate(dom), 0);
	} else {
		dom = virDomainCreateXML(conn, xml, 0);
		assert_non_null(dom);
	}
	assert_int_equal(virDomainIsActive(dom), 1);
	virDomainFree(dom);
}

static bool vm_active(virConnectPtr conn, const char *name)
{
	virDomainPtr dom = virDomainLookupByName(conn, name);
	bool active = false;

	if (dom != NULL) {
		active = virDomainIsActive(dom) == 1;
		virDomainFree(dom);
	}
	return active;
}

static void test_destroy_and_record(void **state)
{
	const char *vms[] = {"prot1", "prot2", "never-defined"};
	virConnectPtr conn = virConnectOpen("test:///default");
	struct vmha_virt *v = NULL;
	struct vmha_selffence *sf = vmha_selffence_new(3000);
	char slot[300];
	char record[320];
	int64_t when = 0;
	bool complete = false;
	size_t stopped = 0;
	time_t before = time(NULL);
	char line[256];
	FILE *f;

	assert_non_null(conn);
	/* the self-fence's own connection (lib/virt); test:///default is one
	 * state per process, shared with conn */
	assert_int_equal(vmha_virt_open("test:///default", 0, vmha_deadline_in_ms(5000), &v), 0);
	start_vm(conn, "prot1", true);
	start_vm(conn, "prot2", false);
	start_vm(conn, "bystander", false);
	snprintf(slot, sizeof(slot), "%s/h1", dir);
	snprintf(record, sizeof(record), "%s.selffence", slot);
	assert_int_equal(vmha_selffence_record_read(slot, &when, &complete), -ENOENT);

	/* The virtual clock runs to the deadline; then the host fences itself. */
	vmha_selffence_set_quorate(sf, false, 0);
	assert_false(vmha_selffence_due(sf, 2999));
	assert_true(vmha_selffence_due(sf, 3000));
	assert_int_equal(vmha_selffence_execute(sf, v, "h1", vms, 3, slot), 0);
	assert_false(vmha_selffence_due(sf, 4000));
	assert_false(vm_active(conn, "prot1"));
	assert_false(vm_active(conn, "prot2"));
	assert_true(vm_active(conn, "bystander"));

	assert_int_equal(vmha_selffence_record_read(slot, &when, &complete), 0);
	assert_true(complete);
	assert_true(when >= (int64_t)before && when <= (int64_t)time(NULL));
	f = fopen(record, "re");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "node=h1\n");
	assert_non_null(fgets(line, sizeof(line), f));
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "vms=prot1,prot2,never-defined\n");
	fclose(f);

	/* Again, with nothing left to stop: still verified. */
	assert_int_equal(vmha_selffence_destroy_vms(v, vms, 2, &stopped), 0);
	assert_int_equal(stopped, 2);
	assert_int_equal(vmha_selffence_destroy_vms(NULL, vms, 2, &stopped), -EINVAL);

	/* A record written as incomplete says so. */
	assert_int_equal(vmha_selffence_record_write(slot, "h1", vms, 1, false), 0);
	assert_int_equal(vmha_selffence_record_read(slot, &when, &complete), 0);
	assert_false(complete);
	assert_int_equal(vmha_selffence_record_write(slot, "bad name", vms, 1, true), -EINVAL);
	assert_int_equal(vmha_selffence_record_write("/nonexistent/dir/h1", "h1", vms, 1, true),
	                 -ENOENT);

	vmha_selffence_free(sf);
	vmha_virt_free(v);
	virConnectClose(conn);
}

/*
 * A process running VM name: exe is a copy of /bin/sh called
 * qemu-system-x86_64 (a QEMU binary to lib/qemuproc.h) when as_qemu, else
 * /bin/sh itself, with "-name guest=NAME,..." in its arguments either way
 * (in its own process group).
 */
static pid_t fake_process(const char *name, bool as_qemu)
{
	char arg[128];
	char exe[300];
	pid_t pid;

	snprintf(arg, sizeof(arg), "guest=%s,debug-threads=on", name);
	snprintf(exe, sizeof(exe), "%s/qemu-system-x86_64", dir);
	if (as_qemu && access(exe, X_OK) != 0) {
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "cp /bin/sh '%s'", exe);
		assert_int_equal(system(cmd), 0);
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		execl(as_qemu ? exe : "/bin/sh", "qemu-system-x86_64", "-c", "sleep 30 & wait",
		      "qemu-system-x86_64", "-name", arg, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	usleep(100 * 1000);
	return pid;
}

static pid_t fake_qemu(const char *name)
{
	return fake_process(name, true);
}

/* A non-QEMU process with "-name VM" in its arguments survives a self-fence. */
static void test_non_qemu_survives(void **state)
{
	char name[64];
	char slot[300];
	const char *vms[1];
	struct vmha_selffence *sf = vmha_selffence_new(0);
	size_t killed = 7;
	pid_t impostor, python = -1;
	int status = 0;

	snprintf(name, sizeof(name), "vmha-imp-%d", (int)getpid());
	impostor = fake_process(name, false);
	if (access("/usr/bin/python3", X_OK) == 0) {
		python = fork();
		assert_true(python >= 0);
		if (python == 0) {
			setpgid(0, 0);
			execl("/usr/bin/python3", "python3", "-c", "import time; time.sleep(30)",
			      "-name", name, (char *)NULL);
			_exit(127);
		}
		setpgid(python, python);
		usleep(200 * 1000);
	}
	assert_int_equal(vmha_selffence_kill_qemu(name, &killed), 0);
	assert_int_equal(killed, 0);
	vms[0] = name;
	snprintf(slot, sizeof(slot), "%s/h3", dir);
	vmha_selffence_set_quorate(sf, false, 0);
	assert_int_equal(vmha_selffence_execute(sf, NULL, "h3", vms, 1, slot), 0);
	assert_int_equal(waitpid(impostor, &status, WNOHANG), 0);
	if (python > 0) {
		assert_int_equal(waitpid(python, &status, WNOHANG), 0);
		kill(-python, SIGKILL);
		waitpid(python, &status, 0);
	}
	kill(-impostor, SIGKILL);
	waitpid(impostor, &status, 0);
	vmha_selffence_free(sf);
}

static void test_kill_qemu_without_libvirt(void **state)
{
	char name[64];
	char other[64];
	const char *vms[1];
	struct vmha_selffence *sf = vmha_selffence_new(0);
	pid_t victim, bystander;
	size_t killed = 0;
	char slot[300];
	int64_t when = 0;
	bool complete = false;
	int status = 0;

	snprintf(name, sizeof(name), "vmha-kq-%d", (int)getpid());
	snprintf(other, sizeof(other), "vmha-kq-%d-other", (int)getpid());
	victim = fake_qemu(name);
	bystander = fake_qemu(other);

	/* libvirtd unreachable (conn NULL): the QEMU process is killed directly. */
	vms[0] = name;
	snprintf(slot, sizeof(slot), "%s/h2", dir);
	vmha_selffence_set_quorate(sf, false, 0);
	assert_int_equal(vmha_selffence_execute(sf, NULL, "h2", vms, 1, slot), 0);
	assert_int_equal(waitpid(victim, &status, 0), victim);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_int_equal(vmha_selffence_record_read(slot, &when, &complete), 0);
	assert_true(complete);
	/* "-name guest=vmha-kq-N-other" is another VM: untouched. */
	assert_int_equal(waitpid(bystander, &status, WNOHANG), 0);
	assert_int_equal(vmha_selffence_kill_qemu(other, &killed), 0);
	assert_int_equal(killed, 1);
	assert_int_equal(waitpid(bystander, &status, 0), bystander);
	assert_int_equal(vmha_selffence_kill_qemu(other, &killed), 0);
	assert_int_equal(killed, 0);
	assert_int_equal(vmha_selffence_kill_qemu("bad name", &killed), -EINVAL);
	kill(-victim, SIGKILL);
	kill(-bystander, SIGKILL);
	vmha_selffence_free(sf);
}

static void test_watchdog_fifo(void **state)
{
	struct vmha_watchdog *wd = NULL;
	char fifo[300];
	char buf[16] = "";
	int reader;

	snprintf(fifo, sizeof(fifo), "%s/watchdog.fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* Nobody reads: opening fails at once instead of blocking. */
	assert_int_equal(vmha_watchdog_open(fifo, 10, &wd), -ENXIO);
	assert_null(wd);

	reader = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(reader >= 0);
	assert_int_equal(vmha_watchdog_open(fifo, 10, &wd), 0);
	assert_int_equal(vmha_watchdog_feed(wd), 0);
	assert_int_equal(vmha_watchdog_feed(wd), 0);
	assert_int_equal(vmha_watchdog_feed(wd), 0);
	assert_int_equal(vmha_watchdog_feed_count(wd), 3);
	assert_int_equal(read(reader, buf, sizeof(buf) - 1), 3);
	assert_string_equal(buf, "...");
	assert_int_equal(vmha_watchdog_close(wd, true), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(read(reader, buf, sizeof(buf) - 1), 1);
	assert_string_equal(buf, "V");
	close(reader);
	assert_int_equal(vmha_watchdog_close(NULL, true), 0);
	assert_int_equal(vmha_watchdog_feed(NULL), -EINVAL);
}

static void test_watchdog_file_and_errors(void **state)
{
	struct vmha_watchdog *wd = NULL;
	char path[300];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/watchdog.file", dir);
	assert_int_equal(vmha_watchdog_open(path, 0, &wd), -ENOENT);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(vmha_watchdog_open(path, 0, &wd), 0);
	assert_int_equal(vmha_watchdog_feed(wd), 0);
	/* Closing without disarming leaves the magic character out. */
	assert_int_equal(vmha_watchdog_close(wd, false), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 1);
	assert_int_equal(vmha_watchdog_open("relative/watchdog", 0, &wd), -EINVAL);
}

/* While quorate the daemon feeds; after the self-fence it stops feeding. */
static void test_feeding_follows_quorum(void **state)
{
	struct vmha_selffence *sf = vmha_selffence_new(2000);
	struct vmha_watchdog *wd = NULL;
	char fifo[300];
	char buf[64];
	uint64_t now;
	int reader;
	ssize_t got;

	snprintf(fifo, sizeof(fifo), "%s/feed.fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	reader = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(reader >= 0);
	assert_int_equal(vmha_watchdog_open(fifo, 0, &wd), 0);
	for (now = 0; now <= 6000; now += 500) {
		vmha_selffence_set_quorate(sf, now < 1000, now);
		if (vmha_selffence_due(sf, now)) {
			vmha_selffence_mark_done(sf);
		}
		if (vmha_selffence_may_feed_watchdog(sf, now)) {
			assert_int_equal(vmha_watchdog_feed(wd), 0);
		}
	}
	/* Fed at 0 and 500 (quorate), 1000..2500 (before the delay ran out): 6 times. */
	got = read(reader, buf, sizeof(buf));
	assert_int_equal(got, 6);
	assert_int_equal(vmha_watchdog_close(wd, false), 0);
	close(reader);
	vmha_selffence_free(sf);
}

static int setup(void **state)
{
	virSetErrorFunc(NULL, quiet_libvirt);
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
	        cmocka_unit_test(test_check_delay),
	        cmocka_unit_test(test_timer),
	        cmocka_unit_test(test_destroy_and_record),
	        cmocka_unit_test(test_kill_qemu_without_libvirt),
	        cmocka_unit_test(test_non_qemu_survives),
	        cmocka_unit_test(test_watchdog_fifo),
	        cmocka_unit_test(test_watchdog_file_and_errors),
	        cmocka_unit_test(test_feeding_follows_quorum),
	};
	int rc;

	vmha_log_init("selffence_test", 0);
	rc = cmocka_run_group_tests_name("selffence", tests, setup, teardown);
	vmha_log_fini();
	return rc;
}

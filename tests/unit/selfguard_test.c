/*
 * Unit tests of heartbeat/selfguard.c on a real libqb main loop: the
 * watchdog (a FIFO, never a real device) is fed while quorate, fed until
 * self_fence_delay after quorum loss and not after; the self-fence kills the
 * protected VM's QEMU (a copy of /bin/sh called qemu-system-x86_64) in the
 * worker, starts are refused until quorum returns, the record is handed
 * over once; a clean stop disarms ("V") only with no protected VM running.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "deadline.h"
#include "heartbeat/selfguard.h"
#include "log.h"

static char dir[] = "/tmp/vmha-selfguard-test-XXXXXX";
static qb_loop_t *loop;

static void on_stop(void *data)
{
	qb_loop_stop(data);
}

static void run_for(uint64_t ms)
{
	qb_loop_timer_handle t;

	assert_int_equal(
	        qb_loop_timer_add(loop, QB_LOOP_LOW, ms * QB_TIME_NS_IN_MSEC, loop, on_stop, &t),
	        0);
	qb_loop_run(loop);
}

/* Bytes waiting in the FIFO (drained). */
static ssize_t drain(int fd, char *last)
{
	char buf[256];
	ssize_t n, total = 0;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		total += n;
		*last = buf[n - 1];
	}
	return total;
}

static void conf_for(struct vmha_hbconf *conf, const char *wd)
{
	vmha_hbconf_defaults(conf);
	conf->mode = VMHA_HB_MODE_STANDALONE;
	snprintf(conf->watchdog_device, sizeof(conf->watchdog_device), "%s", wd);
	conf->watchdog_timeout_ms = 1000;
	conf->self_fence_delay_ms = 600;
	conf->restart_delay_ms = 7000;
	conf->libvirt_uri[0] = '\0'; /* /proc only */
	snprintf(conf->state_dir, sizeof(conf->state_dir), "%s", dir);
}

/* Whether state_dir notes the watchdog armed. */
static bool marked_armed(void)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/watchdog-armed", dir);
	return access(path, F_OK) == 0;
}

static void test_guard(void **state)
{
	struct vmha_selfguard *g = NULL;
	struct vmha_hbconf conf;
	struct vmha_sfworker_vm vm;
	struct vmha_sfworker_vm *rec = NULL;
	struct vmha_msg_safety safety;
	char fifo[300], exe[300], cmd[700], arg[128];
	size_t n = 0;
	bool complete = false;
	char last = 0;
	int reader, status = 0;
	pid_t qemu;

	snprintf(fifo, sizeof(fifo), "%s/watchdog", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	reader = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(reader >= 0);
	conf_for(&conf, fifo);

	snprintf(exe, sizeof(exe), "%s/qemu-system-x86_64", dir);
	snprintf(cmd, sizeof(cmd), "cp /bin/sh '%s'", exe);
	assert_int_equal(system(cmd), 0);
	memset(&vm, 0, sizeof(vm));
	snprintf(vm.name, sizeof(vm.name), "vmha-sg-%d", (int)getpid());
	snprintf(arg, sizeof(arg), "guest=%s", vm.name);
	qemu = fork();
	assert_true(qemu >= 0);
	if (qemu == 0) {
		execl(exe, "qemu-system-x86_64", "-c", "while :; do sleep 1; done", "x", "-name",
		      arg, (char *)NULL);
		_exit(127);
	}

	assert_int_equal(vmha_selfguard_new(&conf, "vmhad.conf", loop, &g), 0);
	/* probed only (opened, disarmed, closed) until started */
	assert_false(vmha_selfguard_watchdog_open(g));
	assert_int_equal(drain(reader, &last), 1);
	assert_int_equal(last, 'V');
	assert_int_equal(vmha_selfguard_start(g), 0);
	/* armed at the first quorum, not before */
	assert_false(vmha_selfguard_watchdog_open(g));
	vmha_selfguard_safety(g, &safety);
	assert_int_equal(safety.watchdog_timeout_ms, 0);
	assert_false(marked_armed());
	vmha_selfguard_set_quorate(g, true, vmha_clock_now_ms());
	assert_true(vmha_selfguard_watchdog_open(g));
	assert_true(marked_armed());
	vmha_selfguard_safety(g, &safety);
	assert_int_equal(safety.watchdog_timeout_ms, 1000);
	assert_false(safety.fence_device);
	vmha_selfguard_set_vms(g, &vm, 1);
	run_for(700);
	/* quorate: fed at once and every 250 ms */
	assert_true(drain(reader, &last) >= 2);
	assert_true(vmha_selfguard_may_start(g));

	vmha_selfguard_set_quorate(g, false, vmha_clock_now_ms());
	assert_false(vmha_selfguard_may_start(g));
	run_for(300);
	/* within self_fence_delay: still fed, the VM still runs */
	assert_true(drain(reader, &last) >= 1);
	assert_int_equal(waitpid(qemu, &status, WNOHANG), 0);
	for (n = 0; n < 50 && waitpid(qemu, &status, WNOHANG) != qemu; n++) {
		run_for(100);
	}
	assert_true(n < 50);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	for (n = 0; n < 50 && !vmha_selfguard_self_fenced(g); n++) {
		run_for(100);
	}
	assert_true(vmha_selfguard_self_fenced(g));
	assert_true(vmha_selfguard_take_record(g, &rec, &n, &complete));
	assert_int_equal(n, 1);
	assert_true(complete);
	assert_string_equal(rec[0].name, vm.name);
	free(rec);
	assert_false(vmha_selfguard_take_record(g, &rec, &n, &complete));
	drain(reader, &last);
	run_for(600);
	/* inquorate past self_fence_delay: not fed any more */
	assert_int_equal(drain(reader, &last), 0);

	vmha_selfguard_set_quorate(g, true, vmha_clock_now_ms());
	assert_true(vmha_selfguard_may_start(g));
	assert_false(vmha_selfguard_self_fenced(g));
	run_for(400);
	assert_true(drain(reader, &last) >= 1);
	/* corosync gone: not fed */
	vmha_selfguard_set_corosync_up(g, false);
	run_for(100);
	drain(reader, &last);
	run_for(500);
	assert_int_equal(drain(reader, &last), 0);
	vmha_selfguard_set_corosync_up(g, true);

	/* a protected VM still runs: the stop leaves the watchdog armed */
	vmha_selfguard_free(g, 1);
	drain(reader, &last);
	assert_int_not_equal(last, 'V');
	assert_true(marked_armed());
	/* the next vmhad starts cut off: no probe (it would disarm), no feed,
	 * past self_fence_delay: the host resets on the first vmhad's clock */
	assert_int_equal(vmha_selfguard_new(&conf, "vmhad.conf", loop, &g), 0);
	assert_int_equal(drain(reader, &last), 0);
	assert_int_equal(vmha_selfguard_start(g), 0);
	vmha_selfguard_set_quorate(g, false, vmha_clock_now_ms());
	run_for(800);
	assert_int_equal(drain(reader, &last), 0);
	assert_false(vmha_selfguard_watchdog_open(g));
	/* quorum seen: armed and fed again */
	vmha_selfguard_set_quorate(g, true, vmha_clock_now_ms());
	run_for(300);
	drain(reader, &last);
	assert_int_equal(last, '.');
	vmha_selfguard_free(g, 0);
	drain(reader, &last);
	assert_int_equal(last, 'V');
	assert_false(marked_armed());
	vmha_selfguard_free(NULL, 0);
	close(reader);
}

static void test_no_watchdog(void **state)
{
	struct vmha_selfguard *g = NULL;
	struct vmha_hbconf conf;
	char path[300];

	snprintf(path, sizeof(path), "%s/absent", dir);
	conf_for(&conf, path);
	/* no fence device: a watchdog that does not open is fatal */
	assert_int_equal(vmha_selfguard_new(&conf, "vmhad.conf", loop, &g), -ENOENT);
	assert_null(g);
	/* with one: a warning */
	snprintf(conf.fence_config, sizeof(conf.fence_config), "/etc/vmha/fence.conf");
	assert_int_equal(vmha_selfguard_new(&conf, "vmhad.conf", loop, &g), 0);
	assert_int_equal(vmha_selfguard_start(g), 0);
	assert_false(vmha_selfguard_watchdog_open(g));
	vmha_selfguard_free(g, 0);
}

/* A process that looks like the QEMU of VM name (a copy of /bin/sh). */
static pid_t fake_qemu(const char *name)
{
	char exe[300], cmd[700], arg[128];
	size_t n;
	FILE *f;
	pid_t pid;
	int i;

	snprintf(exe, sizeof(exe), "%s/qemu-system-x86_64", dir);
	snprintf(cmd, sizeof(cmd), "test -x '%s' || cp /bin/sh '%s'", exe, exe);
	assert_int_equal(system(cmd), 0);
	snprintf(arg, sizeof(arg), "guest=%s", name);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(exe, "qemu-system-x86_64", "-c", "while :; do sleep 1; done", "x", "-name",
		      arg, (char *)NULL);
		_exit(127);
	}
	/* wait until it has become the "QEMU" (the self-fence looks for it by name) */
	for (i = 0; i < 500; i++) {
		snprintf(exe, sizeof(exe), "/proc/%d/cmdline", (int)pid);
		f = fopen(exe, "r");
		n = f != NULL ? fread(cmd, 1, sizeof(cmd) - 1, f) : 0;
		if (f != NULL) {
			fclose(f);
		}
		cmd[n] = '\0';
		if (strcmp(cmd, "qemu-system-x86_64") == 0) {
			return pid;
		}
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	fail_msg("the fake qemu did not start");
	return -1;
}

/* Reap pid, 5 s at most (killed and a failure after that). */
static int reap(pid_t pid)
{
	int status = 0;
	int i;

	for (i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			return status;
		}
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	fail_msg("process %d still runs", (int)pid);
	return -1;
}

static void test_fatal(void **state)
{
	struct vmha_selfguard *g = NULL;
	struct vmha_hbconf conf;
	struct vmha_sfworker_vm vm;
	struct vmha_sfworker_vm *rec = NULL;
	char path[300];
	size_t n = 0;
	bool complete = false;
	int status = 0;
	pid_t qemu;

	(void)state;
	assert_int_equal(vmha_selfguard_fatal(NULL, 100), 0);
	snprintf(path, sizeof(path), "%s/absent", dir);
	conf_for(&conf, path);
	snprintf(conf.fence_config, sizeof(conf.fence_config), "/etc/vmha/fence.conf");
	memset(&vm, 0, sizeof(vm));
	snprintf(vm.name, sizeof(vm.name), "vmha-sg-fatal-%d", (int)getpid());
	qemu = fake_qemu(vm.name);
	assert_int_equal(vmha_selfguard_new(&conf, "vmhad.conf", loop, &g), 0);
	assert_int_equal(vmha_selfguard_start(g), 0);
	vmha_selfguard_set_vms(g, &vm, 1);
	assert_true(vmha_selfguard_may_start(g));
	/* quorate, yet a fatal error self-fences at once and waits for it */
	assert_int_equal(vmha_selfguard_fatal(g, 10000), 0);
	status = reap(qemu);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_true(vmha_selfguard_take_record(g, &rec, &n, &complete));
	assert_int_equal(n, 1);
	assert_true(complete);
	assert_string_equal(rec[0].name, vm.name);
	free(rec);
	/* no start any more, quorum or not */
	assert_false(vmha_selfguard_may_start(g));
	vmha_selfguard_set_quorate(g, true, vmha_clock_now_ms());
	assert_false(vmha_selfguard_may_start(g));
	vmha_selfguard_free(g, 0);
}

static void test_status(void **state)
{
	struct vmha_selfguard *g = NULL;
	struct vmha_hbconf conf;
	struct vmha_msg_safety safety;
	json_object *root = json_object_new_object();
	json_object *wd = NULL;
	json_object *o = NULL;
	json_object *x = NULL;
	char path[300];

	(void)state;
	snprintf(path, sizeof(path), "%s/absent", dir);
	conf_for(&conf, path);
	snprintf(conf.fence_config, sizeof(conf.fence_config), "/etc/vmha/fence.conf");
	assert_int_equal(vmha_selfguard_new(&conf, "vmhad.conf", loop, &g), 0);
	assert_int_equal(vmha_selfguard_start(g), 0);
	/* no watchdog open: no watchdog timeout announced */
	vmha_selfguard_safety(g, &safety);
	assert_true(safety.fence_device);
	assert_int_equal(safety.watchdog_timeout_ms, 0);
	assert_int_equal(safety.self_fence_delay_ms, 600);
	vmha_selfguard_status(g, root);
	vmha_selfguard_status(g, NULL);
	vmha_selfguard_status(NULL, root);
	assert_true(json_object_object_get_ex(root, "self_fenced", &x));
	assert_false(json_object_get_boolean(x));
	assert_true(json_object_object_get_ex(root, "watchdog", &wd));
	assert_true(json_object_object_get_ex(wd, "device", &x));
	assert_string_equal(json_object_get_string(x), path);
	assert_true(json_object_object_get_ex(wd, "open", &x));
	assert_false(json_object_get_boolean(x));
	assert_true(json_object_object_get_ex(wd, "timeout_ms", &x));
	assert_int_equal(json_object_get_int64(x), 1000);
	assert_true(json_object_object_get_ex(wd, "feeds", &x));
	assert_int_equal(json_object_get_int64(x), 0);
	assert_true(json_object_object_get_ex(root, "safety", &o));
	assert_true(json_object_object_get_ex(o, "fence_device", &x));
	assert_true(json_object_get_boolean(x));
	assert_true(json_object_object_get_ex(o, "watchdog_timeout_ms", &x));
	assert_int_equal(json_object_get_int64(x), 0);
	assert_true(json_object_object_get_ex(o, "self_fence_delay_ms", &x));
	assert_int_equal(json_object_get_int64(x), 600);
	json_object_put(root);
	vmha_selfguard_free(g, 0);
}

static int setup(void **state)
{
	loop = qb_loop_create();
	return loop != NULL && mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	qb_loop_destroy(loop);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_guard),
	        cmocka_unit_test(test_no_watchdog),
	        cmocka_unit_test(test_fatal),
	        cmocka_unit_test(test_status),
	};
	int rc;

	vmha_log_init("selfguard_test", 0);
	rc = cmocka_run_group_tests_name("selfguard", tests, setup, teardown);
	vmha_log_fini();
	return rc;
}

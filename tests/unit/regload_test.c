/*
 * Unit tests of heartbeat/regload.c: the registry read in a worker thread.
 * A FIFO in the registry stands for a hung shared filesystem: the read
 * blocks in open(2) until a writer comes, and the caller must never wait.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "deadline.h"
#include "heartbeat/regload.h"
#include "registry.h"

/* A macro, not a variable: a literal format string at any optimization level. */
#define DOMAIN_FMT                                           \
	"<domain type='qemu'><name>%s</name>"                \
	"<uuid>8f1c2d3e-0000-4000-8000-00000000000%d</uuid>" \
	"<memory unit='KiB'>262144</memory><vcpu>%d</vcpu>"  \
	"<os><type>hvm</type></os></domain>"

struct fixture {
	char dir[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/vmha-regload-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void add_vm(const char *dir, const char *name, int n, const char *priority,
                   const char *allowed)
{
	struct vmha_registry *reg = vmha_registry_open(dir);
	struct vmha_registry_vm *vm = vmha_registry_vm_new(name);
	char xml[512];
	char *err = NULL;

	assert_non_null(reg);
	assert_non_null(vm);
	snprintf(xml, sizeof(xml), DOMAIN_FMT, name, n, 2);
	assert_int_equal(vmha_registry_vm_set_xml(vm, xml, &err), 0);
	if (priority != NULL) {
		assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_PRIORITY, priority), 0);
	}
	if (allowed != NULL) {
		assert_int_equal(vmha_registry_vm_set(vm, VMHA_REGISTRY_ALLOWED, allowed), 0);
	}
	assert_int_equal(vmha_registry_lock(reg, vmha_deadline_in_ms(2000)), 0);
	assert_int_equal(vmha_registry_add(reg, vm, false), 0);
	vmha_registry_vm_free(vm);
	vmha_registry_free(reg);
}

static void test_read_specs(void **state)
{
	struct fixture *f = *state;
	struct vmha_regload_snapshot *s = NULL;
	char path[128];
	FILE *bad = NULL;

	add_vm(f->dir, "web1", 1, "high", "h1,h2");
	add_vm(f->dir, "db1", 2, NULL, NULL);
	/* a .ha file that does not parse */
	snprintf(path, sizeof(path), "%s/broken.ha", f->dir);
	bad = fopen(path, "we");
	assert_non_null(bad);
	fputs("priority = sometimes\n", bad);
	fclose(bad);
	s = vmha_regload_read(f->dir);
	assert_non_null(s);
	assert_int_equal(s->rc, 0);
	assert_int_equal(s->n_vms, 2);
	assert_string_equal(s->vms[0].name, "db1");
	assert_int_equal(s->vms[0].priority, 0);
	assert_int_equal(s->vms[0].vcpus, 2);
	assert_int_equal(s->vms[0].memory_mib, 256);
	assert_true(s->vms[0].restart);
	assert_string_equal(s->vms[1].name, "web1");
	assert_true(s->vms[1].priority > 0);
	assert_string_equal(s->vms[1].allowed, "h1,h2");
	assert_int_equal(s->n_failed, 1);
	assert_string_equal(s->failed[0], "broken");
	assert_non_null(strstr(s->failed_err, "broken"));
	vmha_regload_snapshot_free(s);
}

static void test_unreadable(void **state)
{
	struct vmha_regload_snapshot *s = NULL;

	(void)state;
	s = vmha_regload_read("/proc/version/registry");
	assert_non_null(s);
	assert_true(s->rc < 0);
	assert_non_null(strstr(s->err, "/proc/version/registry"));
	assert_int_equal(s->n_vms, 0);
	vmha_regload_snapshot_free(s);
}

/* Wait for the loader's fd, then take; false at the deadline. */
static bool wait_take(struct vmha_regload *rl, uint64_t timeout_ms,
                      struct vmha_regload_snapshot **out)
{
	uint64_t deadline = vmha_deadline_in_ms(timeout_ms);
	struct pollfd p = {.fd = vmha_regload_fd(rl), .events = POLLIN};

	while (!vmha_deadline_expired(deadline)) {
		if (vmha_regload_take(rl, out)) {
			return true;
		}
		if (poll(&p, 1, vmha_deadline_poll_timeout(deadline)) < 0 && errno != EINTR) {
			return false;
		}
	}
	return vmha_regload_take(rl, out);
}

static void test_thread(void **state)
{
	struct fixture *f = *state;
	struct vmha_regload *rl = vmha_regload_new(f->dir);
	struct vmha_regload_snapshot *s = NULL;
	uint64_t seq;

	assert_non_null(rl);
	add_vm(f->dir, "web1", 1, NULL, NULL);
	seq = vmha_regload_request(rl);
	assert_true(wait_take(rl, 5000, &s));
	assert_true(s->seq >= seq);
	assert_int_equal(s->n_vms, 1);
	vmha_regload_snapshot_free(s);
	s = NULL;
	/* a VM added later shows in the next read */
	add_vm(f->dir, "web2", 2, NULL, NULL);
	seq = vmha_regload_request(rl);
	assert_true(wait_take(rl, 5000, &s));
	assert_true(s->seq >= seq);
	assert_int_equal(s->n_vms, 2);
	vmha_regload_snapshot_free(s);
	assert_int_equal(vmha_regload_busy_ms(rl, vmha_clock_now_ms()), 0);
	vmha_regload_free(rl, 2000);
}

struct unblocker {
	char paths[2][128];
	volatile bool stop;
};

/* Open the FIFOs for writing (a reader waits in open) until told to stop. */
static void *unblock(void *arg)
{
	struct unblocker *u = arg;
	int i;
	int fd;

	while (!u->stop) {
		for (i = 0; i < 2; i++) {
			fd = open(u->paths[i], O_WRONLY | O_NONBLOCK | O_CLOEXEC);
			if (fd >= 0) {
				close(fd);
			}
		}
		usleep(10000);
	}
	return NULL;
}

static void test_stalled_read(void **state)
{
	struct fixture *f = *state;
	struct vmha_regload *rl = NULL;
	struct vmha_regload_snapshot *s = NULL;
	struct unblocker u;
	pthread_t tid;
	uint64_t t0;
	uint64_t seq;
	int i;

	memset(&u, 0, sizeof(u));
	add_vm(f->dir, "web1", 1, NULL, NULL);
	snprintf(u.paths[0], sizeof(u.paths[0]), "%s/stall.ha", f->dir);
	snprintf(u.paths[1], sizeof(u.paths[1]), "%s/stall.xml", f->dir);
	for (i = 0; i < 2; i++) {
		assert_int_equal(mkfifo(u.paths[i], 0600), 0);
	}
	rl = vmha_regload_new(f->dir);
	assert_non_null(rl);
	/* asking and looking never wait for the hung read */
	t0 = vmha_clock_now_ms();
	seq = vmha_regload_request(rl);
	for (i = 0; i < 30; i++) {
		assert_false(vmha_regload_take(rl, &s));
		usleep(10000);
	}
	assert_true(vmha_clock_now_ms() - t0 < 1000);
	assert_true(vmha_regload_busy_ms(rl, vmha_clock_now_ms()) >= 200);
	/* requests made meanwhile are merged into one later read */
	assert_true(vmha_regload_request(rl) > seq);
	/* the storage comes back: the read finishes, the stalled VM is "failed" */
	assert_int_equal(pthread_create(&tid, NULL, unblock, &u), 0);
	assert_true(wait_take(rl, 10000, &s));
	assert_int_equal(s->rc, 0);
	assert_int_equal(s->n_vms, 1);
	assert_int_equal(s->n_failed, 1);
	assert_string_equal(s->failed[0], "stall");
	vmha_regload_snapshot_free(s);
	/* the merged request's read may be waiting on the FIFOs too */
	vmha_regload_free(rl, 5000);
	u.stop = true;
	pthread_join(tid, NULL);
	for (i = 0; i < 2; i++) {
		unlink(u.paths[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_read_specs, setup, teardown),
	        cmocka_unit_test(test_unreadable),
	        cmocka_unit_test_setup_teardown(test_thread, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stalled_read, setup, teardown),
	};

	return cmocka_run_group_tests_name("regload", tests, NULL, NULL);
}

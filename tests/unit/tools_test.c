/*
 * Unit tests of tools/ (the vmha CLI): vmha status from a saved status
 * JSON (data-driven: tools/NAME.json printed as text must equal
 * tools/NAME.expected, diff -u on failure, VMHA_REGENERATE=1 rewrites),
 * vmha fence --check and a fencing run through the test fence agent, and
 * the vmha program's help, version and usage errors. Each command runs in a
 * child process with its output captured, as it would from the shell.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <libvirt/libvirt.h>

#include "tools/commands.h"

#define DATA_DIR   VMHA_TOP_SRCDIR "/tests/unit/tools"
#define TEST_AGENT VMHA_TOP_SRCDIR "/tests/integration/fence_vmhatest"
#define VMHA_BIN   VMHA_TOP_BUILDDIR "/tools/vmha"

static char dir[] = "/tmp/vmha-tools-test-XXXXXX";

struct run {
	int rc;
	char out[16384];
	char err[4096];
};

typedef int (*command_fn)(int argc, char **argv);

static void slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n = 0;

	buf[0] = '\0';
	if (f != NULL) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/* Run fn(argv) in a child (or exec the vmha program when fn is NULL), capturing its output. */
static void run_argv(struct run *r, command_fn fn, char **argv)
{
	char out_path[128];
	char err_path[128];
	int argc = 0;
	int status = 0;
	pid_t pid;

	while (argv[argc] != NULL) {
		argc++;
	}
	snprintf(out_path, sizeof(out_path), "%s/stdout", dir);
	snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (freopen(out_path, "w", stdout) == NULL ||
		    freopen(err_path, "w", stderr) == NULL) {
			_exit(99);
		}
		if (fn == NULL) {
			execv(VMHA_BIN, argv);
			_exit(98);
		}
		exit(fn(argc, argv));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	r->rc = WEXITSTATUS(status);
	slurp(out_path, r->out, sizeof(r->out));
	slurp(err_path, r->err, sizeof(r->err));
}

#define RUN(r, fn, ...)                              \
	do {                                         \
		char *argv_[] = {__VA_ARGS__, NULL}; \
		run_argv((r), (fn), argv_);          \
	} while (0)

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* vmha status --status NAME.json prints NAME.expected. */
static const char *const status_cases[] = {
        "status",
        "status-inquorate",
        "status-leases",
        "status-health",
};

static void test_status_text_cases(void **state)
{
	const char *regen = getenv("VMHA_REGENERATE");
	struct run r;
	size_t i;
	int failures = 0;

	(void)state;
	for (i = 0; i < sizeof(status_cases) / sizeof(status_cases[0]); i++) {
		char json[512];
		char expected[512];
		char actual[512];
		char cmd[1600];
		FILE *f;

		snprintf(json, sizeof(json), "%s/%s.json", DATA_DIR, status_cases[i]);
		snprintf(expected, sizeof(expected), "%s/%s.expected", DATA_DIR, status_cases[i]);
		snprintf(actual, sizeof(actual), "%s/%s.actual", dir, status_cases[i]);
		RUN(&r, vmha_cmd_status, "status", "--status", json);
		assert_int_equal(r.rc, VMHA_EXIT_OK);
		f = fopen(regen != NULL && strcmp(regen, "1") == 0 ? expected : actual, "we");
		assert_non_null(f);
		fputs(r.out, f);
		fclose(f);
		if (regen != NULL && strcmp(regen, "1") == 0) {
			continue;
		}
		snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s' >&2", expected, actual);
		if (system(cmd) != 0) {
			fprintf(stderr, "status case '%s' differs\n", status_cases[i]);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_status_json(void **state)
{
	struct run r;
	json_object *root;
	json_object *hosts = NULL;

	(void)state;
	RUN(&r, vmha_cmd_status, "status", "--json", "--status", DATA_DIR "/status.json");
	assert_int_equal(r.rc, VMHA_EXIT_OK);
	root = json_tokener_parse(r.out);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "hosts", &hosts));
	assert_int_equal(json_object_array_length(hosts), 3);
	json_object_put(root);
}

static void test_status_errors(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, vmha_cmd_status, "status", "--status", "/nonexistent/status.json");
	assert_int_equal(r.rc, VMHA_EXIT_NO);
	assert_non_null(strstr(r.err, "'/nonexistent/status.json'"));
	RUN(&r, vmha_cmd_status, "status", "extra");
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "unexpected argument 'extra'"));
	RUN(&r, vmha_cmd_status, "status", "--colour");
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "Usage: vmha status"));
	RUN(&r, vmha_cmd_status, "status", "--help");
	assert_int_equal(r.rc, VMHA_EXIT_OK);
	assert_non_null(strstr(r.out, "Usage: vmha status"));
}

/* A fence.conf in the temp dir with the test agent; returns its path. */
static const char *write_fence_conf(const char *name, const char *devices)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	fprintf(f, "mode agents\n%s", devices);
	fclose(f);
	return path;
}

static void set_power(const char *name, const char *value)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(value, f);
	fclose(f);
}

static void test_fence_check(void **state)
{
	char devices[1024];
	const char *conf;
	struct run r;

	(void)state;
	snprintf(devices, sizeof(devices), "device d %s state=%s/p\nlevel * 1 d\n", TEST_AGENT,
	         dir);
	conf = write_fence_conf("good.conf", devices);
	RUN(&r, vmha_cmd_fence, "fence", "--check", "-c", (char *)conf);
	assert_int_equal(r.rc, VMHA_EXIT_OK);
	assert_non_null(strstr(r.out, "1 devices, valid"));

	conf = write_fence_conf("bad.conf", "device d /nonexistent/fence_nothing\nlevel * 1 d\n");
	RUN(&r, vmha_cmd_fence, "fence", "--check", "-c", (char *)conf);
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "bad.conf"));

	conf = write_fence_conf("syntax.conf", "device\n");
	RUN(&r, vmha_cmd_fence, "fence", "--check", "-c", (char *)conf);
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "syntax.conf:2"));
}

static void test_fence_run(void **state)
{
	char devices[1024];
	char power[64];
	char path[256];
	const char *conf;
	struct run r;

	(void)state;
	snprintf(devices, sizeof(devices),
	         "device d %s state=%s/p\nlevel * 1 d\n"
	         "device bad %s state=%s/b mode=fail retries=0\nlevel h9 1 bad\n",
	         TEST_AGENT, dir, TEST_AGENT, dir);
	conf = write_fence_conf("run.conf", devices);
	set_power("p", "on");
	set_power("b", "on");

	RUN(&r, vmha_cmd_fence, "fence", "h1", "-c", (char *)conf);
	assert_int_equal(r.rc, VMHA_EXIT_OK);
	snprintf(path, sizeof(path), "%s/p", dir);
	slurp(path, power, sizeof(power));
	assert_non_null(strstr(power, "off"));
	set_power("p", "on");
	RUN(&r, vmha_cmd_fence, "fence", "h1", "-c", (char *)conf, "--action", "reboot", "--json");
	assert_int_equal(r.rc, VMHA_EXIT_OK);
	assert_non_null(strstr(r.out, "\"ok\":true"));
	RUN(&r, vmha_cmd_fence, "fence", "h1", "-c", (char *)conf, "--action", "status");
	assert_int_equal(r.rc, VMHA_EXIT_OK);

	RUN(&r, vmha_cmd_fence, "fence", "h9", "-c", (char *)conf, "--timeout", "20s");
	assert_int_equal(r.rc, VMHA_EXIT_NO);
	RUN(&r, vmha_cmd_fence, "fence", "h9", "-c", (char *)conf, "--json");
	assert_int_equal(r.rc, VMHA_EXIT_NO);
	assert_non_null(strstr(r.out, "\"ok\":false"));
}

static void test_fence_usage(void **state)
{
	const char *conf;
	struct run r;

	(void)state;
	conf = write_fence_conf("hostonly.conf", "");
	RUN(&r, vmha_cmd_fence, "fence");
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "expected one NODE"));
	RUN(&r, vmha_cmd_fence, "fence", "--check", "h1");
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "--check takes no NODE"));
	RUN(&r, vmha_cmd_fence, "fence", "../h1");
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "invalid node name '../h1'"));
	RUN(&r, vmha_cmd_fence, "fence", "h1", "--timeout", "soon");
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "invalid duration 'soon'"));
	RUN(&r, vmha_cmd_fence, "fence", "h1", "--action", "explode");
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	RUN(&r, vmha_cmd_fence, "fence", "h1", "-c", (char *)conf);
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "no level or host line covers node 'h1'"));
	RUN(&r, vmha_cmd_fence, "fence", "h1", "-c", "/nonexistent/fence.conf");
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	RUN(&r, vmha_cmd_fence, "fence", "--help");
	assert_int_equal(r.rc, VMHA_EXIT_OK);
	assert_non_null(strstr(r.out, "Usage: vmha fence NODE"));
	RUN(&r, vmha_cmd_fence, "fence", "--colour");
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
}

static void write_domain(const char *path, const char *name, const char *uuid)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fprintf(f,
	        "<domain type='test'><name>%s</name><uuid>%s</uuid><memory unit='MiB'>8</memory>"
	        "<vcpu>1</vcpu><os><type>hvm</type></os></domain>\n",
	        name, uuid);
	fclose(f);
}

/*
 * vm start, stop and a dry-run migrate against this host's libvirt, which
 * LIBVIRT_DEFAULT_URI makes the test driver (each process has its own: the
 * domain "test" runs, nothing else). Host h1 is this host in the status.
 */
static void test_vm_start_stop(void **state)
{
	char reg[128];
	char small[128];
	char test[128];
	struct run r;

	(void)state;
	snprintf(reg, sizeof(reg), "%s/registry", dir);
	snprintf(small, sizeof(small), "%s/small.xml", dir);
	snprintf(test, sizeof(test), "%s/test.xml", dir);
	write_domain(small, "small", "6d7c0000-0000-4000-8000-000000000201");
	write_domain(test, "test", "6695eb01-f6a4-8304-79aa-97f2502e193f");
	RUN(&r, vmha_cmd_vm, "vm", "add", "small", "--xml", small, "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_OK);
	RUN(&r, vmha_cmd_vm, "vm", "add", "test", "--xml", test, "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_OK);

	RUN(&r, vmha_cmd_vm, "vm", "start", "small", "--status", DATA_DIR "/vm-status.json", "--on",
	    "h1", "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_OK);
	assert_string_equal(r.out, "started 'small' on host 'h1'\n");
	/* a VM the status shows running is not started again */
	RUN(&r, vmha_cmd_vm, "vm", "start", "test", "--status", DATA_DIR "/vm-status.json", "--dir",
	    reg);
	assert_int_equal(r.rc, VMHA_EXIT_NO);
	assert_non_null(strstr(r.err, "'test' already runs on host 'h1'"));

	RUN(&r, vmha_cmd_vm, "vm", "stop", "test", "--status", DATA_DIR "/vm-status.json", "--dir",
	    reg);
	assert_int_equal(r.rc, VMHA_EXIT_OK);
	assert_string_equal(r.out, "stopped 'test' on host 'h1'\n");
	RUN(&r, vmha_cmd_vm, "vm", "stop", "small", "--status", DATA_DIR "/vm-status.json", "--on",
	    "h1", "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_NO);
	assert_non_null(strstr(r.err, "cannot stop 'small' on host 'h1'"));
	RUN(&r, vmha_cmd_vm, "vm", "stop", "ghost", "--status", DATA_DIR "/vm-status.json", "--dir",
	    reg);
	assert_int_equal(r.rc, VMHA_EXIT_NO);
	assert_non_null(strstr(r.err, "'ghost' runs on no host"));

	RUN(&r, vmha_cmd_vm, "vm", "migrate", "test", "h2", "--status", DATA_DIR "/vm-status.json",
	    "--dry-run", "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_OK);
	assert_non_null(strstr(r.out, "would migrate 'test' from host 'h1' to host 'h2'"));
	RUN(&r, vmha_cmd_vm, "vm", "migrate", "test", "h1", "--status", DATA_DIR "/vm-status.json",
	    "--dry-run", "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "already runs on host 'h1'"));
	RUN(&r, vmha_cmd_vm, "vm", "migrate", "test", "../h2", "--status",
	    DATA_DIR "/vm-status.json", "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);

	/* migration without shared storage: bad input named, nothing moves */
	RUN(&r, vmha_cmd_vm, "vm", "migrate", "test", "h2", "--copy-storage", "some", "--status",
	    DATA_DIR "/vm-status.json", "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "invalid value 'some' for --copy-storage (all or inc)"));
	RUN(&r, vmha_cmd_vm, "vm", "move", "test", "--status", DATA_DIR "/vm-status.json", "--dir",
	    reg);
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "vmha vm move: a target host is required"));
	RUN(&r, vmha_cmd_vm, "vm", "move", "test", "h2", "--status", DATA_DIR "/vm-status.json",
	    "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "only cold moves exist yet: add --offline"));
	RUN(&r, vmha_cmd_vm, "vm", "move", "test", "../h2", "--offline", "--status",
	    DATA_DIR "/vm-status.json", "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "invalid host name '../h2'"));
	RUN(&r, vmha_cmd_vm, "vm", "move", "ghost", "h2", "--offline", "--status",
	    DATA_DIR "/vm-status.json", "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "'ghost': not in the registry"));
	RUN(&r, vmha_cmd_vm, "vm", "move", "test", "h1", "--offline", "--status",
	    DATA_DIR "/vm-status.json", "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "'test' is on host 'h1' already"));
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/*
 * Migration without shared storage against the test driver: this host h1 is
 * test:///default, kept open here so that every command (a child) sees the
 * running domain "mv" and its disk volume in "default-pool"; host h2 is a
 * test driver node from a file (VMHA_HOST_URI) with a pool over the same
 * directory. The test driver can neither migrate nor stream volumes, so
 * both commands fail after the disk was created on h2, and must clean up
 * and leave mv running here.
 */
static void test_vm_without_shared_storage(void **state)
{
	static const char mv_xml[] =
	        "<domain type='test'><name>mv</name><uuid>6d7c0000-0000-4000-8000-000000000301"
	        "</uuid><memory unit='MiB'>8</memory><vcpu>1</vcpu><os><type>hvm</type></os>"
	        "<devices><disk type='file' device='disk'><source file='/default-pool/mv.img'/>"
	        "<target dev='vda'/></disk></devices></domain>\n";
	virConnectPtr conn = virConnectOpen("test:///default");
	virStoragePoolPtr pool = NULL;
	virStorageVolPtr vol = NULL;
	virDomainPtr dom = NULL;
	char reg[128];
	char xml[128];
	char st[128];
	char h2[128];
	char tmpl[160];
	char body[1024];
	struct run r;

	(void)state;
	assert_non_null(conn);
	pool = virStoragePoolLookupByName(conn, "default-pool");
	assert_non_null(pool);
	vol = virStorageVolCreateXML(
	        pool, "<volume><name>mv.img</name><capacity unit='MiB'>16</capacity></volume>", 0);
	assert_non_null(vol);
	dom = virDomainCreateXML(conn, mv_xml, 0);
	assert_non_null(dom);
	snprintf(reg, sizeof(reg), "%s/registry-mv", dir);
	snprintf(xml, sizeof(xml), "%s/mv.xml", dir);
	snprintf(st, sizeof(st), "%s/mv-status.json", dir);
	snprintf(h2, sizeof(h2), "%s/h2.xml", dir);
	snprintf(tmpl, sizeof(tmpl), "test://%s/%%h.xml", dir);
	write_text(xml, mv_xml);
	write_text(st, "{\"daemon\":{\"host\":\"h1\"},\"quorate\":true,\"hosts\":["
	               "{\"name\":\"h1\",\"state\":\"online\",\"cpus\":8,\"memory_kib\":8388608,"
	               "\"vms\":[{\"name\":\"mv\",\"state\":\"running\",\"vcpus\":1,"
	               "\"memory_kib\":8192}]},"
	               "{\"name\":\"h2\",\"state\":\"online\",\"cpus\":8,\"memory_kib\":8388608,"
	               "\"vms\":[]}]}\n");
	snprintf(body, sizeof(body),
	         "<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>1</"
	         "threads>"
	         "<active>4</active><mhz>2000</mhz><model>i686</model></cpu>"
	         "<memory>67108864</memory><pool type='dir'><name>images</name>"
	         "<uuid>35bb2ad9-388a-cdfe-461a-b8907f6e5303</uuid><target><path>/default-pool"
	         "</path></target></pool></node>\n");
	write_text(h2, body);
	setenv("VMHA_HOST_URI", tmpl, 1);
	RUN(&r, vmha_cmd_vm, "vm", "add", "mv", "--xml", xml, "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_OK);

	/* cold: the disk found, created on h2; the copy fails (no streams): the
	 * copy on h2 goes, mv runs here again */
	RUN(&r, vmha_cmd_vm, "vm", "move", "mv", "h2", "--offline", "--dry-run", "--status", st,
	    "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_OK);
	assert_non_null(
	        strstr(r.out, "would move 'mv' from host 'h1' to host 'h2' offline, copying 1"));
	RUN(&r, vmha_cmd_vm, "vm", "move", "mv", "h2", "--offline", "--timeout", "20s", "--status",
	    st, "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_NO);
	assert_non_null(
	        strstr(r.err, "disk '/default-pool/mv.img' (raw, 16.0 MiB) is not on 'h2'"));
	assert_non_null(strstr(r.err, "shutting 'mv' down"));
	assert_non_null(strstr(r.err, "copying disk '/default-pool/mv.img' failed"));
	assert_non_null(strstr(r.err, "removed the copies on 'h2'"));
	assert_non_null(strstr(r.err, "'mv' runs here again"));
	assert_non_null(strstr(r.err, "'mv' stays on host 'h1'"));

	/* live: the disk created on h2, the migration fails (the test driver
	 * cannot migrate): the disk on h2 goes, mv runs on here */
	RUN(&r, vmha_cmd_vm, "vm", "migrate", "mv", "h2", "--copy-storage", "all", "--bandwidth",
	    "8", "--timeout", "20s", "--status", st, "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_NO);
	assert_non_null(
	        strstr(r.err, "disk '/default-pool/mv.img' (raw, 16.0 MiB) is not on 'h2'"));
	assert_non_null(strstr(r.err, "removed the disks created on 'h2'"));

	/* a target without a pool for the directory: refused before anything */
	write_text(h2, "<node><memory>67108864</memory></node>\n");
	RUN(&r, vmha_cmd_vm, "vm", "migrate", "mv", "h2", "--copy-storage", "inc", "--status", st,
	    "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_NO);
	assert_non_null(strstr(r.err, "no active storage pool on 'h2' covers the directory"));
	RUN(&r, vmha_cmd_vm, "vm", "move", "mv", "h2", "--offline", "--status", st, "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_NO);
	assert_non_null(strstr(r.err, "no active storage pool on 'h2' covers the directory"));
	assert_null(strstr(r.err, "shutting"));
	unsetenv("VMHA_HOST_URI");
	virDomainDestroy(dom);
	virDomainFree(dom);
	virStorageVolDelete(vol, 0);
	virStorageVolFree(vol);
	virStoragePoolFree(pool);
	virConnectClose(conn);
}

/* Whether the .ha file of VM name in registry reg has the line want. */
static bool ha_has(const char *reg, const char *name, const char *want)
{
	char path[256];
	char text[1024];

	snprintf(path, sizeof(path), "%s/%s.ha", reg, name);
	slurp(path, text, sizeof(text));
	return strstr(text, want) != NULL;
}

/*
 * The desired state: stop records "stopped" before it stops (even when the
 * stop then fails), start "started" once the VM runs, disable and enable
 * theirs; a VM that vmhad starts itself (running nowhere, started) is not
 * started by hand.
 */
static void test_vm_desired_state(void **state)
{
	char reg[128];
	char xml[128];
	struct run r;

	(void)state;
	snprintf(reg, sizeof(reg), "%s/registry-desired", dir);
	snprintf(xml, sizeof(xml), "%s/solo.xml", dir);
	write_domain(xml, "solo", "6d7c0000-0000-4000-8000-000000000301");
	RUN(&r, vmha_cmd_vm, "vm", "add", "solo", "--xml", xml, "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_OK);
	assert_false(ha_has(reg, "solo", "state="));
	/* it runs nowhere: the stop fails, but the operator's intent is recorded first */
	RUN(&r, vmha_cmd_vm, "vm", "stop", "solo", "--status", DATA_DIR "/vm-status.json", "--dir",
	    reg);
	assert_int_equal(r.rc, VMHA_EXIT_NO);
	assert_true(ha_has(reg, "solo", "\nstate=stopped\n"));
	RUN(&r, vmha_cmd_vm, "vm", "start", "solo", "--status", DATA_DIR "/vm-status.json", "--on",
	    "h1", "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_OK);
	assert_true(ha_has(reg, "solo", "\nstate=started\n"));
	RUN(&r, vmha_cmd_vm, "vm", "disable", "solo", "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_OK);
	assert_non_null(strstr(r.out, "desired state disabled"));
	assert_true(ha_has(reg, "solo", "\nstate=disabled\n"));
	RUN(&r, vmha_cmd_vm, "vm", "enable", "solo", "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_OK);
	assert_true(ha_has(reg, "solo", "\nstate=started\n"));
	RUN(&r, vmha_cmd_vm, "vm", "enable", "ghost", "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_NO);
	assert_non_null(strstr(r.err, "'ghost' is not in the registry"));
	RUN(&r, vmha_cmd_vm, "vm", "set", "solo", "--state", "paused", "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "invalid value 'paused' for --state"));
	RUN(&r, vmha_cmd_vm, "vm", "start", "crashed", "--status",
	    DATA_DIR "/vm-status-desired.json", "--dir", reg);
	assert_int_equal(r.rc, VMHA_EXIT_NO);
	assert_non_null(strstr(r.err, "'crashed' runs nowhere and its desired state is started"));
}

static void test_program(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, NULL, "vmha", "--help");
	assert_int_equal(r.rc, VMHA_EXIT_OK);
	assert_non_null(strstr(r.out, "  plan "));
	assert_non_null(strstr(r.out, "  fence "));
	RUN(&r, NULL, "vmha", "--version");
	assert_int_equal(r.rc, VMHA_EXIT_OK);
	assert_non_null(strstr(r.out, "vmha " PACKAGE_VERSION));
	RUN(&r, NULL, "vmha", "frobnicate");
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "unknown command 'frobnicate'"));
	RUN(&r, NULL, "vmha");
	assert_int_equal(r.rc, VMHA_EXIT_USAGE);
	assert_non_null(strstr(r.err, "Usage"));
	RUN(&r, NULL, "vmha", "status", "--status", DATA_DIR "/status-inquorate.json");
	assert_int_equal(r.rc, VMHA_EXIT_OK);
	assert_non_null(strstr(r.out, "INQUORATE"));
}

int main(void)
{
	/* "this host's libvirt" for vm start and stop: the test driver */
	setenv("LIBVIRT_DEFAULT_URI", "test:///default", 1);
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_status_text_cases),
	        cmocka_unit_test(test_status_json),
	        cmocka_unit_test(test_status_errors),
	        cmocka_unit_test(test_fence_check),
	        cmocka_unit_test(test_fence_run),
	        cmocka_unit_test(test_fence_usage),
	        cmocka_unit_test(test_vm_start_stop),
	        cmocka_unit_test(test_program),
	        cmocka_unit_test(test_vm_without_shared_storage),
	        cmocka_unit_test(test_vm_desired_state),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

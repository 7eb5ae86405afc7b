/* Unit tests of agent/actions.c: start/stop/monitor/validate-all against
 * libvirt's test:///default driver (one shared instance per process while a
 * connection stays open). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "actions.h"
#include "metadata.h"
#include "deadline.h"
#include "ocf.h"
#include "params.h"
#include "virt.h"

static char dir[] = "/tmp/agent_actions_test.XXXXXX";
static char config[256];
static char dropins[300];
static struct vmha_virt *keep; /* keeps test:///default's state alive */

static const char vm_xml[] = "<domain type='test'>\n"
                             "  <name>vm1</name>\n"
                             "  <memory unit='MiB'>64</memory>\n"
                             "  <vcpu>2</vcpu>\n"
                             "  <os><type>hvm</type></os>\n"
                             "</domain>\n";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(config, sizeof(config), "%s/vm1.xml", dir);
	write_file(config, vm_xml);
	snprintf(dropins, sizeof(dropins), "%s/resource-agents-deps.target.d", dir);
	/* the shutdown-ordering drop-ins go here, not into the host's /run */
	setenv("VMHA_SYSTEMD_RUNDIR", dropins, 1);
	return vmha_virt_open("test:///default", 0, vmha_deadline_in_ms(5000), &keep);
}

static int teardown(void **state)
{
	char cmd[512];

	/* a failed check may leave PATH narrowed */
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 0);
	if (strstr(getenv("PATH"), "/bin") == NULL)
		setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);

	vmha_virt_free(keep);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Extra "NAME=value" settings on top of config, hypervisor and HA_RSCTMP. */
static const char *extra[8];

static const char *get(const char *name, void *opaque)
{
	size_t len = strlen(name);
	size_t i;

	for (i = 0; i < 8 && extra[i] != NULL; i++) {
		if (strncmp(extra[i], name, len) == 0 && extra[i][len] == '=')
			return extra[i] + len + 1;
	}
	if (strcmp(name, "OCF_RESKEY_config") == 0)
		return config;
	if (strcmp(name, "OCF_RESKEY_hypervisor") == 0)
		return "test:///default";
	if (strcmp(name, "HA_RSCTMP") == 0)
		return dir;
	if (strcmp(name, "OCF_RESKEY_CRM_meta_timeout") == 0)
		return "10000";
	return NULL;
}

/* Run an action as the agent would; return its OCF code. */
static int run(const char *action, char *reason, size_t len)
{
	struct vmha_params *p = vmha_params_new();
	int rc;

	reason[0] = '\0';
	rc = p != NULL ? vmha_params_parse(p, get, NULL, reason, len) : -ENOMEM;
	if (rc == 0)
		rc = vmha_actions_run(action, p, reason, len);
	vmha_params_free(p);
	return (int)vmha_ocf_rc_from_errno(rc);
}

static void test_lifecycle(void **state)
{
	char reason[512];
	char record[1024];
	struct stat st;

	memset(extra, 0, sizeof(extra));
	assert_int_equal(run("validate-all", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_NOT_RUNNING);
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	/* the record is named after the config when there is no instance name */
	snprintf(record, sizeof(record), "%s/vmha-VirtualDomain-%s", dir, config);
	for (char *s = record + strlen(dir) + 1; *s != '\0'; s++)
		*s = *s == '/' ? '_' : *s;
	strcat(record, ".state");
	assert_int_equal(stat(record, &st), 0);
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("status", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	/* a second start is a success and starts nothing twice */
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_NOT_RUNNING);
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	/* the record goes with a verified stop */
	assert_int_equal(stat(record, &st), -1);
}

static void test_force_stop(void **state)
{
	char reason[512];

	memset(extra, 0, sizeof(extra));
	extra[0] = "OCF_RESKEY_force_stop=true";
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_NOT_RUNNING);
}

static void test_missing_config_is_not_stopped(void **state)
{
	char moved[300];
	char reason[512];

	memset(extra, 0, sizeof(extra));
	extra[0] = "OCF_RESOURCE_INSTANCE=vm1";
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	snprintf(moved, sizeof(moved), "%s.away", config);
	assert_int_equal(rename(config, moved), 0);
	/* the record of the start answers: still running */
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	/* and stop still finds and stops it */
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	/* without a record, a missing config is an installation error */
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_ERR_INSTALLED);
	assert_non_null(strstr(reason, "does not exist"));
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_ERR_INSTALLED);
	assert_int_equal(rename(moved, config), 0);
}

static void test_bad_inputs(void **state)
{
	static const struct {
		const char *setting;
		const char *action;
		int ocf;
		const char *reason;
	} cases[] = {
	        {"OCF_RESKEY_config=/nonexistent/vm.xml", "start", VMHA_OCF_ERR_INSTALLED,
	         "'/nonexistent/vm.xml' does not exist"},
	        {"OCF_RESKEY_config=/nonexistent/vm.xml", "validate-all", VMHA_OCF_ERR_INSTALLED,
	         "does not exist"},
	        {"OCF_RESKEY_config=", "start", VMHA_OCF_ERR_CONFIGURED, "'config' is required"},
	        {"OCF_RESKEY_hypervisor=nosuch:///system", "start", VMHA_OCF_ERR_CONFIGURED,
	         "'nosuch:///system'"},
	        {"OCF_RESKEY_snapshot=/tmp", "validate-all", VMHA_OCF_ERR_CONFIGURED,
	         "'force_stop' and 'snapshot'"},
	        {"OCF_RESKEY_migrate_options=--frob", "validate-all", VMHA_OCF_ERR_CONFIGURED,
	         "unknown option '--frob'"},
	        {"OCF_RESKEY_migrate_options=--suspend", "validate-all", VMHA_OCF_ERR_CONFIGURED,
	         "'--suspend' is not supported"},
	        {"OCF_RESKEY_migrate_options=--suspend", "start", VMHA_OCF_ERR_CONFIGURED,
	         "'--suspend' is not supported"},
	        {"OCF_RESKEY_migrate_options=--timeout 5 --timeout-postcopy", "start",
	         VMHA_OCF_ERR_CONFIGURED, "needs '--postcopy'"},
	        {"OCF_RESKEY_migrate_options=--postcopy-resume", "start", VMHA_OCF_ERR_CONFIGURED,
	         "not a standing option"},
	        {"OCF_RESKEY_hypervisor=qemu+ssh://host:/system", "validate-all",
	         VMHA_OCF_ERR_CONFIGURED, "URI 'qemu+ssh://host:/system' has an empty port"},
	        {"OCF_RESKEY_migrate_options=--disks-uri tcp://node2:", "validate-all",
	         VMHA_OCF_ERR_CONFIGURED, "'--disks-uri': URI 'tcp://node2:' has an empty port"},
	        {"OCF_RESKEY_migrate_options=--copy-storage-all --copy-storage-inc", "validate-all",
	         VMHA_OCF_ERR_CONFIGURED, "exclude each other"},
	        {"OCF_RESKEY_remoteuri=qemu+ssh://%n:0/system", "start", VMHA_OCF_ERR_CONFIGURED,
	         "parameter 'remoteuri'"},
	        {"OCF_RESKEY_copyindirs=/srv", "validate-all", VMHA_OCF_ERR_CONFIGURED,
	         "'copyindirs' needs 'backingfile'"},
	        {"OCF_RESKEY_backingfile=/srv/base.img", "validate-all", VMHA_OCF_ERR_CONFIGURED,
	         "domain 'vm1' has no disk"},
	        {"OCF_RESKEY_monitor_scripts=/nonexistent/check", "validate-all",
	         VMHA_OCF_ERR_INSTALLED, "'/nonexistent/check'"},
	        {"OCF_RESKEY_force_stop=perhaps", "monitor", VMHA_OCF_ERR_CONFIGURED,
	         "'force_stop' must be a boolean"},
	        {NULL, "no_such_action", VMHA_OCF_ERR_UNIMPLEMENTED, "'no_such_action'"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char reason[512];
		int ocf;

		memset(extra, 0, sizeof(extra));
		extra[0] = cases[i].setting;
		if (strstr(cases[i].reason, "force_stop' and") != NULL)
			extra[1] = "OCF_RESKEY_force_stop=1";
		ocf = run(cases[i].action, reason, sizeof(reason));
		if (ocf != cases[i].ocf || strstr(reason, cases[i].reason) == NULL)
			fail_msg("%s %s: exit %d '%s', expected %d '%s'", cases[i].setting,
			         cases[i].action, ocf, reason, cases[i].ocf, cases[i].reason);
	}
}

static void test_malformed_config(void **state)
{
	char bad[300];
	char setting[320];
	char reason[512];

	snprintf(bad, sizeof(bad), "%s/bad.xml", dir);
	write_file(bad, "<domain>\n<name>x</name>\n<memory>\n</domain>\n");
	snprintf(setting, sizeof(setting), "OCF_RESKEY_config=%s", bad);
	memset(extra, 0, sizeof(extra));
	extra[0] = setting;
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_ERR_CONFIGURED);
	assert_non_null(strstr(reason, "not well-formed"));
	assert_non_null(strstr(reason, "bad.xml"));
	assert_int_equal(run("validate-all", reason, sizeof(reason)), VMHA_OCF_ERR_CONFIGURED);
}

static void test_paused_and_libvirt_managed(void **state)
{
	struct vmha_virt_domain *d = NULL;
	char reason[512];
	int st = 0;
	int why = 0;

	/* the test driver's predefined guest "test": paused by a user is running */
	write_file(config, "<domain type='test'><name>test</name><memory>65536</memory>"
	                   "<os><type>hvm</type></os></domain>");
	memset(extra, 0, sizeof(extra));
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(vmha_virt_domain_lookup(keep, NULL, "test", vmha_deadline_in_ms(5000), &d),
	                 0);
	assert_int_equal(vmha_virt_domain_get_state(d, vmha_deadline_in_ms(5000), &st, &why), 0);
	/* a persistent guest stopped by the agent stays defined but shut off */
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(vmha_virt_domain_get_state(d, vmha_deadline_in_ms(5000), &st, &why), 0);
	assert_int_equal(st, VIR_DOMAIN_SHUTOFF);
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_NOT_RUNNING);
	/* start undefines the stale definition and starts it from the file */
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	vmha_virt_domain_free(d);
	write_file(config, vm_xml);
}

static int count_lines(const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n++;
	fclose(f);
	return n;
}

/* Utilization goes through crm_resource (the one child process the agent
 * may start), and only when a value changed. A stand-in crm_resource on
 * PATH records its calls. */
static void test_utilization_only_on_change(void **state)
{
	char script[300];
	char log[300];
	char text[600];
	char path[4096];
	char reason[512];
	const char *old_path = getenv("PATH");

	snprintf(script, sizeof(script), "%s/crm_resource", dir);
	snprintf(log, sizeof(log), "%s/crm_resource.log", dir);
	snprintf(text, sizeof(text), "#!/bin/sh\necho \"$*\" >> '%s'\n", log);
	write_file(script, text);
	assert_int_equal(chmod(script, 0755), 0);
	snprintf(path, sizeof(path), "%s:%s", dir, old_path != NULL ? old_path : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	setenv("OCF_RESKEY_crm_feature_set", "3.16.2", 1);
	memset(extra, 0, sizeof(extra));
	extra[0] = "OCF_RESOURCE_INSTANCE=vmu";
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(count_lines(log), 3);
	/* unchanged values: no process at all */
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(count_lines(log), 3);
	/* switching cpu from autoset to unset deletes it, once */
	extra[1] = "OCF_RESKEY_autoset_utilization_cpu=false";
	extra[2] = "OCF_RESKEY_unset_utilization_cpu=true";
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(count_lines(log), 4);
	{
		FILE *f = fopen(log, "r");
		char line[256] = "";
		int i;

		assert_non_null(f);
		for (i = 0; i < 4; i++)
			assert_non_null(fgets(line, sizeof(line), f));
		fclose(f);
		assert_non_null(strstr(line, "-r vmu -z -d cpu"));
	}
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	unsetenv("OCF_RESKEY_crm_feature_set");
	if (old_path != NULL)
		setenv("PATH", path + strlen(dir) + 1, 1);
}

/* The whole text of a file (at most 64 KiB), or "". */
static char *slurp(const char *path)
{
	static char text[65536];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
	}
	text[n] = '\0';
	return text;
}

/* Run a shell command; its exit status. */
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

static ino_t inode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* backingfile, stateless, copyindirs with test:///default (which does not
 * open disks) and the real qemu-img: the image is created at the first
 * start, kept by a later one, replaced at each stateless start. */
static void test_copy_on_write(void **state)
{
	char cow_config[300];
	char image[300];
	char base[300];
	char xml[1024];
	char s_config[350];
	char s_backing[350];
	char s_copy[700];
	char tools[300];
	char log[300];
	char path_env[600];
	char reason[512];
	char old_path[4096];
	ino_t first;

	snprintf(old_path, sizeof(old_path), "%s",
	         getenv("PATH") != NULL ? getenv("PATH") : "/usr/sbin:/usr/bin:/sbin:/bin");
	if (sh("command -v qemu-img >/dev/null") != 0) {
		/* not a silent pass: scripts/install-deps build installs it */
		fail_msg("qemu-img is not installed (qemu-utils, scripts/install-deps build)");
	}
	snprintf(cow_config, sizeof(cow_config), "%s/cow.xml", dir);
	snprintf(image, sizeof(image), "%s/cow.qcow2", dir);
	snprintf(base, sizeof(base), "%s/base.img", dir);
	snprintf(xml, sizeof(xml),
	         "<domain type='test'><name>cow</name><memory>65536</memory>"
	         "<os><type>hvm</type></os><devices><disk type='file' device='disk'>"
	         "<driver name='qemu' type='qcow2'/><source file='%s'/><target dev='vda'/>"
	         "</disk></devices></domain>",
	         image);
	write_file(cow_config, xml);
	assert_int_equal(sh("qemu-img create -q -f raw '%s' 8M", base), 0);
	snprintf(s_config, sizeof(s_config), "OCF_RESKEY_config=%s", cow_config);
	snprintf(s_backing, sizeof(s_backing), "OCF_RESKEY_backingfile=%s", base);
	memset(extra, 0, sizeof(extra));
	extra[0] = s_config;
	extra[1] = s_backing;
	extra[2] = "OCF_RESOURCE_INSTANCE=cow";

	assert_int_equal(run("validate-all", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	/* a qcow2 image on the base, its format recorded */
	assert_int_equal(sh("qemu-img info '%s' | grep -q 'backing file: %s'", image, base), 0);
	assert_int_equal(sh("qemu-img info '%s' | grep -q 'backing file format: raw'", image), 0);
	first = inode_of(image);
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	/* the image stays at stop and is used again */
	assert_int_equal(inode_of(image), first);
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(inode_of(image), first);
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	/* stateless: a new image at each start */
	extra[3] = "OCF_RESKEY_stateless=true";
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_not_equal(inode_of(image), first);
	first = inode_of(image);
	/* a second start of a running guest touches nothing */
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(inode_of(image), first);
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_not_equal(inode_of(image), first);
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);

	/* copyindirs: virt-copy-in fills the new image before it replaces the
	 * old one. A stand-in on PATH records its arguments (libguestfs is not
	 * installed here); a failing one leaves the old image in place. */
	snprintf(tools, sizeof(tools), "%s/tools", dir);
	snprintf(log, sizeof(log), "%s/virt-copy-in.log", dir);
	assert_int_equal(mkdir(tools, 0755), 0);
	assert_int_equal(sh("ln -s \"$(command -v qemu-img)\" '%s/qemu-img'", tools), 0);
	snprintf(path_env, sizeof(path_env), "%s", tools);
	setenv("PATH", path_env, 1);
	snprintf(s_copy, sizeof(s_copy), "OCF_RESKEY_copyindirs=%s /nonexistent/dir", tools);
	extra[4] = s_copy;
	assert_int_equal(run("validate-all", reason, sizeof(reason)), VMHA_OCF_ERR_INSTALLED);
	assert_non_null(strstr(reason, "'copyindirs' needs virt-copy-in"));
	assert_int_equal(sh("printf '#!/bin/sh\\necho \"$*\" >> %s\\n' > '%s/virt-copy-in' && "
	                    "/bin/chmod +x '%s/virt-copy-in'",
	                    log, tools, tools),
	                 0);
	assert_int_equal(run("validate-all", reason, sizeof(reason)), VMHA_OCF_ERR_INSTALLED);
	assert_non_null(strstr(reason, "'copyindirs': '/nonexistent/dir' does not exist"));
	snprintf(s_copy, sizeof(s_copy), "OCF_RESKEY_copyindirs=%s %s", tools, dir);
	first = inode_of(image);
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_not_equal(inode_of(image), first);
	snprintf(xml, sizeof(xml), "--format=qcow2 -a %s.vmha-new %s %s /\n", image, tools, dir);
	assert_string_equal(slurp(log), xml);
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(sh("printf '#!/bin/sh\\necho no space left >&2\\nexit 1\\n' > "
	                    "'%s/virt-copy-in'",
	                    tools),
	                 0);
	first = inode_of(image);
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_ERR_GENERIC);
	assert_non_null(strstr(reason, "'copyindirs': virt-copy-in into"));
	assert_non_null(strstr(reason, "no space left"));
	assert_int_equal(inode_of(image), first);
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_NOT_RUNNING);
	setenv("PATH", old_path, 1);
	extra[4] = NULL;

	/* bad paths, each naming the parameter */
	extra[1] = "OCF_RESKEY_backingfile=/nonexistent/base.img";
	assert_int_equal(run("validate-all", reason, sizeof(reason)), VMHA_OCF_ERR_INSTALLED);
	assert_non_null(strstr(reason, "'backingfile': '/nonexistent/base.img' is not readable"));
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_ERR_INSTALLED);
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_NOT_RUNNING);
	extra[1] = "OCF_RESKEY_backingfile=/dev/null/x";
	assert_int_equal(run("validate-all", reason, sizeof(reason)), VMHA_OCF_ERR_INSTALLED);
	extra[1] = "OCF_RESKEY_backingfile=/tmp";
	assert_int_equal(run("validate-all", reason, sizeof(reason)), VMHA_OCF_ERR_CONFIGURED);
	assert_non_null(strstr(reason, "not a file or a block device"));
	/* the image must not be the base itself */
	snprintf(s_backing, sizeof(s_backing), "OCF_RESKEY_backingfile=%s", image);
	extra[1] = s_backing;
	assert_int_equal(run("validate-all", reason, sizeof(reason)), VMHA_OCF_ERR_CONFIGURED);
	assert_non_null(strstr(reason, "would replace the backing file"));
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_ERR_CONFIGURED);
	snprintf(s_backing, sizeof(s_backing), "OCF_RESKEY_backingfile=%s", base);
	/* a base that is not an image qemu-img can read: a qcow2 of version 9 */
	assert_int_equal(sh("printf 'QFI\\373\\0\\0\\0\\11 and no more' > '%s'", base), 0);
	assert_int_equal(unlink(image), 0);
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_ERR_GENERIC);
	assert_non_null(strstr(reason, "'backingfile': qemu-img info"));
	assert_non_null(strstr(reason, "failed: "));
	assert_int_equal(access(image, F_OK), -1);
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_NOT_RUNNING);
}

/* reload applies tunables; a parameter that needs a restart makes it fail
 * (Pacemaker then restarts, stopping with the parameters of the start). */
static void test_reload(void **state)
{
	char snap[300];
	char record[1024];
	char reason[512];

	snprintf(snap, sizeof(snap), "OCF_RESKEY_snapshot=%s", dir);
	memset(extra, 0, sizeof(extra));
	extra[0] = "OCF_RESOURCE_INSTANCE=vmr";
	/* nothing started here: nothing to compare */
	assert_int_equal(run("reload", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("reload", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	extra[1] = "OCF_RESKEY_migration_speed=50";
	extra[2] = "OCF_RESKEY_shutdown_mode=acpi";
	assert_int_equal(run("reload", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("reload-agent", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	extra[3] = snap;
	assert_int_equal(run("reload", reason, sizeof(reason)), VMHA_OCF_ERR_GENERIC);
	assert_non_null(strstr(reason, "parameter 'snapshot' changed from '' to"));
	assert_non_null(strstr(reason, "only a restart applies it"));
	extra[3] = "OCF_RESKEY_hypervisor=test:///default?x=1";
	assert_int_equal(run("reload-agent", reason, sizeof(reason)), VMHA_OCF_ERR_GENERIC);
	assert_non_null(strstr(reason, "parameter 'hypervisor' changed"));
	extra[3] = NULL;
	/* a record of an older vmha, without the parameters */
	snprintf(record, sizeof(record), "%s/vmha-VirtualDomain-vmr.state", dir);
	write_file(record, "name=vm1\n");
	assert_int_equal(run("reload", reason, sizeof(reason)), VMHA_OCF_ERR_GENERIC);
	assert_non_null(strstr(reason, "without a record of parameter"));
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
}

/* The meta-data is OCF 1.1 with reload-agent and reloadable parameters (as
 * ocf:pacemaker:Dummy), and stays valid against resource-agents' ra-api-1.dtd
 * as ocf-tester checks it (xmllint --valid in the DTD's directory). */
static void test_meta_data(void **state)
{
	static const char dtd[] = "/usr/share/resource-agents/ra-api-1.dtd";
	char out[300];
	const char *text;
	int saved;
	int fd;

	snprintf(out, sizeof(out), "%s/meta.xml", dir);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	assert_int_equal(vmha_metadata_print(), 0);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	text = slurp(out);
	assert_non_null(strstr(text, "<version>1.1</version>"));
	assert_non_null(strstr(text, "<action name=\"reload\""));
	assert_non_null(strstr(text, "<action name=\"reload-agent\""));
	assert_non_null(strstr(text, "<parameter name=\"config\" unique=\"1\" required=\"1\" "
	                             "reloadable=\"0\""));
	assert_non_null(strstr(text, "<parameter name=\"hypervisor\" unique=\"0\" required=\"0\" "
	                             "reloadable=\"0\""));
	assert_non_null(strstr(text, "<parameter name=\"migration_speed\" unique=\"0\" "
	                             "required=\"0\" reloadable=\"1\""));
	if (access(dtd, R_OK) < 0 || sh("command -v xmllint >/dev/null") != 0) {
		/* not a silent pass: scripts/install-deps build installs them */
		fail_msg("resource-agents' schemas or xmllint missing "
		         "(resource-agents, libxml2-utils: scripts/install-deps build)");
	}
	assert_int_equal(
	        sh("cd /usr/share/resource-agents && xmllint --noout --valid - < '%s'", out), 0);
}

/* save_config_on_stop also saves on monitor and after migrate_from (as the
 * stock agent); without it the file is left alone. */
static void test_save_config_while_running(void **state)
{
	char reason[512];
	char *text;

	memset(extra, 0, sizeof(extra));
	extra[0] = "OCF_RESOURCE_INSTANCE=vms";
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	text = slurp(config);
	assert_non_null(text);
	/* the same definition with a marker libvirt does not keep */
	write_file(config, vm_xml);
	assert_int_equal(sh("sed -i 's|</domain>|<!-- marker --></domain>|' '%s'", config), 0);
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(sh("grep -q marker '%s'", config), 0);
	extra[1] = "OCF_RESKEY_save_config_on_stop=true";
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_not_equal(sh("grep -q marker '%s'", config), 0);
	assert_int_equal(sh("grep -q '<name>vm1</name>' '%s'", config), 0);
	assert_int_equal(sh("sed -i 's|</domain>|<!-- marker --></domain>|' '%s'", config), 0);
	extra[2] = "OCF_RESKEY_CRM_meta_migrate_source=node1";
	assert_int_equal(run("migrate_from", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_not_equal(sh("grep -q marker '%s'", config), 0);
	extra[1] = NULL;
	extra[2] = NULL;
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	write_file(config, vm_xml);
}

/* The shutdown-ordering drop-in: written by start and migrate_from (also for
 * a guest already running), removed by stop; one file per resource. */
static void test_shutdown_order_dropin(void **state)
{
	char path[600];
	char other[600];
	char reason[512];
	char *text;

	snprintf(path, sizeof(path), "%s/99-vmha-VirtualDomain-vmd.conf", dropins);
	snprintf(other, sizeof(other), "%s/99-vmha-VirtualDomain-other.conf", dropins);
	memset(extra, 0, sizeof(extra));
	extra[0] = "OCF_RESOURCE_INSTANCE=vmd";
	assert_int_equal(access(path, F_OK), -1);
	write_file(other, "[Unit]\n");
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	text = slurp(path);
	assert_non_null(text);
	assert_non_null(strstr(text, "resource 'vmd'"));
	assert_non_null(strstr(text, "[Unit]\nAfter=libvirtd.service virtqemud.service "
	                             "libvirt-guests.service virt-guest-shutdown.target\n"
	                             "Wants=virt-guest-shutdown.target\n"));
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(access(path, F_OK), -1);
	/* another resource's drop-in is not touched */
	assert_int_equal(access(other, F_OK), 0);
	/* migrate_from of a guest that is there (test driver: start it first) */
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(run("migrate_from", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(access(path, F_OK), -1);
	unlink(other);
}

/* migrate_options changed to one that cannot apply, on a running guest:
 * reload-agent leaves the guest alone (a refusal would be fatal for it) and
 * migrate_to refuses with a non-fatal error naming the option. */
static void test_bad_options_after_reload(void **state)
{
	char reason[512];

	memset(extra, 0, sizeof(extra));
	extra[0] = "OCF_RESOURCE_INSTANCE=vmo";
	assert_int_equal(run("start", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	extra[1] = "OCF_RESKEY_migrate_options=--suspend";
	assert_int_equal(run("reload-agent", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	extra[2] = "OCF_RESKEY_CRM_meta_migrate_target=node2";
	assert_int_equal(run("migrate_to", reason, sizeof(reason)), VMHA_OCF_ERR_GENERIC);
	assert_non_null(strstr(reason, "'--suspend' is not supported"));
	assert_int_equal(run("monitor", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
	extra[1] = NULL;
	extra[2] = NULL;
	assert_int_equal(run("stop", reason, sizeof(reason)), VMHA_OCF_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lifecycle),
	        cmocka_unit_test(test_force_stop),
	        cmocka_unit_test(test_missing_config_is_not_stopped),
	        cmocka_unit_test(test_bad_inputs),
	        cmocka_unit_test(test_malformed_config),
	        cmocka_unit_test(test_paused_and_libvirt_managed),
	        cmocka_unit_test(test_utilization_only_on_change),
	        cmocka_unit_test(test_copy_on_write),
	        cmocka_unit_test(test_reload),
	        cmocka_unit_test(test_save_config_while_running),
	        cmocka_unit_test(test_shutdown_order_dropin),
	        cmocka_unit_test(test_bad_options_after_reload),
	        cmocka_unit_test(test_meta_data),
	};

	return cmocka_run_group_tests_name("agent actions", tests, setup, teardown);
}

/* Pre-checks of a live migration (see precheck.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "domxml.h"
#include "log.h"
#include "netprobe.h"
#include "precheck.h"
#include "uri.h"

/* Keepalive probe interval for the target connection. */
#define KEEPALIVE_S 2
/* Longest the target's libvirtd may take to accept a connection. */
#define OPEN_TIMEOUT_MS 10000
/* Longest a name may take to resolve. */
#define RESOLVE_TIMEOUT_MS 3000
/* Checks kept with their costs. */
#define MAX_CHECKS 16

struct vmha_precheck {
	struct vmha_virt_domain *dom;
	const struct vmha_migspec *spec;
	struct vmha_virt *dv;
	struct vmha_domxml *dx;
	char *target;
	char name[256];
	char uuid[VIR_UUID_STRING_BUFLEN];
	char uri_host[256];
	char reason[1024];
	const char *failed;
	size_t n;
	const char *names[MAX_CHECKS];
	uint64_t cost_ms[MAX_CHECKS];
};

static int fail(struct vmha_precheck *pc, const char *check, int rc, const char *fmt, ...)
{
	char what[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(pc->reason, sizeof(pc->reason), "pre-check '%s' failed: %s", check, what);
	pc->failed = check;
	return rc;
}

struct vmha_precheck *vmha_precheck_new(struct vmha_virt_domain *dom, const char *target,
                                        const struct vmha_migspec *spec)
{
	struct vmha_precheck *pc = calloc(1, sizeof(*pc));

	if (pc == NULL) {
		return NULL;
	}
	pc->dom = dom;
	pc->spec = spec;
	pc->target = strdup(target);
	if (pc->target == NULL) {
		free(pc);
		return NULL;
	}
	snprintf(pc->name, sizeof(pc->name), "%s", vmha_virt_domain_name(dom));
	if (vmha_virt_domain_uuid(dom, pc->uuid) < 0) {
		pc->uuid[0] = '\0';
	}
	return pc;
}

void vmha_precheck_free(struct vmha_precheck *pc)
{
	if (pc == NULL) {
		return;
	}
	vmha_virt_free(pc->dv);
	vmha_domxml_free(pc->dx);
	free(pc->target);
	free(pc);
}

void vmha_precheck_version_text(unsigned long version, char *buf, size_t len)
{
	snprintf(buf, len, "%lu.%lu.%lu", version / 1000000, version / 1000 % 1000, version % 1000);
}

/* ---- the checks ---- */

/* An address written as such, or "localhost": loopback is then meant (a test
 * setup, a private network namespace), not a hosts file's accident. */
static bool host_is_literal(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	return inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1 ||
	       strncmp(host, "localhost", 9) == 0;
}

/* Resolve host (named by what) and refuse a loopback address. */
static int check_not_loopback(struct vmha_precheck *pc, const char *check, const char *what,
                              const char *host, uint64_t deadline_ms)
{
	uint64_t d = vmha_deadline_in_ms(RESOLVE_TIMEOUT_MS);
	char addr[INET6_ADDRSTRLEN];
	bool loopback = false;
	int rc;

	rc = vmha_netprobe_resolve(host, d < deadline_ms ? d : deadline_ms, addr, sizeof(addr),
	                           &loopback);
	if (rc == -ENOENT) {
		return fail(pc, check, -EADDRNOTAVAIL, "%s '%s' does not resolve on this host",
		            what, host);
	}
	if (rc < 0) {
		return fail(pc, check, rc, "cannot resolve %s '%s' on this host: %s", what, host,
		            strerror(-rc));
	}
	if (loopback) {
		return fail(pc, check, -EADDRNOTAVAIL,
		            "%s '%s' resolves to the loopback address %s on this host (fix the "
		            "hosts file or DNS, or set a migration URI with the target's address)",
		            what, host, addr);
	}
	return 0;
}

static int check_uri(struct vmha_precheck *pc, uint64_t deadline_ms)
{
	char why[512];
	int rc;

	(void)deadline_ms;
	rc = vmha_migspec_check(pc->spec, why, sizeof(why));
	if (rc < 0) {
		rc = fail(pc, "uri", -EINVAL, "%s", why);
	}
	return rc;
}

/* The host of uri, or "" when it names none (a local URI) or a pattern. */
static void uri_host(const char *uri, char *host, size_t len)
{
	unsigned int port = 0;

	if (uri == NULL || vmha_uri_host_port(uri, host, len, &port) < 0 ||
	    strstr(host, "%n") != NULL) {
		host[0] = '\0';
	}
}

static int check_resolve(struct vmha_precheck *pc, uint64_t deadline_ms)
{
	const char *mig = vmha_migspec_migrate_uri(pc->spec);
	char host[256];
	int rc = 0;

	uri_host(vmha_migspec_remote_uri(pc->spec), pc->uri_host, sizeof(pc->uri_host));
	if (pc->uri_host[0] != '\0' && !host_is_literal(pc->uri_host)) {
		rc = check_not_loopback(pc, "resolve", "target host", pc->uri_host, deadline_ms);
	}
	uri_host(mig, host, sizeof(host));
	if (rc == 0 && host[0] != '\0' && !host_is_literal(host)) {
		rc = check_not_loopback(pc, "resolve", "migration host", host, deadline_ms);
	}
	return rc;
}

static int check_libvirt(struct vmha_precheck *pc, uint64_t deadline_ms)
{
	uint64_t d = vmha_deadline_in_ms(OPEN_TIMEOUT_MS);
	int rc = 0;

	if (pc->dv != NULL) {
		goto out;
	}
	rc = vmha_virt_open(vmha_migspec_remote_uri(pc->spec), KEEPALIVE_S,
	                    d < deadline_ms ? d : deadline_ms, &pc->dv);
	if (rc < 0) {
		rc = fail(pc, "libvirt", -EHOSTUNREACH,
		          "target libvirtd '%s' of host '%s' is unreachable: %s",
		          vmha_migspec_remote_uri(pc->spec), pc->target, vmha_virt_open_error());
	}
out:
	return rc;
}

int vmha_precheck_compare_hosts(const struct vmha_virt_host_facts *src,
                                const struct vmha_virt_host_facts *dst, const char *target,
                                const char **check, char *reason, size_t reason_len)
{
	const char *su = vmha_virt_host_facts_uuid(src);
	const char *du = vmha_virt_host_facts_uuid(dst);
	char sv[32];
	char dv[32];
	int rc = 0;

	*check = NULL;
	reason[0] = '\0';
	if (su[0] != '\0' && strcmp(su, du) == 0) {
		*check = "identity";
		snprintf(reason, reason_len,
		         "the libvirt of '%s' reports host UUID %s, the same as this host's (host "
		         "name '%s' there, '%s' here): the URI reaches this host itself, or both "
		         "hosts share one host UUID (set host_uuid in libvirtd.conf)",
		         target, du, vmha_virt_host_facts_hostname(dst),
		         vmha_virt_host_facts_hostname(src));
		rc = -EADDRNOTAVAIL;
		goto out;
	}
	if (strncmp(vmha_virt_host_facts_hostname(dst), "localhost", 9) == 0) {
		*check = "identity";
		snprintf(reason, reason_len,
		         "the libvirt of '%s' reports host name '%s': libvirt refuses to migrate "
		         "to a host called localhost (set a real host name there)",
		         target, vmha_virt_host_facts_hostname(dst));
		rc = -EADDRNOTAVAIL;
		goto out;
	}
	if (vmha_virt_host_facts_arch(src)[0] != '\0' &&
	    vmha_virt_host_facts_arch(dst)[0] != '\0' &&
	    strcmp(vmha_virt_host_facts_arch(src), vmha_virt_host_facts_arch(dst)) != 0) {
		*check = "arch";
		snprintf(reason, reason_len, "'%s' has CPU architecture %s, this host %s", target,
		         vmha_virt_host_facts_arch(dst), vmha_virt_host_facts_arch(src));
		rc = -EINVAL;
		goto out;
	}
	if (vmha_virt_host_facts_lib_version(dst) < vmha_virt_host_facts_lib_version(src)) {
		*check = "version";
		vmha_precheck_version_text(vmha_virt_host_facts_lib_version(src), sv, sizeof(sv));
		vmha_precheck_version_text(vmha_virt_host_facts_lib_version(dst), dv, sizeof(dv));
		snprintf(reason, reason_len,
		         "'%s' runs libvirt %s, older than this host's %s: migrating to an older "
		         "libvirt is not supported",
		         target, dv, sv);
		rc = -EINVAL;
		goto out;
	}
	if (vmha_virt_host_facts_hv_version(dst) > 0 &&
	    vmha_virt_host_facts_hv_version(dst) < vmha_virt_host_facts_hv_version(src)) {
		*check = "version";
		vmha_precheck_version_text(vmha_virt_host_facts_hv_version(src), sv, sizeof(sv));
		vmha_precheck_version_text(vmha_virt_host_facts_hv_version(dst), dv, sizeof(dv));
		snprintf(reason, reason_len,
		         "'%s' runs hypervisor version %s, older than this host's %s: a guest "
		         "started by the newer QEMU cannot move to an older one",
		         target, dv, sv);
		rc = -EINVAL;
		goto out;
	}
out:
	return rc;
}

/* identity, arch and version: one question to each libvirt. */
static int check_hosts(struct vmha_precheck *pc, uint64_t deadline_ms)
{
	struct vmha_virt_host_facts *src = NULL;
	struct vmha_virt_host_facts *dst = NULL;
	const char *check = NULL;
	char why[900];
	int rc;

	rc = vmha_virt_host_facts_get(vmha_virt_domain_conn(pc->dom), deadline_ms, &src);
	if (rc < 0) {
		rc = fail(pc, "identity", rc, "cannot ask this host's libvirt about itself: %s",
		          vmha_virt_domain_error(pc->dom));
		goto out;
	}
	rc = vmha_virt_host_facts_get(pc->dv, deadline_ms, &dst);
	if (rc < 0) {
		rc = fail(pc, "identity", rc, "cannot ask the libvirt of '%s' about itself: %s",
		          pc->target, vmha_virt_error(pc->dv));
		goto out;
	}
	rc = vmha_precheck_compare_hosts(src, dst, pc->target, &check, why, sizeof(why));
	if (rc < 0) {
		rc = fail(pc, check, rc, "%s", why);
		goto out;
	}
	/* without a migration URI the target names itself to this host's
	 * QEMU by its host name (unless its qemu.conf sets migration_host):
	 * a target named by a host name only (one addressed as 127.0.0.1 is
	 * loopback by design) */
	if (pc->uri_host[0] != '\0' && !host_is_literal(pc->uri_host) &&
	    vmha_migspec_migrate_uri(pc->spec) == NULL) {
		rc = check_not_loopback(pc, "identity", "the target's host name",
		                        vmha_virt_host_facts_hostname(dst), deadline_ms);
	}
out:
	vmha_virt_host_facts_free(src);
	vmha_virt_host_facts_free(dst);
	return rc;
}

unsigned int vmha_precheck_probe_port(const char *migrate_uri)
{
	unsigned int port = 0;
	char host[256];

	if (migrate_uri != NULL) {
		vmha_uri_host_port(migrate_uri, host, sizeof(host), &port);
	}
	return port != 0 ? port : VMHA_PRECHECK_MIGRATION_PORT_MAX;
}

static int check_port(struct vmha_precheck *pc, uint64_t deadline_ms)
{
	const char *mig = vmha_migspec_migrate_uri(pc->spec);
	unsigned int port = vmha_precheck_probe_port(mig);
	unsigned int ignored = 0;
	char host[256] = "";
	int rc = 0;

	(void)deadline_ms;
	if (mig != NULL) {
		vmha_uri_host_port(mig, host, sizeof(host), &ignored);
	}
	if (host[0] == '\0') {
		snprintf(host, sizeof(host), "%s", pc->uri_host);
	}
	if (host[0] == '\0') {
		vmha_debug("pre-check 'port': target '%s' is local: not checked", pc->target);
		goto out;
	}
	rc = vmha_netprobe_tcp(host, port, VMHA_PRECHECK_PORT_TIMEOUT_MS);
	if (rc == -ETIMEDOUT) {
		rc = fail(pc, "port", -EHOSTUNREACH,
		          "migration port %u of '%s' (%s) does not answer within %u ms: a "
		          "firewall drops it? (open QEMU's migration ports, %u-%u)",
		          port, pc->target, host, VMHA_PRECHECK_PORT_TIMEOUT_MS,
		          VMHA_PRECHECK_MIGRATION_PORT_MIN, VMHA_PRECHECK_MIGRATION_PORT_MAX);
	} else if (rc < 0) {
		rc = fail(pc, "port", -EHOSTUNREACH, "migration port %u of '%s' (%s): %s", port,
		          pc->target, host, strerror(-rc));
	}
out:
	return rc;
}

static int check_not_active(struct vmha_precheck *pc, uint64_t deadline_ms)
{
	struct vmha_virt_domain *there = NULL;
	int state = 0;
	int reason = 0;
	int rc = 0;

	/* by UUID, then by name: libvirt refuses either clash */
	if (vmha_virt_domain_lookup(pc->dv, pc->uuid, pc->name, deadline_ms, &there) < 0) {
		vmha_virt_domain_lookup(pc->dv, NULL, pc->name, deadline_ms, &there);
	}
	if (there != NULL && vmha_virt_domain_get_state(there, deadline_ms, &state, &reason) == 0 &&
	    state != VIR_DOMAIN_SHUTOFF) {
		rc = fail(pc, "active", -EEXIST, "domain '%s' is already active on '%s' (%s)",
		          pc->name, pc->target, vmha_virt_state_name(state));
	}
	vmha_virt_domain_free(there);
	return rc;
}

/* The live definition is what migrates (not a config file on disk). */
static int load_definition(struct vmha_precheck *pc, uint64_t deadline_ms)
{
	char err[512] = "";
	char *xml = NULL;
	int rc;

	if (pc->dx != NULL) {
		return 0;
	}
	rc = vmha_virt_domain_get_xml(pc->dom, VIR_DOMAIN_XML_MIGRATABLE, deadline_ms, &xml);
	if (rc < 0) {
		rc = fail(pc, "memory", rc, "cannot read the definition of domain '%s': %s",
		          pc->name, vmha_virt_domain_error(pc->dom));
		goto out;
	}
	rc = vmha_domxml_parse_string(xml, &pc->dx, err, sizeof(err));
	if (rc < 0) {
		rc = fail(pc, "memory", rc, "cannot parse the definition of domain '%s': %s",
		          pc->name, err);
	}
out:
	free(xml);
	return rc;
}

static int check_memory(struct vmha_precheck *pc, uint64_t deadline_ms)
{
	uint64_t free_bytes = 0;
	int rc = load_definition(pc, deadline_ms);

	if (rc == 0 && vmha_virt_node_free_memory(pc->dv, deadline_ms, &free_bytes) == 0 &&
	    free_bytes / 1024 < vmha_domxml_memory_kib(pc->dx)) {
		rc = fail(pc, "memory", -ENOMEM,
		          "'%s' has %" PRIu64 " MiB free, domain '%s' needs %" PRIu64 " MiB",
		          pc->target, free_bytes / 1024 / 1024, pc->name,
		          vmha_domxml_memory_kib(pc->dx) / 1024);
	}
	return rc;
}

static int check_networks(struct vmha_precheck *pc, uint64_t deadline_ms)
{
	bool start = vmha_migspec_start_resources(pc->spec);
	bool ok = false;
	size_t i;
	int rc = 0;

	for (i = 0; i < vmha_domxml_network_count(pc->dx); i++) {
		const char *net = vmha_domxml_network(pc->dx, i);

		if (start) {
			rc = vmha_virt_network_ensure_active(pc->dv, net, deadline_ms);
		} else {
			rc = vmha_virt_network_is_active(pc->dv, net, deadline_ms, &ok);
		}
		if (rc < 0 || (!start && !ok)) {
			return fail(pc, "network", -ENODEV,
			            "virtual network '%s' is not active on '%s'", net, pc->target);
		}
	}
	return 0;
}

static int check_bridges(struct vmha_precheck *pc, uint64_t deadline_ms)
{
	bool ok = false;
	size_t i;
	int rc;

	for (i = 0; i < vmha_domxml_bridge_count(pc->dx); i++) {
		const char *br = vmha_domxml_bridge(pc->dx, i);

		rc = vmha_virt_interface_exists(pc->dv, br, deadline_ms, &ok);
		if (rc == 0 && !ok) {
			return fail(pc, "bridge", -ENODEV, "bridge '%s' does not exist on '%s'", br,
			            pc->target);
		}
		if (rc < 0) {
			vmha_info("cannot check bridge '%s' on '%s': %s", br, pc->target,
			          vmha_virt_error(pc->dv));
		}
	}
	return 0;
}

static int check_pools(struct vmha_precheck *pc, uint64_t deadline_ms)
{
	size_t i;

	for (i = 0; i < vmha_domxml_pool_count(pc->dx) && vmha_migspec_start_resources(pc->spec);
	     i++) {
		if (vmha_virt_pool_ensure_active(pc->dv, vmha_domxml_pool(pc->dx, i), deadline_ms) <
		    0) {
			return fail(pc, "pool", -ENODEV,
			            "storage pool '%s' cannot be started on '%s'",
			            vmha_domxml_pool(pc->dx, i), pc->target);
		}
	}
	return 0;
}

static int check_disks(struct vmha_precheck *pc, uint64_t deadline_ms)
{
	enum vmha_virt_disk found = VMHA_VIRT_DISK_UNCHECKED;
	char pool[256];
	size_t i;
	int rc = 0;

	/* disks copied by the migration need not exist on the target */
	if (vmha_migspec_copies_storage(pc->spec)) {
		goto out;
	}
	for (i = 0; i < vmha_domxml_disk_count(pc->dx); i++) {
		const char *path = vmha_domxml_disk(pc->dx, i);

		rc = vmha_virt_disk_check(pc->dv, path, deadline_ms, &found, pool, sizeof(pool));
		if (rc < 0) {
			rc = fail(pc, "disk", rc,
			          "cannot check disk '%s' of domain '%s' on '%s': %s", path,
			          pc->name, pc->target, vmha_virt_error(pc->dv));
			goto out;
		}
		if (found == VMHA_VIRT_DISK_MISSING) {
			rc = fail(pc, "disk", -ENOENT,
			          "disk '%s' of domain '%s' does not exist on '%s' (storage pool "
			          "'%s')",
			          path, pc->name, pc->target, pool);
			goto out;
		}
		if (found == VMHA_VIRT_DISK_UNCHECKED) {
			/* libvirt itself fails the migration before any memory
			 * moves when the target's QEMU cannot open the disk */
			vmha_notice("disk '%s' of domain '%s' cannot be checked on '%s': no active "
			            "storage pool there covers its directory",
			            path, pc->name, pc->target);
		} else {
			vmha_debug("disk '%s' of domain '%s' exists on '%s'", path, pc->name,
			           pc->target);
		}
	}
out:
	return rc;
}

static int check_cpu(struct vmha_precheck *pc, uint64_t deadline_ms)
{
	const char *cpu_xml = vmha_migspec_cpu_xml(pc->spec);
	int rc = 0;

	/* the configured CPU only: the live definition has every guest's CPU
	 * expanded to a model and features, which a comparison with the
	 * target's host CPU would wrongly refuse (libvirt checks the guest
	 * CPU itself when the migration begins) */
	if (cpu_xml != NULL && strstr(cpu_xml, "host-passthrough") == NULL &&
	    strstr(cpu_xml, "host-model") == NULL && strstr(cpu_xml, "<model") != NULL) {
		rc = vmha_virt_compare_cpu(pc->dv, vmha_domxml_type(pc->dx), cpu_xml, deadline_ms);
		if (rc == -EINVAL) {
			return fail(pc, "cpu", -EINVAL,
			            "the CPU of domain '%s' is not compatible with '%s'", pc->name,
			            pc->target);
		}
	}
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct vmha_precheck *pc, uint64_t deadline_ms);
} checks[] = {
        {"uri", check_uri},           {"resolve", check_resolve},  {"libvirt", check_libvirt},
        {"active", check_not_active}, {"identity", check_hosts},   {"port", check_port},
        {"memory", check_memory},     {"network", check_networks}, {"bridge", check_bridges},
        {"pool", check_pools},        {"disk", check_disks},       {"cpu", check_cpu},
};

int vmha_precheck_run(struct vmha_precheck *pc, uint64_t deadline_ms)
{
	uint64_t total_ms = vmha_clock_now_ms();
	char costs[512] = "";
	size_t used = 0;
	size_t i;
	int rc = 0;

	pc->reason[0] = '\0';
	pc->failed = NULL;
	pc->n = 0;
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]) && rc == 0; i++) {
		uint64_t start_ms = vmha_clock_now_ms();
		int n;

		rc = checks[i].fn(pc, deadline_ms);
		pc->names[pc->n] = rc < 0 && pc->failed != NULL ? pc->failed : checks[i].name;
		pc->cost_ms[pc->n] = vmha_clock_now_ms() - start_ms;
		vmha_debug("pre-check '%s' of '%s' to '%s': %s (%" PRIu64 " ms)", pc->names[pc->n],
		           pc->name, pc->target, rc == 0 ? "ok" : "failed", pc->cost_ms[pc->n]);
		n = snprintf(costs + used, sizeof(costs) - used, "%s%s %" PRIu64,
		             used > 0 ? ", " : "", pc->names[pc->n], pc->cost_ms[pc->n]);
		if (n > 0 && (size_t)n < sizeof(costs) - used) {
			used += (size_t)n;
		}
		pc->n++;
	}
	vmha_notice("pre-checks of '%s' to '%s' %s in %" PRIu64 " ms (ms each: %s)", pc->name,
	            pc->target, rc == 0 ? "passed" : "failed", vmha_clock_now_ms() - total_ms,
	            costs);
	return rc;
}

const char *vmha_precheck_reason(const struct vmha_precheck *pc)
{
	return pc->reason;
}

const char *vmha_precheck_failed(const struct vmha_precheck *pc)
{
	return pc->failed;
}

size_t vmha_precheck_count(const struct vmha_precheck *pc)
{
	return pc->n;
}

const char *vmha_precheck_name(const struct vmha_precheck *pc, size_t i)
{
	return i < pc->n ? pc->names[i] : "";
}

uint64_t vmha_precheck_cost_ms(const struct vmha_precheck *pc, size_t i)
{
	return i < pc->n ? pc->cost_ms[i] : 0;
}

struct vmha_virt *vmha_precheck_take_target(struct vmha_precheck *pc)
{
	struct vmha_virt *v = pc->dv;

	pc->dv = NULL;
	return v;
}

int vmha_precheck_config(const struct vmha_migspec *spec, uint64_t deadline_ms, char *reason,
                         size_t reason_len)
{
	struct vmha_precheck pc;
	int rc;

	memset(&pc, 0, sizeof(pc));
	pc.spec = spec;
	pc.target = (char *)"the target";
	rc = check_uri(&pc, deadline_ms);
	if (rc == 0) {
		rc = check_resolve(&pc, deadline_ms);
	}
	if (rc < 0) {
		snprintf(reason, reason_len, "%s", pc.reason);
	}
	return rc;
}

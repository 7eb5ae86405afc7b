/* Migration plan (see migrate.h). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "migrate.h"
#include "uri.h"
#include "util.h"

/* The migration's settings while they are built, and what only the build
 * needs (the rules among virsh's --timeout options). */
struct build {
	struct vmha_migspec *spec;
	bool postcopy_after_precopy;
	unsigned int timeout_s;
	bool timeout_postcopy;
	bool timeout_suspend_given;
};

enum opt_kind {
	OPT_FLAG,    /* sets flag */
	OPT_NOOP,    /* accepted, nothing to do */
	OPT_STRING,  /* typed string parameter */
	OPT_STRINGS, /* comma-separated list, one string parameter each */
	OPT_INT,     /* typed int parameter */
	OPT_ULLONG,  /* typed unsigned long long parameter */
	OPT_FILE,    /* typed string parameter read from a file */
	OPT_MIGRATEURI,
	OPT_POSTCOPY_AFTER_PRECOPY,
	OPT_TIMEOUT,          /* --timeout N: act after N seconds (the agent's job loop) */
	OPT_TIMEOUT_SUSPEND,  /* the action: suspend the source (virsh's default) */
	OPT_TIMEOUT_POSTCOPY, /* the action: switch to post-copy */
	OPT_REJECT,           /* known, but contradicts how the agent works */
};

struct opt_def {
	const char *name;
	enum opt_kind kind;
	unsigned int flag; /* OPT_FLAG; also set with a parameter */
	const char *param; /* typed parameter name */
	const char *why;   /* OPT_REJECT */
};

static const struct opt_def opts[] = {
        {"--live", OPT_NOOP, 0, NULL, NULL},
        {"--p2p", OPT_NOOP, 0, NULL, NULL},
        {"--verbose", OPT_NOOP, 0, NULL, NULL},
        {"--tunnelled", OPT_FLAG, VIR_MIGRATE_TUNNELLED, NULL, NULL},
        {"--persistent", OPT_FLAG, VIR_MIGRATE_PERSIST_DEST, NULL, NULL},
        {"--undefinesource", OPT_FLAG, VIR_MIGRATE_UNDEFINE_SOURCE, NULL, NULL},
        {"--suspend", OPT_REJECT, 0, NULL,
         "the guest would stay paused on the target, which Pacemaker would take for running"},
        {"--copy-storage-all", OPT_FLAG, VIR_MIGRATE_NON_SHARED_DISK, NULL, NULL},
        {"--copy-storage-inc", OPT_FLAG, VIR_MIGRATE_NON_SHARED_INC, NULL, NULL},
        {"--copy-storage-synchronous-writes", OPT_FLAG, VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES,
         NULL, NULL},
        {"--change-protection", OPT_FLAG, VIR_MIGRATE_CHANGE_PROTECTION, NULL, NULL},
        {"--unsafe", OPT_FLAG, VIR_MIGRATE_UNSAFE, NULL, NULL},
        {"--compressed", OPT_FLAG, VIR_MIGRATE_COMPRESSED, NULL, NULL},
        {"--auto-converge", OPT_FLAG, VIR_MIGRATE_AUTO_CONVERGE, NULL, NULL},
        {"--rdma-pin-all", OPT_FLAG, VIR_MIGRATE_RDMA_PIN_ALL, NULL, NULL},
        {"--abort-on-error", OPT_FLAG, VIR_MIGRATE_ABORT_ON_ERROR, NULL, NULL},
        {"--postcopy", OPT_FLAG, VIR_MIGRATE_POSTCOPY, NULL, NULL},
        {"--postcopy-after-precopy", OPT_POSTCOPY_AFTER_PRECOPY, VIR_MIGRATE_POSTCOPY, NULL, NULL},
        {"--tls", OPT_FLAG, VIR_MIGRATE_TLS, NULL, NULL},
        {"--parallel", OPT_FLAG, VIR_MIGRATE_PARALLEL, NULL, NULL},
        {"--zerocopy", OPT_FLAG, VIR_MIGRATE_ZEROCOPY, NULL, NULL},
        {"--migrateuri", OPT_MIGRATEURI, 0, NULL, NULL},
        {"--graphicsuri", OPT_STRING, 0, VIR_MIGRATE_PARAM_GRAPHICS_URI, NULL},
        {"--listen-address", OPT_STRING, 0, VIR_MIGRATE_PARAM_LISTEN_ADDRESS, NULL},
        {"--migrate-disks", OPT_STRINGS, 0, VIR_MIGRATE_PARAM_MIGRATE_DISKS, NULL},
        {"--disks-port", OPT_INT, 0, VIR_MIGRATE_PARAM_DISKS_PORT, NULL},
        {"--disks-uri", OPT_STRING, 0, VIR_MIGRATE_PARAM_DISKS_URI, NULL},
        {"--comp-methods", OPT_STRINGS, VIR_MIGRATE_COMPRESSED, VIR_MIGRATE_PARAM_COMPRESSION,
         NULL},
        {"--comp-mt-level", OPT_INT, 0, VIR_MIGRATE_PARAM_COMPRESSION_MT_LEVEL, NULL},
        {"--comp-mt-threads", OPT_INT, 0, VIR_MIGRATE_PARAM_COMPRESSION_MT_THREADS, NULL},
        {"--comp-mt-dthreads", OPT_INT, 0, VIR_MIGRATE_PARAM_COMPRESSION_MT_DTHREADS, NULL},
        {"--comp-xbzrle-cache", OPT_ULLONG, 0, VIR_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE, NULL},
        {"--auto-converge-initial", OPT_INT, VIR_MIGRATE_AUTO_CONVERGE,
         VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL, NULL},
        {"--auto-converge-increment", OPT_INT, VIR_MIGRATE_AUTO_CONVERGE,
         VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT, NULL},
        {"--persistent-xml", OPT_FILE, VIR_MIGRATE_PERSIST_DEST, VIR_MIGRATE_PARAM_PERSIST_XML,
         NULL},
        {"--xml", OPT_FILE, 0, VIR_MIGRATE_PARAM_DEST_XML, NULL},
        {"--tls-destination", OPT_STRING, VIR_MIGRATE_TLS, VIR_MIGRATE_PARAM_TLS_DESTINATION, NULL},
        {"--postcopy-bandwidth", OPT_ULLONG, 0, VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY, NULL},
        {"--parallel-connections", OPT_INT, VIR_MIGRATE_PARALLEL,
         VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS, NULL},
        {"--bandwidth", OPT_ULLONG, 0, VIR_MIGRATE_PARAM_BANDWIDTH, NULL},
        {"--offline", OPT_REJECT, 0, NULL, "the agent migrates running guests live"},
        {"--direct", OPT_REJECT, 0, NULL, "the agent always migrates peer-to-peer"},
        {"--dname", OPT_REJECT, 0, NULL, "renaming the domain would break the resource"},
        {"--async", OPT_REJECT, 0, NULL, "the agent waits for the migration itself"},
        {"--timeout", OPT_TIMEOUT, 0, NULL, NULL},
        {"--timeout-suspend", OPT_TIMEOUT_SUSPEND, 0, NULL, NULL},
        {"--timeout-postcopy", OPT_TIMEOUT_POSTCOPY, 0, NULL, NULL},
        {"--postcopy-resume", OPT_REJECT, 0, NULL,
         "it recovers one failed post-copy migration by hand; it is not a standing option"},
        {"--domain", OPT_REJECT, 0, NULL, "the domain comes from 'config'"},
        {"--desturi", OPT_REJECT, 0, NULL, "use 'remoteuri' instead"},
};

/* Replace every "%n" in tmpl by node (when node is non-NULL). */
static char *subst_node(const char *tmpl, const char *node)
{
	size_t len = strlen(tmpl) + 1;
	const char *s;
	char *out;
	char *o;

	if (node != NULL) {
		for (s = tmpl; (s = strstr(s, "%n")) != NULL; s += 2) {
			len += strlen(node);
		}
	}
	out = malloc(len);
	if (out == NULL) {
		return NULL;
	}
	o = out;
	for (s = tmpl; *s != '\0'; s++) {
		if (node != NULL && s[0] == '%' && s[1] == 'n') {
			strcpy(o, node);
			o += strlen(node);
			s++;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

/* node with suffix inserted before its first dot (or appended). */
static char *node_with_suffix(const char *node, const char *suffix)
{
	size_t head = strcspn(node, ".");
	size_t len = strlen(node) + (suffix != NULL ? strlen(suffix) : 0) + 1;
	char *out = malloc(len);

	if (out == NULL) {
		return NULL;
	}
	snprintf(out, len, "%.*s%s%s", (int)head, node, suffix != NULL ? suffix : "", node + head);
	return out;
}

static bool user_is_valid(const char *user)
{
	size_t i;

	if (user == NULL || user[0] < 'a' || user[0] > 'z') {
		return false;
	}
	for (i = 1; user[i] != '\0'; i++) {
		char c = user[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
			return false;
		}
	}
	return true;
}

/* scheme[+transport]://[user@]host[:port]/path -> scheme+T://[U@]target[:port]/path */
static int build_remote_uri(const struct vmha_params *p, const char *target, const char *local,
                            char **out, char *reason, size_t reason_len)
{
	const char *transport = vmha_params_migration_transport(p);
	const char *user = vmha_params_migration_user(p);
	const char *sep;
	const char *authority;
	const char *path;
	const char *port;
	char *host = NULL;
	size_t scheme_len;
	size_t len;
	int rc = 0;

	*out = NULL;
	if (vmha_params_remoteuri(p) != NULL) {
		*out = subst_node(vmha_params_remoteuri(p), target);
		rc = *out == NULL ? -ENOMEM : 0;
		goto out;
	}
	if (local == NULL || (sep = strstr(local, "://")) == NULL) {
		vmha_util_set_text(
		        reason, reason_len,
		        "cannot build the target's URI from hypervisor URI '%s'; set 'remoteuri'",
		        local != NULL ? local : "");
		rc = -EINVAL;
		goto out;
	}
	scheme_len = strcspn(local, "+:");
	authority = sep + 3;
	path = authority + strcspn(authority, "/");
	/* the port: after the host, past any "user@" and any "[IPv6]" */
	port = authority;
	if (memchr(authority, '@', (size_t)(path - authority)) != NULL) {
		port = (const char *)memchr(authority, '@', (size_t)(path - authority)) + 1;
	}
	if (port < path && *port == '[') {
		while (port < path && *port != ']') {
			port++;
		}
	}
	while (port < path && *port != ':') {
		port++;
	}
	host = node_with_suffix(target != NULL ? target : "%n",
	                        vmha_params_migration_network_suffix(p));
	if (host == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	len = strlen(local) + strlen(host) + 64 + (user != NULL ? strlen(user) : 0) +
	      (transport != NULL ? strlen(transport) : 0);
	*out = malloc(len);
	if (*out == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(*out, len, "%.*s%s%s://%s%s%s%.*s%s", (int)scheme_len, local,
	         transport != NULL ? "+" : "", transport != NULL ? transport : "",
	         user_is_valid(user) ? user : "", user_is_valid(user) ? "@" : "", host,
	         (int)(path - port), port, path[0] != '\0' ? path : "/system");
out:
	free(host);
	return rc;
}

static int add_param(struct build *plan, const struct opt_def *d, const char *value,
                     const char *opt, char *reason, size_t reason_len)
{
	uint64_t u = 0;
	int rc = 0;

	switch (d->kind) {
	case OPT_STRING:
		rc = vmha_migspec_add_string(plan->spec, d->param, value);
		break;
	case OPT_STRINGS: {
		char *copy = strdup(value);
		char *save = NULL;
		char *item;

		if (copy == NULL) {
			return -ENOMEM;
		}
		for (item = strtok_r(copy, ",", &save); item != NULL && rc == 0;
		     item = strtok_r(NULL, ",", &save)) {
			rc = vmha_migspec_add_string(plan->spec, d->param, item);
		}
		free(copy);
		break;
	}
	case OPT_INT:
	case OPT_ULLONG:
		if (vmha_util_parse_u64(value, &u) < 0 || (d->kind == OPT_INT && u > INT32_MAX)) {
			vmha_util_set_text(
			        reason, reason_len,
			        "parameter 'migrate_options': option '%s' needs a number, not '%s'",
			        opt, value);
			return -EINVAL;
		}
		if (d->kind == OPT_INT) {
			rc = vmha_migspec_add_int(plan->spec, d->param, (int)u);
		} else {
			rc = vmha_migspec_add_ullong(plan->spec, d->param, u);
		}
		break;
	case OPT_FILE: {
		FILE *f = fopen(value, "re");
		char *text = NULL;
		size_t len = 0;

		if (f == NULL) {
			vmha_util_set_text(
			        reason, reason_len,
			        "parameter 'migrate_options': option '%s': cannot read '%s'", opt,
			        value);
			return -EINVAL;
		}
		text = calloc(1, 1024 * 1024 + 1);
		if (text != NULL) {
			len = fread(text, 1, 1024 * 1024, f);
		}
		fclose(f);
		if (text == NULL) {
			return -ENOMEM;
		}
		text[len] = '\0';
		rc = vmha_migspec_add_string(plan->spec, d->param, text);
		free(text);
		break;
	}
	default:
		break;
	}
	return rc < 0 ? -ENOMEM : 0;
}

static int parse_options(struct build *plan, const char *options, const char *target,
                         char **migrateuri, char *reason, size_t reason_len)
{
	char *copy = NULL;
	char *save = NULL;
	char *tok;
	int rc = 0;

	if (options == NULL) {
		goto out;
	}
	copy = strdup(options);
	if (copy == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (tok = strtok_r(copy, " \t\n", &save); tok != NULL && rc == 0;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		const struct opt_def *d = NULL;
		char *value = NULL;
		char *eq = strchr(tok, '=');
		size_t i;

		if (eq != NULL) {
			*eq = '\0';
			value = eq + 1;
		}
		for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
			if (strcmp(opts[i].name, tok) == 0) {
				d = &opts[i];
			}
		}
		if (d == NULL) {
			vmha_util_set_text(reason, reason_len,
			                   "parameter 'migrate_options': unknown option '%s'", tok);
			rc = -EINVAL;
			break;
		}
		if (d->kind == OPT_REJECT) {
			vmha_util_set_text(
			        reason, reason_len,
			        "parameter 'migrate_options': option '%s' is not supported: %s",
			        tok, d->why);
			rc = -EINVAL;
			break;
		}
		if (d->kind == OPT_FLAG || d->kind == OPT_NOOP ||
		    d->kind == OPT_POSTCOPY_AFTER_PRECOPY || d->kind == OPT_TIMEOUT_SUSPEND ||
		    d->kind == OPT_TIMEOUT_POSTCOPY) {
			if (value != NULL) {
				vmha_util_set_text(
				        reason, reason_len,
				        "parameter 'migrate_options': option '%s' takes no value",
				        tok);
				rc = -EINVAL;
				break;
			}
			vmha_migspec_add_flags(plan->spec, d->flag);
			if (d->kind == OPT_POSTCOPY_AFTER_PRECOPY) {
				plan->postcopy_after_precopy = true;
			}
			if (d->kind == OPT_TIMEOUT_SUSPEND) {
				plan->timeout_suspend_given = true;
			}
			if (d->kind == OPT_TIMEOUT_POSTCOPY) {
				plan->timeout_postcopy = true;
			}
			continue;
		}
		if (value == NULL) {
			value = strtok_r(NULL, " \t\n", &save);
		}
		if (value == NULL || value[0] == '\0') {
			vmha_util_set_text(reason, reason_len,
			                   "parameter 'migrate_options': option '%s' needs a value",
			                   tok);
			rc = -EINVAL;
			break;
		}
		vmha_migspec_add_flags(plan->spec, d->flag);
		if (d->kind == OPT_TIMEOUT) {
			uint64_t t = 0;

			if (vmha_util_parse_u64(value, &t) < 0 || t == 0 || t > 86400) {
				vmha_util_set_text(
				        reason, reason_len,
				        "parameter 'migrate_options': option '--timeout' needs a "
				        "number of seconds from 1 to 86400, not '%s'",
				        value);
				rc = -EINVAL;
				break;
			}
			plan->timeout_s = (unsigned int)t;
			continue;
		}
		if (d->kind == OPT_MIGRATEURI) {
			free(*migrateuri);
			*migrateuri = subst_node(value, target);
			if (*migrateuri == NULL) {
				rc = -ENOMEM;
			}
			continue;
		}
		rc = add_param(plan, d, value, tok, reason, reason_len);
	}
out:
	free(copy);
	return rc;
}

/* virsh's rules for --timeout and its actions. */
static int check_timeout(const struct build *plan, char *reason, size_t reason_len)
{
	int rc = -EINVAL;

	if ((plan->timeout_suspend_given || plan->timeout_postcopy) && plan->timeout_s == 0) {
		vmha_util_set_text(
		        reason, reason_len,
		        "parameter 'migrate_options': '--timeout-%s' needs '--timeout N'",
		        plan->timeout_postcopy ? "postcopy" : "suspend");
		goto out;
	}
	if (plan->timeout_suspend_given && plan->timeout_postcopy) {
		vmha_util_set_text(reason, reason_len,
		                   "parameter 'migrate_options': '--timeout-suspend' and "
		                   "'--timeout-postcopy' exclude each other");
		goto out;
	}
	if (plan->timeout_postcopy && !(vmha_migspec_flags(plan->spec) & VIR_MIGRATE_POSTCOPY)) {
		vmha_util_set_text(
		        reason, reason_len,
		        "parameter 'migrate_options': '--timeout-postcopy' needs '--postcopy' "
		        "(or migration_postcopy=true)");
		goto out;
	}
	rc = 0;
out:
	return rc;
}

int vmha_migrate_plan_check_uris(const struct vmha_params *p, char *reason, size_t reason_len)
{
	int rc = 0;

	if (vmha_params_hypervisor(p) != NULL) {
		rc = vmha_uri_check("parameter 'hypervisor'", vmha_params_hypervisor(p), reason,
		                    reason_len);
	}
	if (rc == 0 && vmha_params_remoteuri(p) != NULL) {
		rc = vmha_uri_check("parameter 'remoteuri'", vmha_params_remoteuri(p), reason,
		                    reason_len);
	}
	if (rc == 0 && vmha_params_migrateuri(p) != NULL) {
		rc = vmha_uri_check("parameter 'migrateuri'", vmha_params_migrateuri(p), reason,
		                    reason_len);
	}
	return rc;
}

int vmha_migrate_spec_new(const struct vmha_params *p, const char *target_node,
                          const char *local_uri, struct vmha_migspec **out, char *reason,
                          size_t reason_len)
{
	struct build b;
	struct build *plan = &b;
	const char *local =
	        vmha_params_hypervisor(p) != NULL ? vmha_params_hypervisor(p) : local_uri;
	char *opt_uri = NULL;
	char *remote_uri = NULL;
	char *migrate_uri = NULL;
	char *host = NULL;
	int rc = 0;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	b.spec = vmha_migspec_new(NULL);
	if (b.spec == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmha_migrate_plan_check_uris(p, reason, reason_len);
	if (rc < 0) {
		goto out;
	}
	rc = parse_options(plan, vmha_params_migrate_options(p), target_node, &opt_uri, reason,
	                   reason_len);
	if (rc < 0) {
		goto out;
	}
	if (opt_uri != NULL) {
		rc = vmha_uri_check("parameter 'migrate_options': option '--migrateuri'", opt_uri,
		                    reason, reason_len);
		if (rc < 0) {
			goto out;
		}
	}
	rc = build_remote_uri(p, target_node, local, &remote_uri, reason, reason_len);
	if (rc < 0) {
		goto out;
	}
	/* migration data URI: migrateuri, else --migrateuri, else the suffix */
	if (vmha_params_migrateuri(p) != NULL) {
		host = node_with_suffix(target_node != NULL ? target_node : "%n",
		                        vmha_params_migration_network_suffix(p));
		migrate_uri =
		        host != NULL ? subst_node(vmha_params_migrateuri(p), target_node) : NULL;
		if (migrate_uri == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	} else if (opt_uri != NULL) {
		migrate_uri = opt_uri;
		opt_uri = NULL;
	} else if (vmha_params_migration_network_suffix(p) != NULL && local != NULL &&
	           strncmp(local, "qemu", 4) == 0) {
		unsigned int port = (unsigned int)vmha_params_migrateport(p);
		size_t len;

		if (port == 0) {
			port = 49152 +
			       (unsigned int)((unsigned int)getpid() ^ (unsigned int)time(NULL)) %
			               64;
		}
		host = node_with_suffix(target_node != NULL ? target_node : "%n",
		                        vmha_params_migration_network_suffix(p));
		if (host == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		len = strlen(host) + 32;
		migrate_uri = malloc(len);
		if (migrate_uri == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		snprintf(migrate_uri, len, "tcp:%s:%u", host, port);
	}
	if (vmha_migspec_set_remote_uri(b.spec, remote_uri) < 0 ||
	    (migrate_uri != NULL && vmha_migspec_set_migrate_uri(b.spec, migrate_uri) < 0)) {
		rc = -ENOMEM;
		goto out;
	}
	/* vmha's and the stock agent's own parameters */
	if (vmha_migspec_set_bandwidth_mibs(b.spec, vmha_params_migration_speed_mibs(p)) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	if (vmha_params_migration_auto_converge(p)) {
		vmha_migspec_add_flags(b.spec, VIR_MIGRATE_AUTO_CONVERGE);
	}
	if (vmha_params_migration_tls(p)) {
		vmha_migspec_add_flags(b.spec, VIR_MIGRATE_TLS);
	}
	if (vmha_params_migration_postcopy(p)) {
		vmha_migspec_add_flags(b.spec, VIR_MIGRATE_POSTCOPY);
	}
	if (vmha_params_migration_parallel_connections(p) > 0) {
		vmha_migspec_add_flags(b.spec, VIR_MIGRATE_PARALLEL);
		if (!vmha_migspec_has_param(b.spec, VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS) &&
		    vmha_migspec_add_int(b.spec, VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS,
		                         (int)vmha_params_migration_parallel_connections(p)) < 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (vmha_params_migration_compression(p) != NULL) {
		static const char *const methods[] = {"xbzrle", "mt", "zlib", "zstd"};
		char *copy = strdup(vmha_params_migration_compression(p));
		char *save = NULL;
		char *m;

		if (copy == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		vmha_migspec_add_flags(b.spec, VIR_MIGRATE_COMPRESSED);
		for (m = strtok_r(copy, ",", &save); m != NULL && rc == 0;
		     m = strtok_r(NULL, ",", &save)) {
			size_t i;
			bool known = false;

			for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
				known = known || strcmp(methods[i], m) == 0;
			}
			if (!known) {
				vmha_util_set_text(
				        reason, reason_len,
				        "parameter 'migration_compression': unknown method '%s' "
				        "(known: xbzrle, mt, zlib, zstd)",
				        m);
				rc = -EINVAL;
			} else if (vmha_migspec_add_string(b.spec, VIR_MIGRATE_PARAM_COMPRESSION,
			                                   m) < 0) {
				rc = -ENOMEM;
			}
		}
		free(copy);
		if (rc < 0) {
			goto out;
		}
	}
	rc = check_timeout(plan, reason, reason_len);
	if (rc < 0) {
		goto out;
	}
	if (vmha_migspec_has_param(b.spec, VIR_MIGRATE_PARAM_DISKS_URI)) {
		rc = vmha_uri_check("parameter 'migrate_options': option '--disks-uri'",
		                    vmha_migspec_string_param(b.spec, VIR_MIGRATE_PARAM_DISKS_URI),
		                    reason, reason_len);
		if (rc < 0) {
			goto out;
		}
	}
	if (remote_uri != NULL) {
		rc = vmha_uri_check("the target's libvirt URI", remote_uri, reason, reason_len);
		if (rc < 0) {
			goto out;
		}
	}
	if ((vmha_migspec_flags(b.spec) & VIR_MIGRATE_NON_SHARED_DISK) &&
	    (vmha_migspec_flags(b.spec) & VIR_MIGRATE_NON_SHARED_INC)) {
		vmha_util_set_text(reason, reason_len,
		                   "parameter 'migrate_options': '--copy-storage-all' and "
		                   "'--copy-storage-inc' exclude each other");
		rc = -EINVAL;
		goto out;
	}
	if ((vmha_migspec_flags(b.spec) & VIR_MIGRATE_TUNNELLED) &&
	    (vmha_migspec_flags(b.spec) & VIR_MIGRATE_PARALLEL)) {
		vmha_util_set_text(
		        reason, reason_len,
		        "parameter 'migrate_options': '--tunnelled' cannot be combined with "
		        "parallel connections");
		rc = -EINVAL;
		goto out;
	}
	/* what lib/migration and the job loop act on, set once here */
	vmha_migspec_set_timeout(b.spec, b.timeout_s, b.timeout_postcopy);
	vmha_migspec_set_max_downtime(b.spec, vmha_params_migration_downtime_ms(p));
	vmha_migspec_set_postcopy(b.spec, vmha_params_migration_postcopy_after(p),
	                          b.postcopy_after_precopy);
	vmha_migspec_set_start_resources(b.spec, vmha_params_start_resources(p));
	*out = b.spec;
	b.spec = NULL;
out:
	free(opt_uri);
	free(remote_uri);
	free(migrate_uri);
	free(host);
	vmha_migspec_free(b.spec);
	return rc;
}

/*
 * vmhad: the heartbeat daemon. Joins a Corosync CPG group, announces this
 * host's capacity and VMs, writes its storage heartbeat slot, feeds every
 * Corosync event and storage reading into the view (heartbeat/view.c) and
 * carries out the view's actions. Serves `vmha status` over libqb IPC.
 * This file: start-up, set-up and teardown; the rest is in vmhad_*.c
 * (see heartbeat/vmhad_int.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <qb/qblog.h>
#include <qb/qbloop.h>

#include "deadline.h"
#include "fencing/fence_config.h"
#include "fencing/selffence.h"
#include "fencing/sfworker.h"
#include "heartbeat/actuator.h"
#include "heartbeat/coordinator.h"
#include "heartbeat/corosync.h"
#include "heartbeat/failover.h"
#include "heartbeat/hbconf.h"
#include "heartbeat/inventory.h"
#include "heartbeat/inventory_worker.h"
#include "heartbeat/ipc.h"
#include "heartbeat/msg.h"
#include "heartbeat/regload.h"
#include "heartbeat/selfguard.h"
#include "heartbeat/storage_hb.h"
#include "heartbeat/storage_worker.h"
#include "heartbeat/view.h"
#include "heartbeat/vmhad_int.h"
#include "heartbeat/wdfeed.h"
#include "log.h"
#include "planner/model.h"
#include "registry.h"
#include "util.h"

#define DEFAULT_CONF                VMHA_CONFDIR "/vmhad.conf"
#define COROSYNC_CONNECT_TIMEOUT_MS 10000

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: vmhad [-f] [-c FILE] [--version] [--help]\n\n"
	        "The vmha heartbeat daemon: host membership, capacity and VMs over\n"
	        "Corosync CPG, quorum, and a storage heartbeat. See vmhad(8).\n\n"
	        "  -f, --foreground   stay in the foreground and log to stderr\n"
	        "  -c, --config FILE  configuration file (default %s)\n",
	        DEFAULT_CONF);
}

void vmhad_stop_loop(struct daemon *d, int code)
{
	if (d->exit_code == 0) {
		d->exit_code = code;
	}
	qb_loop_stop(d->loop);
}

/* An IPC command (heartbeat/maint.h): published to the group, applied on delivery. */
static int on_ipc_command(void *opaque, const char *text, char *reply, size_t reply_size)
{
	return vmha_maint_command(text, vmhad_cpg_send, opaque, reply, reply_size);
}

static int32_t on_signal(int32_t sig, void *data)
{
	struct daemon *d = data;

	vmha_notice("signal %d: leaving group '%s' and stopping", sig, d->conf.group_name);
	vmhad_stop_loop(d, EXIT_SUCCESS);
	return 0;
}

static int resolve_host_name(struct vmha_hbconf *conf)
{
	struct utsname u;
	char *dot = NULL;

	if (conf->host_name[0] != '\0') {
		return 0;
	}
	if (uname(&u) < 0) {
		return -errno;
	}
	dot = strchr(u.nodename, '.');
	if (dot != NULL) {
		*dot = '\0';
	}
	if (!vmha_util_name_is_valid(u.nodename)) {
		return -EINVAL;
	}
	snprintf(conf->host_name, sizeof(conf->host_name), "%s", u.nodename);
	return 0;
}

/*
 * Bind vmha host names to corosync's nodelist: a node may vmhad_announce only the
 * name the nodelist gives it. Off (loudly) when this host's own entry does
 * not match its host_name, or when the nodelist has no names.
 */
static void bind_nodelist(struct daemon *d)
{
	struct vmha_corosync_node nodes[256];
	uint32_t self = vmha_corosync_local_nodeid(d->cs);
	size_t n = 0;
	size_t i;
	bool self_ok = false;
	int rc = vmha_corosync_nodelist(nodes, 256, &n, COROSYNC_CONNECT_TIMEOUT_MS);

	if (rc < 0) {
		vmha_warn("cannot read corosync's nodelist: %s: host names are not bound to nodes",
		          strerror(-rc));
		return;
	}
	for (i = 0; i < n; i++) {
		if (nodes[i].nodeid == self) {
			self_ok = strcmp(nodes[i].name, d->conf.host_name) == 0;
		}
	}
	if (n == 0 || !self_ok) {
		vmha_warn("corosync's nodelist %s host '%s' (node %" PRIu32
		          "): host names are not bound to nodes",
		          n == 0 ? "has no names, not even for" : "does not name",
		          d->conf.host_name, self);
		return;
	}
	for (i = 0; i < n; i++) {
		/* the failover restarts a VM that runs nowhere only once each host is clear */
		(void)vmha_failover_cluster_host(d->fo, nodes[i].name);
		rc = vmha_view_bind_node(d->view, nodes[i].nodeid, nodes[i].name);
		if (rc < 0) {
			vmha_warn("corosync's nodelist: node %" PRIu32 " '%s' not bound: %s",
			          nodes[i].nodeid, nodes[i].name, strerror(-rc));
		}
	}
	vmha_info("%zu host names bound to corosync's nodelist", n);
}

static int setup(struct daemon *d)
{
	struct vmha_view_config vc = {0};
	struct vmha_corosync_callbacks cb;
	bool secure = false;
	int rc = 0;

	vmhad_corosync_callbacks(&cb);
	if (d->conf.mode == VMHA_HB_MODE_STANDALONE) {
		/* the watchdog opens before any connection to the cluster */
		d->loop = qb_loop_create();
		if (d->loop == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		rc = vmha_selfguard_new(&d->conf, d->conf_path, d->loop, &d->guard);
		if (rc < 0) {
			d->exit_code = 2;
			goto out;
		}
	}
	rc = vmha_corosync_ring_crypto(&secure, d->ring_cipher, sizeof(d->ring_cipher),
	                               d->ring_hash, sizeof(d->ring_hash),
	                               COROSYNC_CONNECT_TIMEOUT_MS);
	if (rc < 0) {
		vmha_err("cannot read the corosync configuration (cmap): %s (is corosync running?)",
		         strerror(-rc));
		goto out;
	}
	if (!secure) {
		if (!d->conf.allow_insecure_ring) {
			vmha_err("refusing to run over an unauthenticated corosync ring "
			         "(totem.crypto_cipher '%s', totem.crypto_hash '%s'): set both in "
			         "corosync.conf, or 'allow_insecure_ring = yes' in '%s'",
			         d->ring_cipher, d->ring_hash, d->conf_path);
			rc = -EPERM;
			goto out;
		}
		vmha_warn(
		        "running over an unauthenticated corosync ring (totem.crypto_cipher '%s', "
		        "totem.crypto_hash '%s') because allow_insecure_ring is set",
		        d->ring_cipher, d->ring_hash);
	}
	if (d->conf.mode == VMHA_HB_MODE_STANDALONE) {
		struct vmha_corosync_quorum_opts q;
		char err[512];

		rc = vmha_corosync_quorum_opts(&q, COROSYNC_CONNECT_TIMEOUT_MS);
		if (rc < 0) {
			vmha_err("cannot read the corosync quorum settings (cmap): %s",
			         strerror(-rc));
			goto out;
		}
		rc = vmha_wdfeed_check_quorum(&d->conf, q.two_node, err, sizeof(err));
		if (rc < 0) {
			vmha_err("%s", err);
			d->exit_code = 2;
			goto out;
		}
	}
	vc.self_name = d->conf.host_name;
	vc.storage_enabled = d->conf.storage_dir[0] != '\0';
	vc.storage_timeout_ms = d->conf.storage_timeout_ms;
	vc.silence_timeout_ms = 3 * d->conf.announce_interval_ms;
	d->view = vmha_view_new(&vc);
	d->inv = vmha_inventory_new(d->conf.libvirt_uri, d->conf.fake_vms);
	if (d->view == NULL || d->inv == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (vc.storage_enabled) {
		d->hb = vmha_storage_hb_new(d->conf.storage_dir, d->conf.host_name, d->incarnation);
		if (d->hb == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (d->conf.mode == VMHA_HB_MODE_STANDALONE) {
		rc = vmhad_setup_failover(d);
		if (rc < 0) {
			goto out;
		}
	}
	if (d->loop == NULL) {
		d->loop = qb_loop_create();
	}
	if (d->loop == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	/* IPC first: a second vmhad on this host stops here, before joining the group */
	d->ipc = vmha_ipc_new(d->loop, vmhad_status_json, d, &rc);
	if (d->ipc == NULL) {
		vmha_err("cannot serve ipc '%s': %s (is another vmhad running on this host?)",
		         VMHA_IPC_SERVICE, strerror(-rc));
		goto out;
	}
	rc = vmha_maint_new(d->conf.state_dir, d->conf.host_name, &d->maint);
	if (rc < 0) {
		vmha_err("cannot set up the standby flag in '%s': %s", d->conf.state_dir,
		         strerror(-rc));
		goto out;
	}
	/* alerts, metrics and the disk-lease check, before joining the group */
	rc = vmha_notify_new(&d->conf, &d->notify, d->notify_err, sizeof(d->notify_err));
	if (rc < 0) {
		vmha_err("%s", d->notify_err);
		d->exit_code = rc == -ENOMEM ? d->exit_code : 2;
		goto out;
	}
	vmha_ipc_set_command(d->ipc, on_ipc_command, d);
	d->cs = vmha_corosync_new(d->conf.group_name, &cb, d, COROSYNC_CONNECT_TIMEOUT_MS, &rc);
	if (d->cs == NULL) {
		goto out;
	}
	vmha_view_set_self_nodeid(d->view, vmha_corosync_local_nodeid(d->cs));
	bind_nodelist(d);
	rc = vmhad_watch_corosync(d);
	if (rc < 0) {
		goto out;
	}
	if (d->fo != NULL) {
		rc = vmhad_watch_failover(d);
		if (rc < 0) {
			goto out;
		}
	}
	if (d->hb != NULL) {
		d->storage = vmha_storage_worker_new(d->hb, d->conf.storage_interval_ms);
		if (d->storage == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	d->invw = vmha_inv_worker_new(d->inv);
	rc = d->invw != NULL ? 0 : -ENOMEM;
	if (rc == 0) {
		rc = qb_loop_poll_add(d->loop, QB_LOOP_HIGH, vmha_inv_worker_fd(d->invw), POLLIN, d,
		                      vmhad_on_inventory_fd);
	}
	if (rc < 0) {
		goto out;
	}
	if (d->guard != NULL) {
		rc = vmha_selfguard_start(d->guard);
		if (rc < 0) {
			goto out;
		}
	}
	qb_loop_signal_add(d->loop, QB_LOOP_HIGH, SIGTERM, d, on_signal, NULL);
	qb_loop_signal_add(d->loop, QB_LOOP_HIGH, SIGINT, d, on_signal, NULL);
	qb_loop_timer_add(d->loop, QB_LOOP_HIGH, 0, d, vmhad_on_tick, &d->tick_timer);
	qb_loop_timer_add(d->loop, QB_LOOP_MED, 0, d, vmhad_on_announce_timer, &d->announce_timer);
	vmha_notice("vmhad %s: host '%s' (node %" PRIu32 ") joined group '%s', mode %s, storage "
	            "heartbeat %s",
	            PACKAGE_VERSION, d->conf.host_name, vmha_corosync_local_nodeid(d->cs),
	            d->conf.group_name, vmha_hbconf_mode_name(d->conf.mode),
	            d->hb != NULL ? d->conf.storage_dir : "off");
out:
	return rc;
}

static void teardown(struct daemon *d)
{
	vmha_ipc_free(d->ipc);
	vmha_maint_free(d->maint);
	if (d->loop != NULL) {
		qb_loop_timer_del(d->loop, d->tick_timer);
		qb_loop_timer_del(d->loop, d->announce_timer);
	}
	vmha_selfguard_free(d->guard, vmhad_protected_running_here(d));
	vmha_corosync_free(d->cs);
	if (d->loop != NULL) {
		qb_loop_destroy(d->loop);
	}
	if (vmha_storage_worker_free(d->storage)) {
		vmha_storage_hb_free(d->hb);
	}
	if (vmha_inv_worker_free(d->invw)) {
		vmha_inventory_free(d->inv);
	}
	vmha_msg_announce_clear(&d->last_inv);
	vmha_view_free(d->view);
	vmha_regload_free(d->rl, 1000);
	vmha_vmhealth_worker_free(d->health);
	vmha_coordinator_free(d->co);
	d->fo = NULL;
	vmha_actuator_free(d->act);
	vmha_fence_config_free(d->fence_cfg);
	vmha_notify_free(d->notify);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"foreground", no_argument, NULL, 'f'},
	        {"config", required_argument, NULL, 'c'},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},
	        {NULL, 0, NULL, 0},
	};
	static struct daemon d;
	bool foreground = false;
	char err[512];
	int rc = 0;
	int c;

	d.conf_path = DEFAULT_CONF;
	while ((c = getopt_long(argc, argv, "fc:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			foreground = true;
			break;
		case 'c':
			d.conf_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("vmhad %s\n", PACKAGE_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vmhad: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	vmha_log_init("vmhad", foreground ? VMHA_LOG_TO_STDERR : VMHA_LOG_TO_SYSLOG);
	if (foreground) {
		/* millisecond timestamps: failover timelines are read from this log */
		qb_log_format_set(QB_LOG_STDERR, "%T %N[%P]: %p: %b");
	}
	rc = vmha_hbconf_load(d.conf_path, &d.conf, err, sizeof(err));
	if (rc < 0) {
		vmha_err("%s", err);
		d.exit_code = 2;
		goto out;
	}
	if (d.conf.log_level >= 0) {
		vmha_log_set_level(d.conf.log_level);
	}
	if (resolve_host_name(&d.conf) < 0) {
		vmha_err("this host's node name is not a valid vmha host name: set 'host_name' in "
		         "'%s'",
		         d.conf_path);
		d.exit_code = 2;
		goto out;
	}
	/* the proof rules, before any connection to the cluster */
	rc = vmha_wdfeed_check_config(&d.conf, d.conf_path, err, sizeof(err));
	if (rc < 0) {
		vmha_err("%s", err);
		d.exit_code = 2;
		goto out;
	}
	if (getrandom(&d.incarnation, sizeof(d.incarnation), 0) != sizeof(d.incarnation)) {
		d.incarnation = (uint64_t)getpid() << 20 ^ vmha_clock_now_ms();
	}
	d.incarnation &= ((uint64_t)1 << 52) - 1;
	d.incarnation |= 1;
	if (!foreground && daemon(0, 0) < 0) {
		vmha_err("cannot become a daemon: %s", strerror(errno));
		d.exit_code = EXIT_FAILURE;
		goto out;
	}
	d.started_ms = vmha_clock_now_ms();
	rc = setup(&d);
	if (rc < 0) {
		d.exit_code = d.exit_code != 0 ? d.exit_code : EXIT_FAILURE;
		goto out;
	}
	qb_loop_run(d.loop);
	vmha_notice("vmhad stopped");
out:
	teardown(&d);
	vmha_log_fini();
	return d.exit_code;
}

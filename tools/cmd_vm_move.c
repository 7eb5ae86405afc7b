/*
 * Migration without shared storage (see cmd_vm_int.h): the disk copy of
 * `vmha vm migrate --copy-storage` and the cold `vmha vm move --offline`.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cmd_vm_int.h"
#include "commands.h"
#include "deadline.h"
#include "domxml.h"
#include "migration.h"
#include "registry.h"
#include "storage_copy.h"
#include "util.h"
#include "virt.h"
#include "virt_stop.h"

/* The disks of the definition xml that target does not share, in *out. */
static int examine_disks(struct vmha_virt *src, struct vmha_virt *dst, const char *target,
                         const char *what, const char *xml, struct vmha_storage_copy **out)
{
	struct vmha_storage_copy *sc = NULL;
	struct vmha_domxml *dx = NULL;
	char err[512] = "";
	size_t i;
	int rc;

	*out = NULL;
	rc = vmha_domxml_parse_string(xml, &dx, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "vmha vm %s: cannot parse the definition: %s\n", what, err);
		goto out;
	}
	sc = vmha_storage_copy_new(src, dst, target);
	if (sc == NULL) {
		rc = -ENOMEM;
		fprintf(stderr, "vmha vm %s: out of memory\n", what);
		goto out;
	}
	for (i = 0; i < vmha_domxml_file_disk_count(dx); i++) {
		rc = vmha_storage_copy_add_disk(sc, vmha_domxml_file_disk(dx, i),
		                                vmha_domxml_file_disk_dev(dx, i),
		                                vmha_deadline_in_ms(VIRT_TIMEOUT_MS));
		if (rc < 0) {
			fprintf(stderr, "vmha vm %s: %s\n", what, vmha_storage_copy_reason(sc));
			goto out;
		}
	}
	for (i = 0; i < vmha_storage_copy_count(sc); i++) {
		fprintf(stderr, "vmha vm %s: disk '%s' (%s, %.1f MiB) is not on '%s': copying it\n",
		        what, vmha_storage_copy_path(sc, i), vmha_storage_copy_format(sc, i),
		        (double)vmha_storage_copy_capacity_bytes(sc, i) / (1024.0 * 1024.0),
		        target);
	}
	*out = sc;
	sc = NULL;
out:
	vmha_storage_copy_free(sc);
	vmha_domxml_free(dx);
	return rc;
}

int vmha_cmd_vm_storage_prepare(struct vmha_migration *mig, struct vmha_virt *src,
                                struct vmha_virt_domain *dom, const char *self, const char *target,
                                const char *mode, uint64_t bandwidth_mibs, struct vmha_virt **dst,
                                struct vmha_storage_copy **out)
{
	virTypedParameterPtr params = NULL;
	int nparams = 0;
	int maxparams = 0;
	unsigned int flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER;
	char *xml = NULL;
	size_t i;
	int rc;

	*out = NULL;
	rc = vmha_cmd_vm_virt_on(target, self, dst);
	if (rc < 0) {
		goto out;
	}
	rc = vmha_virt_domain_get_xml(dom, VIR_DOMAIN_XML_MIGRATABLE,
	                              vmha_deadline_in_ms(VIRT_TIMEOUT_MS), &xml);
	if (rc < 0) {
		fprintf(stderr, "vmha vm migrate: cannot read the live definition: %s\n",
		        vmha_virt_domain_error(dom));
		goto out;
	}
	rc = examine_disks(src, *dst, target, "migrate", xml, out);
	if (rc < 0) {
		goto out;
	}
	if (vmha_storage_copy_count(*out) > 0) {
		flags |= strcmp(mode, "inc") == 0 ? VIR_MIGRATE_NON_SHARED_INC
		                                  : VIR_MIGRATE_NON_SHARED_DISK;
	} else {
		fprintf(stderr, "vmha vm migrate: every disk is on storage '%s' shares: no copy\n",
		        target);
	}
	for (i = 0; i < vmha_storage_copy_count(*out) && rc == 0; i++) {
		rc = virTypedParamsAddString(&params, &nparams, &maxparams,
		                             VIR_MIGRATE_PARAM_MIGRATE_DISKS,
		                             vmha_storage_copy_dev(*out, i)) < 0
		             ? -ENOMEM
		             : 0;
	}
	if (rc == 0 && bandwidth_mibs > 0 &&
	    virTypedParamsAddULLong(&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_BANDWIDTH,
	                            bandwidth_mibs) < 0) {
		rc = -ENOMEM;
	}
	if (rc == 0) {
		rc = vmha_migration_set_params(mig, flags, params, nparams);
	}
	if (rc < 0) {
		fprintf(stderr, "vmha vm migrate: out of memory\n");
	}
out:
	virTypedParamsFree(params, nparams);
	free(xml);
	return rc;
}

/* ---- vmha vm move --offline ---- */

/* Start the guest again on the source after a failed move. */
static void restart_source(struct vmha_virt *v, struct vmha_virt_domain *dom, bool persistent,
                           const char *xml, const char *name)
{
	uint64_t d = vmha_deadline_in_ms(VIRT_TIMEOUT_MS);
	int rc = persistent ? vmha_virt_domain_start(dom, d)
	                    : vmha_virt_domain_create_xml(v, xml, 0, d, NULL);

	if (rc < 0) {
		fprintf(stderr,
		        "vmha vm move: cannot start '%s' here again: %s (its disks are "
		        "intact here: 'vmha vm start %s' or 'virsh start')\n",
		        name, vmha_virt_error(v), name);
	} else {
		fprintf(stderr, "vmha vm move: '%s' runs here again\n", name);
	}
}

struct move_ctx {
	const char *name;
	const char *self;
	const char *target;
	const struct vm_opts *o;
	struct vmha_virt *v;
	struct vmha_virt *dv;
	struct vmha_virt_domain *dom;
	struct vmha_virt_domain *tdom;
	struct vmha_storage_copy *sc;
	const char *xml;
	uint64_t deadline_ms;
	bool persistent;
	bool was_running;
};

/* Shut down, copy, start there. @return 0, or -errno after a message */
static int move_steps(struct move_ctx *m)
{
	uint64_t t0 = vmha_clock_now_ms();
	uint64_t stop_ms;
	size_t i;
	int state = 0;
	int sreason = 0;
	int rc;

	rc = vmha_storage_copy_create_targets(m->sc, m->deadline_ms);
	if (rc < 0) {
		fprintf(stderr, "vmha vm move: %s\n", vmha_storage_copy_reason(m->sc));
		return rc;
	}
	rc = vmha_virt_domain_get_state(m->dom, vmha_deadline_in_ms(VIRT_TIMEOUT_MS), &state,
	                                &sreason);
	m->was_running = rc == 0 && state != VIR_DOMAIN_SHUTOFF;
	if (m->was_running) {
		fprintf(stderr, "vmha vm move: shutting '%s' down\n", m->name);
		stop_ms = vmha_deadline_share(m->deadline_ms, 25);
		/* never left half way down: it is started again if the move fails */
		rc = vmha_virt_domain_stop(m->dom, true, 0, vmha_deadline_share(stop_ms, 25),
		                           stop_ms, VIRT_TIMEOUT_MS);
		if (rc < 0) {
			fprintf(stderr, "vmha vm move: '%s' did not stop: %s\n", m->name,
			        vmha_virt_error(m->v));
			return rc;
		}
	}
	/* a persistent definition is still there once it is off */
	m->persistent = vmha_virt_domain_get_state(m->dom, vmha_deadline_in_ms(VIRT_TIMEOUT_MS),
	                                           &state, &sreason) == 0;
	fprintf(stderr, "vmha vm move: '%s' is off (%" PRIu64 " ms)\n", m->name,
	        vmha_clock_now_ms() - t0);
	for (i = 0; i < vmha_storage_copy_count(m->sc); i++) {
		uint64_t t1 = vmha_clock_now_ms();

		rc = vmha_storage_copy_transfer(m->sc, i, m->deadline_ms);
		if (rc < 0) {
			fprintf(stderr, "vmha vm move: %s\n", vmha_storage_copy_reason(m->sc));
			return rc;
		}
		fprintf(stderr,
		        "vmha vm move: copied '%s' in %" PRIu64 " ms, sha256 %s here and on '%s'\n",
		        vmha_storage_copy_path(m->sc, i), vmha_clock_now_ms() - t1,
		        vmha_storage_copy_source_sha256(m->sc, i), m->target);
	}
	if (m->persistent) {
		rc = vmha_virt_domain_define_xml(m->dv, m->xml,
		                                 vmha_deadline_in_ms(VIRT_TIMEOUT_MS), &m->tdom);
		if (rc == 0 && m->was_running) {
			rc = vmha_virt_domain_start(m->tdom, vmha_deadline_in_ms(VIRT_TIMEOUT_MS));
		}
	} else if (m->was_running) {
		rc = vmha_virt_domain_create_xml(m->dv, m->xml, 0,
		                                 vmha_deadline_in_ms(VIRT_TIMEOUT_MS), &m->tdom);
	}
	if (rc < 0) {
		fprintf(stderr, "vmha vm move: cannot start '%s' on '%s': %s\n", m->name, m->target,
		        vmha_virt_error(m->dv));
	}
	return rc;
}

/* Undo a failed move: the guest defined and running on the source again. */
static void move_rollback(struct move_ctx *m)
{
	if (m->tdom != NULL) {
		uint64_t d = vmha_deadline_in_ms(VIRT_TIMEOUT_MS);

		vmha_virt_domain_destroy(m->tdom, 0, d);
		if (m->persistent) {
			vmha_virt_domain_undefine(m->tdom, d);
		}
	}
	if (vmha_storage_copy_remove_targets(m->sc, vmha_deadline_in_ms(VIRT_TIMEOUT_MS)) < 0) {
		fprintf(stderr, "vmha vm move: %s\n", vmha_storage_copy_reason(m->sc));
	} else if (vmha_storage_copy_count(m->sc) > 0) {
		fprintf(stderr, "vmha vm move: removed the copies on '%s'\n", m->target);
	}
	if (m->was_running &&
	    vmha_virt_domain_is_off(m->dom, vmha_deadline_in_ms(VIRT_TIMEOUT_MS))) {
		restart_source(m->v, m->dom, m->persistent, m->xml, m->name);
	}
}

int vmha_cmd_vm_move(struct vmha_registry *reg, const char *name, const char *target,
                     const struct vm_opts *o)
{
	struct move_ctx m;
	struct vmha_registry_vm *vm = NULL;
	json_object *status = NULL;
	json_object *daemon = NULL;
	const char *where = NULL;
	char *rerr = NULL;
	uint64_t start_ms = vmha_clock_now_ms();
	enum vmha_registry_desired desired = VMHA_DESIRED_STARTED;
	bool moved = false;
	bool left_disabled = false;
	int rc = VMHA_EXIT_USAGE;
	int err_rc;
	size_t i;

	memset(&m, 0, sizeof(m));
	m.name = name;
	m.target = target;
	m.o = o;
	m.deadline_ms = start_ms + (o->timeout_ms > 0 ? o->timeout_ms : MIGRATE_TIMEOUT_MS);
	if (!o->offline) {
		fprintf(stderr, "vmha vm move: only cold moves exist yet: add --offline (a live "
		                "move is 'vmha vm migrate --copy-storage all')\n");
		goto out;
	}
	if (!vmha_util_name_is_valid(target)) {
		fprintf(stderr, "vmha vm move: invalid host name '%s'\n", target);
		goto out;
	}
	err_rc = vmha_registry_load(reg, name, &vm, &rerr);
	if (err_rc < 0) {
		fprintf(stderr, "vmha vm move: '%s': %s\n", name,
		        rerr != NULL        ? rerr
		        : err_rc == -ENOENT ? "not in the registry"
		                            : strerror(-err_rc));
		goto out;
	}
	m.xml = vmha_registry_vm_xml(vm);
	rc = VMHA_EXIT_NO;
	status = vmha_cmd_vm_read_status(o);
	if (status == NULL || vmha_cmd_vm_guard(status, name, "move") != 0) {
		goto out;
	}
	if (json_object_object_get_ex(status, "daemon", &daemon)) {
		m.self = vmha_cmd_vm_jstr(daemon, "host");
	}
	where = vmha_cmd_vm_running_on(status, name);
	if (m.self == NULL || (where != NULL && strcmp(where, m.self) != 0)) {
		fprintf(stderr,
		        "vmha vm move: '%s' runs on host '%s', not on this host: run the move "
		        "there\n",
		        name, where != NULL ? where : "?");
		goto out;
	}
	if (strcmp(target, m.self) == 0) {
		fprintf(stderr, "vmha vm move: '%s' is on host '%s' already\n", name, target);
		rc = VMHA_EXIT_USAGE;
		goto out;
	}
	if (vmha_cmd_vm_virt_on(m.self, m.self, &m.v) < 0 ||
	    vmha_cmd_vm_virt_on(target, m.self, &m.dv) < 0) {
		goto out;
	}
	err_rc = vmha_virt_domain_lookup(m.v, vmha_registry_vm_uuid(vm), name,
	                                 vmha_deadline_in_ms(VIRT_TIMEOUT_MS), &m.dom);
	if (err_rc < 0) {
		fprintf(stderr, "vmha vm move: '%s' is not in this host's libvirt: %s\n", name,
		        vmha_virt_error(m.v));
		goto out;
	}
	if (examine_disks(m.v, m.dv, target, "move", m.xml, &m.sc) < 0) {
		goto out;
	}
	if (o->dry_run) {
		printf("would move '%s' from host '%s' to host '%s' offline, copying %zu disks\n",
		       name, m.self, target, vmha_storage_copy_count(m.sc));
		rc = VMHA_EXIT_OK;
		goto out;
	}
	/* vmhad leaves the VM alone while it is down for the move: else its
	 * desired state restarts it meanwhile (a slow copy outlasts vmhad's
	 * restart in place) and it runs on two hosts */
	desired = vmha_registry_vm_desired(vm);
	if (desired == VMHA_DESIRED_STARTED &&
	    vmha_cmd_vm_set_desired(reg, name, VMHA_DESIRED_DISABLED, "move") < 0) {
		goto out;
	}
	moved = move_steps(&m) == 0;
	if (!moved) {
		move_rollback(&m);
		fprintf(stderr, "vmha vm move: '%s' stays on host '%s'\n", name, m.self);
	}
	if (desired == VMHA_DESIRED_STARTED &&
	    vmha_cmd_vm_set_desired(reg, name, VMHA_DESIRED_STARTED, "move") < 0) {
		fprintf(stderr,
		        "vmha vm move: '%s' is left disabled (vmhad does not restart it): "
		        "'vmha vm enable %s'\n",
		        name, name);
		left_disabled = true;
	}
	if (!moved) {
		goto out;
	}
	/* it runs there: only now the source's definition and copies go */
	if (m.persistent &&
	    vmha_virt_domain_undefine(m.dom, vmha_deadline_in_ms(VIRT_TIMEOUT_MS)) < 0) {
		fprintf(stderr, "vmha vm move: cannot undefine '%s' here: %s\n", name,
		        vmha_virt_error(m.v));
	}
	if (!o->keep_source && vmha_storage_copy_remove_sources(m.sc, m.deadline_ms) < 0) {
		fprintf(stderr, "vmha vm move: %s\n", vmha_storage_copy_reason(m.sc));
	}
	for (i = 0; i < vmha_storage_copy_count(m.sc); i++) {
		printf("disk '%s' sha256 %s\n", vmha_storage_copy_path(m.sc, i),
		       vmha_storage_copy_target_sha256(m.sc, i));
	}
	printf("moved '%s' from host '%s' to host '%s' offline in %" PRIu64 " ms%s\n", name, m.self,
	       target, vmha_clock_now_ms() - start_ms,
	       o->keep_source ? " (disk copies kept here)" : "");
	rc = left_disabled ? VMHA_EXIT_NO : VMHA_EXIT_OK;
out:
	vmha_storage_copy_free(m.sc);
	vmha_virt_domain_free(m.tdom);
	vmha_virt_domain_free(m.dom);
	vmha_virt_free(m.dv);
	vmha_virt_free(m.v);
	json_object_put(status);
	free(rerr);
	vmha_registry_vm_free(vm);
	return rc;
}

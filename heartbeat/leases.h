/*
 * Disk leases, the last line of defence of standalone mode: with libvirt's
 * lock manager (lockd, or sanlock) a QEMU whose disks run elsewhere cannot
 * start. vmhad checks that the QEMU driver of this host is configured with
 * one that leases every disk, and warns loudly for each protected VM that is
 * not covered (log, `vmha status`, an alert, a metric).
 *
 * The check reads libvirt's own configuration files (qemu.conf and
 * qemu-lockd.conf or qemu-sanlock.conf): libvirt has no API that reports
 * the QEMU driver's lock manager (neither the capabilities nor a domain's
 * XML show it), and these files are what the QEMU driver reads when it
 * starts. They are small local files, read once at start-up.
 */
#ifndef VMHA_HEARTBEAT_LEASES_H
#define VMHA_HEARTBEAT_LEASES_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

/** What the host's libvirt configuration says about disk leases. */
struct vmha_leases_info {
	/** "none", "lockd" or "sanlock" (qemu.conf's lock_manager) */
	char manager[16];
	/** the manager takes a lease for every disk by itself (auto_disk_leases) */
	bool auto_disk_leases;
	/** lockd's file_lockspace_dir or sanlock's disk_lease_dir ("" = lockd locks the disk files) */
	char lockspace[512];
	/** "" or why leases are missing, for the warning */
	char why[256];
};

/**
 * Read dir/qemu.conf and the lock manager's file.
 *
 * @param dir   libvirt's configuration directory (/etc/libvirt)
 * @param out   filled; a missing qemu.conf means no lock manager
 * @param err   receives "FILE:LINE: ..." for a line that cannot be parsed
 * @return 0, or -EINVAL (err set)
 */
int vmha_leases_probe(const char *dir, struct vmha_leases_info *out, char *err, size_t err_size);

/** @return true when every disk of every VM this host starts is leased */
bool vmha_leases_cover_disks(const struct vmha_leases_info *info);

/** The protected VMs without leases, warned about once each. */
struct vmha_leases;

/** @return a new tracker for info (copied), or NULL without memory */
struct vmha_leases *vmha_leases_new(const struct vmha_leases_info *info);

/** NULL is a no-op. */
void vmha_leases_free(struct vmha_leases *l);

/**
 * The protected VMs now (replaces the last list): each VM not covered that
 * was not warned about yet is logged with a loud warning.
 *
 * @return how many of the VMs are newly warned about
 */
size_t vmha_leases_set_vms(struct vmha_leases *l, const char *const *vms, size_t n);

/** @return how many protected VMs are not leased now */
size_t vmha_leases_unleased_count(const struct vmha_leases *l);

/** @return the lock manager's name ("none" when l is NULL) */
const char *vmha_leases_manager(const struct vmha_leases *l);

/**
 * @return the "disk_leases" object of `vmha status` (manager, automatic,
 *         lockspace, warning, unleased_vms) as a new reference
 */
json_object *vmha_leases_to_json(const struct vmha_leases *l);

#endif /* VMHA_HEARTBEAT_LEASES_H */

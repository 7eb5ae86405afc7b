/*
 * The self-fence worker: a thread that destroys this host's protected VMs
 * when the self-fence falls due, so that vmhad's main loop (CPG, quorum,
 * IPC, the watchdog) never waits on libvirt or /proc.
 *
 * One run: open libvirt (every call bounded by a deadline); destroy each VM
 * (by UUID, else name) and check it is no longer active; then, whatever
 * libvirt said, kill every QEMU process that lib/qemuproc.h matches for the
 * VM (a QEMU executable whose -name/-uuid or libvirt cgroup is the VM's:
 * nothing else) and check that none is left. A VM counts as stopped when no
 * such process is left. The main loop repeats runs while the host stays
 * inquorate, so a start that was in flight during one run is caught by the
 * next; vmhad refuses new starts until quorum returns.
 *
 * The worker writes nothing on shared storage: the caller hands the result
 * to the storage thread, which writes the record
 * (vmha_selffence_record_write()).
 */
#ifndef VMHA_FENCING_SFWORKER_H
#define VMHA_FENCING_SFWORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heartbeat/msg.h"

/** The worker. */
struct vmha_sfworker;

/** A VM to stop. */
struct vmha_sfworker_vm {
	char name[VMHA_NAME_SIZE];
	/** "" when unknown */
	char uuid[VMHA_UUID_SIZE];
};

/** The outcome of one run. */
struct vmha_sfworker_result {
	/** the run's sequence number (1, 2, ...) */
	uint64_t run;
	/** VMs asked to stop */
	size_t n_vms;
	/** VMs verified stopped (no matching QEMU process left) */
	size_t stopped;
	/** QEMU processes killed directly (libvirt could not, or left them) */
	size_t killed;
	/** libvirt answered within its deadline */
	bool libvirt_ok;
	/** every VM verified stopped */
	bool complete;
	/** how long the run took, ms */
	uint64_t duration_ms;
};

/**
 * Start the worker thread.
 *
 * @param libvirt_uri         the hypervisor (NULL: libvirt's default; "" : no
 *                            libvirt, /proc only)
 * @param libvirt_timeout_ms  deadline of opening libvirt and of each call
 * @param out                 the worker
 * @return 0 or -errno
 */
int vmha_sfworker_new(const char *libvirt_uri, uint64_t libvirt_timeout_ms,
                      struct vmha_sfworker **out);

/**
 * Stop the worker: waits for the run in flight (bounded by its deadlines);
 * NULL is a no-op.
 */
void vmha_sfworker_free(struct vmha_sfworker *w);

/**
 * Ask for a run over these VMs (copied). Never blocks.
 *
 * @return 0, -EBUSY while a run is in flight, -EINVAL, -ENOMEM
 */
int vmha_sfworker_start(struct vmha_sfworker *w, const struct vmha_sfworker_vm *vms, size_t n);

/** @return true while a run is asked or in flight */
bool vmha_sfworker_busy(struct vmha_sfworker *w);

/** @return a descriptor that becomes readable when a run ends (for the main loop's poll) */
int vmha_sfworker_fd(const struct vmha_sfworker *w);

/**
 * Take the result of the last finished run (drains the descriptor).
 *
 * @return 0 and *out, or -EAGAIN when no new result is there
 */
int vmha_sfworker_result(struct vmha_sfworker *w, struct vmha_sfworker_result *out);

/**
 * Write the self-fence record of a run beside the storage slot (for the
 * storage thread): vmha_selffence_record_write() with the VMs' names.
 *
 * @param slot_path  the host's slot file
 * @param node       this host's name
 * @param vms        the VMs of the run
 * @param n          their number
 * @param complete   every VM was verified stopped
 * @return 0 or -errno
 */
int vmha_sfworker_record_write(const char *slot_path, const char *node,
                               const struct vmha_sfworker_vm *vms, size_t n, bool complete);

#endif /* VMHA_FENCING_SFWORKER_H */

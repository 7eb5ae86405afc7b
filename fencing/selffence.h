/*
 * Self-fencing for standalone clusters (vmhad without Pacemaker).
 *
 * A host that loses quorum destroys its protected VMs once quorum has been
 * lost for delay_ms, a delay shorter than the one the survivors wait before
 * restarting those VMs, and records that beside its storage-heartbeat slot
 * so that the survivors can see it. While the host is quorate, vmhad may feed
 * a watchdog (watchdog.h) so that a hung host resets.
 *
 * The timer is pure (the caller passes the monotonic time), so tests drive
 * it with a virtual clock.
 */
#ifndef VMHA_FENCING_SELFFENCE_H
#define VMHA_FENCING_SELFFENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virt.h"

/** The quorum-loss timer of one host. */
struct vmha_selffence;

/** Margin the self-fence delay must keep below the survivors' restart delay. */
#define VMHA_SELFFENCE_MARGIN_MS 2000

/**
 * Check a self-fence delay against the survivors' restart delay.
 *
 * @return 0 when delay_ms + VMHA_SELFFENCE_MARGIN_MS <= restart_delay_ms,
 *         else -EINVAL
 */
int vmha_selffence_check_delay(uint64_t delay_ms, uint64_t restart_delay_ms);

/** @return a timer, initially quorate, or NULL when out of memory */
struct vmha_selffence *vmha_selffence_new(uint64_t delay_ms);

/** Free a timer; NULL is a no-op. */
void vmha_selffence_free(struct vmha_selffence *sf);

/** Tell the timer whether the host is quorate, at monotonic time now_ms. */
void vmha_selffence_set_quorate(struct vmha_selffence *sf, bool quorate, uint64_t now_ms);

/** @return true when quorum has been lost for delay_ms and the self-fence is not done yet */
bool vmha_selffence_due(const struct vmha_selffence *sf, uint64_t now_ms);

/** @return when the self-fence falls due, VMHA_DEADLINE_NEVER while quorate or when done */
uint64_t vmha_selffence_due_at_ms(const struct vmha_selffence *sf);

/** @return true while the watchdog may be fed: quorate, or not yet due */
bool vmha_selffence_may_feed_watchdog(const struct vmha_selffence *sf, uint64_t now_ms);

/** Mark the self-fence done (it stays done until quorum comes back). */
void vmha_selffence_mark_done(struct vmha_selffence *sf);

/**
 * Destroy the named VMs through libvirt and check that none is active any
 * more. VMs that are not defined or not running count as stopped.
 *
 * @param stopped  receives how many of the VMs are verified not running
 * @return 0 when all are verified stopped, -EIO when at least one may still
 *         run (logged), -EINVAL
 */
int vmha_selffence_destroy_vms(struct vmha_virt *conn, const char *const *vms, size_t n,
                               size_t *stopped);

/**
 * Write the self-fence record beside the storage-heartbeat slot:
 * "<slot_path>.selffence", atomically (temporary file, fsync, rename), with
 * lines node=, time= (seconds since the epoch), vms=, result=complete|incomplete.
 *
 * @return 0 or -errno
 */
int vmha_selffence_record_write(const char *slot_path, const char *node, const char *const *vms,
                                size_t n, bool complete);

/**
 * Read a self-fence record written by vmha_selffence_record_write().
 *
 * @param when_epoch  receives the time of the self-fence
 * @param complete    receives whether every VM was verified stopped
 * @return 0, -ENOENT when there is no record, -EINVAL when it is malformed
 */
int vmha_selffence_record_read(const char *slot_path, int64_t *when_epoch, bool *complete);

/**
 * Kill the QEMU processes of a VM without libvirt: every process of this PID
 * namespace that lib/qemuproc.h matches (a QEMU executable whose -name or
 * -uuid, or libvirt cgroup, is the guest's) gets SIGKILL; waits up to 2 s for
 * them to end. Any other process with "-name VM" in its arguments is left
 * alone.
 *
 * @param vm      the domain name
 * @param uuid    the domain UUID, or NULL
 * @param killed  receives how many processes were killed
 * @return 0 when no such process is left, -EIO when one survived, -EINVAL
 */
int vmha_selffence_kill_guest(const char *vm, const char *uuid, size_t *killed);

/** vmha_selffence_kill_guest() by name only. */
int vmha_selffence_kill_qemu(const char *vm, size_t *killed);

/**
 * The whole self-fence: destroy the VMs through libvirt; a VM that libvirt
 * cannot stop (libvirtd dead, conn NULL, or an error) has its QEMU processes
 * killed directly (vmha_selffence_kill_qemu()); record the outcome beside
 * the slot; mark the timer done when every VM is verified stopped. A
 * libvirtd that hangs instead of failing is the watchdog's case: vmhad stops
 * feeding it once the self-fence is due (vmha_selffence_may_feed_watchdog()).
 *
 * @param conn  libvirt connection, or NULL when libvirtd is unreachable
 * @return 0 when every VM is stopped and the record written, else -errno
 */
int vmha_selffence_execute(struct vmha_selffence *sf, struct vmha_virt *conn, const char *node,
                           const char *const *vms, size_t n, const char *slot_path);

#endif /* VMHA_FENCING_SELFFENCE_H */

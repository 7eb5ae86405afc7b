/*
 * The one QEMU process matcher: which process of this PID namespace is the
 * QEMU of a guest, without libvirtd. Used by the agent (status with libvirtd
 * down) and by the self-fence (kill without libvirtd).
 *
 * A process is the guest's QEMU when both hold:
 *  - its executable (/proc/PID/exe) is a QEMU binary: the base name starts
 *    with "qemu-system-", or is "qemu-kvm" or "kvm";
 *  - its "-name" argument names the guest ("NAME" or "guest=NAME,..."), or
 *    its "-uuid" argument is the guest's UUID, or its cgroup is the libvirt
 *    machine of the guest ("qemu-ID-NAME.libvirt-qemu" or the systemd
 *    "machine-qemu\x2dID\x2dNAME.scope").
 * A python script or a "find / -name NAME" never matches: its executable is
 * not QEMU.
 */
#ifndef VMHA_QEMUPROC_H
#define VMHA_QEMUPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/** libvirt's run directory for qemu:///system guests. */
#define VMHA_QEMUPROC_SYSTEM_RUNDIR "/run/libvirt/qemu"

/**
 * Is an executable path a QEMU binary (pure)?
 *
 * @param exe  the target of /proc/PID/exe (a " (deleted)" suffix is ignored)
 * @return true for .../qemu-system-*, .../qemu-kvm, .../kvm
 */
bool vmha_qemuproc_exe_is_qemu(const char *exe);

/**
 * Does a NUL-separated argument list name the guest (pure)?
 *
 * @param args  the arguments, as in /proc/PID/cmdline
 * @param len   their length in bytes
 * @param name  the domain name, or NULL
 * @param uuid  the domain UUID, or NULL
 * @return true when "-name" names the guest or "-uuid" is its UUID
 */
bool vmha_qemuproc_args_match(const char *args, size_t len, const char *name, const char *uuid);

/**
 * Does /proc/PID/cgroup text put the process in the guest's libvirt machine
 * (pure)?
 *
 * @param cgroup  the file's text (lines "ID:CONTROLLERS:PATH")
 * @param name    the domain name
 * @return true for a "qemu-ID-NAME.libvirt-qemu" or
 *         "machine-qemu\x2dID\x2dNAME.scope" path component
 */
bool vmha_qemuproc_cgroup_match(const char *cgroup, const char *name);

/**
 * @return true when pid is alive and is the QEMU process of the guest
 *         (name and/or uuid; at least one not NULL)
 */
bool vmha_qemuproc_is_guest_of(pid_t pid, const char *name, const char *uuid);

/** @return true when pid is alive and is the QEMU process of guest name */
bool vmha_qemuproc_is_guest(pid_t pid, const char *name);

/**
 * Find the running QEMU process of guest name.
 *
 * @param rundir  libvirt's QEMU run directory (pid files)
 * @param name    the domain name
 * @param pid     the process found
 * @return 0 and *pid; -ESRCH when no process of that guest runs; -errno
 *         when /proc cannot be read
 */
int vmha_qemuproc_find(const char *rundir, const char *name, pid_t *pid);

/**
 * Find every QEMU process of a guest (a scan of /proc).
 *
 * @param name  the domain name, or NULL
 * @param uuid  the domain UUID, or NULL (at least one not NULL)
 * @param pids  receives up to max pids
 * @param max   size of pids
 * @param n     receives how many were found (at most max)
 * @return 0 (even when none), -EINVAL, or -errno when /proc cannot be read
 */
int vmha_qemuproc_find_all(const char *name, const char *uuid, pid_t *pids, size_t max, size_t *n);

#endif /* VMHA_QEMUPROC_H */

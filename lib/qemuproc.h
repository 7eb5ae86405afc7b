/*
 * Find a guest's QEMU process without libvirtd: libvirt's pid file
 * (<rundir>/<name>.pid), verified in /proc, else a scan of /proc.
 */
#ifndef VMHA_QEMUPROC_H
#define VMHA_QEMUPROC_H

#include <stdbool.h>
#include <sys/types.h>

/** libvirt's run directory for qemu:///system guests. */
#define VMHA_QEMUPROC_SYSTEM_RUNDIR "/run/libvirt/qemu"

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

/** @return true when pid is alive and is the QEMU process of guest name */
bool vmha_qemuproc_is_guest(pid_t pid, const char *name);

#endif /* VMHA_QEMUPROC_H */

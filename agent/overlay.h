/*
 * Copy-on-write guest images (parameters backingfile, stateless and
 * copyindirs, with the stock VirtualDomain agent's meaning): at start, a
 * qcow2 image on top of backingfile is created next to the config file when
 * it is missing or empty, or at every start with stateless; right after it
 * is created, copyindirs are copied into its root file system. The image
 * itself stays in place at stop (a stateless start replaces it).
 */
#ifndef VMHA_AGENT_OVERLAY_H
#define VMHA_AGENT_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmha_domxml;

/**
 * The image created from backingfile for config: as the stock agent, config
 * up to its first dot plus ".qcow2" (/srv/vm/web.xml: /srv/vm/web.qcow2).
 * When a directory name holds a dot, that rule leaves the directory; then
 * the file name's stem in the config's directory is taken instead, when the
 * domain uses it.
 *
 * @param config      the config parameter (absolute)
 * @param dx          the parsed domain; the image must be one of its disks
 * @param backingfile must differ from the image and from config
 * @param path        the image path
 * @param reason      on failure, what is wrong, naming 'backingfile'
 * @return 0, or -EINVAL
 */
int vmha_overlay_path(const char *config, const struct vmha_domxml *dx, const char *backingfile,
                      char *path, size_t path_len, char *reason, size_t reason_len);

/**
 * @return true when start must create the image: stateless, or the image
 *         is missing or empty
 */
bool vmha_overlay_wanted(const char *path, bool stateless);

/**
 * Check what start will need, without changing anything: backingfile is a
 * readable regular file or block device, the image's directory is writable,
 * qemu-img is installed, and with copyindirs, virt-copy-in is installed and
 * each directory exists.
 *
 * @return 0; -ENOENT or -EACCES (naming the parameter in reason)
 */
int vmha_overlay_check(const char *backingfile, const char *path, const char *copyindirs,
                       char *reason, size_t reason_len);

/**
 * Create the qcow2 image path on top of backingfile (its format as qemu-img
 * detects it, recorded in the image) and copy copyindirs (space-separated,
 * may be NULL) into it. The new image is built under a temporary name and
 * renamed over path only when complete, so a failure leaves any previous
 * image untouched and a process that still has the old one open keeps it.
 *
 * @return 0; -ENOENT (a tool is missing), -ETIMEDOUT, or -EIO, with reason
 */
int vmha_overlay_create(const char *backingfile, const char *path, const char *copyindirs,
                        uint64_t deadline_ms, char *reason, size_t reason_len);

#endif /* VMHA_AGENT_OVERLAY_H */

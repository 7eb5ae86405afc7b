/*
 * Feeding a watchdog device while the host is healthy and quorate, so that a
 * hung host resets. The path is configurable (e.g. /dev/watchdog); tests use
 * a FIFO or a regular file, never a real device.
 */
#ifndef VMHA_FENCING_WATCHDOG_H
#define VMHA_FENCING_WATCHDOG_H

#include <stdbool.h>

/** An open watchdog. */
struct vmha_watchdog;

/**
 * Open a watchdog (non-blocking, so a FIFO without reader fails at once).
 * On a character device the timeout is set with WDIOC_SETTIMEOUT.
 *
 * @param path       the device
 * @param timeout_s  the device timeout, 0 to keep the device's own
 * @param out        the watchdog
 * @return 0, or -errno (-ENXIO for a FIFO nobody reads)
 */
int vmha_watchdog_open(const char *path, unsigned int timeout_s, struct vmha_watchdog **out);

/** Feed (ping) the watchdog. @return 0 or -errno */
int vmha_watchdog_feed(struct vmha_watchdog *wd);

/**
 * Close the watchdog. With disarm, write the magic 'V' first so a device
 * that honours it stops counting (a clean shutdown); without, the device
 * keeps counting and resets the host unless fed again.
 *
 * @return 0 or -errno; wd is freed either way (NULL is a no-op)
 */
int vmha_watchdog_close(struct vmha_watchdog *wd, bool disarm);

/** @return the number of successful feeds since open */
unsigned long vmha_watchdog_feed_count(const struct vmha_watchdog *wd);

#endif /* VMHA_FENCING_WATCHDOG_H */

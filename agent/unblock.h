/*
 * After a failed migrate_to whose target host was lost. Pacemaker 2.1 has no
 * on-fail value that keeps such a guest running and managed: block (the
 * examples') leaves it running on the source but FAILED (blocked); restart,
 * stop and ignore stop it (ignore: the failed migrate_to counts as done and
 * the source's copy as "dangling"). So the agent's migrate_to, when it fails
 * with the guest still running on the source in pre-copy (libvirt aborted
 * the job, the source QEMU runs on), starts a watcher detached from itself:
 * once Pacemaker has fenced the target (nothing can run there any more), it
 * clears the source's failure (crm_resource --cleanup); Pacemaker probes the
 * source, finds the same QEMU running and manages the guest again. If the
 * target is not fenced (it was not lost), the watcher changes nothing.
 */
#ifndef VMHA_AGENT_UNBLOCK_H
#define VMHA_AGENT_UNBLOCK_H

#include <stdbool.h>
#include <stdint.h>

/** The internal action the agent re-executes itself with for the watcher. */
#define VMHA_UNBLOCK_ACTION "vmha-unblock-after-fence"

/** How long the watcher waits for the target's fencing. */
#define VMHA_UNBLOCK_WAIT_MS (10 * 60 * 1000)

/** The target seen online and clean this long: it was not lost, give up. */
#define VMHA_UNBLOCK_ALIVE_MS (60 * 1000)

/**
 * Start the watcher: exe (the agent: "/proc/self/exe") with the argument
 * VMHA_UNBLOCK_ACTION, the environment (OCF_RESOURCE_INSTANCE, the migrate
 * source and target) inherited, standard streams on /dev/null, in a session
 * of its own; the caller does not wait for it.
 *
 * @return 0, or -errno
 */
int vmha_unblock_spawn(const char *exe);

/**
 * The watcher: poll the fence history and the membership every 2 s until
 * the target has been fenced, then run crm_resource --cleanup for rsc on
 * source. Bounded by deadline_ms.
 *
 * @param alive_ms  give up when the target stays a clean member this long
 *                  (VMHA_UNBLOCK_ALIVE_MS)
 * @return 0 after the cleanup, -ETIMEDOUT when the target was not fenced
 *         before the deadline, -EALREADY when the target stayed a clean
 *         member for alive_ms (not lost), -EINVAL for a missing name, or
 *         -EIO when the cleanup failed
 */
int vmha_unblock_watch(const char *rsc, const char *source, const char *target, uint64_t alive_ms,
                       uint64_t deadline_ms);

/**
 * Count the successful fence events of target in stonith_admin --history
 * --output-as=xml output.
 *
 * @return the count, or -EINVAL when xml does not parse
 */
int vmha_unblock_fence_count(const char *xml, const char *target);

/**
 * Read node's state from crm_mon --output-as=xml output.
 *
 * @return 0, -ENOENT when node is not listed, -EINVAL when xml does not
 *         parse or lacks the attributes
 */
int vmha_unblock_node_state(const char *xml, const char *node, bool *online, bool *unclean);

#endif /* VMHA_AGENT_UNBLOCK_H */

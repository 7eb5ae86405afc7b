/*
 * Host maintenance: the standby flag of `vmha host standby|online NODE`.
 *
 * The CLI asks its local vmhad (IPC command "standby NODE" or "online
 * NODE"); vmhad publishes a "standby" failover message (failover_msg.h) to
 * the CPG group; every vmhad applies it in delivery order, and only when
 * it comes from a process the view holds as a vmhad. The vmhad of NODE
 * keeps the flag in STATE_DIR/standby (written atomically, read at start,
 * so it survives a restart) and announces it (the announcement's
 * "standby"): the view shows the host as "standby" and failover places no
 * VM there.
 */
#ifndef VMHA_HEARTBEAT_MAINT_H
#define VMHA_HEARTBEAT_MAINT_H

#include <stdbool.h>
#include <stddef.h>

struct vmha_maint;

/**
 * Load this host's flag from state_dir/standby (missing: online). A file
 * that says neither "standby" nor "online" is logged (naming the file) and
 * counts as standby: a host takes VMs only when it is clearly online.
 *
 * @param out  receives the object
 * @return 0, -EINVAL (bad arguments) or -ENOMEM
 */
int vmha_maint_new(const char *state_dir, const char *self, struct vmha_maint **out);

/** Free; NULL is a no-op. */
void vmha_maint_free(struct vmha_maint *m);

/** @return whether this host is in standby */
bool vmha_maint_standby(const struct vmha_maint *m);

/**
 * Turn an IPC command into the message to publish.
 *
 * @param text  "standby NODE" or "online NODE"
 * @param buf   receives the encoded message (caller frees), len its length
 * @param err   receives why a command is refused
 * @return 0, -EINVAL for a bad command, -ENOMEM
 */
int vmha_maint_request(const char *text, char **buf, size_t *len, char *err, size_t err_size);

/**
 * Carry out an IPC command: publish its message with send (the CPG group).
 *
 * @param reply  receives what was done, or why not
 * @return 0, -EINVAL for a bad command, or send's -errno
 */
int vmha_maint_command(const char *text, int (*send)(void *opaque, const void *buf, size_t len),
                       void *opaque, char *reply, size_t reply_size);

/**
 * A delivered CPG message: apply it when it is a "standby" message.
 *
 * @param sender   the host whose vmhad sent it (the view's), NULL for any
 *                 other process: then it is dropped
 * @param changed  set when this host's flag changed (announce again)
 * @return 0 (applied, or about another host), -EPERM (dropped: not from a
 *         vmhad), -ENOMSG (not a standby message: someone else's)
 */
int vmha_maint_deliver(struct vmha_maint *m, const char *sender, const void *buf, size_t len,
                       bool *changed);

#endif /* VMHA_HEARTBEAT_MAINT_H */

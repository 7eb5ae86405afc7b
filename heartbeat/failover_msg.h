/*
 * The wire format of the failover messages that vmhad members multicast in
 * the CPG group beside the announcements (heartbeat/msg.h): one JSON object,
 * versioned by its "vmha_failover" key, decoded once per delivered message
 * with the same discipline as announcements (strict JSON, depth limit, valid
 * UTF-8, no unknown keys, names checked, no control characters in text).
 *
 * Types and who may send them (the receiver checks, heartbeat/failover.h):
 *   down HOST                    the coordinator: HOST is down, fence it
 *   fenced HOST TEXT             the coordinator: HOST's fence is confirmed
 *   assign VM HOST PRIO GEN TEXT the coordinator: VM restarts on HOST (planned
 *                                from registry generation GEN)
 *   stranded VM HOST TEXT        the coordinator: VM has no place (HOST: where it ran)
 *   skip VM HOST TEXT            the coordinator: VM is not restarted (policy, desired state)
 *   relocate VM HOST TEXT        the coordinator: VM, stopped on the live HOST (or running
 *                                nowhere: HOST is the coordinator), is planned
 *                                elsewhere
 *   sync HOST                    the coordinator: the end of its state transfer to HOST's
 *                                vmhad (the table messages before it): HOST holds the table
 *   stopped VM HOST R L TEXT     any member (state transfer): its table says VM stopped on
 *                                the live HOST (restarted R times, relocated L times); an
 *                                observation, not a decision: a VM located elsewhere
 *                                stays there
 *   ack VM HOST OK TEXT          HOST's own vmhad: its table agrees (OK) that VM, which the
 *                                coordinator places ("relocate" with its own name), runs
 *                                nowhere and holds no start of it, or objects
 *   start VM HOST OK TEXT        HOST's own vmhad: the start of VM there ran (ok) or failed
 *   standby HOST OK              any vmhad: HOST enters (ok) or leaves standby
 *                                (heartbeat/maint.h; not part of the failover table)
 */
#ifndef VMHA_HEARTBEAT_FAILOVER_MSG_H
#define VMHA_HEARTBEAT_FAILOVER_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heartbeat/msg.h"

/** The largest failover message accepted, in bytes. */
#define VMHA_FAILOVER_MSG_MAX_BYTES 4096

/** A decoded failover message. */
struct vmha_failover_msg {
	/** "down", "fenced", "assign", "stranded", "skip", "relocate", "sync", "stopped", "ack",
	 *  "start" or "standby" */
	char type[16];
	/** down, fenced: the host; start: where the VM was started; assign: the target;
	 *  stranded, skip: where the VM ran */
	char host[VMHA_NAME_SIZE];
	/** assign, stranded, skip, start: the VM */
	char vm[VMHA_NAME_SIZE];
	/** start: whether it runs; standby: standby (true) or online (false) */
	bool ok;
	/** assign: the VM's priority tier as the coordinator planned it */
	int64_t priority;
	/** assign: the registry generation the coordinator planned from */
	uint64_t gen;
	/** assign: a state transfer (a fact of the coordinator's table, replayed
	 *  for a vmhad that joined), not a new decision; on the wire only when true */
	bool replay;
	/** stopped: restarts in place and relocations so far */
	uint32_t restarts;
	uint32_t relocations;
	/** fenced: how; start: why it failed; assign: why; stranded: the reason */
	char text[256];
};

/** @return whether type names a failover message type */
bool vmha_failover_msg_type_is_valid(const char *type);

/** @return whether a message of this type is a decision only the coordinator takes */
bool vmha_failover_msg_is_decision(const char *type);

/**
 * Encode a failover message (JSON, versioned, distinct from announcements).
 *
 * @return 0 and a malloc'ed buffer (NUL included in out_len), or -EINVAL, -ENOMEM
 */
int vmha_failover_msg_encode(const struct vmha_failover_msg *m, char **out, size_t *out_len);

/**
 * Decode a failover message.
 *
 * @return 0, -ENOMSG when buf is not a failover message at all (maybe an
 *         announcement), -EINVAL when it is one but malformed (err says why,
 *         without echoing the input), -ENOMEM
 */
int vmha_failover_msg_decode(const void *buf, size_t len, struct vmha_failover_msg *m, char *err,
                             size_t err_size);

#endif /* VMHA_HEARTBEAT_FAILOVER_MSG_H */

/*
 * The failover I/O layer of vmhad in standalone mode, around the pure state
 * machine of failover.h: it decodes each delivered failover message once,
 * resolves nothing itself (the caller passes the sender host the view holds
 * for the message's (nodeid, pid)), keeps the outgoing messages in an outbox
 * that retries in order and never drops, and carries out the state
 * machine's actions through callbacks: FENCE is the one fencing trigger,
 * START the one way a VM is started. No threads, no clock of its own: every
 * call carries now_ms, so unit tests drive it like the daemon does.
 *
 * Driving one member (what vmhad does, in CPG order):
 *   c = vmha_coordinator_new(&config, &ops);
 *   an announcement the view accepted -> vmha_coordinator_announce()
 *   after every view change            -> vmha_coordinator_sync_view()
 *   a delivered CPG message            -> vmha_coordinator_deliver() (-ENOMSG: an
 *                                         announcement, for the view)
 *   quorum / self-fence                -> vmha_coordinator_set_quorum() / _set_self_fenced()
 *   the view's HOST_DOWN               -> vmha_coordinator_host_down()
 *   a registry snapshot                -> vmha_coordinator_apply_registry()
 *   results of ops->fence / ops->start -> vmha_coordinator_fence_done() / _start_done()
 *   every tick                         -> vmha_coordinator_tick() (retries the outbox)
 */
#ifndef VMHA_HEARTBEAT_COORDINATOR_H
#define VMHA_HEARTBEAT_COORDINATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heartbeat/failover.h"
#include "heartbeat/regload.h"
#include "heartbeat/view.h"

struct vmha_coordinator;

/** What the coordinator needs from its caller. */
struct vmha_coordinator_ops {
	/** passed back to every callback */
	void *opaque;
	/** multicast buf to the group: 0, -EAGAIN (flow control: retried), other -errno */
	int (*send)(void *opaque, const void *buf, size_t len);
	/** start VM vm on this host (result: vmha_coordinator_start_done()); 0 or -errno */
	int (*start)(void *opaque, const char *vm);
	/** fence host (result: vmha_coordinator_fence_done()); 0 or -errno */
	int (*fence)(void *opaque, const char *host);
	/** record a decision for `vmha status` (kind: "fenced", "stranded", ...); may be NULL */
	void (*remember)(void *opaque, const char *kind, const char *host, const char *text);
};

/** @return a coordinator, or NULL (bad config, no memory) */
struct vmha_coordinator *vmha_coordinator_new(const struct vmha_failover_config *config,
                                              const struct vmha_coordinator_ops *ops);

/** Free; NULL is a no-op. */
void vmha_coordinator_free(struct vmha_coordinator *c);

/** @return the replicated table (for status and the self-fence) */
struct vmha_failover *vmha_coordinator_failover(struct vmha_coordinator *c);

/** An announcement the view accepted (decoded once, by the view). */
void vmha_coordinator_announce(struct vmha_coordinator *c, uint64_t now_ms,
                               const struct vmha_announce *a);

/**
 * Take the hosts' online state from the view (derived from ordered inputs),
 * and as coordinator the fresh self-fenced slots the view reports.
 */
void vmha_coordinator_sync_view(struct vmha_coordinator *c, uint64_t now_ms,
                                const struct vmha_view *view);

/**
 * A delivered CPG message: decoded once; failover messages go to the state
 * machine with their sender.
 *
 * @param sender  the host whose vmhad the view holds for the message's
 *                (nodeid, pid), NULL for any other process
 * @param out     when not NULL: the decoded message
 * @return 0 when applied, -EINVAL when malformed or refused, -ENOMSG when
 *         it is no failover message (an announcement: for the view)
 */
int vmha_coordinator_deliver(struct vmha_coordinator *c, uint64_t now_ms, const char *sender,
                             const void *buf, size_t len, struct vmha_failover_msg *out);

/** This member's view says host is down (only the coordinator publishes it). */
void vmha_coordinator_host_down(struct vmha_coordinator *c, uint64_t now_ms, const char *host);

/** Quorum of this partition. */
void vmha_coordinator_set_quorum(struct vmha_coordinator *c, uint64_t now_ms, bool quorate);

/**
 * The ring or the membership changed: quorum is unknown, and nothing acts
 * (fence, assign, start, tier release) until a quorum notification of that
 * ring (or later) comes; there is no timeout.
 *
 * @param ring_seq the lowest ring sequence number whose quorum counts (nothing
 *                 is held back when one was reported already); 0: the next
 *                 notification counts
 */
void vmha_coordinator_await_quorum(struct vmha_coordinator *c, uint64_t ring_seq);

/**
 * Quorum of this partition, as votequorum reported it for ring ring_seq (0:
 * not known). A notification of a ring before the awaited one is ignored.
 */
void vmha_coordinator_set_quorum_ring(struct vmha_coordinator *c, uint64_t now_ms, bool quorate,
                                      uint64_t ring_seq);

/** @return false while the quorum of the last membership change is awaited */
bool vmha_coordinator_quorum_known(const struct vmha_coordinator *c);

/** This host fenced itself (or quorum came back). */
void vmha_coordinator_set_self_fenced(struct vmha_coordinator *c, bool self_fenced);

/** A registry snapshot: protect what it lists, unprotect what left (unless pending). */
void vmha_coordinator_apply_registry(struct vmha_coordinator *c,
                                     const struct vmha_regload_snapshot *snap);

/** The fence asked for through ops->fence ended. */
void vmha_coordinator_fence_done(struct vmha_coordinator *c, uint64_t now_ms, const char *host,
                                 bool ok, const char *text);

/**
 * The start asked for through ops->start ended; unknown: the outcome is not
 * known (it may still come up), so it is neither announced nor re-planned.
 */
void vmha_coordinator_start_done(struct vmha_coordinator *c, uint64_t now_ms, const char *vm,
                                 bool ok, bool unknown, const char *text);

/** Time passes: duties, retries of the outbox. */
void vmha_coordinator_tick(struct vmha_coordinator *c, uint64_t now_ms);

/** @return the number of messages waiting in the outbox */
size_t vmha_coordinator_outbox_count(const struct vmha_coordinator *c);

#endif /* VMHA_HEARTBEAT_COORDINATOR_H */

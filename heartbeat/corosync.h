/*
 * vmhad's binding to Corosync: CPG (model v1, with the totem ring id),
 * quorum, and the ring's crypto settings from cmap. A thin layer: it turns
 * Corosync's callbacks into calls of the callbacks below and converts
 * cs_error_t into -errno at one place (cs_to_errno() in corosync.c).
 */
#ifndef VMHA_HEARTBEAT_COROSYNC_H
#define VMHA_HEARTBEAT_COROSYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heartbeat/msg.h"

#include "heartbeat/view.h"

struct vmha_corosync;

/** What Corosync tells vmhad; each gets the opaque pointer given to _new(). */
struct vmha_corosync_callbacks {
	void (*ring)(void *opaque, uint32_t ring_nodeid, uint64_t ring_seq, const uint32_t *nodes,
	             size_t n_nodes);
	void (*confchg)(void *opaque, const struct vmha_member *members, size_t n_members,
	                const struct vmha_member *left, size_t n_left,
	                const struct vmha_member *joined, size_t n_joined);
	void (*message)(void *opaque, uint32_t nodeid, uint32_t pid, const void *buf, size_t len);
	/* ring_seq: the ring votequorum decided on (the seq of the ring callback) */
	void (*quorum)(void *opaque, bool quorate, uint64_t ring_seq);
};

/** One node of corosync's nodelist that has a name. */
struct vmha_corosync_node {
	uint32_t nodeid;
	char name[VMHA_NAME_SIZE];
};

/**
 * Read corosync's nodelist (nodelist.node.N.nodeid and .name) from cmap,
 * waiting up to timeout_ms for a corosync that is starting. Nodes without a
 * name are left out.
 *
 * @return 0 and *n nodes, -ENOSPC for more than max, or -errno
 */
int vmha_corosync_nodelist(struct vmha_corosync_node *nodes, size_t max, size_t *n,
                           uint64_t timeout_ms);

/**
 * Read totem.crypto_cipher and totem.crypto_hash from cmap.
 *
 * @param secure       set to true when both name a real algorithm
 * @param cipher/hash  receive the values ("none" when unset)
 * @param timeout_ms   how long to wait for Corosync to accept connections
 *                     (says so at notice level while it waits)
 * @return 0, or -errno when cmap cannot be read (Corosync not running)
 */
int vmha_corosync_ring_crypto(bool *secure, char *cipher, size_t cipher_size, char *hash,
                              size_t hash_size, uint64_t timeout_ms);

/** The votequorum settings that change who stays quorate in a split. */
struct vmha_corosync_quorum_opts {
	/** quorum.two_node: in a 2-node cluster each half stays quorate */
	bool two_node;
	/** quorum.auto_tie_breaker: in an even split the lowest node id wins */
	bool auto_tie_breaker;
	/** quorum.last_man_standing: expected votes shrink as nodes leave */
	bool last_man_standing;
	/** quorum.wait_for_all: quorate only once every node was seen */
	bool wait_for_all;
};

/**
 * Read the votequorum settings (quorum.two_node, auto_tie_breaker,
 * last_man_standing, wait_for_all) from cmap; an unset key is 0. Says at
 * notice level when Corosync is not reachable.
 *
 * @param opts        filled on success
 * @param timeout_ms  how long to wait for Corosync to accept connections
 * @return 0, or -errno when cmap cannot be read
 */
int vmha_corosync_quorum_opts(struct vmha_corosync_quorum_opts *opts, uint64_t timeout_ms);

/**
 * Connect to CPG and quorum and join the group, retrying while Corosync
 * says "try again" until timeout_ms passes.
 *
 * @param rc  set to 0 or -errno
 * @return the binding, or NULL (*rc says why)
 */
struct vmha_corosync *vmha_corosync_new(const char *group,
                                        const struct vmha_corosync_callbacks *callbacks,
                                        void *opaque, uint64_t timeout_ms, int *rc);

/** Leave the group and disconnect; NULL is a no-op. */
void vmha_corosync_free(struct vmha_corosync *cs);

/** @return this node's Corosync node id */
uint32_t vmha_corosync_local_nodeid(const struct vmha_corosync *cs);

/** @return the CPG file descriptor to poll */
int vmha_corosync_cpg_fd(const struct vmha_corosync *cs);

/** @return the quorum file descriptor to poll */
int vmha_corosync_quorum_fd(const struct vmha_corosync *cs);

/** Deliver pending CPG callbacks. @return 0 or -errno (Corosync gone) */
int vmha_corosync_dispatch_cpg(struct vmha_corosync *cs);

/** Deliver pending quorum callbacks. @return 0 or -errno (Corosync gone) */
int vmha_corosync_dispatch_quorum(struct vmha_corosync *cs);

/**
 * Send a message to the group, in agreed (total) order.
 *
 * @return 0, -EAGAIN (flow control: try later), -errno
 */
int vmha_corosync_send(struct vmha_corosync *cs, const void *buf, size_t len);

#endif /* VMHA_HEARTBEAT_COROSYNC_H */

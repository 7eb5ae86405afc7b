/* vmhad's Corosync binding: CPG model v1, quorum, cmap. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include <corosync/cmap.h>
#include <corosync/corotypes.h>
#include <corosync/cpg.h>
#include <corosync/quorum.h>

#include "deadline.h"
#include "heartbeat/corosync.h"
#include "log.h"

#define MAX_MEMBERS 384

struct vmha_corosync {
	cpg_handle_t cpg;
	bool cpg_ok;
	bool joined;
	quorum_handle_t quorum;
	bool quorum_ok;
	struct cpg_name group;
	uint32_t local_nodeid;
	struct vmha_corosync_callbacks cb;
	void *opaque;
};

/* The one place where Corosync's error codes become -errno. */
static int cs_to_errno(cs_error_t err)
{
	switch (err) {
	case CS_OK:
		return 0;
	case CS_ERR_TRY_AGAIN:
		return -EAGAIN;
	case CS_ERR_LIBRARY:
		return -ENOTCONN;
	case CS_ERR_ACCESS:
		return -EACCES;
	case CS_ERR_NO_MEMORY:
		return -ENOMEM;
	case CS_ERR_INVALID_PARAM:
		return -EINVAL;
	case CS_ERR_NOT_EXIST:
		return -ENOENT;
	case CS_ERR_EXIST:
		return -EEXIST;
	case CS_ERR_BAD_HANDLE:
		return -EBADF;
	case CS_ERR_TIMEOUT:
		return -ETIMEDOUT;
	case CS_ERR_TOO_BIG:
		return -E2BIG;
	case CS_ERR_BUSY:
		return -EBUSY;
	case CS_ERR_NOT_SUPPORTED:
		return -ENOTSUP;
	default:
		return -EIO;
	}
}

static enum vmha_cpg_reason reason_of(uint32_t reason)
{
	switch (reason) {
	case CPG_REASON_JOIN:
		return VMHA_REASON_JOIN;
	case CPG_REASON_LEAVE:
		return VMHA_REASON_LEAVE;
	case CPG_REASON_NODEDOWN:
		return VMHA_REASON_NODEDOWN;
	case CPG_REASON_NODEUP:
		return VMHA_REASON_NODEUP;
	case CPG_REASON_PROCDOWN:
		return VMHA_REASON_PROCDOWN;
	default:
		/* an unknown reason is treated as the worst case: the node is gone */
		return VMHA_REASON_NODEDOWN;
	}
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static int read_cmap_string(cmap_handle_t h, const char *key, char *out, size_t size)
{
	char *value = NULL;
	cs_error_t err = cmap_get_string(h, key, &value);
	int rc = cs_to_errno(err);

	if (rc == -ENOENT) {
		snprintf(out, size, "none");
		rc = 0;
	} else if (rc == 0) {
		snprintf(out, size, "%s", value);
	}
	free(value);
	return rc;
}

/* Connect to cmap, waiting for a starting Corosync within the deadline. */
static int cmap_connect(cmap_handle_t *h, uint64_t timeout_ms)
{
	uint64_t deadline = vmha_deadline_in_ms(timeout_ms);
	bool told = false;
	int rc = 0;

	do {
		rc = cs_to_errno(cmap_initialize(h));
		if (rc == -EAGAIN || rc == -ENOTCONN) {
			if (!told) {
				vmha_notice("corosync is not reachable (cmap: %s): waiting up to "
				            "%llu ms for it to start",
				            strerror(-rc), (unsigned long long)timeout_ms);
				told = true;
			}
			/* corosync starting (boot): wait for it, within the deadline */
			sleep_ms(200);
		}
	} while ((rc == -EAGAIN || rc == -ENOTCONN) && !vmha_deadline_expired(deadline));
	if (rc < 0) {
		vmha_notice("corosync is not reachable (cmap: %s): is corosync running?",
		            strerror(-rc));
	} else if (told) {
		vmha_notice("corosync is reachable");
	}
	return rc;
}

int vmha_corosync_ring_crypto(bool *secure, char *cipher, size_t cipher_size, char *hash,
                              size_t hash_size, uint64_t timeout_ms)
{
	cmap_handle_t h = 0;
	bool connected = false;
	int rc = 0;

	*secure = false;
	rc = cmap_connect(&h, timeout_ms);
	if (rc < 0) {
		goto out;
	}
	connected = true;
	rc = read_cmap_string(h, "totem.crypto_cipher", cipher, cipher_size);
	if (rc == 0) {
		rc = read_cmap_string(h, "totem.crypto_hash", hash, hash_size);
	}
	if (rc == 0) {
		*secure = strcmp(cipher, "none") != 0 && strcmp(hash, "none") != 0;
	}
out:
	if (connected) {
		cmap_finalize(h);
	}
	return rc;
}

/* An integer cmap key of any width: 0 when unset. */
static int read_cmap_flag(cmap_handle_t h, const char *key, bool *out)
{
	union {
		uint8_t u8;
		uint16_t u16;
		uint32_t u32;
		uint64_t u64;
		char bytes[16];
	} v;
	size_t len = sizeof(v);
	cmap_value_types_t type;
	int rc;

	memset(&v, 0, sizeof(v));
	*out = false;
	rc = cs_to_errno(cmap_get(h, key, &v, &len, &type));
	if (rc == -ENOENT) {
		return 0;
	}
	if (rc < 0) {
		return rc;
	}
	switch (type) {
	case CMAP_VALUETYPE_INT8:
	case CMAP_VALUETYPE_UINT8:
		*out = v.u8 != 0;
		break;
	case CMAP_VALUETYPE_INT16:
	case CMAP_VALUETYPE_UINT16:
		*out = v.u16 != 0;
		break;
	case CMAP_VALUETYPE_INT32:
	case CMAP_VALUETYPE_UINT32:
		*out = v.u32 != 0;
		break;
	case CMAP_VALUETYPE_INT64:
	case CMAP_VALUETYPE_UINT64:
		*out = v.u64 != 0;
		break;
	default:
		vmha_warn("corosync cmap key '%s' is not an integer: taken as set", key);
		*out = true;
		break;
	}
	return 0;
}

int vmha_corosync_quorum_opts(struct vmha_corosync_quorum_opts *opts, uint64_t timeout_ms)
{
	cmap_handle_t h = 0;
	bool connected = false;
	int rc = 0;

	memset(opts, 0, sizeof(*opts));
	rc = cmap_connect(&h, timeout_ms);
	if (rc < 0) {
		goto out;
	}
	connected = true;
	rc = read_cmap_flag(h, "quorum.two_node", &opts->two_node);
	if (rc == 0) {
		rc = read_cmap_flag(h, "quorum.auto_tie_breaker", &opts->auto_tie_breaker);
	}
	if (rc == 0) {
		rc = read_cmap_flag(h, "quorum.last_man_standing", &opts->last_man_standing);
	}
	if (rc == 0) {
		rc = read_cmap_flag(h, "quorum.wait_for_all", &opts->wait_for_all);
	}
	if (rc == 0) {
		vmha_info(
		        "corosync quorum: two_node %d, auto_tie_breaker %d, last_man_standing %d, "
		        "wait_for_all %d",
		        opts->two_node, opts->auto_tie_breaker, opts->last_man_standing,
		        opts->wait_for_all);
	}
out:
	if (connected) {
		cmap_finalize(h);
	}
	return rc;
}

int vmha_corosync_nodelist(struct vmha_corosync_node *nodes, size_t max, size_t *n,
                           uint64_t timeout_ms)
{
	cmap_handle_t h = 0;
	char key[64];
	char name[VMHA_NAME_SIZE];
	uint32_t nodeid = 0;
	size_t i;
	int rc;

	*n = 0;
	rc = cmap_connect(&h, timeout_ms);
	if (rc < 0) {
		return rc;
	}
	for (i = 0; i < 1024; i++) {
		snprintf(key, sizeof(key), "nodelist.node.%zu.nodeid", i);
		rc = cs_to_errno(cmap_get_uint32(h, key, &nodeid));
		if (rc == -ENOENT) {
			rc = 0;
			break;
		}
		if (rc < 0) {
			goto out;
		}
		snprintf(key, sizeof(key), "nodelist.node.%zu.name", i);
		rc = read_cmap_string(h, key, name, sizeof(name));
		if (rc < 0) {
			goto out;
		}
		if (strcmp(name, "none") == 0) {
			continue; /* no name: nothing to bind */
		}
		if (*n == max) {
			rc = -ENOSPC;
			goto out;
		}
		nodes[*n].nodeid = nodeid;
		snprintf(nodes[*n].name, sizeof(nodes[*n].name), "%s", name);
		(*n)++;
	}
out:
	cmap_finalize(h);
	return rc;
}

static struct vmha_corosync *from_cpg(cpg_handle_t handle)
{
	void *ctx = NULL;

	if (cpg_context_get(handle, &ctx) != CS_OK) {
		return NULL;
	}
	return ctx;
}

static void on_deliver(cpg_handle_t handle, const struct cpg_name *group, uint32_t nodeid,
                       uint32_t pid, void *msg, size_t len)
{
	struct vmha_corosync *cs = from_cpg(handle);

	if (cs != NULL && cs->cb.message != NULL) {
		cs->cb.message(cs->opaque, nodeid, pid, msg, len);
	}
}

static size_t convert(const struct cpg_address *in, size_t n, struct vmha_member *out)
{
	size_t i;

	if (n > MAX_MEMBERS) {
		vmha_warn("membership of %zu processes truncated to %d", n, MAX_MEMBERS);
		n = MAX_MEMBERS;
	}
	for (i = 0; i < n; i++) {
		out[i].nodeid = in[i].nodeid;
		out[i].pid = in[i].pid;
		out[i].reason = reason_of(in[i].reason);
	}
	return n;
}

static void on_confchg(cpg_handle_t handle, const struct cpg_name *group,
                       const struct cpg_address *members, size_t n_members,
                       const struct cpg_address *left, size_t n_left,
                       const struct cpg_address *joined, size_t n_joined)
{
	static struct vmha_member m[MAX_MEMBERS], l[MAX_MEMBERS], j[MAX_MEMBERS];
	struct vmha_corosync *cs = from_cpg(handle);
	size_t nm, nl, nj;

	if (cs == NULL || cs->cb.confchg == NULL) {
		return;
	}
	nm = convert(members, n_members, m);
	nl = convert(left, n_left, l);
	nj = convert(joined, n_joined, j);
	cs->cb.confchg(cs->opaque, m, nm, l, nl, j, nj);
}

static void on_totem(cpg_handle_t handle, struct cpg_ring_id ring_id, uint32_t n_nodes,
                     const uint32_t *nodes)
{
	struct vmha_corosync *cs = from_cpg(handle);

	if (cs != NULL && cs->cb.ring != NULL) {
		cs->cb.ring(cs->opaque, ring_id.nodeid, ring_id.seq, nodes, n_nodes);
	}
}

static void on_quorum(quorum_handle_t handle, uint32_t quorate, uint64_t ring_seq, uint32_t n_nodes,
                      uint32_t *nodes)
{
	const void *ctx = NULL;
	struct vmha_corosync *cs = NULL;

	if (quorum_context_get(handle, &ctx) != CS_OK) {
		return;
	}
	cs = (struct vmha_corosync *)ctx;
	if (cs != NULL && cs->cb.quorum != NULL) {
		cs->cb.quorum(cs->opaque, quorate != 0, ring_seq);
	}
}

struct vmha_corosync *vmha_corosync_new(const char *group,
                                        const struct vmha_corosync_callbacks *callbacks,
                                        void *opaque, uint64_t timeout_ms, int *rc)
{
	struct vmha_corosync *cs = NULL;
	cpg_model_v1_data_t model = {0};
	quorum_callbacks_t qcb = {0};
	uint32_t quorum_type = 0;
	uint64_t deadline = vmha_deadline_in_ms(timeout_ms);
	unsigned int nodeid = 0;

	*rc = 0;
	if (group == NULL || strlen(group) >= sizeof(((struct cpg_name *)0)->value) ||
	    callbacks == NULL) {
		*rc = -EINVAL;
		goto fail;
	}
	cs = calloc(1, sizeof(*cs));
	if (cs == NULL) {
		*rc = -ENOMEM;
		goto fail;
	}
	cs->cb = *callbacks;
	cs->opaque = opaque;
	cs->group.length = (uint32_t)strlen(group);
	memcpy(cs->group.value, group, cs->group.length);

	model.model = CPG_MODEL_V1;
	model.cpg_deliver_fn = on_deliver;
	model.cpg_confchg_fn = on_confchg;
	model.cpg_totem_confchg_fn = on_totem;
	model.flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF;
	do {
		*rc = cs_to_errno(cpg_model_initialize(&cs->cpg, CPG_MODEL_V1,
		                                       (cpg_model_data_t *)&model, cs));
		if (*rc == -EAGAIN) {
			sleep_ms(200);
		}
	} while (*rc == -EAGAIN && !vmha_deadline_expired(deadline));
	if (*rc < 0) {
		vmha_err("cannot connect to corosync's cpg service: %s (is corosync running?)",
		         strerror(-*rc));
		goto fail;
	}
	cs->cpg_ok = true;
	*rc = cs_to_errno(cpg_local_get(cs->cpg, &nodeid));
	if (*rc < 0) {
		vmha_err("cannot get the local corosync node id: %s", strerror(-*rc));
		goto fail;
	}
	cs->local_nodeid = nodeid;

	qcb.quorum_notify_fn = on_quorum;
	do {
		*rc = cs_to_errno(quorum_initialize(&cs->quorum, &qcb, &quorum_type));
		if (*rc == -EAGAIN) {
			sleep_ms(200);
		}
	} while (*rc == -EAGAIN && !vmha_deadline_expired(deadline));
	if (*rc < 0) {
		vmha_err("cannot connect to corosync's quorum service: %s", strerror(-*rc));
		goto fail;
	}
	cs->quorum_ok = true;
	quorum_context_set(cs->quorum, cs);
	*rc = cs_to_errno(quorum_trackstart(cs->quorum, CS_TRACK_CHANGES | CS_TRACK_CURRENT));
	if (*rc < 0) {
		vmha_err("cannot track quorum: %s", strerror(-*rc));
		goto fail;
	}

	do {
		*rc = cs_to_errno(cpg_join(cs->cpg, &cs->group));
		if (*rc == -EAGAIN) {
			sleep_ms(200);
		}
	} while (*rc == -EAGAIN && !vmha_deadline_expired(deadline));
	if (*rc < 0) {
		vmha_err("cannot join cpg group '%s': %s", group, strerror(-*rc));
		goto fail;
	}
	cs->joined = true;
	return cs;
fail:
	vmha_corosync_free(cs);
	return NULL;
}

void vmha_corosync_free(struct vmha_corosync *cs)
{
	uint64_t deadline = vmha_deadline_in_ms(5000);
	int rc;

	if (cs == NULL) {
		return;
	}
	if (cs->joined) {
		do {
			rc = cs_to_errno(cpg_leave(cs->cpg, &cs->group));
			if (rc == -EAGAIN) {
				sleep_ms(100);
			}
		} while (rc == -EAGAIN && !vmha_deadline_expired(deadline));
	}
	if (cs->quorum_ok) {
		quorum_trackstop(cs->quorum);
		quorum_finalize(cs->quorum);
	}
	if (cs->cpg_ok) {
		cpg_finalize(cs->cpg);
	}
	free(cs);
}

uint32_t vmha_corosync_local_nodeid(const struct vmha_corosync *cs)
{
	return cs->local_nodeid;
}

int vmha_corosync_cpg_fd(const struct vmha_corosync *cs)
{
	int fd = -1;

	if (cpg_fd_get(cs->cpg, &fd) != CS_OK) {
		return -1;
	}
	return fd;
}

int vmha_corosync_quorum_fd(const struct vmha_corosync *cs)
{
	int fd = -1;

	if (quorum_fd_get(cs->quorum, &fd) != CS_OK) {
		return -1;
	}
	return fd;
}

int vmha_corosync_dispatch_cpg(struct vmha_corosync *cs)
{
	int rc = cs_to_errno(cpg_dispatch(cs->cpg, CS_DISPATCH_ALL));

	return rc == -EAGAIN ? 0 : rc;
}

int vmha_corosync_dispatch_quorum(struct vmha_corosync *cs)
{
	int rc = cs_to_errno(quorum_dispatch(cs->quorum, CS_DISPATCH_ALL));

	return rc == -EAGAIN ? 0 : rc;
}

int vmha_corosync_send(struct vmha_corosync *cs, const void *buf, size_t len)
{
	struct iovec iov = {(void *)buf, len};

	return cs_to_errno(cpg_mcast_joined(cs->cpg, CPG_TYPE_AGREED, &iov, 1));
}

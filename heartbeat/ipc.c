/* vmhad's libqb IPC server for `vmha status`. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <qb/qbipcs.h>

#include "heartbeat/ipc.h"
#include "heartbeat/ipc_client.h"
#include "log.h"

struct vmha_ipc {
	qb_ipcs_service_t *service;
	vmha_ipc_status_fn status;
	void *opaque;
	vmha_ipc_command_fn command;
	void *command_opaque;
};

/* libqb's poll glue has no context argument: vmhad has one loop and one server. */
static qb_loop_t *ipc_loop;
static struct vmha_ipc *ipc_self;

static int32_t glue_add(enum qb_loop_priority p, int32_t fd, int32_t events, void *data,
                        qb_ipcs_dispatch_fn_t fn)
{
	return qb_loop_poll_add(ipc_loop, p, fd, events, data, fn);
}

static int32_t glue_mod(enum qb_loop_priority p, int32_t fd, int32_t events, void *data,
                        qb_ipcs_dispatch_fn_t fn)
{
	return qb_loop_poll_mod(ipc_loop, p, fd, events, data, fn);
}

static int32_t glue_del(int32_t fd)
{
	return qb_loop_poll_del(ipc_loop, fd);
}

static int32_t glue_job_add(enum qb_loop_priority p, void *data, qb_loop_job_dispatch_fn fn)
{
	return qb_loop_job_add(ipc_loop, p, data, fn);
}

static int32_t on_accept(qb_ipcs_connection_t *c, uid_t uid, gid_t gid)
{
	if (uid != 0) {
		vmha_notice("ipc connection from uid %u refused: only root may ask vmhad",
		            (unsigned int)uid);
		return -EACCES;
	}
	return 0;
}

/* A command: its text after the header, NUL-terminated and short. */
static int32_t on_command(qb_ipcs_connection_t *c, const char *data, size_t size)
{
	struct qb_ipc_response_header resp = {0};
	char reply[512] = "";
	char text[VMHA_IPC_COMMAND_MAX_BYTES];
	size_t n = size - sizeof(struct qb_ipc_request_header);
	struct iovec iov[2];

	resp.id = VMHA_IPC_REQ_COMMAND;
	if (n == 0 || n > sizeof(text) || data[size - 1] != '\0' ||
	    memchr(data + sizeof(struct qb_ipc_request_header), '\0', n) != data + size - 1) {
		resp.error = -EINVAL;
		snprintf(reply, sizeof(reply), "malformed command");
	} else if (ipc_self->command == NULL) {
		resp.error = -EOPNOTSUPP;
		snprintf(reply, sizeof(reply), "this vmhad takes no commands");
	} else {
		memcpy(text, data + sizeof(struct qb_ipc_request_header), n);
		resp.error =
		        ipc_self->command(ipc_self->command_opaque, text, reply, sizeof(reply));
	}
	iov[0].iov_base = &resp;
	iov[0].iov_len = sizeof(resp);
	iov[1].iov_base = reply;
	iov[1].iov_len = strlen(reply) + 1;
	resp.size = (int32_t)(sizeof(resp) + iov[1].iov_len);
	if (qb_ipcs_response_sendv(c, iov, 2) < 0) {
		vmha_warn("cannot answer a command");
	}
	return 0;
}

static int32_t on_message(qb_ipcs_connection_t *c, void *data, size_t size)
{
	const struct qb_ipc_request_header *req = data;
	struct qb_ipc_response_header resp = {0};
	struct iovec iov[2];
	char *text = NULL;
	size_t len = 0;
	int n_iov = 1;

	if (size >= sizeof(*req) && req->id == VMHA_IPC_REQ_COMMAND) {
		return on_command(c, data, size);
	}
	resp.id = VMHA_IPC_REQ_STATUS;
	resp.size = sizeof(resp);
	if (size < sizeof(*req) || req->id != VMHA_IPC_REQ_STATUS) {
		resp.error = -EINVAL;
	} else {
		text = ipc_self->status(ipc_self->opaque);
		if (text == NULL) {
			resp.error = -ENOMEM;
		} else {
			len = strlen(text) + 1;
			if (sizeof(resp) + len > VMHA_IPC_MAX_BYTES) {
				resp.error = -E2BIG;
			} else {
				resp.size = (int32_t)(sizeof(resp) + len);
				iov[1].iov_base = text;
				iov[1].iov_len = len;
				n_iov = 2;
			}
		}
	}
	iov[0].iov_base = &resp;
	iov[0].iov_len = sizeof(resp);
	if (qb_ipcs_response_sendv(c, iov, (size_t)n_iov) < 0) {
		vmha_warn("cannot answer a status request");
	}
	free(text);
	return 0;
}

/* The service is taken: say by whom (another vmhad, or an impostor). */
static void report_squatter(int why)
{
	struct vmha_ipc_peer peer;
	int rc = vmha_ipc_client_peer(&peer);

	if (rc < 0) {
		vmha_err("cannot serve ipc service '%s' (%s), and nobody answers on it: %s",
		         vmha_ipc_client_service(), strerror(-why), strerror(-rc));
		return;
	}
	vmha_err("ipc service '%s' is already served by pid %ld (uid %u, gid %u)%s",
	         vmha_ipc_client_service(), (long)peer.pid, (unsigned int)peer.uid,
	         (unsigned int)peer.gid,
	         peer.uid == 0 ? ": another vmhad?"
	                       : ": an impostor (not root), stop that process and restart vmhad");
}

struct vmha_ipc *vmha_ipc_new(qb_loop_t *loop, vmha_ipc_status_fn status, void *opaque, int *rc)
{
	static struct qb_ipcs_service_handlers handlers = {
	        .connection_accept = on_accept,
	        .msg_process = on_message,
	};
	static struct qb_ipcs_poll_handlers poll = {
	        .job_add = glue_job_add,
	        .dispatch_add = glue_add,
	        .dispatch_mod = glue_mod,
	        .dispatch_del = glue_del,
	};
	struct vmha_ipc *ipc = NULL;

	*rc = 0;
	if (loop == NULL || status == NULL || ipc_self != NULL) {
		*rc = -EINVAL;
		goto fail;
	}
	ipc = calloc(1, sizeof(*ipc));
	if (ipc == NULL) {
		*rc = -ENOMEM;
		goto fail;
	}
	ipc->status = status;
	ipc->opaque = opaque;
	ipc_loop = loop;
	ipc_self = ipc;
	ipc->service = qb_ipcs_create(vmha_ipc_client_service(), 0, QB_IPC_NATIVE, &handlers);
	if (ipc->service == NULL) {
		*rc = errno != 0 ? -errno : -ENOMEM;
		goto fail;
	}
	qb_ipcs_enforce_buffer_size(ipc->service, VMHA_IPC_MAX_BYTES);
	qb_ipcs_poll_handlers_set(ipc->service, &poll);
	*rc = qb_ipcs_run(ipc->service);
	if (*rc < 0) {
		/* libqb has released the service already: destroying it again asserts */
		ipc->service = NULL;
		report_squatter(*rc);
		goto fail;
	}
	return ipc;
fail:
	vmha_ipc_free(ipc);
	return NULL;
}

void vmha_ipc_set_command(struct vmha_ipc *ipc, vmha_ipc_command_fn fn, void *opaque)
{
	if (ipc == NULL) {
		return;
	}
	ipc->command = fn;
	ipc->command_opaque = opaque;
}

void vmha_ipc_free(struct vmha_ipc *ipc)
{
	if (ipc == NULL) {
		return;
	}
	if (ipc->service != NULL) {
		qb_ipcs_destroy(ipc->service);
	}
	if (ipc_self == ipc) {
		ipc_self = NULL;
	}
	free(ipc);
}

/* The client side of vmhad's local IPC (see ipc_client.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <qb/qbipcc.h>

#include "heartbeat/ipc.h"
#include "heartbeat/ipc_client.h"
#include "util.h"

const char *vmha_ipc_client_service(void)
{
	const char *env = getenv("VMHA_IPC_SERVICE");

	return env != NULL && vmha_util_name_is_valid(env) ? env : VMHA_IPC_SERVICE;
}

static int connect_checked(qb_ipcc_connection_t **conn, struct vmha_ipc_peer *peer)
{
	int rc = 0;

	memset(peer, 0, sizeof(*peer));
	errno = 0;
	*conn = qb_ipcc_connect(vmha_ipc_client_service(), VMHA_IPC_MAX_BYTES);
	if (*conn == NULL) {
		rc = errno != 0 ? -errno : -ECONNREFUSED;
		goto out;
	}
	rc = qb_ipcc_auth_get(*conn, &peer->pid, &peer->uid, &peer->gid);
	if (rc < 0) {
		goto out;
	}
	rc = peer->uid == 0 ? 0 : -EPERM;
out:
	return rc;
}

int vmha_ipc_client_peer(struct vmha_ipc_peer *peer)
{
	qb_ipcc_connection_t *conn = NULL;
	int rc = connect_checked(&conn, peer);

	if (rc == -EPERM) {
		rc = 0; /* the credentials are the answer */
	}
	if (conn != NULL) {
		qb_ipcc_disconnect(conn);
	}
	return rc;
}

/* Send request id with payload (NULL: none); the answer's text into *out. */
static int exchange(int32_t id, const char *payload, char **out, struct vmha_ipc_peer *peer,
                    int32_t timeout_ms)
{
	struct qb_ipc_request_header req = {0};
	struct qb_ipc_response_header *resp = NULL;
	struct iovec iov[2];
	qb_ipcc_connection_t *conn = NULL;
	size_t n_iov = 1;
	char *buf = NULL;
	ssize_t n;
	int rc = 0;

	*out = NULL;
	rc = connect_checked(&conn, peer);
	if (rc < 0) {
		goto out;
	}
	buf = malloc(VMHA_IPC_MAX_BYTES);
	if (buf == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	req.id = id;
	req.size = sizeof(req);
	iov[0].iov_base = &req;
	iov[0].iov_len = sizeof(req);
	if (payload != NULL) {
		iov[1].iov_base = (void *)payload;
		iov[1].iov_len = strlen(payload) + 1;
		req.size += (int32_t)iov[1].iov_len;
		n_iov = 2;
	}
	n = qb_ipcc_sendv_recv(conn, iov, n_iov, buf, VMHA_IPC_MAX_BYTES, timeout_ms);
	if (n < 0) {
		rc = (int)n;
		goto out;
	}
	resp = (struct qb_ipc_response_header *)buf;
	if ((size_t)n < sizeof(*resp) || resp->id != id) {
		rc = -EPROTO;
		goto out;
	}
	if ((size_t)n > sizeof(*resp) && buf[n - 1] == '\0') {
		*out = strdup(buf + sizeof(*resp));
		if (*out == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (resp->error != 0) {
		rc = resp->error < 0 ? resp->error : -resp->error;
		goto out;
	}
	if (*out == NULL) {
		rc = -EPROTO;
	}
out:
	if (rc < 0 && id == VMHA_IPC_REQ_STATUS) {
		free(*out);
		*out = NULL;
	}
	if (conn != NULL) {
		qb_ipcc_disconnect(conn);
	}
	free(buf);
	return rc;
}

int vmha_ipc_client_status(char **out, struct vmha_ipc_peer *peer, int32_t timeout_ms)
{
	return exchange(VMHA_IPC_REQ_STATUS, NULL, out, peer, timeout_ms);
}

int vmha_ipc_client_command(const char *text, char **reply, struct vmha_ipc_peer *peer,
                            int32_t timeout_ms)
{
	if (text == NULL || strlen(text) >= VMHA_IPC_COMMAND_MAX_BYTES) {
		*reply = NULL;
		return -EINVAL;
	}
	return exchange(VMHA_IPC_REQ_COMMAND, text, reply, peer, timeout_ms);
}

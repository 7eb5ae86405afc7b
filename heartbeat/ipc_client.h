/*
 * The client side of vmhad's local IPC (heartbeat/ipc.h), shared by `vmha`
 * and by vmhad itself (to name a squatter at start-up).
 *
 * A server is trusted only when the kernel says it runs as root
 * (qb_ipcc_auth_get()): any local user can create a libqb service of the
 * same name first, and a root client must not believe its answers.
 */
#ifndef VMHA_HEARTBEAT_IPC_CLIENT_H
#define VMHA_HEARTBEAT_IPC_CLIENT_H

#include <stdint.h>
#include <sys/types.h>

/** Who serves the IPC service. */
struct vmha_ipc_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

/**
 * @return the IPC service name: VMHA_IPC_SERVICE, or the environment's
 *         VMHA_IPC_SERVICE when set to a valid name (tests only)
 */
const char *vmha_ipc_client_service(void);

/**
 * Who serves the service (connect, read the server's credentials,
 * disconnect).
 *
 * @param peer  filled on success
 * @return 0, or -errno (-ECONNREFUSED/-ENOENT: nobody serves it)
 */
int vmha_ipc_client_peer(struct vmha_ipc_peer *peer);

/**
 * Ask vmhad for its status JSON.
 *
 * @param out         receives the malloc'ed JSON text
 * @param peer        receives the server's credentials once connected
 *                    (zeroed before)
 * @param timeout_ms  deadline of the exchange
 * @return 0; -EPERM when the server is not root (an impostor: peer says
 *         who); -EACCES when vmhad refused this client; -errno otherwise
 */
int vmha_ipc_client_status(char **out, struct vmha_ipc_peer *peer, int32_t timeout_ms);

/**
 * Send vmhad a command ("standby NODE", "online NODE": heartbeat/maint.h).
 *
 * @param text        the command, shorter than VMHA_IPC_COMMAND_MAX_BYTES
 * @param reply       receives vmhad's malloc'ed answer (a lowercase
 *                    sentence; on refusal, why), or NULL
 * @param peer        as for vmha_ipc_client_status()
 * @param timeout_ms  deadline of the exchange
 * @return 0 when vmhad accepted it; -EPERM for an impostor; the -errno vmhad
 *         answered (-EINVAL a bad command, -EAGAIN not published); -errno
 */
int vmha_ipc_client_command(const char *text, char **reply, struct vmha_ipc_peer *peer,
                            int32_t timeout_ms);

#endif /* VMHA_HEARTBEAT_IPC_CLIENT_H */

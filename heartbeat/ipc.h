/*
 * vmhad's local IPC (libqb): `vmha status` asks, vmhad answers with its view
 * as one JSON object. Only root may connect.
 *
 * Protocol: the client sends a struct qb_ipc_request_header with id
 * VMHA_IPC_REQ_STATUS and size = sizeof(header); the server answers with a
 * struct qb_ipc_response_header (id VMHA_IPC_REQ_STATUS, error 0 or -errno)
 * followed by the JSON text and a NUL.
 *
 * A command (VMHA_IPC_REQ_COMMAND) carries its text and a NUL after the
 * header; the answer carries error 0 or -errno and a sentence with a NUL.
 */
#ifndef VMHA_HEARTBEAT_IPC_H
#define VMHA_HEARTBEAT_IPC_H

#include <qb/qbloop.h>

/** The libqb IPC service name. */
#define VMHA_IPC_SERVICE "vmhad"
/** The largest message either side sends, in bytes. */
#define VMHA_IPC_MAX_BYTES (4 * 1024 * 1024)
/** Request ids. */
#define VMHA_IPC_REQ_STATUS  1
#define VMHA_IPC_REQ_COMMAND 2
/** The longest command text, NUL included. */
#define VMHA_IPC_COMMAND_MAX_BYTES 256

struct vmha_ipc;

/** Builds the status JSON (malloc'ed text), or returns NULL. */
typedef char *(*vmha_ipc_status_fn)(void *opaque);

/**
 * Carries out a command: 0 or -errno, and a lowercase sentence in reply
 * (what was done, or why not).
 */
typedef int (*vmha_ipc_command_fn)(void *opaque, const char *text, char *reply, size_t reply_size);

/**
 * Start serving on the main loop.
 *
 * @param rc  set to 0 or -errno
 * @return the server, or NULL
 */
struct vmha_ipc *vmha_ipc_new(qb_loop_t *loop, vmha_ipc_status_fn status, void *opaque, int *rc);

/** Accept commands (VMHA_IPC_REQ_COMMAND) and hand them to fn; without it they are refused. */
void vmha_ipc_set_command(struct vmha_ipc *ipc, vmha_ipc_command_fn fn, void *opaque);

/** Stop serving; NULL is a no-op. */
void vmha_ipc_free(struct vmha_ipc *ipc);

#endif /* VMHA_HEARTBEAT_IPC_H */

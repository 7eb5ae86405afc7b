/*
 * vmhad's local IPC (libqb): `vmha status` asks, vmhad answers with its view
 * as one JSON object. Only root may connect.
 *
 * Protocol: the client sends a struct qb_ipc_request_header with id
 * VMHA_IPC_REQ_STATUS and size = sizeof(header); the server answers with a
 * struct qb_ipc_response_header (id VMHA_IPC_REQ_STATUS, error 0 or -errno)
 * followed by the JSON text and a NUL.
 */
#ifndef VMHA_HEARTBEAT_IPC_H
#define VMHA_HEARTBEAT_IPC_H

#include <qb/qbloop.h>

/** The libqb IPC service name. */
#define VMHA_IPC_SERVICE "vmhad"
/** The largest message either side sends, in bytes. */
#define VMHA_IPC_MAX_BYTES (4 * 1024 * 1024)
/** Request ids. */
#define VMHA_IPC_REQ_STATUS 1

struct vmha_ipc;

/** Builds the status JSON (malloc'ed text), or returns NULL. */
typedef char *(*vmha_ipc_status_fn)(void *opaque);

/**
 * Start serving on the main loop.
 *
 * @param rc  set to 0 or -errno
 * @return the server, or NULL
 */
struct vmha_ipc *vmha_ipc_new(qb_loop_t *loop, vmha_ipc_status_fn status, void *opaque, int *rc);

/** Stop serving; NULL is a no-op. */
void vmha_ipc_free(struct vmha_ipc *ipc);

#endif /* VMHA_HEARTBEAT_IPC_H */

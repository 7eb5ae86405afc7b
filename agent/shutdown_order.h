/*
 * Host shutdown ordering. At a host shutdown or reboot, Pacemaker must stop
 * (and so migrate the guests away) before libvirt and the guests' own
 * shutdown run; otherwise systemd stops libvirtd and the guests' scopes
 * concurrently with Pacemaker, and the guests are killed instead of
 * migrated. pacemaker.service is ordered after resource-agents-deps.target;
 * on start and migrate_from the agent adds a drop-in to that target,
 * ordering it after libvirtd (and the modular virtqemud), libvirt-guests
 * and virt-guest-shutdown.target, and starts that target so that its stop
 * is part of the shutdown transaction. One drop-in per resource, removed by
 * stop.
 */
#ifndef VMHA_AGENT_SHUTDOWN_ORDER_H
#define VMHA_AGENT_SHUTDOWN_ORDER_H

#include <stddef.h>

#include "context.h"

/** Where the drop-ins go (VMHA_SYSTEMD_RUNDIR overrides it, for tests). */
#define VMHA_SHUTDOWN_ORDER_DIR "/run/systemd/system/resource-agents-deps.target.d"

/**
 * The drop-in's path for this resource.
 *
 * @return 0, or -ENAMETOOLONG
 */
int vmha_shutdown_order_path(const struct vmha_actx *c, char *path, size_t path_len);

/**
 * Write the resource's drop-in (when it is missing or differs) and, when
 * systemd is PID 1 and the file changed, run systemctl daemon-reload and
 * start virt-guest-shutdown.target (bounded by the action's deadline).
 * Failures are logged: they never fail the action.
 */
void vmha_shutdown_order_add(struct vmha_actx *c);

/**
 * Remove the resource's drop-in. No daemon-reload: stop also runs inside a
 * shutdown transaction, and a stale ordering without a guest is harmless.
 */
void vmha_shutdown_order_remove(struct vmha_actx *c);

#endif /* VMHA_AGENT_SHUTDOWN_ORDER_H */

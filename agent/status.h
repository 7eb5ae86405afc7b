/*
 * Who the resource is (config, else the record of its start) and what
 * state its guest is in (libvirt, else /proc for local QEMU).
 */
#ifndef VMHA_AGENT_STATUS_H
#define VMHA_AGENT_STATUS_H

#include <stdbool.h>

#include "context.h"
#include "virt.h"

/**
 * Identify the domain: from the config, else from the record of the last
 * start (a missing config must not make a running guest look stopped).
 *
 * @param need_xml  the action needs the XML itself (no record fallback)
 * @return 0 or -errno with a reason
 */
int vmha_status_identify(struct vmha_actx *c, bool need_xml);

/** @return true when the hypervisor URI names the local QEMU driver */
bool vmha_status_local_qemu(const struct vmha_actx *c);

/** @return true when rc says libvirt is unreachable */
bool vmha_status_unreachable(int rc);

/** Connect to libvirt (once per action). @return 0 or -errno */
int vmha_status_connect(struct vmha_actx *c);

/** Look the domain up by UUID, then by name. @return 0, -ENOENT or -errno */
int vmha_status_lookup(struct vmha_actx *c, struct vmha_virt_domain **dom);

/**
 * The guest's status, by libvirt, else by /proc.
 *
 * @return 0 running, -ESRCH not running, -EIO failed, -EINPROGRESS
 *         migrating, or -errno
 */
int vmha_status_get(struct vmha_actx *c, int *state_out, int *reason_out);

/** Wait until the guest runs. @return 0, or the last status */
int vmha_status_wait_running(struct vmha_actx *c);

#endif /* VMHA_AGENT_STATUS_H */

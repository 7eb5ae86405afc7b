/*
 * The record of a start, in the resource's state directory: domain name,
 * UUID, and the values of the parameters that only a restart applies. It
 * identifies a running guest when its config is gone, and reload compares
 * against it.
 */
#ifndef VMHA_AGENT_RECORD_H
#define VMHA_AGENT_RECORD_H

#include "context.h"

/** Set c->record_path from the resource instance (or the config path). */
void vmha_record_path(struct vmha_actx *c);

/** Write name, UUID and the start's parameters atomically. @return 0 or -errno */
int vmha_record_write(struct vmha_actx *c);

/** Read name and UUID into c. @return 0, -ENOENT or -EINVAL (no name) */
int vmha_record_read(struct vmha_actx *c);

/**
 * reload / reload-agent: check that no parameter that only a restart
 * applies changed since the start.
 *
 * @return 0 (tunables apply from the next operation) or -EIO naming the
 *         changed parameter
 */
int vmha_record_check_unchanged(struct vmha_actx *c);

#endif /* VMHA_AGENT_RECORD_H */

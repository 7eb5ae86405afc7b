/*
 * Read the planner's model from a Pacemaker CIB (the XML that `cibadmin -Q`
 * prints):
 *  - nodes: configuration/nodes/node (uname), their utilization, and
 *    standby/maintenance instance attributes; a node whose node_state says
 *    it is offline (in_ccm false or crmd offline) takes no VMs;
 *  - VMs: every primitive outside clones and bundles (fence devices, class
 *    stonith, excepted), its utilization, its
 *    "priority" meta-attribute;
 *  - where each runs now: the status section, the last operation (highest
 *    call-id) of each lrm_resource on each node;
 *  - rsc_colocation with a negative score: an anti-affinity group of the two
 *    resources; rsc_location with score -INFINITY (a ban) or a positive score
 *    (a preference) on a node.
 * Errors name the file, the line and the field.
 */
#ifndef VMHA_PLANNER_CIB_H
#define VMHA_PLANNER_CIB_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/**
 * Parse CIB XML into @p m (not finished).
 *
 * @param name  shown in error messages
 * @return 0, -EINVAL (message "NAME:LINE: field 'F': ..." in err), -ENOMEM
 */
int vmha_cib_parse_buffer(const char *name, const char *data, size_t len, struct vmha_model *m,
                          char *err, size_t errlen);

/**
 * Read a CIB file ("-": stdin) into @p m (not finished).
 *
 * @return 0, -EINVAL, -errno from reading; message in err
 */
int vmha_cib_parse_file(const char *path, struct vmha_model *m, char *err, size_t errlen);

/**
 * Run `cibadmin -Q` (bounded by @p timeout_ms) and read its output into @p m.
 *
 * @return 0, -ETIMEDOUT, -EIO (cibadmin failed), -EINVAL; message in err
 */
int vmha_cib_read_live(struct vmha_model *m, uint64_t timeout_ms, char *err, size_t errlen);

#endif /* VMHA_PLANNER_CIB_H */

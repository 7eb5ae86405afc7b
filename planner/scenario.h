/*
 * The planner's scenario file: one item per line, '#' starts a comment.
 *
 *   node h1 cpu=9000 memory=9216            # capacities, any named dimensions
 *   node h3 cpu=6000 memory=6144 failover   # flags: failover, standby, maintenance
 *   vm web1 on=h1 cpu=2000 memory=1024 priority=high anti-affinity=web
 *           restart=never allowed=h1,h2 preferred=h2
 *
 * Errors name the file, the line and the field.
 */
#ifndef VMHA_PLANNER_SCENARIO_H
#define VMHA_PLANNER_SCENARIO_H

#include <stddef.h>

#include "model.h"

/**
 * Parse scenario text into @p m (not finished: call vmha_model_finish(),
 * which reports unknown hosts and duplicate names).
 *
 * @param name  the file name used in error messages
 * @param data  the text (need not be NUL-terminated)
 * @param len   its length in bytes
 * @param err   receives "NAME:LINE: field 'F': what is wrong" on error
 * @return 0, -EINVAL (bad input, message in err) or -ENOMEM
 */
int vmha_scenario_parse_buffer(const char *name, const char *data, size_t len, struct vmha_model *m,
                               char *err, size_t errlen);

/**
 * Read and parse a scenario file ("-" is stdin) into @p m.
 *
 * @return 0, -EINVAL (bad input), -errno from reading, message in err
 */
int vmha_scenario_parse_file(const char *path, struct vmha_model *m, char *err, size_t errlen);

/**
 * Parse one item line ("vm NAME key=value ...", or a node) into @p m,
 * which must not be finished yet: `vmha admission --add`. @p name names
 * the source in error messages.
 *
 * @return 0, -EINVAL (message in err) or -ENOMEM
 */
int vmha_scenario_parse_line(const char *name, const char *line, struct vmha_model *m, char *err,
                             size_t errlen);

#endif /* VMHA_PLANNER_SCENARIO_H */

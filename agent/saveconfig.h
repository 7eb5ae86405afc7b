/*
 * save_config_on_stop / sync_config_on_stop: the running domain's XML
 * (inactive, with secure parts) written back to the config file when it
 * differs, then csync2 -x when syncing. The stock agent saves at stop,
 * before a migration, on monitor and after migrate_from; so does this one.
 */
#ifndef VMHA_AGENT_SAVECONFIG_H
#define VMHA_AGENT_SAVECONFIG_H

#include "context.h"
#include "virt.h"

/**
 * Save dom's XML to the config file (atomically) when it differs and
 * parses with the same name. Failures are logged.
 *
 * @return 0 or -errno
 */
int vmha_saveconfig_save(struct vmha_actx *c, struct vmha_virt_domain *dom);

/**
 * On monitor and after migrate_from: save when save_config_on_stop or
 * sync_config_on_stop is set, the config was read (not the start's
 * record: the file may be unmounted) and libvirt answers.
 */
void vmha_saveconfig_while_running(struct vmha_actx *c);

#endif /* VMHA_AGENT_SAVECONFIG_H */

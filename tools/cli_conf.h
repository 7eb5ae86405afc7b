/*
 * What `vmha` takes from vmhad's configuration file: the libvirt transport
 * to other hosts (migration_transport), overridden by --transport.
 */
#ifndef VMHA_TOOLS_CLI_CONF_H
#define VMHA_TOOLS_CLI_CONF_H

/**
 * Set the transport from --transport.
 * @return 0, or -EINVAL after a message naming the option and the choices
 */
int vmha_cli_conf_set_transport(const char *cmd, const char *transport);

/**
 * The transport: --transport, else migration_transport of vmhad.conf
 * ($VMHA_CONF, else the configuration directory's vmhad.conf; a missing
 * file means the default; other keys are vmhad's to check), else "tcp".
 * @return the transport, or NULL after a message naming the file, line and
 *         key when the file is bad
 */
const char *vmha_cli_conf_transport(void);

#endif /* VMHA_TOOLS_CLI_CONF_H */

/*
 * Child processes of the agent, each bounded by a deadline: user-configured
 * commands (monitor_scripts, csync2), crm_resource for utilization, and
 * qemu-img / virt-copy-in for copy-on-write images at start. Never used by
 * a plain monitor.
 */
#ifndef VMHA_AGENT_CMD_H
#define VMHA_AGENT_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * @return true when name (a path, or a program looked up in PATH as
 *         posix_spawnp() does) is an executable file
 */
bool vmha_cmd_exists(const char *name);

/**
 * Run argv[0] (looked up in PATH) with argv, killing it at deadline_ms.
 *
 * @param argv        NULL-terminated argument vector
 * @param deadline_ms monotonic deadline (lib/deadline.h)
 * @param out         when not NULL, the child's stdout and stderr, truncated
 *                    to out_len - 1 bytes and NUL-terminated; else they are
 *                    inherited
 * @param out_len     size of out
 * @return the child's exit status (0..255, 128+signal), -ENOENT when argv[0]
 *         cannot be run, -ETIMEDOUT when it was killed at the deadline, or
 *         another -errno
 */
int vmha_cmd_run(char *const argv[], uint64_t deadline_ms, char *out, size_t out_len);

#endif /* VMHA_AGENT_CMD_H */

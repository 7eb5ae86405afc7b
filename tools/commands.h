/*
 * The subcommands of `vmha`. Each lives in tools/cmd_<name>.c and gets the
 * arguments after its name (argv[0] is the subcommand name).
 *
 * Exit codes, the same for every command: 0 success, 1 the answer is "no"
 * (policy violated, VM stranded, fencing failed), 2 bad input or usage.
 */
#ifndef VMHA_TOOLS_COMMANDS_H
#define VMHA_TOOLS_COMMANDS_H

#include <stddef.h>

enum vmha_exit {
	VMHA_EXIT_OK = 0,
	VMHA_EXIT_NO = 1,
	VMHA_EXIT_USAGE = 2,
};

/** vmha plan: where displaced VMs restart (tools/cmd_plan.c) */
int vmha_cmd_plan(int argc, char **argv);
/** vmha admission: does the cluster satisfy a policy (tools/cmd_plan.c) */
int vmha_cmd_admission(int argc, char **argv);
/** vmha status: the local vmhad's view (tools/cmd_status.c) */
int vmha_cmd_status(int argc, char **argv);
/** vmha fence: fence a node (tools/cmd_fence.c) */
int vmha_cmd_fence(int argc, char **argv);
/** vmha vm: the standalone inventory (tools/cmd_vm.c) */
int vmha_cmd_vm(int argc, char **argv);
/** vmha host: standby, online, evacuate (tools/cmd_host.c) */
int vmha_cmd_host(int argc, char **argv);

/**
 * Ask the local vmhad for its status (the JSON of `vmha status --json`).
 * The server must run as root: anyone else serving the ipc service is an
 * impostor and its answer is ignored.
 *
 * @param err       receives a lowercase message on failure
 * @param err_size  its size
 * @return 0 and *out (caller frees); -EPERM for an impostor (err names its
 *         pid and uid); -errno when vmhad is not reachable
 */
int vmha_status_ask(char **out, char *err, size_t err_size);

#endif /* VMHA_TOOLS_COMMANDS_H */

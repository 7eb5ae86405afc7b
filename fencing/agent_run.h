/*
 * Running a fence agent: the fence-agents interface (key=value lines on
 * standard input), a deadline enforced on the agent's whole process group,
 * and captured output with secrets masked.
 *
 * Secrets (passwords, keys) only ever travel on the agent's standard input:
 * never on a command line, in an environment, or in a log line.
 */
#ifndef VMHA_FENCING_AGENT_RUN_H
#define VMHA_FENCING_AGENT_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** How an agent run ended; the one place where exit codes are interpreted. */
enum vmha_agent_outcome {
	VMHA_AGENT_SUCCESS = 0, /**< exit 0 (for "status": the target is on) */
	VMHA_AGENT_OFF,         /**< exit 2 from "status": the target is off */
	VMHA_AGENT_FAILED,      /**< any other exit code */
	VMHA_AGENT_TIMEOUT,     /**< still running at its deadline, killed */
	VMHA_AGENT_SIGNALED,    /**< died of a signal it was not sent by us */
	VMHA_AGENT_EXEC_FAILED, /**< could not be started */
};

/** Ordered key=value arguments for an agent; some values are secret. */
struct vmha_agent_args;

/** A finished agent run. */
struct vmha_agent_result;

/** @return an empty argument list, or NULL when out of memory */
struct vmha_agent_args *vmha_agent_args_new(void);

/** Free an argument list (secret values are wiped first); NULL is a no-op. */
void vmha_agent_args_free(struct vmha_agent_args *args);

/**
 * Set key to value, replacing an earlier value of the same key.
 *
 * @param secret  true when the value must never be shown (also forced for
 *                keys that vmha_agent_param_is_secret() recognises)
 * @return 0, -EINVAL for a key that is not [a-z0-9_-]+ or a value with a
 *         newline, -ENOMEM
 */
int vmha_agent_args_set(struct vmha_agent_args *args, const char *key, const char *value,
                        bool secret);

/** @return the value of key, or NULL */
const char *vmha_agent_args_get(const struct vmha_agent_args *args, const char *key);

/** @return a copy of args, or NULL when out of memory */
struct vmha_agent_args *vmha_agent_args_dup(const struct vmha_agent_args *args);

/**
 * @return the arguments as one line for logs, "action=off plug=3
 *         password=*****", secrets masked; caller frees; NULL when out of memory
 */
char *vmha_agent_args_format(const struct vmha_agent_args *args);

/**
 * @return true when a parameter of this name holds a secret: names
 *         containing "passw", "secret", "community", "token" or ending in
 *         "_key", and "hexadecimal_kg"; never names ending in "_script"
 */
bool vmha_agent_param_is_secret(const char *name);

/**
 * Run an agent and wait for it, at most until deadline_ms.
 *
 * The agent runs in its own process group with argv {path, extra_argv...},
 * the caller's environment and args written to its standard input, one
 * "key=value" line each. At the deadline its process group gets SIGTERM,
 * then SIGKILL kill_grace_ms later; the call returns at most about
 * kill_grace_ms + 100 ms after the deadline. Output beyond 64 KiB per stream
 * is dropped. Any secret value of args that appears in the output is
 * replaced by "*****".
 *
 * The caller must not reap children it did not start (no waitpid(-1) in a
 * SIGCHLD handler): the agent is waited for by its pid.
 *
 * @param path        the agent executable
 * @param extra_argv  NULL-terminated extra arguments (never secrets), or NULL
 * @param args        standard input, or NULL for none
 * @param deadline_ms monotonic deadline
 * @param out         the result (also on VMHA_AGENT_EXEC_FAILED and timeout)
 * @return 0 with *out set, -EINVAL, -ENOMEM, or another -errno when no
 *         process could be started
 */
int vmha_agent_run(const char *path, const char *const *extra_argv,
                   const struct vmha_agent_args *args, uint64_t deadline_ms,
                   struct vmha_agent_result **out);

/** Free a result; NULL is a no-op. */
void vmha_agent_result_free(struct vmha_agent_result *res);

/** @return how the run ended */
enum vmha_agent_outcome vmha_agent_result_outcome(const struct vmha_agent_result *res);

/** @return the exit code, or -1 when the agent did not exit normally */
int vmha_agent_result_exit_code(const struct vmha_agent_result *res);

/** @return the captured standard output (NUL-terminated, secrets masked) */
const char *vmha_agent_result_stdout(const struct vmha_agent_result *res);

/** @return the captured standard error (NUL-terminated, secrets masked) */
const char *vmha_agent_result_stderr(const struct vmha_agent_result *res);

/** @return the length of the captured standard output */
size_t vmha_agent_result_stdout_len(const struct vmha_agent_result *res);

/** @return wall time of the run on the monotonic clock, milliseconds */
uint64_t vmha_agent_result_duration_ms(const struct vmha_agent_result *res);

/**
 * @return a one-line summary for logs and reports: "exit 1: <last line of
 *         stderr>", "timed out after 5000 ms", "killed by signal 9", ...
 *         valid as long as res
 */
const char *vmha_agent_result_summary(const struct vmha_agent_result *res);

/** @return a constant name for an outcome: "success", "off", "failed", ... */
const char *vmha_agent_outcome_name(enum vmha_agent_outcome outcome);

/** Grace between SIGTERM and SIGKILL at the deadline, milliseconds. */
#define VMHA_AGENT_KILL_GRACE_MS 1000

#endif /* VMHA_FENCING_AGENT_RUN_H */

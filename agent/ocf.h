/*
 * OCF exit codes: the one boundary where the agent's -errno results become
 * OCF codes, and the mapping of libvirt's domain state + reason.
 */
#ifndef VMHA_AGENT_OCF_H
#define VMHA_AGENT_OCF_H

/** OCF resource agent exit codes. */
enum vmha_ocf_rc {
	VMHA_OCF_SUCCESS = 0,
	VMHA_OCF_ERR_GENERIC = 1,
	VMHA_OCF_ERR_ARGS = 2,
	VMHA_OCF_ERR_UNIMPLEMENTED = 3,
	VMHA_OCF_ERR_PERM = 4,
	VMHA_OCF_ERR_INSTALLED = 5,
	VMHA_OCF_ERR_CONFIGURED = 6,
	VMHA_OCF_NOT_RUNNING = 7,
};

/**
 * Convert an agent result to an OCF exit code:
 *   0 success; -ESRCH not running; -EINVAL, -EPROTONOSUPPORT configured;
 *   -ENOENT, -EACCES, -ENOTDIR installed; -EPERM perm; -EOPNOTSUPP
 *   unimplemented; -E2BIG args; anything else generic.
 */
enum vmha_ocf_rc vmha_ocf_rc_from_errno(int rc);

/**
 * What a libvirt domain state and reason mean for the resource:
 *   0           running (running, blocked, in shutdown, pmsuspended, paused
 *               by a user, a save, a snapshot or post-copy)
 *   -ESRCH      not running (shut off)
 *   -EINPROGRESS paused for a migration or starting up (an incoming migration
 *               when seen by monitor): not running yet
 *   -EAGAIN     no state yet (ask again)
 *   -EIO        failed (crashed, paused on an I/O error, post-copy failed,
 *               watchdog)
 */
int vmha_ocf_domain_status(int state, int reason);

/** @return a short description of a state and reason ("paused (I/O error)") */
const char *vmha_ocf_state_reason_name(int state, int reason);

#endif /* VMHA_AGENT_OCF_H */

/* OCF exit codes and domain states (see ocf.h). */
#include "config.h"

#include <errno.h>

#include <libvirt/libvirt.h>

#include "ocf.h"

enum vmha_ocf_rc vmha_ocf_rc_from_errno(int rc)
{
	switch (rc) {
	case 0:
		return VMHA_OCF_SUCCESS;
	case -ESRCH:
		return VMHA_OCF_NOT_RUNNING;
	case -EINVAL:
	case -EPROTONOSUPPORT:
		return VMHA_OCF_ERR_CONFIGURED;
	case -ENOENT:
	case -EACCES:
	case -ENOTDIR:
		return VMHA_OCF_ERR_INSTALLED;
	case -EPERM:
		return VMHA_OCF_ERR_PERM;
	case -EOPNOTSUPP:
		return VMHA_OCF_ERR_UNIMPLEMENTED;
	case -E2BIG:
		return VMHA_OCF_ERR_ARGS;
	default:
		return VMHA_OCF_ERR_GENERIC;
	}
}

int vmha_ocf_domain_status(int state, int reason)
{
	switch (state) {
	case VIR_DOMAIN_RUNNING:
	case VIR_DOMAIN_BLOCKED:
	case VIR_DOMAIN_SHUTDOWN:
	case VIR_DOMAIN_PMSUSPENDED:
		return 0;
	case VIR_DOMAIN_SHUTOFF:
		return -ESRCH;
	case VIR_DOMAIN_CRASHED:
		return -EIO;
	case VIR_DOMAIN_NOSTATE:
		return -EAGAIN;
	case VIR_DOMAIN_PAUSED:
		switch (reason) {
		case VIR_DOMAIN_PAUSED_IOERROR:
		case VIR_DOMAIN_PAUSED_POSTCOPY_FAILED:
		case VIR_DOMAIN_PAUSED_CRASHED:
		case VIR_DOMAIN_PAUSED_WATCHDOG:
			return -EIO;
		case VIR_DOMAIN_PAUSED_MIGRATION:
			/* the source pauses only for the final switch-over, while
			 * the agent is in migrate_to: seen by monitor, this is
			 * a guest waiting for an incoming migration */
			return -EINPROGRESS;
		case VIR_DOMAIN_PAUSED_STARTING_UP:
			/* the guest of an incoming migration waits in this state
			 * (as seen with QEMU) and so does a start in progress:
			 * not running yet */
			return -EINPROGRESS;
		default:
			return 0;
		}
	default:
		return -EIO;
	}
}

const char *vmha_ocf_state_reason_name(int state, int reason)
{
	switch (state) {
	case VIR_DOMAIN_RUNNING:
		return reason == VIR_DOMAIN_RUNNING_MIGRATED ? "running (migrated)" : "running";
	case VIR_DOMAIN_BLOCKED:
		return "blocked";
	case VIR_DOMAIN_SHUTDOWN:
		return "in shutdown";
	case VIR_DOMAIN_PMSUSPENDED:
		return "suspended by the guest";
	case VIR_DOMAIN_SHUTOFF:
		return "shut off";
	case VIR_DOMAIN_CRASHED:
		return "crashed";
	case VIR_DOMAIN_NOSTATE:
		return "no state";
	case VIR_DOMAIN_PAUSED:
		switch (reason) {
		case VIR_DOMAIN_PAUSED_IOERROR:
			return "paused (I/O error)";
		case VIR_DOMAIN_PAUSED_POSTCOPY_FAILED:
			return "paused (post-copy migration failed)";
		case VIR_DOMAIN_PAUSED_CRASHED:
			return "paused (crashed)";
		case VIR_DOMAIN_PAUSED_WATCHDOG:
			return "paused (watchdog)";
		case VIR_DOMAIN_PAUSED_MIGRATION:
			return "paused (migrating)";
		case VIR_DOMAIN_PAUSED_POSTCOPY:
			return "paused (post-copy migration)";
		case VIR_DOMAIN_PAUSED_USER:
			return "paused (by a user)";
		case VIR_DOMAIN_PAUSED_STARTING_UP:
			return "paused (starting up)";
		default:
			return "paused";
		}
	default:
		return "unknown";
	}
}

# One lab per machine: a lab test run by hand waits for the machine's lab
# lock (/run/vmha-lab.lock) and holds it until it exits. scripts/test-all
# takes the lock itself around each lab test and sets VMHA_LAB_LOCKED=1, as
# may anyone who already holds it. The lab tool closes the descriptor, so
# the daemons a lab starts never hold the lock. Sourced after tap.sh.

# lab_lock: take the lab lock (no-op when VMHA_LAB_LOCKED is set); a lock
# still busy after VMHA_LAB_LOCK_WAIT seconds (default 3600) skips the file
lab_lock() {
	[ -n "${VMHA_LAB_LOCKED:-}" ] && return 0
	[ "$(id -u)" -eq 0 ] || return 0
	exec 9>/run/vmha-lab.lock
	if ! flock -w "${VMHA_LAB_LOCK_WAIT:-3600}" 9; then
		tap_skip_all_machine "the lab is busy (/run/vmha-lab.lock held for ${VMHA_LAB_LOCK_WAIT:-3600} s)"
	fi
	export VMHA_LAB_LOCKED=1
}

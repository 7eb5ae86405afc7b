# Common preamble of the lab integration tests (sourced after tap.sh).
# Sets LAB, sources the lab's helpers, checks the prerequisites (root, the
# lab's packages) and arranges for the lab to be torn down on exit.
lab_top=${VMHA_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LAB=$lab_top/cluster-examples/lab/lab
. "$lab_top/cluster-examples/lab/lib.sh"
. "$lab_top/tests/integration/lab-lock.sh"

# lab_prereq: exits the test with a skip when the lab cannot run here
lab_prereq() {
	local c
	if [ "$(id -u)" -ne 0 ]; then
		tap_skip_machine "lab tests" "need root"
		tap_done
		exit 0
	fi
	for c in libvirtd qemu-system-x86_64 corosync pacemakerd crm nsenter unshare; do
		if ! command -v "$c" >/dev/null; then
			tap_skip_machine "lab tests" "'$c' not installed (scripts/install-deps lab)"
			tap_done
			exit 0
		fi
	done
	lab_lock
	trap lab_cleanup EXIT
}

lab_cleanup() {
	"$LAB" down >/dev/null 2>&1
}

# lab_start ARGS...: a fresh lab (the test owns the machine's one lab)
lab_start() {
	"$LAB" down >/dev/null 2>&1
	"$LAB" up "$@"
}

# providers to run side by side: the stock agent always, ours when installed
lab_providers() {
	echo heartbeat
	lab_vmha_agent && echo vmha
	return 0
}

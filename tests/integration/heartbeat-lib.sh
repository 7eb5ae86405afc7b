# Helpers for the heartbeat integration tests and benchmarks (sourced, not a
# test): a private single-node Corosync on loopback, in the caller's own
# mount, network and UTS namespaces, so it never meets the lab's or the
# host's Corosync. Call hb_enter_namespaces "$0" "$@" first.

VMHA_BUILDDIR=${VMHA_BUILDDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/default}
HB_VMHAD=$VMHA_BUILDDIR/heartbeat/vmhad
HB_VMHA=$VMHA_BUILDDIR/tools/vmha
HB_PIDS=()
HB_WORK=""

# Re-execute the calling script in private namespaces (once).
hb_enter_namespaces() {
	if [ -z "${VMHA_HB_IN_NS:-}" ]; then
		export VMHA_HB_IN_NS=1
		exec unshare --mount --net --uts --propagation private bash "$@"
	fi
	ip link set lo up
	hostname vmha-hb1
	local d
	for d in /etc/corosync /var/lib/corosync /run /dev/shm /var/log/corosync; do
		mkdir -p "$d"
		mount -t tmpfs -o mode=0755 tmpfs "$d"
	done
	chmod 1777 /dev/shm
	HB_WORK=$(mktemp -d /tmp/vmha-hb.XXXXXX)
	mkdir -p "$HB_WORK/storage"
	trap hb_cleanup EXIT
}

hb_cleanup() {
	local pid
	for pid in "${HB_PIDS[@]+"${HB_PIDS[@]}"}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${HB_PIDS[@]+"${HB_PIDS[@]}"}"; do
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null
	done
	[ -n "$HB_WORK" ] && rm -rf "$HB_WORK"
	return 0
}

# hb_forget PID: a process that ended by itself
hb_forget() {
	local keep=() pid
	for pid in "${HB_PIDS[@]+"${HB_PIDS[@]}"}"; do
		[ "$pid" != "$1" ] && keep+=("$pid")
	done
	HB_PIDS=("${keep[@]+"${keep[@]}"}")
}

# hb_write_corosync_conf CIPHER HASH
hb_write_corosync_conf() {
	cat >/etc/corosync/corosync.conf <<EOC
totem {
	version: 2
	cluster_name: vmhatest
	transport: knet
	crypto_cipher: $1
	crypto_hash: $2
	token: 1000
}
nodelist {
	node {
		ring0_addr: 127.0.0.1
		name: hb1
		nodeid: 1
	}
}
quorum {
	provider: corosync_votequorum
}
logging {
	to_stderr: yes
	to_syslog: no
	to_logfile: no
}
EOC
	if [ ! -e /etc/corosync/authkey ]; then
		dd if=/dev/urandom of=/etc/corosync/authkey bs=256 count=1 status=none
		chmod 0400 /etc/corosync/authkey
	fi
}

# hb_start_corosync LOG: start corosync -f, wait until quorate (20 s)
hb_start_corosync() {
	corosync -f >"$1" 2>&1 &
	HB_COROSYNC_PID=$!
	HB_PIDS+=("$HB_COROSYNC_PID")
	local i
	for i in $(seq 200); do
		if corosync-quorumtool -s 2>/dev/null | grep -q 'Quorate: *Yes'; then
			return 0
		fi
		kill -0 "$HB_COROSYNC_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

hb_stop_corosync() {
	kill "$HB_COROSYNC_PID" 2>/dev/null
	local i
	for i in $(seq 100); do
		kill -0 "$HB_COROSYNC_PID" 2>/dev/null || break
		sleep 0.1
	done
	hb_forget "$HB_COROSYNC_PID"
}

# hb_write_vmhad_conf FILE [EXTRA-LINES]
hb_write_vmhad_conf() {
	cat >"$1" <<EOC
group_name = vmhatest
host_name = hb1
announce_interval = 1s
storage_dir = $HB_WORK/storage
storage_interval = 500ms
storage_timeout = 3s
libvirt_uri = test:///default
${2:-}
EOC
}

# hb_start_vmhad CONF LOG: start vmhad -f in the background
hb_start_vmhad() {
	"$HB_VMHAD" -f -c "$1" >"$2" 2>&1 &
	HB_VMHAD_PID=$!
	HB_PIDS+=("$HB_VMHAD_PID")
}

# hb_wait_status PATTERN [TIMEOUT_S]: until vmha status --json matches
hb_wait_status() {
	local i n=$((${2:-10} * 10))
	for i in $(seq "$n"); do
		if "$HB_VMHA" status --json 2>/dev/null | grep -Eq "$1"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

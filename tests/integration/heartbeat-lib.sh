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

# hb_write_vmhad_conf FILE [EXTRA-LINES]: the defaults below, a key that
# EXTRA-LINES sets replacing its default (vmhad refuses a key given twice)
hb_write_vmhad_conf() {
	{
		printf '%s\n' "${2:-}" | awk -F' *= *' 'NR == FNR {if ($1 != "") set[$1] = 1; next}
			!($1 in set)' - <(cat <<EOC
group_name = vmhatest
host_name = hb1
announce_interval = 1s
storage_dir = $HB_WORK/storage
storage_interval = 500ms
storage_timeout = 3s
libvirt_uri = test:///default
state_dir = $HB_WORK/state
disk_leases = warn
EOC
		)
		printf '%s\n' "${2:-}"
	} >"$1"
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

# ---- a private 3-node Corosync cluster -------------------------------------
# Three network namespaces (198.18.0.21-23/24 on a bridge in a fourth one),
# each node with its own mount namespace (private /etc/corosync,
# /var/lib/corosync, /run, /dev/shm), corosync -f and vmhad, and a shared
# storage directory. Run from the host's namespaces (not after
# hb_enter_namespaces). Token 1000 ms, consensus 1200 ms, as in the lab.
HB_NS=""
HB_TOKEN_MS=1000
HB_CONSENSUS_MS=1200

hb_cluster_cleanup() {
	hb_cleanup
	local n
	if [ -n "$HB_NS" ]; then
		for n in 1 2 3; do
			ip netns del "$HB_NS-n$n" 2>/dev/null
		done
		ip netns del "$HB_NS-br" 2>/dev/null
	fi
	return 0
}

# hb_cluster_create: namespaces, network, configuration (no daemons yet)
hb_cluster_create() {
	HB_NS=vmhahb$$
	HB_WORK=$(mktemp -d /tmp/vmha-hbc.XXXXXX)
	trap hb_cluster_cleanup EXIT
	mkdir -p "$HB_WORK/shared/hb"
	ip netns add "$HB_NS-br" || return 1
	ip -n "$HB_NS-br" link set lo up
	ip -n "$HB_NS-br" link add br0 type bridge || return 1
	ip -n "$HB_NS-br" link set br0 up
	local n
	for n in 1 2 3; do
		ip netns add "$HB_NS-n$n" || return 1
		ip -n "$HB_NS-br" link add "p$n" type veth peer name eth0 netns "$HB_NS-n$n" || return 1
		ip -n "$HB_NS-br" link set "p$n" master br0 up
		ip -n "$HB_NS-n$n" link set lo up
		ip -n "$HB_NS-n$n" addr add "198.18.0.2$n/24" dev eth0
		ip -n "$HB_NS-n$n" link set eth0 up
	done
	dd if=/dev/urandom of="$HB_WORK/authkey" bs=256 count=1 status=none
	cat >"$HB_WORK/corosync.conf" <<EOC
totem {
	version: 2
	cluster_name: vmhahb
	transport: knet
	crypto_cipher: aes256
	crypto_hash: sha256
	token: $HB_TOKEN_MS
	token_coefficient: 0
	consensus: $HB_CONSENSUS_MS
	join: 50
}
nodelist {
	node {
		ring0_addr: 198.18.0.21
		name: n1
		nodeid: 1
	}
	node {
		ring0_addr: 198.18.0.22
		name: n2
		nodeid: 2
	}
	node {
		ring0_addr: 198.18.0.23
		name: n3
		nodeid: 3
	}
}
quorum {
	provider: corosync_votequorum
}
logging {
	to_stderr: yes
	to_syslog: no
	to_logfile: no
	timestamp: on
}
EOC
	# each node's PID holder keeps its mount namespace; it starts corosync
	cat >"$HB_WORK/node-init.sh" <<'EOS'
n=$1
work=$2
for d in /etc/corosync /var/lib/corosync /run /dev/shm; do
	mount -t tmpfs -o mode=0755 tmpfs "$d" || exit 1
done
chmod 1777 /dev/shm
cp "$work/corosync.conf" "$work/authkey" /etc/corosync/
chmod 0400 /etc/corosync/authkey
corosync -f >>"$work/n$n-corosync.log" 2>&1 &
echo $! >"$work/n$n.corosync.pid"
echo $$ >"$work/n$n.holder.pid"
exec sleep 1000000
EOS
	for n in 1 2 3; do
		cat >"$HB_WORK/n$n.conf" <<EOC
group_name = vmhahb
host_name = n$n
announce_interval = 1s
storage_dir = $HB_WORK/shared/hb
storage_interval = 500ms
storage_timeout = 3s
libvirt_uri = test:///default
EOC
	done
}

# hb_node_boot N: the node's namespaces and corosync
hb_node_boot() {
	rm -f "$HB_WORK/n$1.holder.pid" "$HB_WORK/n$1.corosync.pid"
	ip netns exec "$HB_NS-n$1" unshare --mount --propagation private \
		bash "$HB_WORK/node-init.sh" "$1" "$HB_WORK" >/dev/null 2>&1 &
	disown $!
	local i
	for i in $(seq 50); do
		[ -s "$HB_WORK/n$1.holder.pid" ] && [ -s "$HB_WORK/n$1.corosync.pid" ] && break
		sleep 0.1
	done
	[ -s "$HB_WORK/n$1.holder.pid" ] || return 1
	HB_PIDS+=("$(cat "$HB_WORK/n$1.holder.pid")" "$(cat "$HB_WORK/n$1.corosync.pid")")
	for i in $(seq 100); do
		hb_node_exec "$1" corosync-cfgtool -s >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# hb_node_exec N CMD...: run CMD in node N's namespaces
hb_node_exec() {
	local n=$1
	shift
	nsenter -t "$(cat "$HB_WORK/n$n.holder.pid")" -m -n "$@"
}

# hb_node_vmhad N: start vmhad on node N; its PID goes to $HB_WORK/nN.vmhad.pid
hb_node_vmhad() {
	# nsenter execs vmhad without forking: $! is vmhad's PID
	nsenter -t "$(cat "$HB_WORK/n$1.holder.pid")" -m -n \
		"$HB_VMHAD" -f -c "$HB_WORK/n$1.conf" >>"$HB_WORK/n$1-vmhad.log" 2>&1 &
	echo $! >"$HB_WORK/n$1.vmhad.pid"
	HB_PIDS+=("$!")
	disown $!
}

# hb_node_power_off N: every process of node N dies at once (SIGKILL)
hb_node_power_off() {
	kill -KILL "$(cat "$HB_WORK/n$1.vmhad.pid")" "$(cat "$HB_WORK/n$1.corosync.pid")" \
		"$(cat "$HB_WORK/n$1.holder.pid")" 2>/dev/null
}

# hb_node_status N: vmha status --json on node N
hb_node_status() {
	hb_node_exec "$1" "$HB_VMHA" status --json 2>/dev/null
}

# hb_host_field JSON HOST KEY: a string field of HOST in a status
hb_host_field() {
	printf '%s' "$1" | tr -d '\n ' | sed -n "s/.*\"name\":\"$2\",\([^[]*\).*/\1/p" |
		sed -n "s/.*\"$3\":\"\([^\"]*\)\".*/\1/p"
}

# hb_wait TIMEOUT_S CMD...: until CMD succeeds
hb_wait() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# hb_online_count N: how many hosts node N sees online
hb_all_online() {
	local n
	for n in "$@"; do
		[ "$(hb_node_status "$n" | grep -c '"state": "online"')" -eq 3 ] || return 1
	done
}

hb_state_is() { # OBSERVER HOST STATE
	[ "$(hb_host_field "$(hb_node_status "$1")" "$2" state)" = "$3" ]
}

hb_decided() { # OBSERVER: a host_down decision was taken
	hb_node_status "$1" | grep -q '"kind": "host_down"'
}

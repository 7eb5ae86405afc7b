# Helpers of the failover lab tests (sourced after tap.sh): the lab in its
# Corosync-only mode with vmhad in standalone mode on every node, the VM
# registry and the storage heartbeat on the lab's shared storage, the lab
# fence device in /etc/vmha/fence.conf form.
#
# Only one lab runs on a machine: a test that starts it owns it (and begins
# with `lab down`). Set VMHA_LAB to another lab tool to use it.

fo_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$fo_top/tests/integration/lab-lock.sh"
LAB=${VMHA_LAB:-$fo_top/cluster-examples/lab/lab}
vmha=${VMHA_BUILDDIR:+$VMHA_BUILDDIR/tools/}vmha
vmhad=${VMHA_BUILDDIR:+$VMHA_BUILDDIR/heartbeat/}vmhad
vmha=$(command -v "$vmha" || echo "$vmha")
vmhad=$(command -v "$vmhad" || echo "$vmhad")
# the "never twice" probe (tests/unit/failover_probe, built by make check)
fo_probe_bin=${FO_PROBE_BIN:-${VMHA_BUILDDIR:-$fo_top/build/default}/tests/unit/failover_probe}
# The nodes have a private /tmp (and the build may live there): they run
# copies of the binaries from the shared storage.
vmha_node=/var/lib/libvirt/shared/vmha/bin/vmha
vmhad_node=/var/lib/libvirt/shared/vmha/bin/vmhad
probe_node=/var/lib/libvirt/shared/vmha/bin/failover_probe
FO_NODES="node1 node2 node3"
# timings (ms / s): the lab's token is 1 s
FO_SELF_FENCE_DELAY=${FO_SELF_FENCE_DELAY:-3s}
# without a fence device the restart waits for the lost host's watchdog:
# restart_delay >= watchdog_timeout + self_fence_delay + 5 s (vmhad refuses less)
FO_WATCHDOG_TIMEOUT_S=${FO_WATCHDOG_TIMEOUT_S:-2}
FO_RESTART_DELAY_NOFENCE=${FO_RESTART_DELAY:-10s}
FO_RESTART_DELAY=${FO_RESTART_DELAY:-8s}
FO_PARALLEL=${FO_PARALLEL:-2}
FO_LOG_LEVEL=${FO_LOG_LEVEL:-info}

fo_now_ms() { echo $(($(date +%s%N) / 1000000)); }

# fo_require: skip the whole test (TAP plan 0) when the lab cannot run here;
# every reason is the machine's (scripts/test-all fails it in CI)
fo_require() {
	lab_lock
	local why=""
	[ "$(id -u)" -eq 0 ] || why="needs root"
	[ -z "$why" ] && [ ! -x "$LAB" ] && why="the lab ($LAB) is missing"
	[ -z "$why" ] && [ ! -x "$vmhad" ] && why="vmhad not built ($vmhad)"
	[ -z "$why" ] && ip netns list 2>/dev/null | grep -q '^vmha-lab' &&
		[ -z "${FO_OWN_LAB:-}" ] && why="another lab runs on this machine (vmha-lab* namespaces)"
	if [ -n "$why" ]; then
		tap_skip_all_machine "$why"
	fi
}

fo_shared() { echo "$("$LAB" dir)/shared"; }
fo_node_log() { echo "$("$LAB" dir)/nodes/$1/log/vmhad.log"; }

# fo_up [--fence|--no-fence] [--no-leases]: lab up (Corosync only, virtlockd
# disk leases on the shared storage as vmhad's default disk_leases = require
# wants; --no-leases: none, and disk_leases = warn), configuration, vmhad on
# every node
# fo_conf_omit: stdin without the settings named in FO_CONF_OMIT (keys an
# older vmhad, as bench/failover-lab runs it, does not know)
fo_conf_omit() {
	local k re=
	for k in ${FO_CONF_OMIT:-}; do re="$re${re:+|}$k"; done
	if [ -n "$re" ]; then grep -v -E "^($re) = "; else cat; fi
}

fo_up() {
	local fence=$1 n sh leases=--leases
	[ "${2:-}" = --no-leases ] && leases=
	"$LAB" down >/dev/null 2>&1
	"$LAB" up --no-pacemaker --no-vms $leases >"$work/lab-up.log" 2>&1 || {
		cat "$work/lab-up.log" >&2
		return 1
	}
	sh=$(fo_shared)
	echo "$FO_WATCHDOG_TIMEOUT_S" >"$("$LAB" dir)/watchdog-timeout"
	mkdir -p "$sh/registry" "$sh/hb" "$sh/xml" "$sh/vmha/bin"
	cp "$vmha" "$vmhad" "$sh/vmha/bin/" || return 1
	[ -x "$fo_probe_bin" ] && cp "$fo_probe_bin" "$sh/vmha/bin/"
	if [ "$fence" = --fence ]; then
		cat >"$sh/vmha/fence.conf" <<-EOC
			mode agents
			timeout 20s
			retries 1
			device lab fence_vmhalab
			level * 1 lab
		EOC
		chmod 600 "$sh/vmha/fence.conf"
	fi
	for n in $FO_NODES; do
		{
			echo "group_name = vmha-lab"
			echo "host_name = $n"
			echo "announce_interval = 1s"
			echo "storage_dir = /var/lib/libvirt/shared/hb"
			echo "storage_interval = 500ms"
			echo "storage_timeout = 2s"
			echo "self_fence_delay = $FO_SELF_FENCE_DELAY"
			if [ "$fence" = --fence ]; then
				echo "restart_delay = $FO_RESTART_DELAY"
				echo "watchdog_device = none"
			else
				# the lab's emulated watchdog (cluster-examples/lab/powerd)
				echo "restart_delay = $FO_RESTART_DELAY_NOFENCE"
				echo "watchdog_device = /run/vmha-watchdog"
				echo "watchdog_timeout = ${FO_WATCHDOG_TIMEOUT_S}s"
			fi
			echo "max_parallel_starts = $FO_PARALLEL"
			echo "start_timeout = 30s"
			echo "mode = standalone"
			echo "allow_insecure_ring = yes"
			echo "registry_dir = /var/lib/libvirt/shared/registry"
			# the node's own state (standby flag): private to the node
			echo "state_dir = /var/lib/libvirt/vmha"
			[ "$fence" = --fence ] && echo "fence_config = /var/lib/libvirt/shared/vmha/fence.conf"
			echo "libvirt_uri = qemu:///system"
			[ -z "$leases" ] && echo "disk_leases = warn"
			echo "log_level = $FO_LOG_LEVEL"
			# more settings of a test, @NODE@ replaced by the node's name
			if [ -n "${FO_CONF_EXTRA:-}" ]; then printf '%s\n' "${FO_CONF_EXTRA//@NODE@/$n}"; fi
		} | fo_conf_omit >"$sh/vmha/$n.conf"
		fo_vmhad_start "$n" || return 1
	done
	fo_wait_online 30
}

fo_vmhad_start() {
	"$LAB" exec "$1" sh -c "setsid '$vmhad_node' -f -c /var/lib/libvirt/shared/vmha/$1.conf \
		>>/var/log/vmhad.log 2>&1 </dev/null & echo \$! >/run/vmhad.pid"
}

fo_vmhad_kill() { "$LAB" exec "$1" sh -c 'kill -9 $(cat /run/vmhad.pid)'; }

# fo_status NODE: vmhad's status JSON on NODE, on one line, no space after ':' or ','
fo_status() {
	"$LAB" exec "$1" "$vmha_node" status --json 2>/dev/null | tr -d '\n' |
		sed -e 's/": */":/g' -e 's/, *"/,"/g' -e 's/\[ *\]/[]/g' -e 's/{ *"/{"/g' -e 's/ *}/}/g'
}

# fo_status_check NODE DOWN_HOST DOWN_STATE VM...: NODE's status JSON shows
# DOWN_HOST in DOWN_STATE and each VM running on exactly one other host (a
# down host's last announcement is not counted); prints what differs
fo_status_check() {
	local node=$1 down=$2 want=$3
	shift 3
	fo_status "$node" | python3 -c '
import json, sys
down, want, vms = sys.argv[1], sys.argv[2], sys.argv[3:]
try:
    d = json.load(sys.stdin)
except ValueError as e:
    print("no status JSON: %s" % e)
    sys.exit(1)
hosts = {h["name"]: h for h in d.get("hosts", [])}
err = []
got = hosts.get(down, {}).get("state")
if got != want:
    err.append("%s is %s, expected %s" % (down, got, want))
for vm in vms:
    on = [h["name"] for h in d.get("hosts", []) if h["name"] != down and
          any(v["name"] == vm and v.get("state") == "running" for v in h.get("vms", []))]
    if len(on) != 1:
        err.append("%s runs on %s, expected exactly one survivor" % (vm, on or "none"))
print("; ".join(err))
sys.exit(1 if err else 0)
' "$down" "$want" "$@"
}

# fo_wait_status_check TIMEOUT_S ARGS...: fo_status_check until it holds
fo_wait_status_check() {
	local end=$(($(fo_now_ms) + $1 * 1000)) out
	shift
	while :; do
		out=$(fo_status_check "$@") && return 0
		[ "$(fo_now_ms)" -ge "$end" ] && break
		sleep 0.5
	done
	echo "$out"
	return 1
}

# fo_host_mib NODE: the memory NODE announces, MiB
fo_host_mib() { fo_status node1 | grep -o "\"name\":\"$1\",[^]]*" | grep -o '"memory_kib":[0-9]*' | head -1 | awk -F: '{print int($2 / 1024)}'; }

# fo_wait_online TIMEOUT_S: every vmhad sees the three hosts online and is quorate
fo_wait_online() {
	local end=$(($(fo_now_ms) + $1 * 1000)) n ok
	while [ "$(fo_now_ms)" -lt "$end" ]; do
		ok=1
		for n in $FO_NODES; do
			[ "$(fo_status "$n" | grep -o '"state":"online"' | wc -l)" -ge 3 ] || ok=0
		done
		[ $ok = 1 ] && return 0
		sleep 0.5
	done
	return 1
}

# fo_add_vm NAME NODE [--disk] [vmha vm add settings...]: an idle guest in the
# registry, running on NODE; --disk: with a 16 MiB raw disk on the shared
# storage (/var/lib/libvirt/shared/disks/NAME.img, leased unless `fo_up --no-leases`)
fo_add_vm() {
	local name=$1 node=$2 sh disk=
	shift 2
	sh=$(fo_shared)
	if [ "${1:-}" = --disk ]; then
		shift
		mkdir -p "$sh/disks"
		qemu-img create -q -f raw "$sh/disks/$name.img" 16M || return 1
		disk="<disk type='file' device='disk'><driver name='qemu' type='raw' cache='none'/>"
		disk="$disk<source file='/var/lib/libvirt/shared/disks/$name.img'/><target dev='vda' bus='virtio'/></disk>"
	fi
	# the registry wants a UUID (libvirt would invent one per start otherwise)
	"$LAB" vm-xml idle "$name" |
		sed -e "s|</name>|</name><uuid>$(cat /proc/sys/kernel/random/uuid)</uuid>|" \
			-e "s|<devices>|<devices>$disk|" >"$sh/xml/$name.xml" || return 1
	"$vmha" vm add "$name" --xml "$sh/xml/$name.xml" --dir "$sh/registry" "$@" >/dev/null || return 1
	"$LAB" exec "$node" virsh create "/var/lib/libvirt/shared/xml/$name.xml" >/dev/null
}

# fo_running_on VM: nodes where libvirt runs VM
fo_running_on() {
	local n
	for n in $FO_NODES; do
		[ "$("$LAB" power status "$n" 2>/dev/null)" = on ] || continue
		[ "$("$LAB" exec "$n" virsh domstate "$1" 2>/dev/null | head -1)" = running ] && echo "$n"
	done
	return 0
}

# fo_running_all: "VM NODE" lines for every running VM on every powered node
fo_running_all() {
	local n
	for n in $FO_NODES; do
		[ "$("$LAB" power status "$n" 2>/dev/null)" = on ] || continue
		"$LAB" exec "$n" virsh list --name 2>/dev/null | sed "/^$/d;s/\$/ $n/"
	done
}

# fo_probe_start NODE FILE: in the background, inside NODE, every 100 ms, the
# VMs libvirt runs there: "EPOCH_MS VM" lines and "T EPOCH_MS TOOK_MS" per
# sample. One process and one libvirt connection per node (failover_probe);
# without it (make check not run) a virsh loop, which samples far slower.
# Sets FO_PROBE_KIND. fo_probe_stop NODE ends it.
fo_probe_start() {
	if [ -x "$(fo_shared)/vmha/bin/failover_probe" ]; then
		FO_PROBE_KIND="failover_probe (one libvirt connection)"
		"$LAB" exec "$1" sh -c "echo \$\$ >/run/failover_probe.pid; exec '$probe_node' qemu:///system 100 600000" \
			>"$2" 2>/dev/null &
	else
		FO_PROBE_KIND="virsh loop (failover_probe not built: make check)"
		"$LAB" exec "$1" sh -c 'echo $$ >/run/failover_probe.pid; while :; do t=$(date +%s%3N); virsh list --name 2>/dev/null |
			sed "/^$/d;s/^/$t /"; echo "T $t"; sleep 0.1; done' >"$2" 2>/dev/null &
	fi
}

fo_probe_stop() {
	"$LAB" exec "$1" sh -c 'kill $(cat /run/failover_probe.pid) 2>/dev/null; rm -f /run/failover_probe.pid' \
		>/dev/null 2>&1
}

# fo_probe_stats FILE...: "samples mean_interval_ms largest_gap_ms slowest_listing_ms"
fo_probe_stats() {
	local f
	for f in "$@"; do
		awk '/^T /{n++; if (p) {s += $2 - p; if ($2 - p > g) g = $2 - p} p = $2; if ($3 > l) l = $3}
			END {printf "%d %d %d %d\n", n, (n > 1 ? s / (n - 1) : 0), g, l}' "$f"
	done | awk '{n += $1; if ($2 > m) m = $2; if ($3 > g) g = $3; if ($4 > l) l = $4}
		END {print n + 0, m + 0, g + 0, l + 0}'
}

# fo_probe_overlap FILE...: the one rule, from probe files named probe.NODE
# (or probe.NODE.SUFFIX, a node's probe started again after a reboot): "VM
# NODE_A NODE_B" for each VM seen on two nodes in runs of consecutive
# samples that overlap in time; nothing when no VM ever ran twice. A run is
# [first, last] sample that showed the VM, so a VM that left a node and came
# back later is two runs there, not one
fo_probe_overlap() {
	local f n
	for f in "$@"; do
		n=${f##*/}
		n=${n#probe.}
		n=${n%%.*}
		awk -v node="$n" '
			/^T / {for (v in open) if (!(v in now)) {print v, node, first[v], last[v]; delete open[v]}
			       for (v in now) {if (!(v in open)) {open[v] = 1; first[v] = $2} last[v] = $2}
			       for (v in now) delete now[v]
			       next}
			/^[0-9]/ {now[$2] = 1}
			END {for (v in open) print v, node, first[v], last[v]}' "$f"
	done | awk '{n++; vm[n] = $1; at[n] = $2; f[n] = $3; l[n] = $4}
		END {for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (vm[i] == vm[j] && at[i] != at[j] && f[i] <= l[j] && f[j] <= l[i]) print vm[i], at[i], at[j]}' |
		sort -u | tr '\n' ';'
}

# fo_probe_moved T0 GONE VM...: from the probe files "$work/probe.NODE",
# ms from T0 (epoch ms) until every VM had been seen active on a node other
# than GONE; "timeout" when one never was, "twice VM" when one was seen on
# two nodes
fo_probe_moved() {
	local t0=$1 gone=$2 n
	shift 2
	for n in $FO_NODES; do
		[ "$n" = "$gone" ] && continue
		[ -f "$work/probe.$n" ] && sed -n "/^[0-9]/s/\$/ $n/p" "$work/probe.$n"
	done | awk -v t0="$t0" -v want="$*" '
		BEGIN {n = split(want, w, " "); for (i = 1; i <= n; i++) need[w[i]] = 1}
		($2 in need) && $1 >= t0 {if (!($2 in first)) first[$2] = $1; if (!(($2, $3) in seen)) {seen[$2, $3] = 1; where[$2]++}}
		END {last = 0
			for (v in need) {if (!(v in first)) {print "timeout"; exit} if (first[v] > last) last = first[v]}
			for (v in need) if (where[v] > 1) {print "twice " v; exit}
			print last - t0}'
}

# fo_timeline T0 NODE...: the failover steps in NODE's vmhad logs, ms after T0 (epoch ms)
fo_timeline() {
	local t0=$1 n
	shift
	for n in "$@"; do
		grep -E "online -> lost|decision: host|fencing host|fenced in|is fenced \(|plan: vm|starting vm|started in|runs on host|registry read for planning|stranded|inventory from libvirt took|libvirt create in" \
			"$(fo_node_log "$n")" 2>/dev/null | sed "s/^/$n /"
	done | awk -v t0="$t0" '
		BEGIN {d0 = int(t0 / 1000); day = d0 - d0 % 86400; base = t0 - day * 1000}
		{split($4, hms, ":"); ms = (hms[1] * 3600 + hms[2] * 60 + hms[3]) * 1000
		 # the log shows local time; the offset to UTC is whole minutes
		 rel = ms - base; while (rel < -43200000) rel += 86400000; while (rel > 43200000) rel -= 86400000
		 line = $1; for (i = 7; i <= NF; i++) line = line " " $i
		 printf "%8d ms  %s\n", rel, line}' | sort -n
}

fo_down() {
	local n
	for n in $FO_NODES; do
		"$LAB" exec "$n" sh -c 'kill $(cat /run/vmhad.pid) 2>/dev/null' >/dev/null 2>&1
	done
	"$LAB" down >/dev/null 2>&1
}

# fo_logs: the vmhad logs, for a failure
fo_logs() {
	local n
	for n in $FO_NODES; do
		echo "# ---- $n vmhad.log"
		tail -n 40 "$(fo_node_log "$n")" 2>/dev/null | sed 's/^/# /'
	done
}

# Shell helpers for the lab's demo, integration tests and benchmarks (sourced).
# Needs LAB set to the lab tool's path (cluster-examples/lab/lab).

LAB=${LAB:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lab}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# lab_where VM: the node VM is started on (empty while stopped, moving or unknown)
lab_where() {
	local n
	for n in node1 node2 node3; do
		[ "$("$LAB" power status "$n" 2>/dev/null)" = on ] || continue
		"$LAB" exec "$n" crm_mon -1r 2>/dev/null |
			sed -n "s/^ *\* $1[[:space:]].*[[:space:]]Started \(node[123]\).*/\1/p" | head -1
		return 0
	done
}

# lab_wait_started VM NODE TIMEOUT_S: wait until VM is started on NODE
# (NODE "any": on any node); prints the node; fails on timeout
lab_wait_started() {
	local vm=$1 want=$2 timeout_ms=$(($3 * 1000)) start where
	start=$(now_ms)
	while [ $(($(now_ms) - start)) -lt "$timeout_ms" ]; do
		where=$(lab_where "$vm")
		if [ -n "$where" ] && { [ "$want" = any ] || [ "$where" = "$want" ]; }; then
			echo "$where"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# lab_resume_after_failed_migration VM NODE: after a migrate_to that failed
# with on-fail=block (crmsh/vm.crm), drop the move request, clear the failure
# and wait until Pacemaker sees VM started on NODE again (60 s); prints NODE
lab_resume_after_failed_migration() {
	"$LAB" exec node1 crm resource clear "$1" >/dev/null 2>&1
	"$LAB" exec node1 crm resource cleanup "$1" >/dev/null 2>&1
	lab_wait_started "$1" "$2" 60
}

# lab_domstate NODE VM: libvirt's state of VM on NODE ("running", "shut off", ...; empty when absent)
lab_domstate() { "$LAB" exec "$1" virsh domstate "$2" 2>/dev/null | head -1; }

# lab_running_on VM: the nodes where libvirt runs VM (the one rule: at most one)
lab_running_on() {
	local n
	for n in node1 node2 node3; do
		[ "$("$LAB" power status "$n" 2>/dev/null)" = on ] || continue
		[ "$(lab_domstate "$n" "$1")" = running ] && echo "$n"
	done
	return 0
}

# lab_jobinfo NODE VM: "TIME_MS DOWNTIME_MS" of the last completed migration
# job as libvirt on NODE (the target) recorded it; "? ?" when unknown
lab_jobinfo() {
	local out t d
	out=$("$LAB" exec "$1" virsh domjobinfo --completed "$2" 2>/dev/null)
	t=$(echo "$out" | sed -n 's/^Time elapsed: *\([0-9]*\) *ms/\1/p')
	d=$(echo "$out" | sed -n 's/^Total downtime: *\([0-9]*\) *ms/\1/p')
	echo "${t:-?} ${d:-?}"
}

# lab_next_node NODE: the node after NODE (node1 -> node2 -> node3 -> node1)
lab_next_node() {
	case "$1" in
	node1) echo node2 ;;
	node2) echo node3 ;;
	*) echo node1 ;;
	esac
}

# lab_vmha_agent: true when ocf:vmha:VirtualDomain is installed
lab_vmha_agent() { [ -x /usr/lib/ocf/resource.d/vmha/VirtualDomain ]; }

# lab_add_vm NAME KIND PROVIDER [PARAMS] [DIRTY_MIB] [MIGRATE_TO_TIMEOUT]:
# define a VM primitive like crmsh/vm.crm (same params) on the lab's shared
# storage, named NAME (its domain XML: shared/NAME.xml, made unless present)
lab_add_vm() {
	local name=$1 kind=$2 provider=$3 extra=${4:-} rate=${5:-32} mto=${6:-120s} dir
	dir=$("$LAB" dir)
	# an existing $name.xml on shared storage is kept (tests prepare special ones)
	if [ ! -s "$dir/shared/$name.xml" ]; then
		"$LAB" vm-xml "$kind" "$name" "$rate" >"$dir/shared/$name.xml" || return 1
	fi
	sed -e "s/ocf:vmha:VirtualDomain/ocf:$provider:VirtualDomain/" \
		-e "s/\bvm1\b/$name/g" -e "s/op migrate_to timeout=120s/op migrate_to timeout=$mto/" \
		"$(dirname "$LAB")/../crmsh/vm.crm" >"$dir/nodes/node1/tmp/$name.crm" || return 1
	if [ -n "$extra" ]; then
		sed -i "s|migration_transport=tcp|migration_transport=tcp $extra|" "$dir/nodes/node1/tmp/$name.crm"
	fi
	# the idle guest has no OS to answer an ACPI shutdown: stop destroys it
	sed -i "s|migration_transport=tcp|migration_transport=tcp force_stop=true|" "$dir/nodes/node1/tmp/$name.crm"
	# another utilization (LAB_VM_UTIL="cpu=1 hv_memory=64 host_memory=64")
	[ -n "${LAB_VM_UTIL:-}" ] && sed -i "s|utilization .* \\\\\$|utilization $LAB_VM_UTIL \\\\|" "$dir/nodes/node1/tmp/$name.crm"
	# more crmsh lines to load with it (constraints...)
	[ -n "${LAB_ADD_CRM:-}" ] && printf '%s\n' "$LAB_ADD_CRM" >>"$dir/nodes/node1/tmp/$name.crm"
	"$LAB" exec node1 crm -F configure load update "/tmp/$name.crm" >/dev/null || return 1
	rm -f "$dir/nodes/node1/tmp/$name.crm"
}

# lab_move_ms VM TO: `crm resource move VM TO` from node1, timed inside the
# node (no nsenter in the loop): prints the ms until Pacemaker locates VM on
# TO only (migrate_to, migrate_from and the source's stop done); fails after 120 s
lab_move_ms() {
	"$LAB" exec node1 sh -c '
		vm=$1; to=$2; s=$(date +%s%N)
		crm resource move "$vm" "$to" >/dev/null 2>&1 || exit 1
		while :; do
			l=$(crm_resource --locate -r "$vm" -Q 2>/dev/null | tr "\n" " ")
			[ "$l" = "$to " ] && break
			[ $((($(date +%s%N) - s) / 1000000)) -gt 120000 ] && exit 1
			sleep 0.05
		done
		echo $((($(date +%s%N) - s) / 1000000))' sh "$1" "$2"
}

# lab_located_ms VM NODE GONE START_NS: waits (inside NODE) until Pacemaker
# locates VM on one node other than GONE; prints "WHERE MS" (MS since
# START_NS, a `date +%s%N` taken on the host: one clock for all namespaces)
lab_located_ms() {
	"$LAB" exec "$2" sh -c '
		vm=$1; gone=$2; s=$3
		while :; do
			l=$(crm_resource --locate -r "$vm" -Q 2>/dev/null | tr "\n" " ")
			case "$l" in
			"$gone "|"") ;;
			*" "*" "*) ;;
			*) break ;;
			esac
			[ $((($(date +%s%N) - s) / 1000000)) -gt 120000 ] && exit 1
			sleep 0.05
		done
		echo "${l% } $((($(date +%s%N) - s) / 1000000))"' sh "$1" "$3" "$4"
}

# lab_migrated_live VM NODE: true when Pacemaker's last non-recurring
# operation of VM on NODE is a successful migrate_from (a live migration,
# not a stop + start); works for any agent and any migration mode
lab_migrated_live() {
	"$LAB" exec node1 cibadmin -Q --xpath \
		"//node_state[@uname='$2']//lrm_resource[@id='$1']/lrm_rsc_op[@operation='migrate_from'][@rc-code='0']" \
		>/dev/null 2>&1
}

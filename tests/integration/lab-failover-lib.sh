# Helpers of the lab-failover-* tests (sourced).

# lab_expected_tolerated PLACEMENT_FILE CAPS DCPU DMEM: how many host
# failures the capacities tolerate. PLACEMENT_FILE: "NODE COUNT" lines (VMs
# running on each node); CAPS: "NODE:CPU:MEM ..." (hv_memory = host_memory
# = MEM); every VM needs DCPU cpu and DMEM of both memories. All VMs being
# alike, a set of failed hosts is survivable when its VMs fit the survivors'
# free whole VMs; the answer is the largest k below the host count for which
# every set of k hosts is survivable (a host whose capacity is "off" is
# offline: it takes no VMs, as for the planner).
lab_expected_tolerated() {
	awk -v caps="$2" -v dcpu="$3" -v dmem="$4" '
	{ cnt[$1] = $2 }
	END {
		n = split(caps, c, " ")
		for (i = 1; i <= n; i++) {
			split(c[i], f, ":")
			if (f[2] == "off") { free[i] = 0 } else {
				a = int((f[2] - cnt[f[1]] * dcpu) / dcpu); b = int((f[3] - cnt[f[1]] * dmem) / dmem)
				free[i] = a < b ? a : b; if (free[i] < 0) free[i] = 0
			}
			vms[i] = cnt[f[1]] + 0
		}
		tol = 0
		for (k = 1; k < n; k++) {
			ok = 1
			for (m = 1; m < 2 ^ n; m++) {
				bits = 0; d = 0; fr = 0
				for (i = 1; i <= n; i++) {
					if (int(m / 2 ^ (i - 1)) % 2) { bits++; d += vms[i] } else fr += free[i]
				}
				if (bits == k && d > fr) ok = 0
			}
			if (!ok) break
			tol = k
		}
		print tol
	}' "$1"
}

# lab_tolerated_json: the host_failures_tolerated of `vmha admission --json` on stdin
lab_tolerated_json() { tr -d ' \n' | sed -n 's/.*"host_failures_tolerated":\([0-9]*\).*/\1/p'; }

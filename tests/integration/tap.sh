# TAP helpers for integration tests (sourced). Each test script prints
# "ok N - what" / "not ok N - what" lines and a plan "1..N" (tap_done, at the
# end); scripts/test-all counts them and fails a file whose plan does not
# match its results.
#
# Skips say why. A skip caused by the machine (not root, a package that
# scripts/install-deps installs is missing, the lab is busy) starts its reason
# with "machine:" (tap_skip_machine, tap_skip_all_machine): with CI=true,
# scripts/test-all counts it as a FAIL. Any other skip (the situation the
# check needs does not arise here) uses tap_skip / tap_skip_all.
tap_n=0
tap_failed=0

# tap_ok DESCRIPTION
tap_ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

# tap_not_ok DESCRIPTION [DETAIL]
tap_not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'
	return 0
}

# tap_skip DESCRIPTION REASON
tap_skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

# tap_skip_machine DESCRIPTION REASON: a skip because of the machine
tap_skip_machine() {
	tap_skip "$1" "machine: $2"
}

# tap_skip_all REASON: skip the whole file (plan 1..0) and exit
tap_skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

# tap_skip_all_machine REASON: skip the whole file because of the machine
tap_skip_all_machine() {
	tap_skip_all "machine: $1"
}

# tap_check DESCRIPTION CMD...: ok when CMD exits 0; its output is shown on failure
tap_check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$desc"
	else
		tap_not_ok "$desc" "$out"
	fi
}

# tap_check_rc DESCRIPTION EXPECTED_RC CMD...: ok when CMD exits with EXPECTED_RC
tap_check_rc() {
	local desc=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		tap_ok "$desc"
	else
		tap_not_ok "$desc" "exit $rc, expected $want: $out"
	fi
}

# tap_check_todo REASON DESCRIPTION CMD...: a known gap (TAP "# TODO"): the
# check runs and its result is shown, but a failure is expected and not
# counted as one; REASON says what is not done yet
tap_check_todo() {
	local why=$1 desc=$2 out
	shift 2
	tap_n=$((tap_n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $tap_n - $desc # TODO $why"
	else
		echo "not ok $tap_n - $desc # TODO $why"
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
	fi
	return 0
}

# tap_done: print the plan; exit status 1 when a case failed
tap_done() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# Where the time of one `crm resource move` goes, from the lab nodes'
# pacemaker.log files (read by bench/lab-cluster --profile).
# Variables: vm, t0 and tend (ms since midnight UTC: the move's command and
# the moment Pacemaker located the VM on the target only).
# Prints one line per event: ms since t0, then what happened.
function ms(t,   a) { split(t, a, /[:.]/); return ((a[1] * 60 + a[2]) * 60 + a[3]) * 1000 + a[4] }
{
	t = ms($3)
	if (t < t0 || t > tend + 3000)
		next
	node = $4
	ev = ""
	if ($0 ~ ("id=\"cli-prefer-" vm "\"") && !seen_constraint++)
		ev = "cli-prefer-" vm " in the CIB"
	else if ($0 ~ /pacemaker-schedulerd.*Calculated transition/ && !seen_transition++)
		ev = node " scheduler: transition calculated"
	else if (match($0, "Initiating [a-z_]+ operation " vm "_[a-z_]+_[0-9]+( locally)? on node[0-9]")) {
		ev = substr($0, RSTART, RLENGTH)
		sub(/ operation [^ ]+/, "", ev)
		sub(/ locally/, "", ev)
		ev = node " controller: " ev
	} else if ($0 ~ ("pacemaker-execd.*" vm " [a-z_]+ \\(call [0-9]+.*exited with status"))
		ev = node " execd: " gensub(/.*\) +[a-z]+: /, "", 1, $0)
	else if ($0 ~ ("pacemaker-execd.*finished - rsc:" vm " "))
		ev = node " execd: " gensub(/.*finished - /, "finished ", 1, $0)
	else if ($0 ~ ("pacemaker-controld.*Result of [a-z_]+ operation for " vm " on"))
		ev = node " controller: " gensub(/ \|.*/, "", 1, gensub(/.*(Result of)/, "\\1", 1, $0))
	if (ev != "")
		printf "%7d %s\n", t - t0, ev
}

#!/usr/bin/python3
"""Check a vmhad metrics textfile against the status JSON it came from.

usage: metrics_check.py [--live] STATUS.json METRICS.prom

The textfile is parsed by prometheus_client's own text-format parser (an
independent implementation of the format); every value is then recomputed
here from the status JSON (`vmha status --json`) and compared. Exit 0 when
all match, 1 with one line per mismatch, 2 when the file does not parse.

--live: the two were read from a running vmhad at slightly different times;
free memory changes with every announcement, so vmha_host_memory_free_bytes
must then only be within 5 % of the status (everything else exactly equal).
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

HOST_STATES = ["joining", "online", "standby", "daemon_down", "lost", "isolated", "fenced"]
VM_STATES = ["unknown", "running", "displaced", "assigned", "stranded", "not_restarted"]


VOLATILE = {"vmha_host_memory_free_bytes"}


def main():
    args = sys.argv[1:]
    live = args[:1] == ["--live"]
    if live:
        args = args[1:]
    status = json.load(open(args[0]))
    text = open(args[1]).read()
    got = {}
    try:
        for fam in text_string_to_metric_families(text):
            for s in fam.samples:
                key = (s.name, tuple(sorted(s.labels.items())))
                if key in got:
                    raise ValueError("sample %s given twice" % (key,))
                got[key] = s.value
    except Exception as e:  # the parser raises ValueError and friends
        print("metrics file does not parse: %s" % e)
        return 2
    want = {}

    def put(name, value, **labels):
        want[(name, tuple(sorted(labels.items())))] = float(value)

    daemon = status.get("daemon") or {}
    put("vmha_info", 1, version=daemon.get("version", ""), host=status.get("self", ""),
        mode=daemon.get("mode", ""))
    put("vmha_quorate", status["quorate"])
    put("vmha_quorum_known", status["quorum_known"])
    for h in status["hosts"]:
        for st in HOST_STATES:
            put("vmha_host_state", h["state"] == st, host=h["name"], state=st)
        put("vmha_host_alarm", h["alarm"], host=h["name"])
        put("vmha_host_cpus", h["cpus"], host=h["name"])
        put("vmha_host_memory_bytes", h["memory_kib"] * 1024, host=h["name"])
        put("vmha_host_memory_free_bytes", h["memory_free_kib"] * 1024, host=h["name"])
        put("vmha_host_vms", len(h["vms"]), host=h["name"])
    if status.get("failover") is not None:
        for st in VM_STATES:
            put("vmha_protected_vms", sum(v["state"] == st for v in status["failover"]),
                state=st)
        put("vmha_self_fenced", status.get("self_fenced", False))
        wd = status.get("watchdog")
        if wd is not None:
            put("vmha_watchdog_open", wd["open"])
            put("vmha_watchdog_fed", wd["fed"])
            put("vmha_watchdog_feeds_total", wd["feeds"])
            put("vmha_watchdog_timeout_seconds", wd["timeout_ms"] / 1000)
    m = status.get("metrics")
    if m is not None:
        put("vmha_fences_total", m["fences_ok"], result="ok")
        put("vmha_fences_total", m["fences_failed"], result="failed")
        put("vmha_fence_duration_seconds_sum", m["fence_duration_ms_sum"] / 1000)
        put("vmha_fence_duration_seconds_count", m["fences_ok"] + m["fences_failed"])
        for r in ("ok", "failed", "unknown"):
            put("vmha_vm_starts_total", m["starts_" + r], result=r)
        put("vmha_vm_start_duration_seconds_sum", m["start_duration_ms_sum"] / 1000)
        put("vmha_vm_start_duration_seconds_count",
            m["starts_ok"] + m["starts_failed"] + m["starts_unknown"])
        put("vmha_hosts_down_total", m["hosts_down"])
        if m.get("vm_health_failures") is not None:
            put("vmha_vm_health_failures_total", m["vm_health_failures"])
        if m.get("last_failover_ms") is not None:
            put("vmha_last_failover_duration_seconds", m["last_failover_ms"] / 1000)
        for r in ("ok", "failed", "timed_out", "dropped"):
            put("vmha_alerts_total", m["alerts"][r], result=r)
        put("vmha_alerts_queued", m["alerts"]["queued"])
        if m.get("disk_lease_manager") is not None:
            put("vmha_disk_lease_manager", 1, manager=m["disk_lease_manager"])
            put("vmha_unleased_protected_vms", m["unleased_vms"])
    bad = 0
    for key, value in sorted(want.items()):
        if key not in got:
            print("missing: %s%s (want %g)" % (key[0], dict(key[1]), value))
            bad += 1
        elif live and key[0] in VOLATILE and abs(got[key] - value) <= 0.05 * max(value, 1):
            continue
        elif abs(got[key] - value) > 1e-9:
            print("differs: %s%s: file %g, status %g" % (key[0], dict(key[1]), got[key], value))
            bad += 1
    for key in sorted(set(got) - set(want)):
        # the clock moves between the two reads: uptime is only checked for presence
        if key[0] != "vmha_uptime_seconds":
            print("unexpected: %s%s" % (key[0], dict(key[1])))
            bad += 1
    if ("vmha_uptime_seconds", ()) not in got:
        print("missing: vmha_uptime_seconds")
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

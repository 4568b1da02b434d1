#!/usr/bin/env bash
# failover-vs-dpdk.sh: twinport's failover port against DPDK's net_bonding (mode 1, active-backup) and net_failsafe,
# on the same machine, in one run: what each bond costs over its own member, and how long each takes to switch to
# the other member when the active one goes away.
#
# Overhead (each bond against its own member alone, so that the members' own speed cancels out):
#   twinport:  JMH FailoverBenchmark.txEchoRx, burst 32, 64-byte frames: the failover port over two in-process
#              wire-pair members against its active member called directly (one op: alloc a burst, TX, the far end
#              echoes, RX, free). ratio = member ns/op / failover ns/op  (1.00: the bond costs nothing)
#   DPDK:      dpdk-testpmd --forward-mode=io --port-topology=loop --burst=32 over net_null (size=64) alone, then
#              net_bonding0,mode=1 over two net_null members, then net_failsafe0 over two net_null sub-devices; the
#              forwarding port's Rx-pps, median of the per-second rates after the first non-zero one. The three
#              configurations alternate for ROUNDS rounds and each one's best round counts (other work on a shared
#              machine only ever slows a round down).
#              ratio = bond pps / member-alone pps
# Switch time after the active member goes away:
#   twinport:  JMH SwitchoverBenchmark (queues=1, datapath=inline): from the member's removal (surprise) or
#              prepareUnplug (graceful) until every queue acknowledged (median, p99, max).
#   DPDK:      net_bonding over net_null, txonly, interactive testpmd driven by lib/testpmd_switch.py:
#              "remove bonding slave 0 2" (the active member goes away at run time) and "set bonding primary 1 2"
#              (an administrative switch); the switch time lies between the last "show port stats 1" that showed
#              no new TX on the other member and the first that did (bounds printed; resolution: one command round
#              trip, about 0.2 ms). Also: net_bonding over net_tap with "set link-down port 0" (the member's link
#              goes down): whether the bond switches within 3 s.
#   net_failsafe switches when a sub-device raises a removal (RMV) event; net_null and net_tap raise none and
#   testpmd has no command to remove a sub-device, so its switch time is not measured (said in the output).
# One process per core: testpmd's main lcore on CPU 0 and its forwarding lcore on CPU 1; JMH pinned to CPU 1.
#
# usage: bench/scripts/failover-vs-dpdk.sh
#   environment: DURATION seconds per testpmd rate run, default 8 (testpmd needs about 2 s to start);
#        ROUNDS rounds of the three testpmd rate runs, default 2;
#        ITERATIONS measured JMH iterations of 1 s, default 4; LOGS a directory to keep every output in;
#        TWINPORT_JAR the jar to use instead of building it; TWINPORT_RESULTS a file to append result lines to
# needs: root, dpdk-testpmd (Debian package dpdk-dev, DPDK 22.11), python3, taskset, stdbuf, 2 CPUs, 128 free 2 MB
# hugepages, /dev/net/tun (for the link-down check), JDK 25 and Maven.
# Leaves nothing behind: testpmd processes, their hugepage files and /var/run/dpdk directories, tap links.
set -euo pipefail

DURATION=${DURATION:-8}
ROUNDS=${ROUNDS:-2}
ITERATIONS=${ITERATIONS:-4}
LOGS=${LOGS:-}

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
here="$root/bench/scripts"
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
die() { echo "failover-vs-dpdk: $*" >&2; exit 1; }

missing=$(twinport_testpmd_ready 128) || die "$missing"
command -v python3 >/dev/null 2>&1 || die "no python3"
[ "$DURATION" -ge 5 ] || die "DURATION must be at least 5 s (start-up and the first second are not counted)"

twinport_bench_jar || die "cannot build or find the twinport jar"

tag="twf$$"
work=$(mktemp -d "/tmp/$tag.XXXX")
pids=()
# runs a command in the background (so that a signal to this script reaches the trap) and waits for it
run_tracked() {
    "$@" &
    pids+=($!)
    wait "${pids[-1]}"
}
cleanup() {
    for pid in "${pids[@]:-}"; do
        [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]:-}"; do
        [ -n "$pid" ] || continue
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -f /dev/hugepages/"$tag"*
    rm -rf /var/run/dpdk/"$tag"*
    for t in "${tag}t0" "${tag}t1"; do ip link del "$t" 2>/dev/null || true; done
    if [ -n "$LOGS" ]; then mkdir -p "$LOGS" && cp -r "$work"/. "$LOGS"/ 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "failover-vs-dpdk: load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on these CPUs skews the numbers)"

# ---- twinport: JMH, pinned to CPU 1 ------------------------------------------------------------------------------
jmh() { # OUT ARGS...: JMH allows one run per machine (/tmp/jmh.lock): wait for another one to finish, up to 15 min
    local out=$1
    shift
    for attempt in $(seq 90); do
        if run_tracked taskset -c 1 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$jar" bench "$@" \
            -f 1 -wi 2 -w 1s -i "$ITERATIONS" -r 1s -rf json -rff "$out" > "$out.log" 2>&1; then
            return 0
        fi
        grep -q "Unable to acquire the JMH lock" "$out.log" || die "JMH failed: $(tail -5 "$out.log")"
        [ "$attempt" -gt 1 ] || echo "failover-vs-dpdk: another JMH run holds /tmp/jmh.lock; waiting for it (up to 15 min) ..."
        sleep 10
    done
    die "another JMH run held /tmp/jmh.lock for 15 minutes"
}
echo "failover-vs-dpdk: twinport, JMH FailoverBenchmark burst=32 (failover port vs its member) ..."
jmh "$work/ours-overhead.json" FailoverBenchmark -p burst=32
echo "failover-vs-dpdk: twinport, JMH SwitchoverBenchmark queues=1 inline (surprise and graceful) ..."
jmh "$work/ours-switch.json" SwitchoverBenchmark -p queues=1 -p datapath=inline

read -r ours_failover_ns ours_member_ns < <(python3 - "$work/ours-overhead.json" <<'PY'
import json, sys
score = {r["params"]["path"]: r["primaryMetric"]["score"] for r in json.load(open(sys.argv[1]))}
print(score["failover"], score["member"])
PY
)
ours_switch=$(python3 - "$work/ours-switch.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1])):
    p = r["primaryMetric"]["scorePercentiles"]  # microseconds
    print(r["params"]["trigger"], p["50.0"], p["99.0"], p["100.0"])
PY
)

# ---- DPDK: testpmd io over net_null alone, in net_bonding mode 1, in net_failsafe ---------------------------------
testpmd_io() { # NAME PORTMASK VDEV...: runs testpmd for DURATION s, output in $work/dpdk-NAME.log
    local name=$1 mask=$2
    shift 2
    local args=()
    for v in "$@"; do args+=(--vdev "$v"); done
    run_tracked timeout -s INT "$DURATION" stdbuf -o0 dpdk-testpmd --lcores 0@0,1@1 --no-pci -m 256 --huge-unlink \
        --file-prefix="$tag-$name" --log-level lib.eal:error "${args[@]}" -- --forward-mode=io \
        --port-topology=loop --portmask="$mask" --nb-cores=1 --burst=32 --total-num-mbufs=16384 --stats-period 1 \
        </dev/null > "$work/dpdk-$name.log" 2>&1 || true
    rm -rf /var/run/dpdk/"$tag-$name"
}
rate_of() { # NAME PORT: the median per-second Rx-pps of PORT, leaving out the first non-zero second
    python3 - "$work/dpdk-$1.log" "$2" <<'PY'
import re, sys
port, cur, rates = sys.argv[2], None, []
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"NIC statistics for port (\d+)", line)
    if m:
        cur = m.group(1)
    m = re.search(r"Rx-pps:\s*(\d+)", line)
    if m and cur == port:
        rates.append(int(m.group(1)))
rates = [r for r in rates if r > 0][1:]  # the first non-zero second is partly start-up
rates.sort()
print(rates[len(rates) // 2] if rates else 0)
PY
}
echo "failover-vs-dpdk: DPDK, testpmd io over net_null alone, net_bonding mode 1, net_failsafe ($ROUNDS rounds of ${DURATION} s each) ..."
best_of() { sort -n | tail -1; }
nulls=(); bonds=(); fss=()
for r in $(seq "$ROUNDS"); do
    testpmd_io "null$r" 0x1 net_null0,size=64
    testpmd_io "bond$r" 0x4 net_null0,size=64 net_null1,size=64 'net_bonding0,mode=1,slave=net_null0,slave=net_null1'
    testpmd_io "failsafe$r" 0x1 'net_failsafe0,dev(net_null0,size=64),dev(net_null1,size=64)'
    nulls+=("$(rate_of "null$r" 0)"); bonds+=("$(rate_of "bond$r" 2)"); fss+=("$(rate_of "failsafe$r" 0)")
done
echo "failover-vs-dpdk: DPDK pps per round: net_null ${nulls[*]}; net_bonding ${bonds[*]}; net_failsafe ${fss[*]}"
null_pps=$(printf '%s\n' "${nulls[@]}" | best_of)
bond_pps=$(printf '%s\n' "${bonds[@]}" | best_of)
fs_pps=$(printf '%s\n' "${fss[@]}" | best_of)
[ "$null_pps" -gt 0 ] && [ "$bond_pps" -gt 0 ] && [ "$fs_pps" -gt 0 ] \
    || die "a testpmd run forwarded nothing (null $null_pps, bonding $bond_pps, failsafe $fs_pps pps; see LOGS)"

# ---- DPDK: switch time -------------------------------------------------------------------------------------------
switch() { # NAME WINDOW EVENT VDEV...
    local name=$1 window=$2 event=$3
    shift 3
    run_tracked python3 "$here/lib/testpmd_switch.py" --prefix "$tag-$name" --watch 1 --portmask 0x4 --link-of 0 \
        --event "$event" --window "$window" --label "$name" --log "$work/switch-$name.log" -- "$@" \
        > "$work/switch-$name.json" || die "the switch measurement '$event' failed (see LOGS)"
    rm -rf /var/run/dpdk/"$tag-$name"
}
echo "failover-vs-dpdk: DPDK, net_bonding switch times (interactive testpmd) ..."
bond_members=(net_null0,size=64 net_null1,size=64 'net_bonding0,mode=1,slave=net_null0,slave=net_null1')
switch remove 0.5 "remove bonding slave 0 2" "${bond_members[@]}"
switch primary 0.5 "set bonding primary 1 2" "${bond_members[@]}"
switch linkdown 3 "set link-down port 0" "net_tap0,iface=${tag}t0" "net_tap1,iface=${tag}t1" \
    "net_bonding0,mode=1,slave=net_tap0,slave=net_tap1"
sw_remove=$(cat "$work/switch-remove.json")
sw_primary=$(cat "$work/switch-primary.json")
sw_linkdown=$(cat "$work/switch-linkdown.json")

# ---- report ------------------------------------------------------------------------------------------------------
python3 - "$ours_failover_ns" "$ours_member_ns" "$null_pps" "$bond_pps" "$fs_pps" "$ours_switch" "$sw_remove" \
    "$sw_primary" "$sw_linkdown" "${TWINPORT_RESULTS:-}" <<'PY'
import json, sys
(fo, me, null, bond, fs, ours_sw, sw_remove, sw_primary, sw_linkdown, results) = sys.argv[1:]
fo, me, null, bond, fs = float(fo), float(me), int(null), int(bond), int(fs)
lines = []
def result(name, value, unit, note=""):
    lines.append(f"{name}\t{value}\t{unit}\t{note}")

print()
print("overhead: each bond's throughput relative to its own member alone (1.00: the bond costs nothing)")
print(f"  twinport failover port  {me:10.1f} ns/op member, {fo:10.1f} ns/op failover   ratio {me / fo:.3f}")
print(f"  DPDK net_bonding mode 1 {null:12,} pps member, {bond:12,} pps bond        ratio {bond / null:.3f}")
print(f"  DPDK net_failsafe       {null:12,} pps member, {fs:12,} pps failsafe    ratio {fs / null:.3f}")
result("failover.overhead.twinport", f"{me / fo:.4f}", "ratio", "member ns/op / failover ns/op, burst 32")
result("failover.overhead.bonding", f"{bond / null:.4f}", "ratio", "bond pps / net_null pps, io burst 32")
result("failover.overhead.failsafe", f"{fs / null:.4f}", "ratio", "failsafe pps / net_null pps, io burst 32")
result("failover.twinport.member_ns", f"{me:.1f}", "ns/op")
result("failover.twinport.failover_ns", f"{fo:.1f}", "ns/op")
result("failover.dpdk.null_pps", null, "pps")
result("failover.dpdk.bonding_pps", bond, "pps")
result("failover.dpdk.failsafe_pps", fs, "pps")

print()
print("switch time after the active member goes away")
for line in ours_sw.strip().splitlines():
    trig, p50, p99, mx = line.split()
    p50, p99, mx = float(p50), float(p99), float(mx)
    print(f"  twinport {trig:9}  median {p50:9.1f} us  p99 {p99:9.1f} us  max {mx:9.1f} us   (until every queue acked)")
    result(f"failover.switch.twinport.{trig}.p50", f"{p50:.2f}", "us")
    result(f"failover.switch.twinport.{trig}.p99", f"{p99:.2f}", "us")
    result(f"failover.switch.twinport.{trig}.max", f"{mx:.2f}", "us")
for name, raw in (("remove", sw_remove), ("primary", sw_primary), ("linkdown", sw_linkdown)):
    r = json.loads(raw)
    if r["switched"]:
        lo, hi = r["switch_lower_s"] * 1e6, r["switch_upper_s"] * 1e6
        print(f"  DPDK bonding '{r['event']}': switched after {lo:.0f} to {hi:.0f} us (sampling every"
              f" {r['sample_interval_median_s'] * 1e6:.0f} us)")
        result(f"failover.switch.bonding.{name}.upper", f"{hi:.2f}", "us", r["event"])
        result(f"failover.switch.bonding.{name}.lower", f"{lo:.2f}", "us", r["event"])
    else:
        print(f"  DPDK bonding '{r['event']}': did NOT switch within {r['switch_lower_s']:.1f} s"
              f" ({r['samples_after_event']} samples of the other member's TX, all unchanged; member 0's link"
              f" afterwards: {r['link_after']})")
        result(f"failover.switch.bonding.{name}.switched", 0, "bool", r["event"])
    if name == "linkdown":
        result("failover.switch.bonding.linkdown.member0_link_down", 1 if r["link_after"] == "down" else 0, "bool",
               "testpmd's 'show port info 0' after the window")
print("  DPDK net_failsafe: not measured: it switches on a sub-device's removal (RMV) event, which net_null and"
      " net_tap never raise, and testpmd has no command to remove a sub-device")
print()
print("(DPDK's switch times are bounded by two command-line samples; twinport's are measured in-process by JMH.)")
if results:
    with open(results, "a") as f:
        f.write("\n".join(lines) + "\n")
PY
echo "failover-vs-dpdk: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# twinport's vhost-user device against DPDK's own net_vhost, side by side, on this machine.
#
# The front-end (the guest side) is always the same: dpdk-testpmd --vdev net_virtio_user0 --forward-mode=txonly on
# CPU 1. The devices run one after the other on CPU 0, each listening on the socket, counting with rxonly:
#   ours:  ./twinport fwd --port vhost,iface=SOCK --mode rxonly
#   DPDK:  dpdk-testpmd --vdev net_vhost0,iface=SOCK --forward-mode=rxonly
# The rate is the front-end's own per-second Tx-pps (one instrument for both devices: a split ring's producer can
# only go as fast as the device empties it), the median over the steady seconds (the first two are warm-up). The
# devices alternate for --rounds rounds and each device's best round is compared (these machines are shared: a round
# may lose its CPU to other work); every round is printed. The device's totals are checked against the front-end's.
#
# usage: bench/scripts/vhost-vs-dpdk.sh [--duration SECONDS] [--txpkts BYTES] [--rounds N] [--jar PATH]
#   --jar PATH: the twinport jar to run (default: $TWINPORT_JAR, else bench/target/twinport.jar built with a reactor
#   build that installs nothing)
# needs: root, dpdk-testpmd (Debian package dpdk-dev), stdbuf, taskset, 2 CPUs, 256 free 2 MB hugepages, a JDK 25.
# Leaves nothing behind: the processes it started, their hugepage files, /var/run/dpdk/PREFIX* and the socket are
# removed on exit, also on Ctrl-C.
set -euo pipefail

duration=6
txpkts=64
rounds=3
jar=
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) duration="$2"; shift 2 ;;
        --txpkts) txpkts="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --jar) jar="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "vhost-vs-dpdk: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [ "$duration" -lt 4 ]; then
    echo "vhost-vs-dpdk: --duration must be at least 4 s (2 s of warm-up are not counted)" >&2
    exit 2
fi

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
fail() { echo "vhost-vs-dpdk: $*" >&2; exit 1; }
# shellcheck source=lib/common.sh
. "$root/bench/scripts/lib/common.sh"
missing=$(twinport_testpmd_ready 256) || fail "$missing"
# the jar: --jar PATH, else $TWINPORT_JAR (results.sh builds once), else a reactor build that installs nothing
if [ -n "$jar" ]; then
    [ -f "$jar" ] || fail "no jar at $jar (mvn -o -q -B -pl bench -am package -DskipTests builds bench/target/twinport.jar)"
else
    twinport_bench_jar || fail "cannot build or find the twinport jar"
fi
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
"$java_bin" -version 2>&1 | grep -q 'version "2[5-9]' || fail "$java_bin is not a JDK 25 (set JAVA_HOME)"
ours=("$java_bin" --enable-native-access=ALL-UNNAMED -jar "$jar")

prefix="twv-vbench-$$"
sock="/tmp/$prefix.sock"
work=$(mktemp -d "/tmp/$prefix.XXXX")
pids=()

cleanup() {
    for pid in "${pids[@]:-}"; do
        [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]:-}"; do
        [ -n "$pid" ] || continue
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    exec 3>&- 4>&- 2>/dev/null || true
    rm -f /dev/hugepages/"$prefix"-*map_* "$sock"
    rm -rf /var/run/dpdk/"$prefix"-* "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_pid() { # SIGINT for testpmd; SIGTERM (signal=TERM) for java, which ignores SIGINT in a background job
    local pid=$1 signal=${2:-INT}
    kill -"$signal" "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}

await_socket() {
    for _ in $(seq 200); do [ -S "$sock" ] && return 0; sleep 0.1; done
    fail "the device did not create $sock (see $1)"
}

# the front-end: testpmd net_virtio_user txonly on CPU 1 for $duration seconds
run_frontend() {
    local log=$1
    rm -f "$work/fe.in"
    mkfifo "$work/fe.in"
    stdbuf -o0 dpdk-testpmd --lcores 0@1,1@1 --no-pci --single-file-segments --file-prefix="$prefix-fe" -m 256 \
        --log-level lib.eal:error --vdev "net_virtio_user0,path=$sock,queues=1" -- --forward-mode=txonly \
        --nb-cores=1 --total-num-mbufs=16384 --stats-period 1 --txpkts="$txpkts" \
        <"$work/fe.in" >"$log" 2>&1 &
    local fe=$!
    pids+=("$fe")
    exec 4>"$work/fe.in"
    sleep $((duration + 3)) # testpmd needs a few seconds to start; the first two stats seconds are not counted
    stop_pid "$fe"
    exec 4>&-
    rm -f /dev/hugepages/"$prefix"-femap_*
    rm -rf /var/run/dpdk/"$prefix"-fe
}

run_ours() {
    local r=$1 log=$work/ours-$1.dev
    rm -f "$sock"
    taskset -c 0 "${ours[@]}" fwd --port "vhost,iface=$sock" --mode rxonly --duration 0 --stats-period 1s \
        >"$log" 2>&1 &
    local dev=$!
    pids+=("$dev")
    await_socket "$log"
    run_frontend "$work/ours-$r.fe"
    stop_pid "$dev" TERM
}

run_dpdk() {
    local r=$1 log=$work/dpdk-$1.dev
    rm -f "$sock" "$work/dev.in"
    mkfifo "$work/dev.in"
    stdbuf -o0 dpdk-testpmd --lcores 0@0,1@0 --no-pci --file-prefix="$prefix-dev" -m 256 --huge-unlink \
        --log-level lib.eal:error --vdev "net_vhost0,iface=$sock,queues=1" -- --forward-mode=rxonly \
        --nb-cores=1 --total-num-mbufs=16384 --stats-period 1 --no-flush-rx \
        <"$work/dev.in" >"$log" 2>&1 &
    local dev=$!
    pids+=("$dev")
    exec 3>"$work/dev.in"
    await_socket "$log"
    run_frontend "$work/dpdk-$r.fe"
    stop_pid "$dev"
    exec 3>&-
    rm -f /dev/hugepages/"$prefix"-devmap_*
    rm -rf /var/run/dpdk/"$prefix"-dev
}

# median of the per-second Tx-pps after the first two
median_rate() {
    grep -a "Tx-pps:" "$1" | awk '{for (i = 1; i <= NF; i++) if ($i == "Tx-pps:") print $(i + 1)}' \
        | awk '$1 > 0' | tail -n +3 | sort -n | awk '{a[NR] = $1} END {if (NR == 0) print 0; else print a[int((NR + 1) / 2)]}'
}

fe_sent() { # TX-packets of the front-end's final forward statistics
    grep -a -A3 'Forward statistics for port 0' "$1" | awk '{for (i = 1; i <= NF; i++) if ($i == "TX-packets:") print $(i + 1)}' | head -1
}

echo "vhost-vs-dpdk: front-end dpdk-testpmd net_virtio_user0 txonly on CPU 1, devices on CPU 0, ${duration} s each, ${txpkts}-byte frames, $rounds rounds"
echo "vhost-vs-dpdk: load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on these CPUs skews the numbers)"
for r in $(seq "$rounds"); do
    run_ours "$r"
    run_dpdk "$r"
done

o=(); d=()
for r in $(seq "$rounds"); do
    o+=("$(median_rate "$work/ours-$r.fe")")
    d+=("$(median_rate "$work/dpdk-$r.fe")")
done
printf '\n%-34s %-36s\n' "front-end Tx-pps (median per round)" "values"
printf '%-34s %-36s\n' "twinport vhost (fwd rxonly)" "${o[*]}"
printf '%-34s %-36s\n' "DPDK net_vhost (testpmd rxonly)" "${d[*]}"
best_ours=$(printf '%s\n' "${o[@]}" | sort -n | tail -1)
best_dpdk=$(printf '%s\n' "${d[@]}" | sort -n | tail -1)
sent=$(fe_sent "$work/ours-$rounds.fe")
got=$(grep -a -A1 '==== summary' "$work/ours-$rounds.dev" | awk '{for (i = 1; i <= NF; i++) if ($i == "RX-packets:") print $(i + 1)}' | head -1)
echo "(last round: the front-end sent ${sent:-?} frames, twinport's device received ${got:-?})"
ratio=$(awk -v a="$best_ours" -v b="$best_dpdk" 'BEGIN {if (b > 0) printf "%.2fx", a / b; else print "n/a"}')
printf '\n%-34s %14s %14s %12s\n' "best round" "twinport pps" "DPDK pps" "ours/DPDK"
printf '%-34s %14s %14s %12s\n' "front-end txonly -> device rxonly" "$best_ours" "$best_dpdk" "$ratio"
result "vhost.twinport_pps" "$best_ours" pps "best of $rounds rounds"
result "vhost.dpdk_pps" "$best_dpdk" pps "best of $rounds rounds"
if [ "$best_dpdk" -gt 0 ] 2>/dev/null; then
    result "vhost.twinport_over_dpdk" "$(awk -v a="$best_ours" -v b="$best_dpdk" 'BEGIN {printf "%.4f", a / b}')" ratio \
        "net_virtio_user txonly -> device rxonly, ${txpkts}-byte frames"
fi
echo
echo "ours/DPDK = twinport pps / DPDK pps (1.00x: as fast as DPDK). Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

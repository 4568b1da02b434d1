#!/usr/bin/env bash
# twinport's virtio-user driver against DPDK's own net_virtio_user, side by side, on this machine.
#
# The device is always the same: dpdk-testpmd --vdev net_vhost0 (DPDK's vhost-user back-end) on CPU 0. The drivers
# run one after the other on CPU 1:
#   ours:  twinport.jar fwd --port virtio-user,path=SOCK --mode txonly|rxonly
#   DPDK:  dpdk-testpmd --vdev net_virtio_user0,path=SOCK --forward-mode=txonly|rxonly
# Direction "driver TX": the driver sends txonly, the device counts with rxonly; "driver RX": the device sends
# txonly, the driver receives. Rates are the device's own per-second Rx-pps / Tx-pps (one instrument for both
# drivers), the median over the steady seconds (the first two are warm-up). The drivers alternate for --rounds
# rounds and each driver's best round is compared (these machines are shared: a round may lose its CPU to other
# work); every round is printed. The device's totals are also checked against our driver's.
#
# usage: bench/scripts/virtio-vs-dpdk.sh [--duration SECONDS] [--txpkts BYTES] [--rounds N]
# needs: root, dpdk-testpmd (Debian package dpdk-dev), stdbuf, taskset, 2 CPUs, 256 free 2 MB hugepages, a JDK 25
# and Maven: the jar is built by a reactor build that installs nothing (or taken from $TWINPORT_JAR, as results.sh
# does); with $TWINPORT_RESULTS set, the best rounds and ratios are appended to that file as result lines.
# Leaves nothing behind: the processes it started, their hugepage files, /var/run/dpdk/PREFIX* and the socket are
# removed on exit, also on Ctrl-C.
set -euo pipefail

duration=6
txpkts=64
rounds=3
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) duration="$2"; shift 2 ;;
        --txpkts) txpkts="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "virtio-vs-dpdk: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [ "$duration" -lt 6 ]; then
    # the device's per-second statistics start late and the first two are warm-up: at 4 s none was left to count
    echo "virtio-vs-dpdk: --duration must be at least 6 s (2 s of warm-up are not counted)" >&2
    exit 2
fi

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
fail() { echo "virtio-vs-dpdk: $*" >&2; exit 1; }
# shellcheck source=lib/common.sh
. "$root/bench/scripts/lib/common.sh"
missing=$(twinport_testpmd_ready 256) || fail "$missing"

prefix="twv-bench-$$"
sock="/tmp/$prefix.sock"
work=$(mktemp -d "/tmp/$prefix.XXXX")
pids=()

cleanup() {
    for pid in "${pids[@]:-}"; do
        [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null || true
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

# Builds the jar once, before anything is timed (or takes $TWINPORT_JAR); the build's output goes to stderr.
twinport_bench_jar || fail "cannot build or find the twinport jar"

# start_device MODE: the vhost-user device, non-interactive, stats every second; stdin is a fifo kept open
start_device() {
    local mode=$1 log=$2
    rm -f "$sock" "$work/dev.in"
    mkfifo "$work/dev.in"
    stdbuf -o0 dpdk-testpmd --lcores 0@0,1@0 --no-pci --file-prefix="$prefix-dev" -m 256 --huge-unlink \
        --log-level lib.eal:error --vdev "net_vhost0,iface=$sock,queues=1" -- --forward-mode="$mode" \
        --nb-cores=1 --total-num-mbufs=16384 --stats-period 1 --txpkts="$txpkts" --no-flush-rx \
        <"$work/dev.in" >"$log" 2>&1 &
    dev_pid=$!
    pids+=("$dev_pid")
    exec 3>"$work/dev.in"
    for _ in $(seq 100); do [ -S "$sock" ] && return 0; sleep 0.1; done
    fail "the device did not create $sock (see $log)"
}

stop_pid() {
    local pid=$1
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}

# median of the per-second rates after the first two, from lines "  Rx-pps: N ..." or "  Tx-pps: N ..."
median_rate() {
    local field=$1 log=$2
    grep -a "$field:" "$log" | awk -v f="$field:" '{for (i = 1; i <= NF; i++) if ($i == f) print $(i + 1)}' \
        | awk '$1 > 0' | tail -n +3 | sort -n | awk '{a[NR] = $1} END {if (NR == 0) print 0; else print a[int((NR + 1) / 2)]}'
}

total() { # RX-packets or TX-packets of the final forward statistics of port 0
    grep -a -A3 'Forward statistics for port 0' "$2" | awk -v f="$1:" '{for (i = 1; i <= NF; i++) if ($i == f) print $(i + 1)}' | head -1
}

run_ours() {
    local dir=$1 r=$2 fwdmode devmode log=$work/ours-$1-$2.fwd
    if [ "$dir" = tx ]; then fwdmode=txonly devmode=rxonly; else fwdmode=rxonly devmode=txonly; fi
    start_device "$devmode" "$work/ours-$dir-$r.dev"
    taskset -c 1 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$jar" fwd \
        --port "virtio-user,path=$sock" --mode "$fwdmode" --txpkts "$txpkts" \
        --duration "${duration}s" --stats-period 1s >"$log" 2>&1 || fail "our fwd failed: $(tail -3 "$log")"
    stop_pid "$dev_pid"
    exec 3>&-
}

run_dpdk() {
    local dir=$1 r=$2 drvmode devmode
    if [ "$dir" = tx ]; then drvmode=txonly devmode=rxonly; else drvmode=rxonly devmode=txonly; fi
    start_device "$devmode" "$work/dpdk-$dir-$r.dev"
    rm -f "$work/drv.in"
    mkfifo "$work/drv.in"
    stdbuf -o0 dpdk-testpmd --lcores 0@1,1@1 --no-pci --single-file-segments --file-prefix="$prefix-drv" -m 256 \
        --log-level lib.eal:error --vdev "net_virtio_user0,path=$sock,queues=1" -- --forward-mode="$drvmode" \
        --nb-cores=1 --total-num-mbufs=16384 --stats-period 1 --txpkts="$txpkts" \
        <"$work/drv.in" >"$work/dpdk-$dir-$r.drv" 2>&1 &
    local drv=$!
    pids+=("$drv")
    exec 4>"$work/drv.in"
    sleep "$duration"
    stop_pid "$drv"
    exec 4>&-
    rm -f /dev/hugepages/"$prefix"-drvmap_*
    rm -rf /var/run/dpdk/"$prefix"-drv
    stop_pid "$dev_pid"
    exec 3>&-
}

echo "virtio-vs-dpdk: device dpdk-testpmd net_vhost0 on CPU 0, drivers on CPU 1, ${duration} s each, ${txpkts}-byte frames, $rounds rounds"
echo "virtio-vs-dpdk: load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on these CPUs skews the numbers)"
for r in $(seq "$rounds"); do
    for dir in tx rx; do
        run_ours "$dir" "$r"
        run_dpdk "$dir" "$r"
    done
done

best() { sort -n | tail -1; }
printf '\n%-30s %-28s %-28s\n' "rate at the device, pps" "twinport (per round)" "DPDK (per round)"
for dir in tx rx; do
    if [ "$dir" = tx ]; then field=Rx-pps label="driver TX -> device rxonly"; else field=Tx-pps label="device txonly -> driver RX"; fi
    o=(); d=()
    for r in $(seq "$rounds"); do
        o+=("$(median_rate "$field" "$work/ours-$dir-$r.dev")")
        d+=("$(median_rate "$field" "$work/dpdk-$dir-$r.dev")")
    done
    printf '%-30s %-28s %-28s\n' "$label" "${o[*]}" "${d[*]}"
    eval "best_ours_$dir=$(printf '%s\n' "${o[@]}" | best)"
    eval "best_dpdk_$dir=$(printf '%s\n' "${d[@]}" | best)"
done
ours_sent=$(grep -a 'TX-packets:' "$work/ours-tx-$rounds.fwd" | tail -1 | awk '{for (i = 1; i <= NF; i++) if ($i == "TX-packets:") print $(i + 1)}')
dev_got=$(total RX-packets "$work/ours-tx-$rounds.dev")
ours_got=$(grep -a 'RX-packets:' "$work/ours-rx-$rounds.fwd" | tail -1 | awk '{for (i = 1; i <= NF; i++) if ($i == "RX-packets:") print $(i + 1)}')
dev_sent=$(total TX-packets "$work/ours-rx-$rounds.dev")
echo "(last round: the device counted $dev_got of the $ours_sent frames twinport sent; twinport received $ours_got of"
echo " the $dev_sent frames the device sent, the rest being in flight when fwd stopped)"

printf '\n%-30s %14s %14s %10s\n' "best round" "twinport pps" "DPDK pps" "DPDK/ours"
for dir in tx rx; do
    if [ "$dir" = tx ]; then label="driver TX -> device rxonly"; else label="device txonly -> driver RX"; fi
    eval "ours=\$best_ours_$dir; dpdk=\$best_dpdk_$dir"
    ratio=$(awk -v a="$ours" -v b="$dpdk" 'BEGIN {if (a > 0) printf "%.2fx", b / a; else print "n/a"}')
    printf '%-30s %14s %14s %10s\n' "$label" "$ours" "$dpdk" "$ratio"
    result "virtio.$dir.twinport_pps" "$ours" pps "best of $rounds rounds"
    result "virtio.$dir.dpdk_pps" "$dpdk" pps "best of $rounds rounds"
    if [ "$dpdk" -gt 0 ] 2>/dev/null; then
        result "virtio.$dir.twinport_over_dpdk" "$(awk -v a="$ours" -v b="$dpdk" 'BEGIN {printf "%.4f", a / b}')" ratio \
            "$label, ${txpkts}-byte frames"
    fi
done
echo
echo "DPDK/ours = DPDK pps / twinport pps (1.00x: as fast as DPDK). Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

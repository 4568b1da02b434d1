#!/usr/bin/env bash
# afpacket-vs-dpdk.sh: twinport's AF_PACKET port against DPDK's net_af_packet, on the same veth pair, same machine.
#
# For each direction (A->B, then B->A) it runs, one after the other:
#   twinport:  fwd --mode rxonly --port afpacket,iface=RX   and   fwd --mode txonly --port afpacket,iface=TX
#   DPDK:      dpdk-testpmd --forward-mode=rxonly (net_af_packet on RX)   and   --forward-mode=txonly (on TX)
# and prints the packets per second each transmitter sent and each receiver received (the median of the per-second
# rates while the transmitter ran), and the ratio twinport / DPDK.
#
# Needs: root, iproute2, Debian's dpdk-dev (dpdk-testpmd; the dpdk package alone has no testpmd), JDK 25 and Maven
# (the fwd jar is built with a reactor build that installs nothing, or taken from TWINPORT_JAR, as results.sh
# does). Hugepages: 512 x 2 MiB are reserved if fewer
# are (DPDK's net_af_packet TX stalls after about a thousand frames with --no-huge on this kind of machine).
# Environment: DURATION (seconds the transmitter runs, default 5), TXPKTS (frame length, default 64), QUEUES
# (queue pairs on both sides, default 1), FRAMECNT (frames per ring, both sides, default 4096), AFPACKET_KEYS (more
# keys for twinport's spec, e.g. ",rxversion=2"), LOGS (a directory to keep every process's output in),
# TWINPORT_RESULTS (a file to append the rates and ratios to as result lines, for results.sh).
# Everything it creates (veth pair, processes, DPDK runtime directories) is removed on exit.
set -euo pipefail

DURATION=${DURATION:-5}
TXPKTS=${TXPKTS:-64}
QUEUES=${QUEUES:-1}
FRAMECNT=${FRAMECNT:-4096}
AFPACKET_KEYS=${AFPACKET_KEYS:-}
LOGS=${LOGS:-}

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
die() { echo "afpacket-vs-dpdk: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (AF_PACKET sockets, veth pairs, hugepages)"
command -v ip >/dev/null || die "needs iproute2 (ip)"
command -v dpdk-testpmd >/dev/null || die "needs dpdk-testpmd: apt-get install dpdk-dev"
command -v taskset >/dev/null || die "needs taskset (util-linux)"
command -v python3 >/dev/null || die "needs python3 (to read the JSON lines)"

tag="tpb$(printf '%05x' $((RANDOM * 32 + RANDOM % 32)))"
va="${tag}a"
vb="${tag}b"
work=$(mktemp -d "/tmp/${tag}.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]:-}"; do
        [ -n "$p" ] && kill "$p" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    ip link del "$va" 2>/dev/null || true
    if [ -n "$LOGS" ] && [ -d "$work" ]; then mkdir -p "$LOGS" && cp "$work"/* "$LOGS"/ 2>/dev/null || true; fi
    rm -rf "/var/run/dpdk/${tag}rx" "/var/run/dpdk/${tag}tx" "$work"
}
trap cleanup EXIT INT TERM

# ---- the fwd jar: a reactor build, nothing installed (or $TWINPORT_JAR) -------------------------------------------
# shellcheck source=lib/common.sh
. "$root/bench/scripts/lib/common.sh"
twinport_bench_jar || die "cannot build or find the twinport jar"

# ---- hugepages for DPDK ------------------------------------------------------------------------------------------
if [ "$(cat /proc/sys/vm/nr_hugepages)" -lt 512 ]; then
    echo 512 > /proc/sys/vm/nr_hugepages
fi
mkdir -p /dev/hugepages
mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages

# ---- the veth pair: IPv6 off so the kernel sends nothing of its own on it ---------------------------------------
ip link add "$va" type veth peer name "$vb"
for v in "$va" "$vb"; do
    [ -e "/proc/sys/net/ipv6/conf/$v/disable_ipv6" ] && echo 1 > "/proc/sys/net/ipv6/conf/$v/disable_ipv6"
    ip link set dev "$v" up
done

# median of the non-zero per-second rates, leaving out the first and the last (ramp up, ramp down)
median() { python3 -c '
import sys
v = [int(x) for x in sys.stdin.read().split() if int(x) > 0]
v = v[1:-1] if len(v) > 3 else v
v.sort()
print(v[len(v) // 2] if v else 0)'; }

fwd() { # CPU MODE IFACE SECONDS OUT
    taskset -c "$1" "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$jar" fwd --mode "$2" \
        --port "afpacket,iface=$3,queues=$QUEUES,framecnt=$FRAMECNT$AFPACKET_KEYS" --queues "$QUEUES" --txpkts "$TXPKTS" \
        --duration "${4}s" --stats-period 1s --json > "$5" 2> "$5.err"
}
fwd_rates() { # OUT FIELD
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("{"):
        o = json.loads(line)
        if not o.get("summary"):
            print(sum(p[sys.argv[2]] for p in o["ports"]))' "$1" "$2" | median
}

testpmd() { # LCORES MODE IFACE SECONDS PREFIX OUT
    timeout -s INT "$4" dpdk-testpmd --lcores "$1" --no-pci -m 256 --file-prefix="$5" \
        --vdev "net_af_packet0,iface=$3,qpairs=$QUEUES,framecnt=$FRAMECNT" -- \
        --forward-mode="$2" --nb-cores=1 --rxq="$QUEUES" --txq="$QUEUES" --txpkts="$TXPKTS" \
        --total-num-mbufs=16384 --stats-period 1 > "$6" 2>&1 || true
}
testpmd_rates() { # OUT Rx|Tx
    grep -o "$2-pps: *[0-9]*" "$1" | awk '{print $2}' | median
}

run_direction() { # TXIF RXIF LABEL
    local tx=$1 rx=$2
    local o="$work/$tx"
    # twinport: receiver first (on CPU 0), transmitter for DURATION s (on CPU 1)
    fwd 0 rxonly "$rx" $((DURATION + 4)) "$o.fwd-rx" & pids+=($!)
    sleep 2
    fwd 1 txonly "$tx" "$DURATION" "$o.fwd-tx" \
        || die "twinport's fwd txonly on $tx failed: $(tail -3 "$o.fwd-tx.err" "$o.fwd-tx" 2>/dev/null)"
    wait "${pids[-1]}" || true
    # DPDK: the same, each forwarding lcore on the CPU twinport's process ran on, its main lcore on the other
    testpmd 0@1,1@0 rxonly "$rx" $((DURATION + 5)) "${tag}rx" "$o.dpdk-rx" & pids+=($!)
    sleep 2
    testpmd 0@0,1@1 txonly "$tx" $((DURATION + 1)) "${tag}tx" "$o.dpdk-tx"
    wait "${pids[-1]}" || true

    local ftx frx dtx drx
    ftx=$(fwd_rates "$o.fwd-tx" tx_pps)
    frx=$(fwd_rates "$o.fwd-rx" rx_pps)
    dtx=$(testpmd_rates "$o.dpdk-tx" Tx)
    drx=$(testpmd_rates "$o.dpdk-rx" Rx)
    python3 - "$tx" "$rx" "$ftx" "$frx" "$dtx" "$drx" "$3" "${TWINPORT_RESULTS:-}" <<'PY'
import sys
tx, rx, ftx, frx, dtx, drx, label, results = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7]), *sys.argv[7:]
ratio = lambda a, b: f"{a / b:.2f}" if b else "n/a"
print(f"{tx} -> {rx}:")
print(f"  transmitter pps   twinport {ftx:>10,}   DPDK {dtx:>10,}   twinport/DPDK {ratio(ftx, dtx)}")
print(f"  receiver pps      twinport {frx:>10,}   DPDK {drx:>10,}   twinport/DPDK {ratio(frx, drx)}")
if results:
    with open(results, "a") as f:
        for side, ours, dpdk in (("tx", ftx, dtx), ("rx", frx, drx)):
            f.write(f"afpacket.{label}.{side}.twinport_pps\t{ours}\tpps\t\n")
            f.write(f"afpacket.{label}.{side}.dpdk_pps\t{dpdk}\tpps\t\n")
            if dpdk:
                f.write(f"afpacket.{label}.{side}.twinport_over_dpdk\t{ours / dpdk:.4f}\tratio\t"
                        f"{'transmitter' if side == 'tx' else 'receiver'}, veth end {label[0]} -> {label[1]}\n")
PY
}

echo "afpacket-vs-dpdk: veth $va <-> $vb, ${TXPKTS}-byte frames, $QUEUES queue pair(s), $FRAMECNT frames per ring," \
     "twinport spec keys '${AFPACKET_KEYS:-(defaults)}', transmitter runs ${DURATION} s;" \
     "rates are medians of per-second samples"
run_direction "$va" "$vb" ab
run_direction "$vb" "$va" ba

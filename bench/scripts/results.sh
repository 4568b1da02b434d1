#!/usr/bin/env bash
# results.sh: the one command behind bench/RESULTS.md. Runs the JMH suite once (its forks are its repeated runs) and
# every bench/scripts/*-vs-dpdk.sh present RUNS times, then generates bench/RESULTS.md and the SVG charts in
# bench/results/ from what they measured (io.twinport.bench.report.ResultsPage); the raw data stays in
# bench/results/data/ (JMH's JSON, each script run's output and result lines, the machine, the load).
#
# usage (as root, from anywhere):  bench/scripts/results.sh
# environment:
#   RUNS       runs of each side-by-side script (default 3)
#   JMH_ARGS   JMH options of the suite (default "-f 3 -wi 2 -w 1s -i 3 -r 1s -prof gc")
#   JMH_INCLUDE  the benchmarks (default: the whole suite, io.twinport.bench.jmh.*)
#   SCRIPTS    the scripts to run, space-separated names such as "virtio-vs-dpdk failover-vs-dpdk" (default: every
#              bench/scripts/*-vs-dpdk.sh present; a new one is picked up by itself and should append its results
#              with result() from lib/common.sh, or it is only listed)
# needs: what the scripts need (root, dpdk-testpmd, 2 CPUs, hugepages, iproute2, python3), JDK 25 and Maven. The
# whole run takes about 20 minutes. The previous results are replaced only when the run finishes.
set -euo pipefail

RUNS=${RUNS:-3}
JMH_ARGS=${JMH_ARGS:-"-f 3 -wi 2 -w 1s -i 3 -r 1s -prof gc"}
JMH_INCLUDE=${JMH_INCLUDE:-"io.twinport.bench.jmh.*"}

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
here="$root/bench/scripts"
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
die() { echo "results: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (the side-by-side scripts use hugepages, AF_PACKET, veth and tap links)"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS=$RUNS: expected a positive number"

if [ -n "${SCRIPTS:-}" ]; then
    scripts=()
    for s in $SCRIPTS; do
        [ -x "$here/$s.sh" ] || die "SCRIPTS: no executable $here/$s.sh"
        scripts+=("$s")
    done
else
    scripts=()
    for f in "$here"/*-vs-dpdk.sh; do
        [ -e "$f" ] && scripts+=("$(basename "$f" .sh)")
    done
fi

started=$(date -u +%s)
stage=$(mktemp -d /tmp/twinport-results.XXXX)
pids=()
cleanup() {
    for pid in "${pids[@]:-}"; do
        [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]:-}"; do
        [ -n "$pid" ] || continue
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$stage"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
data="$stage/data"
mkdir -p "$data"

# ---- build once; the scripts use this copy, so a build in the worktree during the run changes nothing ------------
unset TWINPORT_JAR
twinport_bench_jar || die "cannot build the twinport jar"
cp "$jar" "$stage/twinport.jar"
export TWINPORT_JAR="$stage/twinport.jar"

load() { printf '%s\t%s\n' "$1" "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$data/load.txt"; }
lscpu_field() { lscpu | sed -n "s/^$1:[[:space:]]*//p" | head -1; }
{
    echo "command: sudo bench/scripts/results.sh   (defaults: RUNS=3, JMH_ARGS=\"-f 3 -wi 2 -w 1s -i 3 -r 1s -prof gc\")"
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "this run: RUNS=$RUNS, JMH_ARGS=$JMH_ARGS, JMH_INCLUDE=$JMH_INCLUDE, scripts: ${scripts[*]:-none}"
    echo "git: $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$root" && git diff --quiet HEAD -- 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "CPU: $(lscpu_field 'Model name'), $(nproc) CPUs ($(lscpu_field 'Thread(s) per core') thread(s) per core), hypervisor: $(lscpu_field 'Hypervisor vendor' || true)"
    echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), hugepages: $(cat /proc/sys/vm/nr_hugepages) x 2 MiB"
    echo "kernel: $(uname -sr)"
    echo "JDK: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1) ($JAVA_HOME)"
    echo "JMH: 1.37"
    echo "DPDK: $(dpkg-query -W -f '${Package} ${Version}' dpdk-dev 2>/dev/null || echo 'dpdk-dev not installed') ($(command -v dpdk-testpmd || echo 'no dpdk-testpmd'))"
} > "$data/machine.txt"

# ---- the JMH suite -----------------------------------------------------------------------------------------------
echo "results: JMH suite: $JMH_INCLUDE $JMH_ARGS (about 10 minutes) ..."
load "before the JMH suite"
# JMH allows one run per machine (/tmp/jmh.lock): if another one holds it, wait for it (up to 30 min)
for attempt in $(seq 180); do
    # shellcheck disable=SC2086 # JMH_ARGS is a list of options
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$TWINPORT_JAR" bench "$JMH_INCLUDE" $JMH_ARGS \
        -rf json -rff "$data/jmh.json" > "$data/jmh.out" 2>&1 &
    pids+=($!)
    if wait "${pids[-1]}"; then
        break
    fi
    grep -q "Unable to acquire the JMH lock" "$data/jmh.out" || die "the JMH suite failed: $(tail -5 "$data/jmh.out")"
    [ "$attempt" -lt 180 ] || die "another JMH run held /tmp/jmh.lock for 30 minutes"
    [ "$attempt" -gt 1 ] || echo "results: another JMH run holds /tmp/jmh.lock; waiting for it ..."
    sleep 10
done
load "after the JMH suite"

# ---- the side-by-side scripts, RUNS times ------------------------------------------------------------------------
script_args() { # NAME: the arguments and environment each script runs with here (shorter than its defaults)
    case "$1" in
        virtio-vs-dpdk) echo "--rounds 1 --duration 6" ;;
        *) echo "" ;;
    esac
}
script_env() {
    case "$1" in
        afpacket-vs-dpdk) echo "DURATION=4" ;;
        failover-vs-dpdk) echo "ROUNDS=1 ITERATIONS=3" ;;
        *) echo "" ;;
    esac
}
for r in $(seq "$RUNS"); do
    mkdir -p "$data/run$r"
    for s in "${scripts[@]}"; do
        read -r -a args <<< "$(script_args "$s")"
        read -r -a envs <<< "$(script_env "$s")"
        echo "results: run $r/$RUNS: $s ${envs[*]:-} ${args[*]:-} ..."
        load "run $r: before $s"
        set +e
        env "${envs[@]}" TWINPORT_RESULTS="$data/run$r/$s.tsv" LOGS= "$here/$s.sh" "${args[@]}" \
            > "$data/run$r/$s.out" 2>&1 &
        pids+=($!)
        wait "${pids[-1]}"
        rc=$?
        set -e
        [ "$rc" -eq 0 ] || echo "results: $s run $r failed (exit $rc): $(tail -3 "$data/run$r/$s.out")" >&2
        echo "exit status: $rc" >> "$data/run$r/$s.out"
        load "run $r: after $s"
    done
done

# ---- the page ----------------------------------------------------------------------------------------------------
echo "elapsed: $(( ($(date -u +%s) - started) / 60 )) min" >> "$data/machine.txt"
rm -rf "$root/bench/results/data"
mkdir -p "$root/bench/results"
cp -r "$data" "$root/bench/results/data"
"$JAVA_HOME/bin/java" -cp "$TWINPORT_JAR" io.twinport.bench.report.ResultsPage "$root/bench/results/data" \
    "$root/bench/results" "$root/bench/RESULTS.md"
echo "results: bench/RESULTS.md and bench/results/*.svg written ($(( ($(date -u +%s) - started) / 60 )) min)"

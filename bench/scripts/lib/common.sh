# shellcheck shell=bash
# Shared by the bench/scripts/*-vs-dpdk.sh scripts and results.sh. Source it after setting $root (the repository).
#
#   twinport_bench_jar   sets $jar to bench/target/twinport.jar: the file named by $TWINPORT_JAR if that is set
#                        (results.sh builds once and sets it), else built with a reactor build that installs nothing
#                        (mvn -o -pl bench -am package; without -o if offline fails). Also finds JDK 25 ($JAVA_HOME).
#   twinport_testpmd_ready PAGES
#                        prints one line naming what is missing to run dpdk-testpmd side by side with twinport
#                        (root, dpdk-testpmd, stdbuf, taskset, 2 CPUs, hugetlbfs at /dev/hugepages, PAGES free 2 MB
#                        hugepages) and returns 1; returns 0 when nothing is.
#   result NAME VALUE UNIT [NOTE]
#                        appends one line "NAME<TAB>VALUE<TAB>UNIT<TAB>NOTE" to $TWINPORT_RESULTS, if set: the
#                        machine-readable results that results.sh collects over several runs. NAME is
#                        script.measure[.detail]; a ratio's UNIT is "ratio".

twinport_bench_jar() {
    # shellcheck source=../../../scripts/find-jdk.sh
    . "$root/scripts/find-jdk.sh"
    twinport_find_jdk || return 1
    if [ -n "${TWINPORT_JAR:-}" ]; then
        [ -f "$TWINPORT_JAR" ] || { echo "TWINPORT_JAR=$TWINPORT_JAR: no such file" >&2; return 1; }
        jar=$TWINPORT_JAR
        return 0
    fi
    jar="$root/bench/target/twinport.jar"
    echo "building $jar (mvn -pl bench -am package, nothing installed) ..." >&2
    (cd "$root" && mvn -q -B -o -pl bench -am package -DskipTests >&2) \
        || (cd "$root" && mvn -q -B -pl bench -am package -DskipTests >&2) || return 1
    [ -f "$jar" ] || { echo "no $jar after the build" >&2; return 1; }
}

twinport_testpmd_ready() {
    local need=$1 free_pages
    [ "$(id -u)" -eq 0 ] || { echo "needs root (hugepages for dpdk-testpmd)"; return 1; }
    command -v dpdk-testpmd >/dev/null 2>&1 || { echo "no dpdk-testpmd on PATH (Debian package dpdk-dev)"; return 1; }
    command -v stdbuf >/dev/null 2>&1 || { echo "no stdbuf (coreutils)"; return 1; }
    command -v taskset >/dev/null 2>&1 || { echo "no taskset (util-linux)"; return 1; }
    [ "$(nproc)" -ge 2 ] || { echo "needs 2 CPUs (one process per core)"; return 1; }
    grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts \
        || { echo "no hugetlbfs at /dev/hugepages (mount -t hugetlbfs nodev /dev/hugepages)"; return 1; }
    free_pages=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
    [ "$free_pages" -ge "$need" ] \
        || { echo "$free_pages free hugepages, $need needed (echo 512 > /proc/sys/vm/nr_hugepages)"; return 1; }
}

result() {
    if [ -n "${TWINPORT_RESULTS:-}" ]; then
        printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" >> "$TWINPORT_RESULTS"
    fi
}

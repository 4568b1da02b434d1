# shellcheck shell=bash
# Shared by the bench/scripts/*-vs-dpdk.sh scripts and results.sh. Source it after setting $root (the repository).
#
#   twinport_bench_jar   sets $jar to bench/target/twinport.jar: the file named by $TWINPORT_JAR if that is set
#                        (results.sh builds once and sets it), else built with a reactor build that installs nothing
#                        (mvn -o -pl bench -am package; without -o if offline fails). Also finds JDK 25 ($JAVA_HOME).
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

result() {
    if [ -n "${TWINPORT_RESULTS:-}" ]; then
        printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" >> "$TWINPORT_RESULTS"
    fi
}

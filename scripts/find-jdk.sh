# shellcheck shell=bash
# Finds the JDK 25 that twinport builds and runs with. Sourced by ./twinport, scripts/test and .ci/run:
#
#   . scripts/find-jdk.sh && twinport_find_jdk || exit 1
#
# twinport_find_jdk takes JAVA_HOME if it is a JDK (bin/java and bin/javac) of version 25 or newer, else the first
# /usr/lib/jvm/*25* that is one. It exports JAVA_HOME and puts its bin first on PATH; if there is none it prints
# one line on stderr naming what it looked for and returns 1.

# Prints the feature version (25 for 25.0.1) of the JDK at $1; fails if $1 is not a JDK.
twinport_jdk_version() {
    local home=$1 version=
    [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 1
    if [ -r "$home/release" ]; then
        version=$(sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$home/release")
    fi
    if [ -z "$version" ]; then
        version=$("$home/bin/java" -XshowSettings:properties -version 2>&1 \
            | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p')
    fi
    [ -n "$version" ] || return 1
    echo "$version"
}

twinport_find_jdk() {
    local candidate version home
    if [ -n "${JAVA_HOME:-}" ] && version=$(twinport_jdk_version "$JAVA_HOME") && [ "$version" -ge 25 ]; then
        candidate=$JAVA_HOME
    else
        candidate=
        for home in /usr/lib/jvm/*25*; do
            if [ -d "$home" ] && version=$(twinport_jdk_version "$home") && [ "$version" -ge 25 ]; then
                candidate=$home
                break
            fi
        done
    fi
    if [ -z "$candidate" ]; then
        echo "twinport: no JDK 25 found: JAVA_HOME (${JAVA_HOME:-not set}) is not a JDK 25 and no /usr/lib/jvm/*25* is one (looked for bin/java, bin/javac and JAVA_VERSION=\"25...\" in release); install a JDK 25 or set JAVA_HOME to one" >&2
        return 1
    fi
    export JAVA_HOME=$candidate
    export PATH="$JAVA_HOME/bin:$PATH"
}

# Maven itself runs on this JDK; on JDK 24+ its own libraries (Guice, Guava) print sun.misc.Unsafe warnings.
twinport_maven_opts() {
    case " ${MAVEN_OPTS:-} " in
        *" --sun-misc-unsafe-memory-access="*) ;;
        *) export MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }--sun-misc-unsafe-memory-access=allow" ;;
    esac
}

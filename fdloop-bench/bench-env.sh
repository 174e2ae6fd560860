# Sourced by the benchmark scripts (run-loop-benchmarks.sh, watch-benchmark.sh) from the checkout's root:
# the JDK they run and the jars they need.
#
#   JAVA_HOME   the JDK; else the newest JDK 25 or newer under /usr/lib/jvm. Sets JAVA.
#   bench_build [MODULES]   builds fdloop-bench and MODULES (comma-separated, e.g. fdloop-cli) with what they
#               depend on (mvn -DskipTests package), when BUILD=1 or a module's jar is missing.

if [[ -z "${JAVA_HOME:-}" ]]; then
    for jdk in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
        if [[ -x "$jdk/bin/java" ]] && "$jdk/bin/java" -version 2>&1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then
            JAVA_HOME=${jdk%/}
            break
        fi
    done
fi
[[ -n "${JAVA_HOME:-}" ]] || { echo "no JDK 25 or newer: set JAVA_HOME" >&2; exit 1; }
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"

bench_build() {
    local modules=fdloop-bench${1:+,$1} module missing=0
    for module in ${modules//,/ }; do
        [[ -f "$module/target/$module.jar" ]] || missing=1
    done
    if [[ "${BUILD:-0}" == 1 || $missing == 1 ]]; then
        MAVEN_OPTS=${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow} mvn -B -q -DskipTests package -pl "$modules" -am >&2
    fi
}

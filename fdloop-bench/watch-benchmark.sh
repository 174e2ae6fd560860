#!/usr/bin/env bash
# File watching beside inotifywait -r -m (Debian's inotify-tools) and java.nio's WatchService, in one run,
# on tmpfs; docs/BENCHMARKS.md shows results and how to read them.
#
#   fdloop-bench/watch-benchmark.sh
#
# 1. establish: a tree of DIRS directories with FILES files each (default 5,000 x 9: 50,000 entries);
#    wall time from starting each watcher (fdloop: the ./fdloop launcher) to its "ready" line on stderr (inotifywait's "Watches
#    established.", fdloop watch's "watching ...", WatchBench watchservice's "watching ..."), JVM start included.
#    Then the time the watch itself takes in a JVM that is running already (WatchBench establish: fdloop's
#    EventLoop.watch, and the walk that registers every directory with a WatchService), one fresh JVM each.
# 2. quiet: the CPU time (utime + stime from /proc/PID/stat) each watcher takes while the tree stays
#    untouched for QUIET seconds after it is ready, and how often its threads woke meanwhile (context switches).
# 3. storm: STORM files created with one byte written, then deleted, in one directory of the tree
#    (CREATE, MODIFY, CLOSE_WRITE, DELETE each: 4 x STORM events; WatchService: ENTRY_CREATE, ENTRY_MODIFY,
#    ENTRY_DELETE, 3 x STORM), then a marker directory. Each watcher prints to a pipe read by WatchBench count,
#    which counts until the marker: events received, overflows, and events per second from the storm's
#    start to the marker. The kernel's queue is the default (fs.inotify.max_queued_events). fdloop-null is
#    fdloop watch printing to /dev/null, counted by its own summary (less the marker's event).
#
# 4. events (issue 19): C's inotify_storm (src/main/c/inotify_storm.c, built here with gcc -O2) beside
#    InotifyStorm fdloop (EventLoop.watch, the handler given each FileEvent) and InotifyStorm watchservice
#    (-Djdk.nio.file.WatchService.maxEventsPerPoll=65536), in turn per round: STORM_FILES files created and
#    deleted in one directory by the same C producer, each watcher taking CREATE and DELETE; events/s, lost,
#    and the lag from the producer's call to the event in the watcher's hands (p50, p99). Each Java watcher
#    takes STORMS storms in one JVM, one line each (impl=fdloop, impl=fdloop#2, ...): the first is a fresh JVM's,
#    the later ones the compiled code's.
#
# Environment: PARTS ("tree events": parts 1-3, part 4), WATCHERS ("inotifywait fdloop watchservice fdloop-null"),
# DIRS (5000), FILES (9), STORM (100000), QUIET (5), ROUNDS (3), STORM_FILES (20000), STORMS (3), WORK (/dev/shm/fdloop-watch-bench),
# JAVA_HOME (else the newest JDK 25+ under /usr/lib/jvm), BUILD=1 to rebuild the jars first.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
DIRS=${DIRS:-5000}
FILES=${FILES:-9}
STORM=${STORM:-100000}
QUIET=${QUIET:-5}
ROUNDS=${ROUNDS:-3}
WORK=${WORK:-/dev/shm/fdloop-watch-bench}
STORM_FILES=${STORM_FILES:-20000}
STORMS=${STORMS:-3}
PARTS=${PARTS:-tree events}

source fdloop-bench/bench-env.sh
command -v inotifywait >/dev/null || { echo "inotifywait is missing: apt-get install inotify-tools" >&2; exit 1; }
[[ "$(stat -f -c %T "$(dirname "$WORK")")" == tmpfs ]] || { echo "$(dirname "$WORK") is not tmpfs" >&2; exit 1; }
bench_build fdloop-cli
BENCH=(
    "$JAVA" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:TieredStopAtLevel=1
    -cp "fdloop-bench/target/fdloop-bench.jar:fdloop-bench/target/lib/*" org.fdloop.bench.WatchBench
)
# the library as a program uses it: the JVM's defaults (C2 included), and WatchService with a queue it does not overflow
STORM_JAVA=(
    "$JAVA" --enable-native-access=ALL-UNNAMED -Djdk.nio.file.WatchService.maxEventsPerPoll=65536
    -cp "fdloop-bench/target/fdloop-bench.jar:fdloop-bench/target/lib/*" org.fdloop.bench.InotifyStorm
)
# fdloop watch as a user runs it: through the launcher, with its JVM flags and its start-up cache (made below)
FDLOOP=(./fdloop watch)
FDLOOP_RECORD_CACHE=1 ./fdloop --version >/dev/null # builds when the sources changed, and records the start-up cache

now_ms() { date +%s%3N; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# context switches (voluntary and not) of every thread of a process: how often it woke
wakeups() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { n += $2 } END { print n + 0 }'; }

# run_watcher NAME READY_REGEX COMMAND...: starts the watcher with stdout to the counter, stderr to a file
start_watcher() {
    local name=$1 ready=$2
    shift 2
    local err="$WORK/$name.err"
    : > "$err"
    local started
    started=$(now_ms)
    if [[ $name == *-null ]]; then
        "$@" 2> "$err" > /dev/null &
    else
        "$@" 2> "$err" | "${BENCH[@]}" count storm-marker > "$WORK/$name.count" &
    fi
    PIPE_PID=$!
    until grep -Eq "$ready" "$err"; do
        if ! kill -0 "$PIPE_PID" 2>/dev/null; then # it ended before it was ready (a limit another process lowered)
            echo "# $name did not start: $(head -c 300 "$err")"
            return 1
        fi
        sleep 0.01
    done
    READY_MS=$(( $(now_ms) - started ))
    WATCHER_PID=$(pgrep -n -f -- "$WORK/tree" | head -1)
}

echo "# watch benchmark: $(date -u +%FT%TZ), $(uname -r), $(nproc) CPUs, $("$JAVA" -version 2>&1 | head -1), git $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# fs.inotify.max_queued_events=$(cat /proc/sys/fs/inotify/max_queued_events)"
if [[ " $PARTS " == *" tree "* ]]; then
echo "# tree $DIRS directories x $FILES files on $(stat -f -c %T "$(dirname "$WORK")"), storm $STORM files, quiet ${QUIET}s"
echo "# inotifywait $(inotifywait --help 2>&1 | head -1 | awk '{print $2}')"
printf '%-12s %5s %12s %14s %13s %10s %10s %9s %12s\n' watcher round ready_ms quiet_cpu_ms quiet_wakeups expected received overflows events/s
for round in $(seq 1 "$ROUNDS"); do
    for watcher in ${WATCHERS:-inotifywait fdloop watchservice fdloop-null}; do
        rm -rf "$WORK"
        mkdir -p "$WORK/tree"
        "${BENCH[@]}" tree "$WORK/tree" "$DIRS" "$FILES"
        mkdir "$WORK/tree/storm"
        READY_MS=
        case $watcher in
            inotifywait)
                start_watcher inotifywait 'Watches established' \
                    inotifywait -r -m -e create,modify,close_write,delete --format '%e %w%f' "$WORK/tree" || true
                expected=$((4 * STORM)) ;;
            fdloop|fdloop-null)
                start_watcher "$watcher" 'watching' "${FDLOOP[@]}" -r -e create,modify,close_write,delete "$WORK/tree" || true
                expected=$((4 * STORM)) ;;
            watchservice)
                start_watcher watchservice 'watching' "${BENCH[@]}" watchservice "$WORK/tree" || true
                expected=$((3 * STORM)) ;;
        esac
        [[ -n "${READY_MS:-}" ]] || continue
        before=$(cpu_ticks "$WATCHER_PID")
        woke=$(wakeups "$WATCHER_PID")
        sleep "$QUIET"
        quiet_ms=$(( ($(cpu_ticks "$WATCHER_PID") - before) * 1000 / $(getconf CLK_TCK) ))
        quiet_wakeups=$(( $(wakeups "$WATCHER_PID") - woke ))
        storm_start=$("${BENCH[@]}" storm "$WORK/tree/storm" "$STORM")
        mkdir "$WORK/tree/storm-marker"
        if [[ $watcher == fdloop-null ]]; then
            # printing to /dev/null: the count is fdloop watch's own summary, once it had time to read everything
            sleep 10
            kill "$WATCHER_PID"
            wait 2>/dev/null || true
            summary=$(tail -1 "$WORK/$watcher.err")
            received=$(( $(sed -E 's/^fdloop watch: ([0-9]+) events.*/\1/' <<< "$summary") - 1 ))
            overflows=$(sed -nE 's/.* ([0-9]+) overflows?.*/\1/p' <<< "$summary")
            printf '%-12s %5s %12s %14s %13s %10s %10s %9s %12s\n' "$watcher" "$round" "$READY_MS" "$quiet_ms" "$quiet_wakeups" "$expected" \
                "$received" "${overflows:-0}" "-"
            continue
        fi
        wait "$PIPE_PID" 2>/dev/null || true &
        for _ in $(seq 600); do [[ -s "$WORK/$watcher.count" ]] && break; sleep 0.1; done
        kill "$WATCHER_PID" 2>/dev/null || true
        wait 2>/dev/null || true
        read -r received overflows marker_ms < "$WORK/$watcher.count"
        rate=$(( received * 1000 / (marker_ms - storm_start) ))
        printf '%-12s %5s %12s %14s %13s %10s %10s %9s %12s\n' "$watcher" "$round" "$READY_MS" "$quiet_ms" "$quiet_wakeups" "$expected" \
            "$received" "$overflows" "$rate"
    done
done
echo "# in-process: milliseconds for the call that watches the tree (a fresh JVM each)"
printf '%-12s %5s %8s %12s\n' watcher round watches watch_ms
rm -rf "$WORK"
mkdir -p "$WORK/tree"
"${BENCH[@]}" tree "$WORK/tree" "$DIRS" "$FILES"
for round in $(seq 1 "$ROUNDS"); do
    for how in fdloop watchservice; do
        read -r name watches ms < <("${BENCH[@]}" establish "$how" "$WORK/tree")
        printf '%-12s %5s %8s %12s\n' "$name" "$round" "$watches" "$ms"
    done
done
rm -rf "$WORK"
fi
if [[ " $PARTS " == *" events "* ]]; then
    CBIN=fdloop-bench/target/bench-c/inotify_storm
    mkdir -p "$(dirname "$CBIN")"
    gcc -O2 -o "$CBIN" fdloop-bench/src/main/c/inotify_storm.c
    echo "# events: $STORM_FILES files created and deleted in one directory on tmpfs by inotify_storm produce; CREATE and DELETE"
    for round in $(seq 1 "$ROUNDS"); do
        for impl in c fdloop watchservice; do
            rm -rf "$WORK"
            mkdir -p "$WORK/storm"
            case $impl in
                c) "$CBIN" watch "$WORK/storm" "$STORM_FILES" "$WORK/times" ;;
                fdloop|watchservice) "${STORM_JAVA[@]}" "$impl" "$CBIN" "$WORK/storm" "$STORM_FILES" "$WORK/times" "$STORMS" ;;
            esac | sed "s/^/round=$round /"
        done
    done
    rm -rf "$WORK"
fi
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

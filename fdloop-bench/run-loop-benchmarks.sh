#!/usr/bin/env bash
# Side-by-side benchmarks of the event loop; docs/BENCHMARKS.md shows results and how to read them.
#
#   fdloop-bench/run-loop-benchmarks.sh [pingpong] [timers] [execute] [dispatch] [signals] [signal-path] [lateness] [spawn]
#   (none: all but signal-path)
#
#   pingpong  eventfd ping-pong between two loops, alternating with the C baseline
#             (src/main/c/eventfd_pingpong.c, built here with gcc -O2 -pthread): per round and
#             placement, C, then Java three ways (two loops as built by default; two loops with timing(true); no
#             loop, the C program's loop through fdloop's downcalls); placements "same" (C: -a 0,0;
#             Java: the whole JVM under taskset -c 0) and "none" (unpinned)
#   timers    TimerComparison: fdloop, ScheduledThreadPoolExecutor (removeOnCancel true and false), Netty
#             HashedWheelTimer, and C (src/main/c/timer_heap.c: libev's 4-ary heap), one C process per round;
#             once per garbage collector in TIMER_GCS (default G1, the JVM's choice here)
#   execute   ExecuteComparison: fdloop, single-thread ExecutorService, Netty DefaultEventLoop/NioEventLoop
#   dispatch  LoopDispatchBenchmark (JMH) with -prof gc: ns and bytes allocated per dispatch
#   signals   kill(getpid(), SIGUSR1) to the handler, one sample at a time: C (src/main/c/signal_latency.c,
#             an epoll loop on a signalfd), C with fdloop's design (src/main/c/signal_handler_pipe.c: a
#             handler writes the siginfo to a pipe; taken by the main thread, then with -d by the loop
#             thread), then SignalLatency -m native (fdloop's machine-code handler) with the loop on a
#             thread of its own (-t own) and on main (-t main), and -m jvm (sun.misc.Signal) the
#             same two ways, per round, pinned (the whole process under taskset -c 0) and unpinned
#   signal-path  where the time of kill() to handler goes (needs perf): signal_handler_pipe -d,
#             SignalLatency -m native -t main, signal_handler_pipe (no -d) and SignalLatency -m native
#             -t own, pinned, each under perf record (kill and write entries,
#             signal deliveries), split per sample by SignalPathTrace into kill -> delivery (the
#             kernel's part), delivery -> the handler's write, and that write -> the user's handler
#   lateness  how late a periodic timer wakes the loop: C timerfd_jitter -m pwait2 (the epoll_pwait2
#             timeout; also with -s 1, a timer slack of 1 ns) and -m epoll (a timerfd in epoll), then
#             TimerLateness -m loop (scheduleAtFixedRate; also with -s 1, Builder.timerSlack) and
#             -m timerfd (a TimerFd in the loop), per round and period
#   spawn     /bin/true started SPAWN_N times one at a time, stdio on /dev/null: C (src/main/c/spawn_pidfd.c:
#             posix_spawn, pidfd_open, epoll_wait, waitid(P_PIDFD)), then SpawnBenchmark -m fdloop (EventLoop.spawn)
#             and -m jdk (ProcessBuilder.start, waitFor) and -m onexit (ProcessBuilder.start, EventLoop.onExit(Process)),
#             per round; the start call and start-to-exit-observed, p50, p99
#
# Environment: ROUNDS (5), SPAWN_N (1000), SPAWN_W (1000 warm-up starts for Java; C warms up with 50), LATENESS_PERIODS ("1000 20000" µs), LATENESS_D (3 s per run), SIGNAL_N (2000 samples per run; C warms up with 200, Java with 20000 back to back), PINGPONG_N (300000 round trips), PINGPONG_T (5: seconds cap per run),
# PINGPONG_W (100000: Java warm-up round trips, not measured), BENCH_C (the C sources: fdloop-bench/src/main/c),
# OUTDIR (fdloop-bench/target/loop-bench/<time>), JAVA_HOME (else the newest JDK 25+ under /usr/lib/jvm),
# BUILD=1 to rebuild the jars first (they are built anyway when missing).
# Every result line in OUTDIR/raw.txt follows a "# round=.. cmd=.." line with the exact command.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
ROUNDS=${ROUNDS:-5}
PINGPONG_N=${PINGPONG_N:-300000}
PINGPONG_T=${PINGPONG_T:-5}
PINGPONG_W=${PINGPONG_W:-100000}
SIGNAL_N=${SIGNAL_N:-2000}
LATENESS_PERIODS=${LATENESS_PERIODS:-1000 20000}
LATENESS_D=${LATENESS_D:-3}
BENCH_C=${BENCH_C:-$ROOT/fdloop-bench/src/main/c}
OUTDIR=${OUTDIR:-$ROOT/fdloop-bench/target/loop-bench/$(date +%Y%m%d-%H%M%S)}

source fdloop-bench/bench-env.sh
CP="fdloop-bench/target/fdloop-bench.jar:fdloop-bench/target/lib/*"
JOPTS="--enable-native-access=ALL-UNNAMED"
bench_build

TIMER_GCS=${TIMER_GCS:-G1} # e.g. "G1 Parallel": G1's write barrier is much of the timers' fire cost on JDK 25 (BENCHMARKS.md §2)
SPAWN_N=${SPAWN_N:-1000}
SPAWN_W=${SPAWN_W:-1000}
what=("$@")
[[ ${#what[@]} -gt 0 ]] || what=(pingpong timers execute dispatch signals lateness spawn)
mkdir -p "$OUTDIR"
RAW="$OUTDIR/raw.txt"
SUMMARY="$OUTDIR/summary.md"
: >"$RAW"
: >"$SUMMARY"

machine() {
    echo "- $(date -u +%Y-%m-%dT%H:%M:%SZ), kernel $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo '?')"
    echo "- $("$JAVA" -version 2>&1 | head -1), git $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
}

# run ROUND CMD...: the command line into raw.txt, then its output
run() {
    local round=$1
    shift
    echo "# round=$round loadavg=$(cut -d' ' -f1-3 /proc/loadavg) cmd=$*" | tee -a "$RAW"
    "$@" 2>&1 | tee -a "$RAW"
}

# compile BIN SOURCE: SOURCE built with gcc -O2 -pthread into BIN (under fdloop-bench/target/bench-c)
compile() {
    mkdir -p "$(dirname "$1")"
    gcc -O2 -pthread -o "$1" "$2"
}

# traced ROUND LABEL SKIP CMD...: CMD under perf record (the entries of kill and write, and signal
# deliveries); its result line, then SignalPathTrace's split of its samples after the first SKIP,
# into raw.txt. LABEL has no spaces.
traced() {
    local round=$1 label=$2 skip=$3 data="$OUTDIR/trace-$1-$(wc -l <"$RAW").perf"
    shift 3
    run "$round" perf record -q -o "$data" -e raw_syscalls:sys_enter --filter 'id == 62 || id == 1' -e signal:signal_deliver "$@"
    perf script --ns -i "$data" -F tid,cpu,time,event,trace >"$data.txt" 2>/dev/null
    "$JAVA" -cp "$CP" org.fdloop.bench.SignalPathTrace "$label" "$data.txt" "$skip" | tee -a "$RAW"
    rm -f "$data" "$data.txt"
}

# summarize START TITLE NAME CLASS [ARG...]: the lines of raw.txt after line START into OUTDIR/NAME.txt,
# and into summary.md "### TITLE" and the table the summary main org.fdloop.bench.CLASS makes of
# them (given ARG... before the file)
summarize() {
    local start=$1 title=$2 file=$OUTDIR/$3.txt class=$4
    shift 4
    {
        echo "### $title"
        echo
        tail -n +"$((start + 1))" "$RAW" >"$file"
        "$JAVA" -cp "$CP" "org.fdloop.bench.$class" "$@" "$file"
        echo
    } >>"$SUMMARY"
}

{
    echo "## Run of $(date -u +%Y-%m-%dT%H:%M:%SZ): ${what[*]}"
    echo
    machine
    echo "- load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
} >>"$SUMMARY"

for w in "${what[@]}"; do
    case "$w" in
    pingpong)
        CBIN=fdloop-bench/target/bench-c/eventfd_pingpong
        compile "$CBIN" "$BENCH_C/eventfd_pingpong.c"
        start=$(wc -l <"$RAW")
        for ((r = 1; r <= ROUNDS; r++)); do
            # pinned: C with -a 0,0, the JVM (every thread of it) under taskset -c 0
            run "$r" "$CBIN" -m epoll -f eventfd -n "$PINGPONG_N" -T "$PINGPONG_T" -a 0,0
            for mode in loop loop-timed raw; do
                run "$r" taskset -c 0 "$JAVA" $JOPTS -cp "$CP" org.fdloop.bench.LoopPingPong -m $mode -n "$PINGPONG_N" -w "$PINGPONG_W" -T "$PINGPONG_T"
            done
            # unpinned
            run "$r" "$CBIN" -m epoll -f eventfd -n "$PINGPONG_N" -T "$PINGPONG_T"
            for mode in loop loop-timed raw; do
                run "$r" "$JAVA" $JOPTS -cp "$CP" org.fdloop.bench.LoopPingPong -m $mode -n "$PINGPONG_N" -w "$PINGPONG_W" -T "$PINGPONG_T"
            done
        done
        summarize "$start" "eventfd ping-pong: C eventfd_pingpong -m epoll vs two fdloop EventLoops ($ROUNDS rounds, alternating)" \
            pingpong PingPongSummary
        ;;
    timers)
        CBIN=fdloop-bench/target/bench-c/timer_heap
        compile "$CBIN" "$BENCH_C/timer_heap.c"
        for gc in $TIMER_GCS; do # one JVM per collector, one after the other
            run 1 "$JAVA" $JOPTS -XX:+Use${gc}GC -Xms2g -Xmx2g -cp "$CP" org.fdloop.bench.TimerComparison -r "$ROUNDS" -c "$CBIN" \
                >"$OUTDIR/timers-$gc.txt"
            { echo "#### TimerComparison under -XX:+Use${gc}GC"; echo; sed -n '/^### /,$p' "$OUTDIR/timers-$gc.txt"; } >>"$SUMMARY"
        done
        ;;
    execute)
        run 1 "$JAVA" $JOPTS -cp "$CP" org.fdloop.bench.ExecuteComparison -r "$ROUNDS" >"$OUTDIR/execute.txt"
        sed -n '/^### /,$p' "$OUTDIR/execute.txt" >>"$SUMMARY"
        ;;
    dispatch)
        run 1 "$JAVA" $JOPTS -cp "$CP" org.openjdk.jmh.Main LoopDispatchBenchmark -prof gc -rf text -rff "$OUTDIR/dispatch-jmh.txt" >"$OUTDIR/dispatch.txt"
        {
            echo "### One loop iteration (JMH, -prof gc): ns/op and bytes allocated per op"
            echo
            echo '```'
            grep -E '^Benchmark|avgt' "$OUTDIR/dispatch-jmh.txt" | grep -Ev 'gc\.(count|time)'
            echo '```'
            echo
        } >>"$SUMMARY"
        ;;
    signals)
        CBIN=fdloop-bench/target/bench-c/signal_latency
        PBIN=fdloop-bench/target/bench-c/signal_handler_pipe
        compile "$CBIN" "$BENCH_C/signal_latency.c"
        compile "$PBIN" fdloop-bench/src/main/c/signal_handler_pipe.c
        start=$(wc -l <"$RAW")
        for ((r = 1; r <= ROUNDS; r++)); do
            for pin in "taskset -c 0" ""; do
                run "$r" $pin "$CBIN" -n "$SIGNAL_N" -w 200
                run "$r" $pin "$PBIN" -n "$SIGNAL_N" -w 200
                run "$r" $pin "$PBIN" -d -n "$SIGNAL_N" -w 200
                for args in "-m native -t own" "-m native -t main" "-m jvm -t own" "-m jvm -t main"; do
                    run "$r" $pin "$JAVA" $JOPTS -cp "$CP" org.fdloop.bench.SignalLatency $args -n "$SIGNAL_N" -w 20000
                done
            done
        done
        summarize "$start" "kill() to handler: C signalfd vs fdloop onSignal, native handler and JVM handler ($ROUNDS rounds, alternating)" \
            signals SignalLatencySummary
        ;;
    signal-path)
        command -v perf >/dev/null || { echo "signal-path traces with perf: install it (Debian: apt-get install linux-perf)" >&2; exit 2; }
        PBIN=fdloop-bench/target/bench-c/signal_handler_pipe
        compile "$PBIN" fdloop-bench/src/main/c/signal_handler_pipe.c
        start=$(wc -l <"$RAW")
        for ((r = 1; r <= ROUNDS; r++)); do
            traced "$r" c-handler-pipe-d 200 \
                taskset -c 0 "$PBIN" -d -n "$SIGNAL_N" -w 200
            traced "$r" fdloop-native-main 20000 \
                taskset -c 0 "$JAVA" $JOPTS -cp "$CP" org.fdloop.bench.SignalLatency -m native -t main -n "$SIGNAL_N" -w 20000
            traced "$r" c-handler-pipe 200 \
                taskset -c 0 "$PBIN" -n "$SIGNAL_N" -w 200
            traced "$r" fdloop-native-own 20000 \
                taskset -c 0 "$JAVA" $JOPTS -cp "$CP" org.fdloop.bench.SignalLatency -m native -t own -n "$SIGNAL_N" -w 20000
        done
        summarize "$start" "Where kill() to handler goes, traced with perf: C of fdloop's design and fdloop, loop on main and on its own thread, pinned ($ROUNDS rounds, alternating)" \
            signal-path SignalPathTrace --table
        ;;
    lateness)
        CBIN=fdloop-bench/target/bench-c/timerfd_jitter
        compile "$CBIN" "$BENCH_C/timerfd_jitter.c"
        start=$(wc -l <"$RAW")
        for ((r = 1; r <= ROUNDS; r++)); do
            for period in $LATENESS_PERIODS; do
                run "$r" "$CBIN" -m pwait2 -p "$period" -d "$LATENESS_D"
                run "$r" "$CBIN" -m pwait2 -p "$period" -d "$LATENESS_D" -s 1
                run "$r" "$CBIN" -m epoll -p "$period" -d "$LATENESS_D"
                for mode in loop timerfd; do
                    run "$r" "$JAVA" $JOPTS -cp "$CP" org.fdloop.bench.TimerLateness -m $mode -p "$period" -d "$LATENESS_D"
                done
                run "$r" "$JAVA" $JOPTS -cp "$CP" org.fdloop.bench.TimerLateness -m loop -p "$period" -d "$LATENESS_D" -s 1
            done
        done
        summarize "$start" "Timer lateness: C timerfd_jitter vs fdloop's timers ($ROUNDS rounds, alternating, unpinned)" \
            lateness TimerLatenessSummary
        ;;
    spawn)
        CBIN=fdloop-bench/target/bench-c/spawn_pidfd
        compile "$CBIN" fdloop-bench/src/main/c/spawn_pidfd.c
        start=$(wc -l <"$RAW")
        for ((r = 1; r <= ROUNDS; r++)); do
            run "$r" "$CBIN" -n "$SPAWN_N" -w 50 /bin/true
            run "$r" "$JAVA" $JOPTS -cp "$CP" org.fdloop.bench.SpawnBenchmark -m fdloop -n "$SPAWN_N" -w "$SPAWN_W" /bin/true
            run "$r" "$JAVA" $JOPTS -cp "$CP" org.fdloop.bench.SpawnBenchmark -m jdk -n "$SPAWN_N" -w "$SPAWN_W" /bin/true
            run "$r" "$JAVA" $JOPTS -cp "$CP" org.fdloop.bench.SpawnBenchmark -m onexit -n "$SPAWN_N" -w "$SPAWN_W" /bin/true
        done
        summarize "$start" "/bin/true: fdloop spawn vs ProcessBuilder.start() vs C posix_spawn + pidfd ($ROUNDS rounds, alternating, unpinned)" \
            spawn SpawnSummary
        ;;
    *)
        echo "unknown benchmark '$w': pingpong, timers, execute, dispatch, signals, signal-path, lateness or spawn" >&2
        exit 2
        ;;
    esac
done

echo "- load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$SUMMARY"
echo
echo "==== $SUMMARY"
cat "$SUMMARY"

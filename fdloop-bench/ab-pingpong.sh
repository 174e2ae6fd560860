#!/bin/bash
# Paired A/B of the pinned eventfd ping-pong (docs/BENCHMARKS.md section 1): the build of git
# revision BASE against this checkout's build, alternating within each round, each round after
# its own C run. Prints per round the rate, the ratio to C and the best-batch figure
# (p10_batch_ns_per_rt) of each side, then per mode the medians and the median of the per-round
# new/base rate ratios.
#
#   fdloop-bench/ab-pingpong.sh [BASE]          # BASE defaults to HEAD~1
#
# Environment: ROUNDS (10), N (150000 round trips), MODES ("loop loop-timed raw"; a BASE older than 'timing' becoming opt-in knows loop, loop-untimed and raw only), BENCH_C
# (the C sources: fdloop-bench/src/main/c), JAVA_HOME. Build this checkout first
# (mvn -B -DskipTests package -pl fdloop-bench -am); BASE is built in a temporary git worktree.
#
# Why paired: on the shared 2-vCPU VM whole runs fall into a fast and a slow phase (best batches
# about 3600 against 5000 ns per round trip, the C program alike), so two builds measured minutes
# apart differ by more than any change to the loop. Pair them, and read the best batches too.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BASE=${1:-HEAD~1}
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export JAVA_HOME
J=$JAVA_HOME/bin/java
BENCH_C=${BENCH_C:-$ROOT/fdloop-bench/src/main/c}
R=${ROUNDS:-10}; N=${N:-150000}; MODES=${MODES:-loop loop-timed raw}

WORK=$(mktemp -d)
cleanup() {
    git worktree remove --force "$WORK/base" >/dev/null 2>&1 || true # gone already, ignoring
    rm -rf "$WORK"
}
trap cleanup EXIT
git worktree add -q --detach "$WORK/base" "$BASE"
(cd "$WORK/base" && mvn -B -o -q -DskipTests package -pl fdloop-bench -am)
NEW="$ROOT/fdloop-bench/target/fdloop-bench.jar:$ROOT/fdloop-bench/target/lib/*"
OLD="$WORK/base/fdloop-bench/target/fdloop-bench.jar:$WORK/base/fdloop-bench/target/lib/*"
CBIN=$WORK/eventfd_pingpong
gcc -O2 -pthread -o "$CBIN" "$BENCH_C/eventfd_pingpong.c"

OUT=$WORK/rounds.txt
for r in $(seq "$R"); do
    c=$("$CBIN" -m epoll -f eventfd -n "$N" -T 5 -a 0,0 | grep -o 'rt_per_s=[0-9]*' | cut -d= -f2)
    line="round $r C $c"
    for m in $MODES; do
        for side in base new; do
            cp=$NEW; [ "$side" = base ] && cp=$OLD
            res=$(taskset -c 0 "$J" --enable-native-access=ALL-UNNAMED -cp "$cp" org.fdloop.bench.LoopPingPong -m "$m" -n "$N" -w 100000 -T 5)
            v=$(echo "$res" | grep -o 'rt_per_s=[0-9]*' | cut -d= -f2)
            p=$(echo "$res" | grep -o 'p10_batch_ns_per_rt=[0-9]*' | cut -d= -f2)
            line="$line $m/$side $v $(awk -v a="$v" -v b="$c" 'BEGIN { printf "%.3f", a / b }') $p"
        done
    done
    echo "$line" | tee -a "$OUT"
done

# per mode and side: median ratio to C, median best batch; per mode: median of new/base per round
awk -v modes="$MODES" '
function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ for (i = 5; i <= NF; i += 4) { rate[$i, NR] = $(i + 1); ratio[$i, NR] = $(i + 2); best[$i, NR] = $(i + 3) } rounds = NR }
END {
    k = split(modes, ms, " ")
    for (x = 1; x <= k; x++) {
        m = ms[x]
        for (s = 1; s <= 2; s++) {
            side = s == 1 ? "base" : "new"
            for (r = 1; r <= rounds; r++) { a[r] = ratio[m "/" side, r]; b[r] = best[m "/" side, r] }
            printf "%s/%s: median ratio to C %.3f, median best batch %d ns/rt\n", m, side, median(a, rounds), median(b, rounds)
        }
        for (r = 1; r <= rounds; r++) q[r] = rate[m "/new", r] / rate[m "/base", r]
        printf "%s: median of per-round new/base %.3f\n", m, median(q, rounds)
    }
}' "$OUT"

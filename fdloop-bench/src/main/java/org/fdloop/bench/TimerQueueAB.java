package org.fdloop.bench;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.fdloop.EventLoop;
import org.fdloop.TimerHandler;
import org.fdloop.TimerSource;

/**
 * Builds of fdloop-core side by side in ONE JVM, for changes to the loop's timers: each build is
 * loaded by a class loader of its own (with this benchmark's classes, so {@link Round} links
 * against that build), and the builds take turns in every round (the order rotates). So a burst
 * of load from elsewhere on a shared machine hits the builds alike, which separate JVMs minutes
 * apart do not; and each build's figure in % of the first build's in the same round comes out beside the medians.
 *
 * <p>A round is {@link TimerComparison}'s fdloop part: schedule M timers (1-1000 s), cancel them in
 * random order, then schedule F due within 20 ms, sleep 25 ms and fire them all; ns per op.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Xms3g -Xmx3g -cp fdloop-bench/target/fdloop-bench.jar \
 *     org.fdloop.bench.TimerQueueAB [-m timers] [-f fired] [-r rounds] [-w warm-up rounds] name=fdloop-core.jar name=... </pre>
 *
 * <p>The JIT compiles each build's classes separately; the first rounds (-w, default 3) are not counted.
 */
public final class TimerQueueAB {
    private TimerQueueAB() {
    }

    public static void main(String[] args) throws Exception {
        int m = 1_000_000;
        int f = 100_000;
        int rounds = 20;
        int warmUp = 3;
        Map<String, Path> builds = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-m" -> m = Integer.parseInt(args[++i]);
                case "-f" -> f = Integer.parseInt(args[++i]);
                case "-r" -> rounds = Integer.parseInt(args[++i]);
                case "-w" -> warmUp = Integer.parseInt(args[++i]);
                default -> {
                    int eq = args[i].indexOf('=');
                    Path jar = eq > 0 ? Path.of(args[i].substring(eq + 1)) : null;
                    if (jar == null || !Files.exists(jar)) {
                        System.err.println("not a name=fdloop-core.jar (or classes directory) that exists: '" + args[i] + "'");
                        System.err.println("usage: TimerQueueAB [-m timers] [-f fired] [-r rounds] [-w warm-up rounds] name=jar name=jar ...");
                        System.exit(2);
                    }
                    builds.put(args[i].substring(0, eq), jar);
                }
            }
        }
        if (builds.isEmpty() || m < 1 || f < 1 || rounds < 1 || warmUp < 0) {
            System.err.println("usage: TimerQueueAB [-m timers] [-f fired] [-r rounds] [-w warm-up rounds] name=jar name=jar ... "
                    + "(at least one build; timers, fired and rounds at least 1)");
            System.exit(2);
        }
        System.out.println("# " + SideBySide.describeRuntime());
        System.out.printf(Locale.ROOT, "# timers=%d fired=%d rounds=%d (+%d warm-up rounds, not counted) builds=%s%n",
                m, f, rounds, warmUp, builds);
        System.out.println(run(builds, m, f, rounds, warmUp));
    }

    /** Runs the rounds and returns the tables: medians, then per-round ratios to the first build. */
    static String run(Map<String, Path> builds, int m, int f, int rounds, int warmUp) throws Exception {
        URL self = TimerQueueAB.class.getProtectionDomain().getCodeSource().getLocation();
        List<String> names = new ArrayList<>(builds.keySet());
        Map<String, Method> rounders = new LinkedHashMap<>();
        for (var build : builds.entrySet()) {
            // the platform loader as parent: neither this module's fdloop-core nor its copy of Round is visible
            URLClassLoader loader = new URLClassLoader(new URL[] {self, build.getValue().toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
            rounders.put(build.getKey(), Class.forName(Round.class.getName(), true, loader)
                    .getMethod("run", int.class, int.class));
        }
        String first = names.get(0);
        SideBySide table = new SideBySide(String.format(Locale.ROOT,
                "Timer builds in one JVM: %,d scheduled then cancelled, %,d fired, %d rounds", m, f, rounds), first);
        SideBySide ratios = new SideBySide("Per round, each build's figure in % of " + first + "'s in the same round", first);
        String[] metrics = {"schedule", "cancel", "fire"};
        for (int round = 1 - warmUp; round <= rounds; round++) {
            Map<String, double[]> results = new LinkedHashMap<>();
            for (String name : SideBySide.rotated(names, round + warmUp)) {
                System.gc();
                double[] r = (double[]) rounders.get(name).invoke(null, m, f);
                results.put(name, r);
                System.out.printf(Locale.ROOT, "timers build=%s round=%d schedule_ns=%.1f cancel_ns=%.1f fire_ns=%.1f%s%n",
                        name, round, r[0], r[1], r[2], round <= 0 ? " (warm-up)" : "");
            }
            if (round > 0) {
                for (var e : results.entrySet()) {
                    for (int i = 0; i < metrics.length; i++) {
                        table.add(metrics[i], e.getKey(), e.getValue()[i]);
                        ratios.add(metrics[i] + ", % of " + first, e.getKey(), 100 * e.getValue()[i] / results.get(first)[i]);
                    }
                }
            }
        }
        return table.markdown() + "\n" + ratios.markdown().replace("(ns per op, lower is better)", "(% of the first build's, lower is better)");
    }

    /** One round against the build its class loader links it to. Public: called reflectively. */
    public static final class Round {
        private static int fired;

        private Round() {
        }

        /** {@return ns per schedule, per cancel and per fired timer} */
        public static double[] run(int m, int f) throws Exception {
            SplittableRandom random = new SplittableRandom(42); // the same timers for every build and round
            Duration[] delays = new Duration[m];
            int[] order = new int[m];
            for (int i = 0; i < m; i++) {
                delays[i] = Duration.ofNanos(1_000_000_000L + random.nextLong(999_000_000_000L));
                order[i] = i;
            }
            for (int i = m - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            Duration[] due = new Duration[f];
            for (int i = 0; i < f; i++) {
                due[i] = Duration.ofNanos(random.nextLong(20_000_000L));
            }
            try (EventLoop loop = EventLoop.open()) {
                TimerHandler never = t -> { };
                TimerSource[] handles = new TimerSource[m];
                long t0 = System.nanoTime();
                for (int i = 0; i < m; i++) {
                    handles[i] = loop.schedule(delays[i], never);
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < m; i++) {
                    handles[order[i]].cancel();
                }
                long t2 = System.nanoTime();
                fired = 0;
                TimerHandler count = t -> fired++;
                for (int i = 0; i < f; i++) {
                    loop.schedule(due[i], count);
                }
                Thread.sleep(25);
                long t3 = System.nanoTime();
                while (fired < f) {
                    loop.runOnce(Duration.ZERO);
                }
                long t4 = System.nanoTime();
                return new double[] {(double) (t1 - t0) / m, (double) (t2 - t1) / m, (double) (t4 - t3) / f};
            }
        }
    }
}

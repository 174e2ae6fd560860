package org.fdloop.bench;

import java.io.File;
import java.util.Arrays;
import java.util.Locale;
import org.fdloop.ChildSource;
import org.fdloop.EventLoop;
import org.fdloop.fd.Spawn;

/**
 * A program started N times, one at a time: fdloop's {@link Spawn} through
 * {@link EventLoop#spawn} (exit observed when the loop dispatches the child's pidfd), or the JDK's
 * {@link ProcessBuilder#start()} with the exit observed when {@link Process#waitFor()} returns
 * ({@code -m jdk}) or when the handler of {@link EventLoop#onExit(Process, org.fdloop.ExitHandler)}
 * runs, with the exit value ({@code -m onexit}). stdin, stdout and stderr are /dev/null in all,
 * as in the C baseline (src/main/c/spawn_pidfd.c).
 *
 * <pre>java -cp ... org.fdloop.bench.SpawnBenchmark -m fdloop|jdk|onexit [-n 1000] [-w 200] [program]</pre>
 *
 * Prints one line, as spawn_pidfd does: {@code spawn-fdloop n=.. start_p50_us=.. start_p99_us=..
 * exit_p50_us=.. exit_p99_us=..}. start: the start call alone; exit: from before the start call
 * until the exit is in hand (fdloop: the handler runs, with the reaped status).
 */
public final class SpawnBenchmark {
    private SpawnBenchmark() {}

    public static void main(String[] args) throws Exception {
        String mode = "fdloop";
        int n = 1000;
        int warmup = 200;
        String program = "/bin/true";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-m" -> mode = args[++i];
                case "-n" -> n = Integer.parseInt(args[++i]);
                case "-w" -> warmup = Integer.parseInt(args[++i]);
                default -> program = args[i];
            }
        }
        long[] start = new long[n];
        long[] exit = new long[n];
        switch (mode) {
            case "fdloop" -> fdloop(program, warmup, start, exit);
            case "jdk" -> jdk(program, warmup, start, exit);
            case "onexit" -> onExit(program, warmup, start, exit);
            default -> throw new IllegalArgumentException("-m fdloop, -m jdk or -m onexit, not " + mode);
        }
        Arrays.sort(start);
        Arrays.sort(exit);
        System.out.printf(Locale.ROOT, "spawn-%s n=%d start_p50_us=%.1f start_p99_us=%.1f exit_p50_us=%.1f exit_p99_us=%.1f%n",
                mode, n, SideBySide.percentile(start, 0.5), SideBySide.percentile(start, 0.99),
                SideBySide.percentile(exit, 0.5), SideBySide.percentile(exit, 0.99));
    }

    private static void fdloop(String program, int warmup, long[] start, long[] exit) throws Exception {
        Spawn spawn = Spawn.of(program).stdin(Spawn.Stdio.devNull()).stdout(Spawn.Stdio.devNull()).stderr(Spawn.Stdio.devNull());
        long[] exited = new long[1];
        try (EventLoop loop = EventLoop.open()) {
            for (int i = -warmup; i < start.length; i++) {
                exited[0] = 0;
                long t0 = System.nanoTime();
                ChildSource source = loop.spawn(spawn, (s, child, status) -> {
                    exited[0] = System.nanoTime();
                    if (!status.succeeded()) {
                        throw new IllegalStateException(child + " " + status);
                    }
                });
                long t1 = System.nanoTime();
                while (exited[0] == 0) {
                    loop.runOnce(java.time.Duration.ofSeconds(10));
                }
                source.child().close();
                if (i >= 0) {
                    start[i] = t1 - t0;
                    exit[i] = exited[0] - t0;
                }
            }
        }
    }

    private static void onExit(String program, int warmup, long[] start, long[] exit) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(program).redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        long[] exited = new long[1];
        try (EventLoop loop = EventLoop.open()) {
            for (int i = -warmup; i < start.length; i++) {
                exited[0] = 0;
                long t0 = System.nanoTime();
                Process process = builder.start();
                long t1 = System.nanoTime();
                loop.onExit(process, (s, p, status) -> {
                    exited[0] = System.nanoTime();
                    if (status != 0) {
                        throw new IllegalStateException(program + " exited with " + status);
                    }
                });
                while (exited[0] == 0) {
                    loop.runOnce(java.time.Duration.ofSeconds(10));
                }
                if (i >= 0) {
                    start[i] = t1 - t0;
                    exit[i] = exited[0] - t0;
                }
            }
        }
    }

    private static void jdk(String program, int warmup, long[] start, long[] exit) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(program).redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        for (int i = -warmup; i < start.length; i++) {
            long t0 = System.nanoTime();
            Process process = builder.start();
            long t1 = System.nanoTime();
            int status = process.waitFor();
            long t2 = System.nanoTime();
            if (status != 0) {
                throw new IllegalStateException(program + " exited with " + status);
            }
            if (i >= 0) {
                start[i] = t1 - t0;
                exit[i] = t2 - t0;
            }
        }
    }
}

package org.fdloop.cli;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fdloop.EventLoop;
import org.fdloop.backend.Backend;
import org.fdloop.fd.EventFd;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fdloop bench}: every backend side by side, with the C baselines (fdloop-bench/src/main/c, carried
 * inside this module as {@code /c-baselines/*.c}) when gcc is there: a wake-up round trip between two loops, and the cost of one wait as idle
 * fds pile up. Tables on stdout, a Markdown report with PNG and SVG charts in a directory.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Compare the backends side by side, beside the C baselines when gcc is present:",
            "- wake-up round trip: two loops on two threads bounce a token through two eventfds (like the C"
                + " baseline eventfd_pingpong -m epoll);",
            "- idle-fd scaling: one loop, N idle eventfds and one that is written and read each iteration; the"
                + " time of one iteration (write, wait, dispatch, read), as the C baseline fd_scaling measures it.",
            "Each figure is the median of the rounds (3, or 1 with --quick), taken round-robin over the backends so"
                + " that drift on a busy machine spreads over all of them. The tables go to stdout; report.md,"
                + " wakeup.png/.svg and idle-fds.png/.svg to --out; a progress bar to stderr. The figures are for"
                + " comparing backends run side by side on one machine, not absolute costs.",
            "Ctrl-C, SIGTERM or SIGHUP ends it early: the tables hold what was measured by then, the report is not"
                + " written, and no C baseline is left running. A round trip that makes no progress for 30 s is"
                + " stopped and its row skipped with the reason."})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "Tiny sizes and one round: a smoke run of a few seconds.")
    boolean quick;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "fdloop-bench-report",
            description = "Where report.md and the charts go (default: ${DEFAULT-VALUE}); created if missing.")
    Path out;

    @Option(names = "--c-baselines", paramLabel = "DIR",
            description = "A directory with the C baselines' sources, eventfd_pingpong.c and fd_scaling.c (default: those"
                    + " fdloop carries); built with gcc into the report's directory when gcc is on PATH.")
    Path cSources;

    /** The C baselines fdloop carries: fdloop-bench/src/main/c, copied into this module's jar. */
    private static final String BUNDLED = "/c-baselines/";
    /** A round trip takes microseconds even on the slowest backend: 1,024 of them not done in this long is a hang. */
    private static final Duration STALL = Duration.ofSeconds(30);
    private static final List<String> C_PROGRAMS = List.of("eventfd_pingpong", "fd_scaling");

    /** The stop signals, taken by a loop on a thread of its own; set once the run starts. */
    private StopSignals stop;
    /** The C baseline running now, ended at once by a stop signal; null between runs. */
    private volatile Process running;

    /** Sizes of one run. */
    private record Plan(int rounds, int roundTrips, int warmup, int[] idleFds, Duration cell) {}

    @Override
    public Integer call() throws Exception {
        System.setProperty("java.awt.headless", "true");
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Plan plan = quick ? new Plan(1, 2_000, 500, new int[] {10, 100}, Duration.ofMillis(50))
                : new Plan(3, 50_000, 10_000, new int[] {10, 100, 1000, 10_000}, Duration.ofMillis(500));
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new Main.Failure(out + ": not a directory: give --out a directory (it is created if missing)");
        }
        Files.createDirectories(out);
        // the measurements run on this thread and on loops of their own: the stop signals get a loop and thread of theirs
        EventLoop signals = EventLoop.builder().errorHandler(StopSignals.STOP_ON_FAILURE).build();
        stop = StopSignals.install(signals, List.of()).onStop(() -> {
            Process p = running;
            if (p != null) {
                try {
                    ChildProcesses.end(p);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // kept for whoever looks; no one interrupts this thread
                }
            }
        });
        signals.start();
        List<Backend> backends = List.of(Backend.values());
        String gcc = findOnPath("gcc");
        if (cSources == null && gcc != null) {
            cSources = bundledCSources(Files.createDirectories(out.resolve("c")));
        }
        boolean withC = gcc != null && C_PROGRAMS.stream().allMatch(p -> Files.isRegularFile(cSources.resolve(p + ".c")));
        String cNote = gcc == null ? "gcc is not on PATH: no C baselines (install gcc to get them)"
                : !withC ? "no C baseline sources in " + cSources.toAbsolutePath().normalize() + ": no C baselines (use --c-baselines DIR)"
                : null;

        Progress progress = new Progress(err, plan.rounds * backends.size() * (1 + plan.idleFds.length) + (withC ? 2 : 0));
        Map<String, List<Double>> wakeups = new LinkedHashMap<>();
        Map<String, Map<Integer, List<Double>>> scaling = new LinkedHashMap<>();
        Map<String, String> skipped = new TreeMap<>();
        rounds:
        for (int round = 1; round <= plan.rounds; round++) {
            for (Backend backend : backends) {
                if (stopped()) {
                    break rounds;
                }
                String name = BackendOption.name(backend);
                progress.step("round " + round + ": " + name + ", wake-up round trip");
                try {
                    double ns = pingPong(backend, plan);
                    if (!stopped()) {
                        wakeups.computeIfAbsent(name, k -> new ArrayList<>()).add(ns);
                    }
                } catch (IOException | IllegalArgumentException | IllegalStateException e) {
                    skipped.put(name + ", wake-up round trip", e.getMessage()); // the table says why, and the rest goes on
                }
                for (int n : plan.idleFds) {
                    if (stopped()) {
                        break rounds;
                    }
                    progress.step("round " + round + ": " + name + ", " + n + " idle fds");
                    try {
                        double ns = idleScaling(backend, n, plan.cell);
                        scaling.computeIfAbsent(name, k -> new TreeMap<>()).computeIfAbsent(n, k -> new ArrayList<>()).add(ns);
                    } catch (IOException | IllegalArgumentException | IllegalStateException e) {
                        skipped.put(name + ", " + n + " idle fds", e.getMessage()); // select past fd 1023, or a limit
                    }
                }
            }
        }
        if (withC && !stopped()) {
            runC(gcc, plan, progress, wakeups, scaling);
        }
        progress.finish();

        Map<String, Double> wake = new LinkedHashMap<>();
        wakeups.forEach((k, v) -> wake.put(k, median(v)));
        Map<String, Map<Integer, Double>> idle = new LinkedHashMap<>();
        scaling.forEach((k, cells) -> {
            Map<Integer, Double> m = new TreeMap<>();
            cells.forEach((n, v) -> m.put(n, median(v)));
            idle.put(k, m);
        });
        String tables = tables(wake, idle, plan, skipped, cNote);
        stdout.print(tables);
        stdout.flush();
        if (stopped()) {
            err.println("fdloop bench: ended by " + stop.received().name() + "; the tables hold what was measured by then,"
                    + " and no report was written");
            err.flush();
            return Main.OK;
        }
        writeReport(tables, wake, idle, plan);
        err.println("fdloop bench: report in " + out.resolve("report.md") + ", charts wakeup.png/.svg and idle-fds.png/.svg beside it");
        err.flush();
        return Main.OK;
    }

    /**
     * Nanoseconds per round trip between two loops on two threads, each waiting on its eventfd.
     * Each loop is opened on its own thread (a thread owns at most one SIGIO loop).
     */
    private double pingPong(Backend backend, Plan plan) throws Exception {
        int total = plan.warmup + plan.roundTrips;
        try (EventFd pingFd = EventFd.open(); EventFd pongFd = EventFd.open()) {
            long[] count = {0};
            AtomicLong progress = new AtomicLong(); // count[0] every 1024 round trips, for the stall check
            long[] times = new long[2];
            AtomicReference<EventLoop> ping = new AtomicReference<>();
            AtomicReference<EventLoop> pong = new AtomicReference<>();
            CountDownLatch ready = new CountDownLatch(2);
            AtomicReference<Exception> failure = new AtomicReference<>();
            Thread pongThread = loopThread(backend, "bench-pong", ready, failure, loop -> pong.set(loop), loop -> {
                loop.onReadable(pongFd, (s, e) -> {
                    if (pongFd.read() > 0) {
                        pingFd.write(1);
                    }
                });
            });
            Thread pingThread = loopThread(backend, "bench-ping", ready, failure, loop -> ping.set(loop), loop -> loop.onReadable(pingFd, (s, e) -> {
                if (pingFd.read() == 0) {
                    return;
                }
                count[0]++;
                if ((count[0] & 1023) == 0) {
                    progress.setOpaque(count[0]);
                }
                if (count[0] == plan.warmup) {
                    times[0] = System.nanoTime();
                }
                if (count[0] == total || (count[0] % 1024 == 0 && stopped())) {
                    times[1] = System.nanoTime();
                    loop.stop();
                    pong.get().stop();
                } else {
                    pongFd.write(1);
                }
            }));
            ready.await();
            if (failure.get() == null) {
                pongFd.write(1);
            } else { // one loop failed to open: end the other
                for (AtomicReference<EventLoop> loop : List.of(ping, pong)) {
                    if (loop.get() != null) {
                        loop.get().stop();
                    }
                }
            }
            String cut = MeasurementThreads.await(List.of(pingThread, pongThread), progress::getOpaque, this::stopped,
                    STALL, Duration.ofSeconds(5), () -> {
                        for (AtomicReference<EventLoop> loop : List.of(ping, pong)) {
                            if (loop.get() != null) {
                                loop.get().stop(); // thread-safe
                            }
                        }
                    });
            if (failure.get() != null) {
                throw failure.get();
            }
            if (cut != null) {
                throw new IOException(cut);
            }
            return (times[1] - times[0]) / (double) plan.roundTrips;
        }
    }

    /** What a loop thread registers before it runs. */
    @FunctionalInterface
    private interface Setup {
        void register(EventLoop loop) throws IOException;
    }

    /** A platform thread that opens a loop, registers, counts {@code ready} down and runs the loop until it stops. */
    private static Thread loopThread(Backend backend, String name, CountDownLatch ready, AtomicReference<Exception> failure,
            java.util.function.Consumer<EventLoop> opened, Setup setup) {
        // a daemon: a thread that ignores its stop must not keep the JVM (and the user's terminal) waiting
        return Thread.ofPlatform().name(name).daemon(true).start(() -> {
            try (EventLoop loop = EventLoop.builder().backend(backend).build()) {
                opened.accept(loop);
                setup.register(loop);
                ready.countDown();
                if (failure.get() == null) {
                    loop.run();
                }
            } catch (Exception e) {
                failure.compareAndSet(null, e);
                ready.countDown();
            }
        });
    }

    /** Nanoseconds per iteration (write the active eventfd, wait, dispatch, read it) with {@code n} idle eventfds registered. */
    private static double idleScaling(Backend backend, int n, Duration cell) throws IOException {
        List<EventFd> idle = new ArrayList<>(n);
        try (EventLoop loop = EventLoop.builder().backend(backend).build()) {
            for (int i = 0; i < n; i++) {
                EventFd fd = EventFd.open();
                idle.add(fd);
                loop.onReadable(fd, (s, e) -> {});
            }
            // opened last, so it has the highest number: poll's and select's worst case, as bench-c's "active=last"
            try (EventFd active = EventFd.open()) {
                loop.onReadable(active, (s, e) -> active.read());
                for (int i = 0; i < 200; i++) { // warm up the dispatch path
                    active.write(1);
                    loop.runOnce(Duration.ZERO);
                }
                long iterations = 0;
                long start = System.nanoTime();
                long end = start + cell.toNanos();
                long now;
                do {
                    for (int i = 0; i < 16; i++) {
                        active.write(1);
                        loop.runOnce(Duration.ZERO);
                    }
                    iterations += 16;
                    now = System.nanoTime();
                } while (now < end);
                return (now - start) / (double) iterations;
            }
        } finally {
            idle.forEach(EventFd::close);
        }
    }

    /** Builds and runs the C baselines; their figures join the tables as "C epoll", "C poll", "C select". */
    private void runC(String gcc, Plan plan, Progress progress, Map<String, List<Double>> wakeups,
            Map<String, Map<Integer, List<Double>>> scaling) throws IOException, InterruptedException {
        Path bin = Files.createDirectories(out.resolve("c"));
        progress.step("C baselines: eventfd_pingpong");
        Path pingpong = compile(gcc, "eventfd_pingpong", bin);
        for (int round = 0; round < plan.rounds && !stopped(); round++) {
            String line = run(pingpong.toString(), "-m", "epoll", "-n", Integer.toString(plan.roundTrips),
                    "-w", Integer.toString(plan.warmup));
            Matcher m = Pattern.compile("ns_per_rt=([\\d.]+)").matcher(line);
            if (m.find()) {
                wakeups.computeIfAbsent("C epoll", k -> new ArrayList<>()).add(Double.parseDouble(m.group(1)));
            }
        }
        if (stopped()) {
            return;
        }
        progress.step("C baselines: fd_scaling");
        Path fdScaling = compile(gcc, "fd_scaling", bin);
        String sizes = String.join(",", Arrays.stream(plan.idleFds).mapToObj(Integer::toString).toList());
        for (int round = 0; round < plan.rounds && !stopped(); round++) {
            String output = run(fdScaling.toString(), "-n", sizes, "-m", "select,poll,epoll",
                    "-t", String.format(Locale.ROOT, "%.3f", plan.cell.toMillis() / 1000.0));
            Matcher m = Pattern.compile("method=(\\w+) .* n=(\\d+) .* ns_per_iter=([\\d.]+)").matcher(output);
            while (m.find()) {
                scaling.computeIfAbsent("C " + m.group(1), k -> new TreeMap<>())
                        .computeIfAbsent(Integer.parseInt(m.group(2)), k -> new ArrayList<>()).add(Double.parseDouble(m.group(3)));
            }
        }
    }

    /** Writes the C baselines this module carries into {@code dir}; returns {@code dir}. */
    private static Path bundledCSources(Path dir) throws IOException {
        for (String program : C_PROGRAMS) {
            try (var in = BenchCommand.class.getResourceAsStream(BUNDLED + program + ".c")) {
                if (in == null) {
                    throw new IllegalStateException("the C baseline " + program + ".c is missing from fdloop's jar: a broken build");
                }
                Files.copy(in, dir.resolve(program + ".c"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }

    private Path compile(String gcc, String program, Path bin) throws IOException, InterruptedException {
        Path exe = bin.resolve(program);
        run(gcc, "-O2", "-pthread", "-o", exe.toString(), cSources.resolve(program + ".c").toString());
        return exe;
    }

    /** Whether a stop signal came: the run ends at the next step. */
    private boolean stopped() {
        return stop.received() != null;
    }

    /**
     * Runs a command to its end and returns its stdout; a non-zero exit is an IOException with its
     * output. A stop signal ends it at once, and then its output is empty.
     */
    private String run(String... command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("fdloop-bench-", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            running = p;
            if (stopped()) { // the signal came between the start and the line above
                ChildProcesses.end(p);
            }
            boolean ended = p.waitFor(5, TimeUnit.MINUTES);
            running = null;
            if (!ended) {
                p.destroyForcibly();
                p.waitFor();
                throw new IOException(String.join(" ", command) + ": still running after 5 minutes; killed");
            }
            if (stopped()) {
                return "";
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + ": " + output.strip());
            }
            return output;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String findOnPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Both tables, as Markdown (which reads as plain text too). */
    private static String tables(Map<String, Double> wake, Map<String, Map<Integer, Double>> idle, Plan plan,
            Map<String, String> skipped, String cNote) {
        StringBuilder t = new StringBuilder();
        double epoll = wake.getOrDefault("epoll", Double.NaN);
        t.append(String.format(Locale.ROOT, "Wake-up round trip: two loops on two threads, eventfd ping-pong, %,d round trips"
                + " (median of %d round%s; lower is better)%n%n", plan.roundTrips, plan.rounds, plan.rounds == 1 ? "" : "s"));
        t.append(String.format(Locale.ROOT, "| %-10s | %14s | %8s |%n", "backend", "ns/round trip", "vs epoll"));
        t.append(String.format(Locale.ROOT, "|%s|%s:|%s:|%n", "-".repeat(12), "-".repeat(15), "-".repeat(9)));
        wake.forEach((name, ns) -> t.append(String.format(Locale.ROOT, "| %-10s | %,14.0f | %7.2fx |%n", name, ns, ns / epoll)));
        List<String> columns = new ArrayList<>(idle.keySet());
        t.append(String.format(Locale.ROOT, "%nIdle-fd scaling: ns per iteration (write one eventfd, wait, dispatch, read) with N idle"
                + " eventfds registered (median of %d round%s)%n%n", plan.rounds, plan.rounds == 1 ? "" : "s"));
        t.append(String.format(Locale.ROOT, "| %8s |", "N"));
        columns.forEach(c -> t.append(String.format(Locale.ROOT, " %10s |", c)));
        t.append(String.format("%n|%s:|", "-".repeat(9)));
        columns.forEach(c -> t.append("-".repeat(11)).append(":|"));
        t.append(String.format("%n"));
        for (int n : plan.idleFds) {
            t.append(String.format(Locale.ROOT, "| %,8d |", n));
            for (String c : columns) {
                Double ns = idle.get(c).get(n);
                t.append(ns == null ? String.format(" %10s |", "-") : String.format(Locale.ROOT, " %,10.0f |", ns));
            }
            t.append(String.format("%n"));
        }
        if (!skipped.isEmpty() || cNote != null) {
            t.append(String.format("%n"));
        }
        skipped.forEach((cell, why) -> t.append("- not measured: ").append(cell).append(": ").append(why).append(String.format("%n")));
        if (cNote != null) {
            t.append("- ").append(cNote).append(String.format("%n"));
        }
        return t.toString();
    }

    private void writeReport(String tables, Map<String, Double> wake, Map<String, Map<Integer, Double>> idle, Plan plan)
            throws IOException {
        CategoryChart bars = new CategoryChartBuilder().width(800).height(450).title("Wake-up round trip (lower is better)")
                .xAxisTitle("backend").yAxisTitle("ns per round trip").build();
        bars.getStyler().setLegendVisible(false);
        bars.addSeries("round trip", new ArrayList<>(wake.keySet()), new ArrayList<>(wake.values()));
        save(bars, "wakeup");

        XYChart lines = new XYChartBuilder().width(800).height(450).title("One wait with N idle fds (lower is better)")
                .xAxisTitle("idle fds (N)").yAxisTitle("ns per iteration").build();
        lines.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true).setLegendPosition(Styler.LegendPosition.InsideNW);
        idle.forEach((name, cells) -> {
            if (!cells.isEmpty()) {
                lines.addSeries(name, cells.keySet().stream().map(Integer::doubleValue).toList(), new ArrayList<>(cells.values()));
            }
        });
        save(lines, "idle-fds");

        String command = "fdloop bench" + (quick ? " --quick" : "") + " --out " + out;
        String report = "# fdloop bench\n\n"
                + "Produced by `" + command + "` on " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ": "
                + Runtime.getRuntime().availableProcessors() + " CPUs, Linux " + System.getProperty("os.version") + ", "
                + System.getProperty("os.arch") + ", JVM " + Runtime.version() + ", load average " + loadAverage() + ".\n\n"
                + "Every backend runs the same two measurements in the same process, round-robin over " + plan.rounds
                + " round" + (plan.rounds == 1 ? "" : "s") + "; each figure is the median. The C rows are fdloop's C"
                + " baselines eventfd_pingpong (-m epoll) and fd_scaling (fdloop-bench/src/main/c), built with gcc -O2"
                + " and run right after. Compare ratios"
                + " between rows of one report; absolute figures depend on the machine and on what else runs on it.\n\n"
                + tables + "\n![wake-up round trip](wakeup.png)\n\n![idle-fd scaling](idle-fds.png)\n\n"
                + "SVG versions: [wakeup.svg](wakeup.svg), [idle-fds.svg](idle-fds.svg).\n";
        Files.writeString(out.resolve("report.md"), report, StandardCharsets.UTF_8);
    }

    private void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, String name) throws IOException {
        BitmapEncoder.saveBitmap(chart, out.resolve(name + ".png").toString(), BitmapEncoder.BitmapFormat.PNG);
        VectorGraphicsEncoder.saveVectorGraphic(chart, out.resolve(name + ".svg").toString(),
                VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown"; // no /proc: the report goes without it, ignoring
        }
    }
}

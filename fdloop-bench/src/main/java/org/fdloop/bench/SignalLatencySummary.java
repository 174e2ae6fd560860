package org.fdloop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Summarizes the signal latency runs of run-loop-benchmarks.sh (C signal_latency and
 * {@link SignalLatency}, in alternating rounds) as a Markdown table: per placement and program,
 * the median over the rounds of each run's p50, p90 and p99, and the ratios the targets are
 * stated in (fdloop native ÷ C, and JVM route ÷ fdloop native, at p50), the native route both
 * with its loop on main (the signal wakes the loop directly) and on a thread of its own.
 *
 * <pre>java -cp ... org.fdloop.bench.SignalLatencySummary raw-lines.txt</pre>
 */
public final class SignalLatencySummary {
    private SignalLatencySummary() {}

    static final String C_SIGNALFD = "C: signalfd in epoll";
    static final String C_DESIGN_MAIN = "C: handler writes a pipe, main thread takes the signal";
    static final String C_DESIGN_LOOP = "C: handler writes a pipe, loop thread takes the signal (-d)";
    static final String NATIVE_OWN = "fdloop, native handler, loop on its own thread";
    static final String NATIVE_MAIN = "fdloop, native handler, loop on main";
    static final String JVM = "fdloop, JVM handler (sun.misc.Signal), loop on its own thread";

    public static void main(String[] args) throws IOException {
        System.out.print(summarize(Files.readAllLines(Path.of(args[0]))));
    }

    /** The tables for the raw lines of a run. */
    static String summarize(List<String> lines) {
        // placement -> program -> metric -> values
        Map<String, Map<String, Map<String, List<Double>>>> runs = new LinkedHashMap<>();
        String placement = "none";
        for (String line : lines) {
            if (line.startsWith("# round=")) {
                placement = line.contains("cmd=taskset -c 0 ") ? "pinned (taskset -c 0)" : "unpinned";
                continue;
            }
            if (!line.startsWith("signal_latency ")) {
                continue;
            }
            Map<String, String> f = SideBySide.fields(line);
            String program = switch (f.get("mode")) {
                case "signalfd" -> C_SIGNALFD;
                case "handler-pipe" -> "loop".equals(f.get("taker")) ? C_DESIGN_LOOP : C_DESIGN_MAIN;
                case "native" -> "main".equals(f.get("loop_thread")) ? NATIVE_MAIN : NATIVE_OWN;
                case "jvm" -> "main".equals(f.get("loop_thread")) ? "fdloop, JVM handler, loop on main" : JVM;
                default -> f.get("mode");
            };
            Map<String, List<Double>> metrics = runs.computeIfAbsent(placement, p -> new LinkedHashMap<>())
                    .computeIfAbsent(program, p -> new LinkedHashMap<>());
            for (String m : List.of("p50_us", "p90_us", "p99_us")) {
                metrics.computeIfAbsent(m, k -> new ArrayList<>()).add(Double.parseDouble(f.get(m)));
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("| placement | program | p50 µs | p90 µs | p99 µs | runs |\n|---|---|---:|---:|---:|---:|\n");
        for (var p : runs.entrySet()) {
            for (var prog : p.getValue().entrySet()) {
                Map<String, List<Double>> m = prog.getValue();
                out.append(String.format(Locale.ROOT, "| %s | %s | %.1f (%s) | %.1f | %.1f | %d |%n", p.getKey(), prog.getKey(),
                        SideBySide.median(m.get("p50_us")), SideBySide.range(m.get("p50_us"), "%.1f"), SideBySide.median(m.get("p90_us")),
                        SideBySide.median(m.get("p99_us")), m.get("p50_us").size()));
            }
        }
        out.append("\n| placement | native p50 ÷ C signalfd p50 (target ≤ 2): loop on main | loop on its own thread "
                + "| native p50 ÷ C, same design: loop on main | loop on its own thread | JVM p50 ÷ native p50 (target ≥ 5) |\n"
                + "|---|---:|---:|---:|---:|---:|\n");
        for (var p : runs.entrySet()) {
            Map<String, Map<String, List<Double>>> programs = p.getValue();
            double c = p50(programs, C_SIGNALFD);
            double main = p50(programs, NATIVE_MAIN);
            double own = p50(programs, NATIVE_OWN);
            out.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f |%n", p.getKey(), main / c, own / c,
                    main / p50(programs, C_DESIGN_LOOP), own / p50(programs, C_DESIGN_MAIN), p50(programs, JVM) / own));
        }
        return out.toString();
    }

    private static double p50(Map<String, Map<String, List<Double>>> programs, String program) {
        Map<String, List<Double>> m = programs.get(program);
        return m == null ? Double.NaN : SideBySide.median(m.get("p50_us"));
    }
}

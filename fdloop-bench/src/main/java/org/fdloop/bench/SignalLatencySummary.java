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
 * stated in (fdloop native ÷ C, and JVM route ÷ fdloop native, at p50).
 *
 * <pre>java -cp ... org.fdloop.bench.SignalLatencySummary raw-lines.txt</pre>
 */
public final class SignalLatencySummary {
    private SignalLatencySummary() {}

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
                case "signalfd" -> "C: signalfd in epoll";
                case "handler-pipe" -> "C: handler writes a pipe (fdloop's design)";
                case "native" -> "fdloop, native handler";
                case "jvm" -> "fdloop, JVM handler (sun.misc.Signal)";
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
        out.append("\n| placement | native p50 ÷ C signalfd p50 (target ≤ 2) | native p50 ÷ C handler-pipe p50 | JVM p50 ÷ native p50 (target ≥ 5) |\n|---|---:|---:|---:|\n");
        for (var p : runs.entrySet()) {
            double c = p50(p.getValue(), "C: signalfd in epoll");
            double nat = p50(p.getValue(), "fdloop, native handler");
            double jvm = p50(p.getValue(), "fdloop, JVM handler (sun.misc.Signal)");
            double design = p50(p.getValue(), "C: handler writes a pipe (fdloop's design)");
            out.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f |%n", p.getKey(), nat / c, nat / design, jvm / nat));
        }
        return out.toString();
    }

    private static double p50(Map<String, Map<String, List<Double>>> programs, String program) {
        Map<String, List<Double>> m = programs.get(program);
        return m == null ? Double.NaN : SideBySide.median(m.get("p50_us"));
    }
}

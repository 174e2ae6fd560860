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
 * Summarizes the spawn runs of run-loop-benchmarks.sh (C spawn_pidfd, {@link SpawnBenchmark}
 * -m fdloop and -m jdk, in alternating rounds) as a Markdown table: for the start call and for
 * start-to-exit-observed, each program's p50 and p99 (the median over the rounds of each run's
 * value), and the ratios the targets are stated in (fdloop ÷ C, JDK ÷ fdloop), each taken within
 * a round and given as the median over the rounds.
 *
 * <pre>java -cp ... org.fdloop.bench.SpawnSummary raw-lines.txt</pre>
 */
public final class SpawnSummary {
    private SpawnSummary() {}

    private static final List<String> PROGRAMS = List.of("spawn_pidfd", "spawn-fdloop", "spawn-jdk");
    private static final List<String> METRICS = List.of("start_p50_us", "start_p99_us", "exit_p50_us", "exit_p99_us");

    public static void main(String[] args) throws IOException {
        System.out.print(summarize(Files.readAllLines(Path.of(args[0]))));
    }

    static String summarize(List<String> lines) {
        // program -> metric -> one value per run, in run order
        Map<String, Map<String, List<Double>>> runs = new LinkedHashMap<>();
        for (String line : lines) {
            String program = line.split("\\s+", 2)[0];
            if (!PROGRAMS.contains(program)) {
                continue;
            }
            Map<String, String> f = SideBySide.fields(line);
            for (String metric : METRICS) {
                if (f.get(metric) == null) {
                    throw new IllegalArgumentException(line.strip() + ": no " + metric + "= (a run that failed or was cut short?"
                            + " remove the line or rerun)");
                }
                runs.computeIfAbsent(program, p -> new LinkedHashMap<>()).computeIfAbsent(metric, m -> new ArrayList<>())
                        .add(Double.parseDouble(f.get(metric)));
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("| µs, median over rounds (min..max) | C posix_spawn + pidfd | fdloop spawn | ProcessBuilder.start() "
                + "| fdloop ÷ C | ProcessBuilder ÷ fdloop |\n|---|---:|---:|---:|---:|---:|\n");
        for (String metric : METRICS) {
            out.append("| ").append(metric.replace("_us", "").replace('_', ' '));
            for (String program : PROGRAMS) {
                List<Double> v = runs.getOrDefault(program, Map.of()).getOrDefault(metric, List.of());
                out.append(v.isEmpty() ? " | -" : String.format(Locale.ROOT, " | %.0f (%s)", SideBySide.median(v), SideBySide.range(v, "%.0f")));
            }
            out.append(" | ").append(ratio(runs, metric, "spawn-fdloop", "spawn_pidfd"));
            out.append(" | ").append(ratio(runs, metric, "spawn-jdk", "spawn-fdloop")).append(" |\n");
        }
        return out.toString();
    }

    /** a ÷ b within each round, as the median over the rounds (min..max). */
    private static String ratio(Map<String, Map<String, List<Double>>> runs, String metric, String a, String b) {
        List<Double> x = runs.getOrDefault(a, Map.of()).getOrDefault(metric, List.of());
        List<Double> y = runs.getOrDefault(b, Map.of()).getOrDefault(metric, List.of());
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
            ratios.add(x.get(i) / y.get(i));
        }
        return ratios.isEmpty() ? "-" : String.format(Locale.ROOT, "%.2f (%s)", SideBySide.median(ratios), SideBySide.range(ratios, "%.2f"));
    }
}

package org.fdloop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Summarizes a raw file of alternating ping-pong runs (as run-loop-benchmarks.sh writes it:
 * {@code # round=R cmd=...} before each result line of eventfd_pingpong.c or {@link LoopPingPong})
 * into a Markdown table: per placement and Java side ({@code mode=loop}, {@code mode=raw}), each side's median round-trip rate with its range, the
 * ratio of the medians and the median of the per-round ratios (each Java run against the C run
 * just before it).
 *
 * <pre>
 * java -cp 'fdloop-bench/target/fdloop-bench.jar:fdloop-bench/target/lib/*' org.fdloop.bench.PingPongSummary raw.txt
 * </pre>
 */
public final class PingPongSummary {
    private static final String C = "eventfd_pingpong";
    private static final String JAVA = "fdloop_pingpong";

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: PingPongSummary raw.txt");
            System.exit(2);
        }
        System.out.print(summarize(Files.readAllLines(Path.of(args[0]))));
    }

    static String summarize(List<String> lines) {
        // affinity -> program -> round -> fields
        Map<String, Map<String, Map<Integer, Map<String, String>>>> runs = new TreeMap<>(java.util.Comparator.reverseOrder());
        int round = 0;
        for (String line : lines) {
            if (line.startsWith("# round=")) {
                round = Integer.parseInt(line.substring(8).split("\\s+")[0]);
                continue;
            }
            if (!line.startsWith(C + " ") && !line.startsWith(JAVA + " ")) {
                continue;
            }
            Map<String, String> fields = SideBySide.fields(line);
            String program = line.startsWith(C + " ") ? C : "fdloop " + fields.get("mode");
            runs.computeIfAbsent(fields.get("affinity"), a -> new LinkedHashMap<>())
                    .computeIfAbsent(program, p -> new TreeMap<>())
                    .put(round, fields);
        }

        StringBuilder out = new StringBuilder();
        out.append("| affinity | Java side | C rt/s median (min..max) | Java rt/s median (min..max) | Java ÷ C (medians) "
                + "| Java ÷ C (median of per-round ratios) | C ns/rt | Java ns/rt | Java best batches ns/rt | C vcsw+ivcsw per rt "
                + "| Java vcsw+ivcsw per rt | rounds |\n");
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|\n");
        for (var placement : runs.entrySet()) {
            Map<Integer, Map<String, String>> c = placement.getValue().getOrDefault(C, Map.of());
            for (var side : placement.getValue().entrySet()) {
                Map<Integer, Map<String, String>> java = side.getValue();
                if (side.getKey().equals(C) || c.isEmpty()) {
                    continue;
                }
                List<Double> ratios = new ArrayList<>();
                for (var r : java.entrySet()) {
                    Map<String, String> peer = c.get(r.getKey());
                    if (peer != null) {
                        ratios.add(value(r.getValue(), "rt_per_s") / value(peer, "rt_per_s"));
                    }
                }
                out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.2f | %s | %.0f | %.0f | %.0f | %.2f + %.2f | %.2f + %.2f | %d |%n",
                        placement.getKey(), side.getKey(), rateRange(c), rateRange(java),
                        median(java, "rt_per_s") / median(c, "rt_per_s"),
                        ratios.isEmpty() ? "-" : String.format(Locale.ROOT, "%.2f", SideBySide.median(ratios)),
                        median(c, "ns_per_rt"), median(java, "ns_per_rt"), median(java, "p10_batch_ns_per_rt"),
                        median(c, "vcsw_per_rt"), median(c, "ivcsw_per_rt"),
                        median(java, "vcsw_per_rt"), median(java, "ivcsw_per_rt"),
                        Math.min(c.size(), java.size())));
            }
        }
        return out.toString();
    }

    private static double value(Map<String, String> fields, String key) {
        return Double.parseDouble(fields.get(key));
    }

    private static List<Double> values(Map<Integer, Map<String, String>> runs, String key) {
        return runs.values().stream().map(f -> value(f, key)).toList();
    }

    private static double median(Map<Integer, Map<String, String>> runs, String key) {
        return SideBySide.median(values(runs, key));
    }

    private static String rateRange(Map<Integer, Map<String, String>> runs) {
        List<Double> v = values(runs, "rt_per_s");
        return String.format(Locale.ROOT, "%.0f (%s)", SideBySide.median(v), SideBySide.range(v, "%.0f"));
    }
}

package org.fdloop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Results of several implementations measured in alternating rounds in one run: each metric's
 * median (min..max) per implementation, and each peer's median relative to fdloop's, as a
 * Markdown table. The ratio is a ratio of medians taken in the same run; neither number means
 * much alone on a shared machine.
 */
final class SideBySide {
    private final String title;
    private final String baseline;
    /** metric -> implementation -> samples, in insertion order. */
    private final Map<String, Map<String, List<Double>>> samples = new LinkedHashMap<>();

    SideBySide(String title, String baseline) {
        this.title = title;
        this.baseline = baseline;
    }

    void add(String metric, String implementation, double value) {
        samples.computeIfAbsent(metric, m -> new LinkedHashMap<>())
                .computeIfAbsent(implementation, i -> new ArrayList<>())
                .add(value);
    }

    /**
     * The {@code name=value} words of a result line, as the C baselines and fdloop's own
     * benchmark mains print them (the first word, the program's name, has no '=' and is skipped).
     */
    static Map<String, String> fields(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String word : line.trim().split("\\s+")) {
            int eq = word.indexOf('=');
            if (eq > 0) {
                fields.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        return fields;
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    }

    static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }

    /** {@code min..max} of {@code values}, each printed with {@code format} ("%.1f", say). */
    static String range(List<Double> values, String format) {
        return String.format(Locale.ROOT, format + ".." + format, min(values), max(values));
    }

    /**
     * The {@code p} quantile (0.5 for the median) of nanosecond samples sorted ascending, in µs,
     * picked as the C baselines' {@code PCT(p)} picks it: {@code lat[(long)(p * (n - 1) + 0.5)]}.
     */
    static double percentile(long[] sorted, double p) {
        return sorted[(int) (p * (sorted.length - 1) + 0.5)] / 1000.0;
    }

    /**
     * "same" when this process may run on one CPU only ({@code Cpus_allowed_list} is one CPU, as
     * under {@code taskset -c 0}), else "none": the C baselines' {@code affinity} field.
     */
    static String affinity() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Cpus_allowed_list:")) {
                String list = line.substring(line.indexOf(':') + 1).trim();
                return list.matches("\\d+") ? "same" : "none";
            }
        }
        return "none";
    }

    /**
     * The table: one row per metric and implementation, with the median, the range and
     * {@code baseline / this} (above 1: the baseline takes longer; below 1: it is faster).
     */
    String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("### ").append(title).append("\n\n");
        out.append("| metric (ns per op, lower is better) | implementation | median | min..max | rounds | ")
                .append(baseline).append(" ÷ this |\n");
        out.append("|---|---|---:|---|---:|---:|\n");
        for (var metric : samples.entrySet()) {
            List<Double> base = metric.getValue().get(baseline);
            double baseMedian = base == null ? Double.NaN : median(base);
            List<Map.Entry<String, List<Double>>> rows = new ArrayList<>(metric.getValue().entrySet());
            rows.sort(java.util.Comparator.comparing(e -> !e.getKey().equals(baseline))); // the baseline first
            for (var impl : rows) {
                List<Double> v = impl.getValue();
                double med = median(v);
                out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s..%s | %d | %.2f |%n",
                        metric.getKey(), impl.getKey(), format(med), format(min(v)), format(max(v)), v.size(), baseMedian / med));
            }
        }
        return out.toString();
    }

    private static String format(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    /** The order of {@code names} for round {@code round}: rotated by one each round, so no one always goes first. */
    static <T> List<T> rotated(List<T> names, int round) {
        List<T> order = new ArrayList<>(names);
        java.util.Collections.rotate(order, -(round % names.size()));
        return order;
    }

    static String describeRuntime() {
        return String.format(Locale.ROOT, "java %s (%s), %d CPUs available to the JVM, max heap %d MiB, args %s",
                System.getProperty("java.version"), System.getProperty("java.vm.name"),
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                Arrays.toString(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().toArray()));
    }
}

package org.fdloop.bench;

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
                double min = v.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
                double max = v.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
                out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s..%s | %d | %.2f |%n",
                        metric.getKey(), impl.getKey(), format(med), format(min), format(max), v.size(), baseMedian / med));
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

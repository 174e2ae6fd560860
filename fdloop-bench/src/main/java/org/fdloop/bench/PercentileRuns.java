package org.fdloop.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Repeated runs of several programs, in groups (a placement, a timer period): the numbers each
 * run's result line names (its p50, p90 and p99, or a trace's segments), in the order the lines
 * came, and the Markdown table of the percentiles' medians over the runs. The summaries of
 * run-loop-benchmarks.sh build their tables with it.
 */
final class PercentileRuns {
    private final String[] fields;
    // group -> program -> the runs' p50, p90 and p99
    private final Map<String, Map<String, List<double[]>>> runs = new LinkedHashMap<>();

    /**
     * Runs whose result lines name their numbers with these fields; for {@link #table} and
     * {@link #p50}, the first three are the p50, p90 and p99.
     */
    PercentileRuns(String... fields) {
        this.fields = fields.clone();
    }

    /** Adds one run of {@code program} in {@code group}, read from its result line's fields. */
    void add(String group, String program, Map<String, String> line) {
        double[] values = new double[fields.length];
        for (int i = 0; i < fields.length; i++) {
            String value = line.get(fields[i]);
            if (value == null) {
                throw new IllegalArgumentException("a result line of " + program + " has no " + fields[i] + "=: " + line);
            }
            values[i] = Double.parseDouble(value);
        }
        runs.computeIfAbsent(group, g -> new LinkedHashMap<>()).computeIfAbsent(program, p -> new ArrayList<>()).add(values);
    }

    Set<String> groups() {
        return runs.keySet();
    }

    Set<String> programs(String group) {
        return runs.getOrDefault(group, Map.of()).keySet();
    }

    /** The median over the runs of {@code program}'s p50 in {@code group}; NaN when it has none. */
    double p50(String group, String program) {
        List<Double> p50 = column(group, program, 0);
        return p50.isEmpty() ? Double.NaN : SideBySide.median(p50);
    }

    /**
     * The median over the rounds of {@code program}'s p50 divided by {@code base}'s p50 in the
     * same round (the n-th run of each, which ran minutes apart), with the range of those ratios:
     * {@code 1.85 (1.41..2.30)}; "n/a" when either has no runs or their numbers of runs differ.
     */
    String ratio(String group, String program, String base) {
        List<Double> a = column(group, program, 0);
        List<Double> b = column(group, base, 0);
        if (a.isEmpty() || a.size() != b.size()) {
            return "n/a";
        }
        List<Double> ratios = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            ratios.add(a.get(i) / b.get(i));
        }
        return String.format(Locale.ROOT, "%.2f (%s)", SideBySide.median(ratios), SideBySide.range(ratios, "%.2f"));
    }

    /**
     * The table: a row per group and program, with the medians of p50 (and the range of the
     * runs' p50), p90 and p99, and the number of runs.
     *
     * @param groupHeader the first column's heading
     * @param groupAlignment the first column's Markdown alignment, {@code ---} or {@code ---:}
     * @param groupLabel how a group is written in the first column
     * @param programLabel how a program is written in the second
     */
    String table(String groupHeader, String groupAlignment, UnaryOperator<String> groupLabel, UnaryOperator<String> programLabel) {
        StringBuilder out = new StringBuilder();
        out.append("| ").append(groupHeader).append(" | program | p50 µs (min..max of runs) | p90 µs | p99 µs | runs |\n|")
                .append(groupAlignment).append("|---|---:|---:|---:|---:|\n");
        for (String group : groups()) {
            for (String program : programs(group)) {
                List<Double> p50 = column(group, program, 0);
                out.append(String.format(Locale.ROOT, "| %s | %s | %.1f (%s) | %.1f | %.1f | %d |%n", groupLabel.apply(group),
                        programLabel.apply(program), SideBySide.median(p50), SideBySide.range(p50, "%.1f"),
                        SideBySide.median(column(group, program, 1)), SideBySide.median(column(group, program, 2)), p50.size()));
            }
        }
        return out.toString();
    }

    /** The {@code index}-th field's value of each run of {@code program} in {@code group}, in order. */
    List<Double> column(String group, String program, int index) {
        List<double[]> of = runs.getOrDefault(group, Map.of()).getOrDefault(program, List.of());
        List<Double> column = new ArrayList<>(of.size());
        for (double[] values : of) {
            column.add(values[index]);
        }
        return column;
    }
}

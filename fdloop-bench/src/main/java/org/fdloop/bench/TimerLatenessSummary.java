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
 * Summarizes the timer lateness runs of run-loop-benchmarks.sh (C timerfd_jitter and
 * {@link TimerLateness}, in alternating rounds) as Markdown: per period and program, the median
 * over the rounds of each run's p50, p90 and p99 lateness, and each fdloop mode's p50 beside the
 * C mode that waits the same way (the loop's timer queue as C's epoll_pwait2 timeout; a TimerFd
 * in the loop as C's timerfd in epoll).
 *
 * <pre>java -cp ... org.fdloop.bench.TimerLatenessSummary raw-lines.txt</pre>
 */
public final class TimerLatenessSummary {
    private TimerLatenessSummary() {}

    /** Each fdloop mode and the C mode it is compared with. */
    private static final Map<String, String> PEERS = Map.of("fdloop-loop", "pwait2", "fdloop-timerfd", "epoll");

    public static void main(String[] args) throws IOException {
        System.out.print(summarize(Files.readAllLines(Path.of(args[0]))));
    }

    /** The tables for the raw lines of a run. */
    static String summarize(List<String> lines) {
        // period -> mode -> metric -> values
        Map<String, Map<String, Map<String, List<Double>>>> runs = new LinkedHashMap<>();
        for (String line : lines) {
            if (!line.startsWith("timerfd_jitter ")) {
                continue;
            }
            Map<String, String> f = SideBySide.fields(line);
            String slack = f.getOrDefault("slack_ns", "50000");
            String mode = f.get("mode") + (slack.equals("50000") ? "" : " slack=" + slack);
            Map<String, List<Double>> metrics = runs.computeIfAbsent(f.get("period_us"), p -> new LinkedHashMap<>())
                    .computeIfAbsent(mode, m -> new LinkedHashMap<>());
            for (String m : List.of("late_p50_us", "late_p90_us", "late_p99_us")) {
                metrics.computeIfAbsent(m, k -> new ArrayList<>()).add(Double.parseDouble(f.get(m)));
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("| period | program | p50 µs (min..max of runs) | p90 µs | p99 µs | runs |\n|---:|---|---:|---:|---:|---:|\n");
        for (var p : runs.entrySet()) {
            for (var mode : p.getValue().entrySet()) {
                Map<String, List<Double>> m = mode.getValue();
                List<Double> p50 = m.get("late_p50_us");
                out.append(String.format(Locale.ROOT, "| %s µs | %s | %.1f (%s) | %.1f | %.1f | %d |%n", p.getKey(),
                        program(mode.getKey()), SideBySide.median(p50), SideBySide.range(p50, "%.1f"),
                        SideBySide.median(m.get("late_p90_us")), SideBySide.median(m.get("late_p99_us")), p50.size()));
            }
        }
        out.append("\n| period | fdloop mode | its C peer | fdloop p50 − C p50, µs | fdloop p50 ÷ C p50 |\n|---:|---|---|---:|---:|\n");
        for (var p : runs.entrySet()) {
            for (String mode : p.getValue().keySet()) {
                String[] parts = mode.split(" ", 2); // "fdloop-loop" or "fdloop-loop slack=1"
                String peerMode = PEERS.get(parts[0]);
                if (peerMode == null) {
                    continue;
                }
                String peer = peerMode + (parts.length > 1 ? " " + parts[1] : "");
                Map<String, List<Double>> theirs = p.getValue().get(peer);
                if (theirs == null) {
                    continue;
                }
                double a = SideBySide.median(p.getValue().get(mode).get("late_p50_us"));
                double c = SideBySide.median(theirs.get("late_p50_us"));
                out.append(String.format(Locale.ROOT, "| %s µs | %s | %s | %+.1f | %.2f |%n", p.getKey(), program(mode),
                        program(peer), a - c, a / c));
            }
        }
        return out.toString();
    }

    private static String program(String modeAndSlack) {
        String[] parts = modeAndSlack.split(" slack=", 2);
        String slack = parts.length > 1 ? ", slack " + parts[1] + " ns" : "";
        return name(parts[0]) + slack;
    }

    private static String name(String mode) {
        return switch (mode) {
            case "pwait2" -> "C: epoll_pwait2 timeout";
            case "epoll" -> "C: timerfd in epoll";
            case "fdloop-loop" -> "fdloop: scheduleAtFixedRate";
            case "fdloop-timerfd" -> "fdloop: TimerFd in the loop";
            default -> mode;
        };
    }
}

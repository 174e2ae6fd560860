package org.fdloop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        PercentileRuns runs = new PercentileRuns("late_p50_us", "late_p90_us", "late_p99_us"); // by period, then mode
        for (String line : lines) {
            if (!line.startsWith("timerfd_jitter ")) {
                continue;
            }
            Map<String, String> f = SideBySide.fields(line);
            String slack = f.getOrDefault("slack_ns", "50000");
            runs.add(f.get("period_us"), f.get("mode") + (slack.equals("50000") ? "" : " slack=" + slack), f);
        }
        StringBuilder out = new StringBuilder(runs.table("period", "---:", p -> p + " µs", TimerLatenessSummary::program));
        out.append("\n| period | fdloop mode | its C peer | fdloop p50 − C p50, µs | fdloop p50 ÷ C p50 |\n|---:|---|---|---:|---:|\n");
        for (String p : runs.groups()) {
            for (String mode : runs.programs(p)) {
                String[] parts = mode.split(" ", 2); // "fdloop-loop" or "fdloop-loop slack=1"
                String peerMode = PEERS.get(parts[0]);
                if (peerMode == null) {
                    continue;
                }
                String peer = peerMode + (parts.length > 1 ? " " + parts[1] : "");
                if (!runs.programs(p).contains(peer)) {
                    continue;
                }
                double a = runs.p50(p, mode);
                double c = runs.p50(p, peer);
                out.append(String.format(Locale.ROOT, "| %s µs | %s | %s | %+.1f | %.2f |%n", p, program(mode), program(peer), a - c, a / c));
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

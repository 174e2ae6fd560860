package org.fdloop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Summarizes the signal latency runs of run-loop-benchmarks.sh (C signal_latency and
 * signal_handler_pipe and {@link SignalLatency}, in alternating rounds) as Markdown: per placement
 * and program, the median over the rounds of each run's p50, p90 and p99; then the ratios the
 * targets are stated in (fdloop native ÷ C signalfd, JVM route ÷ fdloop native, at p50) and
 * fdloop native ÷ the C program of the same design, each for a loop on main (the signal wakes
 * the loop directly) and a loop on a thread of its own. A ratio is taken within each round, whose
 * programs ran minutes apart, and the median over the rounds is given with their range: the
 * machine's state drifts more between rounds than within one.
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
    static final String JVM_MAIN = "fdloop, JVM handler (sun.misc.Signal), loop on main";

    public static void main(String[] args) throws IOException {
        System.out.print(summarize(Files.readAllLines(Path.of(args[0]))));
    }

    /** The tables for the raw lines of a run. */
    static String summarize(List<String> lines) {
        PercentileRuns runs = new PercentileRuns("p50_us", "p90_us", "p99_us");
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
                case "jvm" -> "main".equals(f.get("loop_thread")) ? JVM_MAIN : JVM;
                default -> f.get("mode");
            };
            runs.add(placement, program, f);
        }
        StringBuilder out = new StringBuilder(runs.table("placement", "---", g -> g, p -> p));
        out.append("\nRatios of p50, each the median over the rounds of the ratio within one round (the range over the rounds"
                + " in brackets):\n\n| placement | native ÷ C signalfd (target ≤ 2): loop on main | loop on its own thread "
                + "| native ÷ C of the same design: loop on main | loop on its own thread "
                + "| JVM route ÷ native (target ≥ 5): loop on main | loop on its own thread |\n"
                + "|---|---:|---:|---:|---:|---:|---:|\n");
        for (String p : runs.groups()) {
            out.append("| ").append(p).append(" | ").append(String.join(" | ", runs.ratio(p, NATIVE_MAIN, C_SIGNALFD),
                    runs.ratio(p, NATIVE_OWN, C_SIGNALFD), runs.ratio(p, NATIVE_MAIN, C_DESIGN_LOOP),
                    runs.ratio(p, NATIVE_OWN, C_DESIGN_MAIN), runs.ratio(p, JVM_MAIN, NATIVE_MAIN),
                    runs.ratio(p, JVM, NATIVE_OWN))).append(" |\n");
        }
        return out.toString();
    }
}

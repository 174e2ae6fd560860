package org.fdloop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
                case "jvm" -> "main".equals(f.get("loop_thread")) ? "fdloop, JVM handler, loop on main" : JVM;
                default -> f.get("mode");
            };
            runs.add(placement, program, f);
        }
        StringBuilder out = new StringBuilder(runs.table("placement", "---", g -> g, p -> p));
        out.append("\n| placement | native p50 ÷ C signalfd p50 (target ≤ 2): loop on main | loop on its own thread "
                + "| native p50 ÷ C, same design: loop on main | loop on its own thread | JVM p50 ÷ native p50 (target ≥ 5) |\n"
                + "|---|---:|---:|---:|---:|---:|\n");
        for (String p : runs.groups()) {
            double c = runs.p50(p, C_SIGNALFD);
            double main = runs.p50(p, NATIVE_MAIN);
            double own = runs.p50(p, NATIVE_OWN);
            out.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f |%n", p, main / c, own / c,
                    main / runs.p50(p, C_DESIGN_LOOP), own / runs.p50(p, C_DESIGN_MAIN), runs.p50(p, JVM) / own));
        }
        return out.toString();
    }
}

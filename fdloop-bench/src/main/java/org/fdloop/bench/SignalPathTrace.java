package org.fdloop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits the kill()-to-handler latency of one signal benchmark run into where the time goes, from
 * a kernel trace of it (trace-signal-path.sh records it with perf). Per sample:
 *
 * <ol>
 * <li><b>kill → delivery</b>: from the sender's kill(2) to the kernel setting up the handler on the
 *     thread it chose (tracepoint {@code signal:signal_deliver}): the kernel's and scheduler's part,
 *     the receiver's code plays no role in it;</li>
 * <li><b>delivery → handler's write</b>: the handler's first instructions, up to its write(2) of the
 *     128-byte siginfo into the pipe;</li>
 * <li><b>handler's write → ack</b>: the rest of the handler (its return), the loop's return from its
 *     wait, reading the pipe and calling the user's handler, up to the benchmark's 8-byte ack
 *     write just after the user's handler took its time stamp.</li>
 * </ol>
 *
 * <p>It also gives the share of samples whose signal the kernel delivered on the thread that
 * wrote the ack, the loop thread ({@code delivered_on_loop_thread}): 1 where the loop thread
 * takes the signal itself (one wake-up), 0 where another thread takes it and its handler's write
 * wakes the loop (two wake-ups: the JVM launcher's thread, when the loop has a thread of its own).
 *
 * Input: the output of {@code perf script --ns -F tid,cpu,time,event,trace} for the events
 * {@code raw_syscalls:sys_enter} (kill and write only) and {@code signal:signal_deliver}; the
 * first {@code skip} samples (the warm-up) are left out. Prints one line of medians; with
 * {@code --table}, the Markdown table of such lines from several rounds (the median of each).
 *
 * <pre>
 * java -cp ... org.fdloop.bench.SignalPathTrace LABEL TRACE.txt SKIP     (LABEL without spaces)
 * java -cp ... org.fdloop.bench.SignalPathTrace --table raw-lines.txt
 * </pre>
 */
public final class SignalPathTrace {
    private SignalPathTrace() {}

    private static final Pattern LINE = Pattern.compile("^\\s*(\\d+)\\s+\\[(\\d+)\\]\\s+([\\d.]+):\\s+(\\S+):\\s*(.*)$");
    private static final int SIGUSR1 = 10;

    /**
     * One sample's times, in µs of the trace's clock (NaN where the trace has no such event), and
     * whether the kernel delivered the signal on the thread that wrote the ack.
     */
    record Sample(double kill, double delivered, double handlerWrite, double ack, boolean deliveredOnAckThread) {}

    /** The labels run-loop-benchmarks.sh gives, and the programs' names in the other signal tables. */
    private static final Map<String, String> PROGRAMS = Map.of("c-handler-pipe-d", SignalLatencySummary.C_DESIGN_LOOP,
            "c-handler-pipe", SignalLatencySummary.C_DESIGN_MAIN, "fdloop-native-main", SignalLatencySummary.NATIVE_MAIN,
            "fdloop-native-own", SignalLatencySummary.NATIVE_OWN);
    private static final List<String> SEGMENTS = List.of("kill_to_delivery_us", "delivery_to_handler_write_us",
            "handler_write_to_ack_us", "kill_to_ack_us", "delivered_on_loop_thread");

    public static void main(String[] args) throws IOException {
        if (args.length == 2 && args[0].equals("--table")) {
            System.out.print(table(Files.readAllLines(Path.of(args[1]))));
            return;
        }
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: SignalPathTrace LABEL TRACE.txt SKIP, or SignalPathTrace --table RAW.txt");
        }
        List<Sample> samples = samples(Files.readAllLines(Path.of(args[1])));
        int skip = Integer.parseInt(args[2]);
        if (samples.size() <= skip) {
            throw new IllegalStateException(args[1] + " has " + samples.size() + " whole samples, not more than the "
                    + skip + " warm-up ones: was the trace cut short, or the events not recorded?");
        }
        System.out.println(summary(args[0], samples.subList(skip, samples.size())));
    }

    /** The samples of a trace, in order: each from a kill(2) to the 8-byte write that acks it. */
    static List<Sample> samples(List<String> lines) {
        List<Sample> samples = new ArrayList<>();
        double kill = Double.NaN;
        double delivered = Double.NaN;
        double handlerWrite = Double.NaN;
        String deliveredTid = null;
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            double micros = Double.parseDouble(m.group(3)) * 1e6;
            String event = m.group(4);
            String detail = m.group(5);
            if (event.equals("raw_syscalls:sys_enter") && detail.startsWith("NR 62 ")) {
                kill = micros;
                delivered = Double.NaN;
                handlerWrite = Double.NaN;
            } else if (Double.isNaN(kill)) {
                continue; // before the first kill
            } else if (event.equals("signal:signal_deliver") && detail.startsWith("sig=" + SIGUSR1 + " ") && Double.isNaN(delivered)) {
                delivered = micros;
                deliveredTid = m.group(1);
            } else if (event.equals("raw_syscalls:sys_enter") && detail.startsWith("NR 1 ") && !Double.isNaN(delivered)) {
                long count = Long.parseLong(arguments(detail)[2], 16);
                if (count == 128 && Double.isNaN(handlerWrite)) {
                    handlerWrite = micros;
                } else if (count == 8) {
                    samples.add(new Sample(kill, delivered, handlerWrite, micros, m.group(1).equals(deliveredTid)));
                    kill = Double.NaN;
                }
            }
        }
        return samples;
    }

    /** "NR 1 (5, 7f4a78d012b0, 80, 0, 0, 7)": the hexadecimal arguments. */
    private static String[] arguments(String detail) {
        int open = detail.indexOf('(');
        return detail.substring(open + 1, detail.indexOf(')', open)).split(",\\s*");
    }

    /** The label, the number of samples, the median of each segment in µs, and the share delivered on the loop thread. */
    static String summary(String label, List<Sample> samples) {
        long onLoop = samples.stream().filter(Sample::deliveredOnAckThread).count();
        return String.format(Locale.ROOT, "signal_path label=%s samples=%d kill_to_delivery_us=%.2f delivery_to_handler_write_us=%.2f "
                        + "handler_write_to_ack_us=%.2f kill_to_ack_us=%.2f delivered_on_loop_thread=%.2f", label, samples.size(),
                median(samples, s -> s.delivered() - s.kill()), median(samples, s -> s.handlerWrite() - s.delivered()),
                median(samples, s -> s.ack() - s.handlerWrite()), median(samples, s -> s.ack() - s.kill()),
                samples.isEmpty() ? Double.NaN : (double) onLoop / samples.size());
    }

    /** Per label, the median over the rounds of each segment's median, from the signal_path lines among {@code lines}. */
    static String table(List<String> lines) {
        PercentileRuns runs = new PercentileRuns(SEGMENTS.toArray(String[]::new));
        String group = "traced"; // one group: the programs of the traced runs
        for (String line : lines) {
            if (line.startsWith("signal_path ")) {
                Map<String, String> f = SideBySide.fields(line);
                runs.add(group, f.get("label"), f);
            }
        }
        StringBuilder out = new StringBuilder("| program | kill → delivery µs | delivery → handler's write µs "
                + "| handler's write → user's handler µs | kill → user's handler µs | share delivered on the loop thread | rounds |\n"
                + "|---|---:|---:|---:|---:|---:|---:|\n");
        for (String label : runs.programs(group)) {
            out.append("| ").append(PROGRAMS.getOrDefault(label, label));
            for (int i = 0; i < SEGMENTS.size(); i++) {
                List<Double> values = runs.column(group, label, i);
                out.append(String.format(Locale.ROOT, " | %.2f (%s)", SideBySide.median(values), SideBySide.range(values, "%.2f")));
            }
            out.append(" | ").append(runs.column(group, label, 0).size()).append(" |\n");
        }
        return out.toString();
    }

    private static double median(List<Sample> samples, ToDoubleFunction<Sample> segment) {
        List<Double> values = new ArrayList<>();
        for (Sample s : samples) {
            double v = segment.applyAsDouble(s);
            if (!Double.isNaN(v)) {
                values.add(v);
            }
        }
        return values.isEmpty() ? Double.NaN : SideBySide.median(values);
    }
}

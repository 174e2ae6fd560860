package org.fdloop.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.fdloop.EventLoop;
import org.fdloop.fd.GpioChip;
import org.fdloop.fd.GpioEvent;
import org.fdloop.fd.GpioLines;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fdloop gpio}: edges on GPIO lines as they come, as gpiomon prints them. */
@Command(name = "gpio", mixinStandardHelpOptions = true,
        description = {"Request GPIO lines with edge detection on a chip (the character device, uAPI v2:"
                + " GPIO_V2_GET_LINE_IOCTL) and print each edge as it arrives, with the kernel's timestamp and sequence"
                + " numbers, as gpiomon does. A gap in the sequence numbers means the kernel's queue overflowed.",
            "",
            "CHIP is /dev/gpiochipN or gpiochipN. A machine without GPIO (a PC, a virtual machine) has no chip: the"
                + " command says so and exits 1. With --json, one object per edge."})
final class GpioCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--edge", paramLabel = "E", defaultValue = "both",
            description = "Which edges: rising, falling or both (default both).")
    String edge;

    @Option(names = "--bias", paramLabel = "B", defaultValue = "as-is",
            description = "The lines' bias: as-is, pull-up, pull-down or disabled (default as-is).")
    String bias;

    @Option(names = "--debounce", paramLabel = "D", converter = DurationConverter.class,
            description = "Debounce period, e.g. 5ms (default none).")
    Duration debounce = Duration.ZERO;

    @Option(names = "--json", description = "One JSON object per edge and line.")
    boolean json;

    @Mixin
    BackendOption backend;

    @Parameters(index = "0", paramLabel = "CHIP", description = "The chip: /dev/gpiochip0 or gpiochip0.")
    String chip;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "LINE", description = "Line offsets on the chip.")
    int[] lines;

    private long count;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GpioChip.LineRequest request;
        try {
            request = GpioChip.LineRequest.of(lines).consumer("fdloop gpio").debounce(debounce)
                    .edge(choice(GpioChip.Edge.class, "--edge", edge)).bias(choice(GpioChip.Bias.class, "--bias", bias));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Path path = chip.contains("/") ? Path.of(chip) : Path.of("/dev", chip);
        try (GpioChip gpio = GpioChip.open(path); GpioLines watched = gpio.request(request); EventLoop loop = backend.open()) {
            GpioChip.Info info = gpio.info();
            StopSignals stop = StopSignals.install(loop, List.of());
            loop.onReadable(watched, (source, events) -> watched.readEvents(e -> print(out, e)));
            err.printf("fdloop gpio: %s (%s, %d lines): watching lines %s, %s edges%s; Ctrl-C ends%n", info.name(), info.label(),
                    info.lines(), Arrays.toString(lines), request.edge().name().toLowerCase(Locale.ROOT),
                    debounce.isZero() ? "" : ", debounce " + debounce.toMillis() + " ms");
            err.flush();
            stop.run();
            err.printf("fdloop gpio: %d edge%s%n", count, count == 1 ? "" : "s");
        }
        return Main.OK;
    }

    private <E extends Enum<E>> E choice(Class<E> type, String option, String value) {
        for (E e : type.getEnumConstants()) {
            if (e.name().replace('_', '-').equalsIgnoreCase(value)) {
                return e;
            }
        }
        throw new CommandLine.ParameterException(spec.commandLine(), option + ": unknown value '" + value + "': use one of "
                + String.join(", ", Arrays.stream(type.getEnumConstants()).map(e -> e.name().replace('_', '-').toLowerCase(Locale.ROOT)).toList()));
    }

    private void print(PrintWriter out, GpioEvent e) {
        count++;
        if (json) {
            out.println(Json.object().field("timestamp_ns", e.timestampNanos()).field("line", e.offset())
                    .field("edge", e.rising() ? "rising" : "falling").field("seqno", e.seqno()).field("line_seqno", e.lineSeqno()));
        } else {
            out.printf("%d.%09d line %d %s (#%d, line #%d)%n", e.timestampNanos() / 1_000_000_000L, e.timestampNanos() % 1_000_000_000L,
                    e.offset(), e.rising() ? "rising" : "falling", e.seqno(), e.lineSeqno());
        }
        out.flush();
    }
}

package org.fdloop.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.fdloop.AsyncIoSource;
import org.fdloop.EventLoop;
import org.fdloop.cli.device.ButtonEvent;
import org.fdloop.cli.device.ButtonEventReader;
import org.fdloop.cli.device.VirtualButtonDevice;
import org.fdloop.fd.DeviceFile;
import org.fdloop.fd.OsThread;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fdloop device}: the virtual button device end to end, the fasync driver of seed 001:
 * a driver thread presses keys, the kernel signals the loop thread, the handler reads the records.
 */
@Command(name = "device", mixinStandardHelpOptions = true,
        description = {"The virtual button device end to end: a driver thread presses and releases keys on a pty-backed"
                + " character device; the kernel signals the reader (kill_fasync, with the realtime signal set by F_SETSIG"
                + " and the loop thread as owner by F_SETOWN_EX); the event loop reads the signal from its signalfd and"
                + " the records from the device. Each key event is printed with its latency from the driver's write to"
                + " the handler; a summary closes it.",
            "",
            "With --json, one object per key event (sequence, key, state, band, latency_us), then a summary object."
                + " Ctrl-C, SIGTERM or SIGHUP ends it early, with the summary."})
final class DeviceCommand implements Callable<Integer> {
    /** KEY_A in linux/input-event-codes.h: the first key pressed. */
    private static final int KEY_A = 30;

    @Spec
    CommandSpec spec;

    @Option(names = {"-n", "--presses"}, paramLabel = "N", defaultValue = "5",
            description = "How many key presses (each is a press and a release event; default 5).")
    int presses;

    @Option(names = "--interval", paramLabel = "D", converter = DurationConverter.class, defaultValue = "100ms",
            description = "Time between two key events (default 100ms).")
    Duration interval;

    @Option(names = "--json", description = "One JSON object per key event and line.")
    boolean json;

    @Option(names = "--tun", description = "A real kernel driver with fasync instead: a TUN interface in a network namespace"
            + " of its own (root), datagrams routed to it read back as packets through signal-driven I/O to the loop thread"
            + " and to the process, and through the loop's wait; -n datagrams each way (default 5). Prints the counts.")
    boolean tun;

    @Mixin
    BackendOption backend;

    private final Latencies latencies = new Latencies();
    private final SequenceGaps sequence = new SequenceGaps();

    @Override
    public Integer call() throws Exception {
        if (presses < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--presses is 1 or more, not " + presses);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (tun) {
            if (TunDemo.run(out, json, backend, presses)) {
                return Main.OK;
            }
            err.println("fdloop device --tun: datagrams were lost (the counts above)");
            return Main.FAILED;
        }
        int expected = 2 * presses;
        LoopDriver driver;
        try (VirtualButtonDevice buttons = VirtualButtonDevice.open()) {
            // started before the loop blocks its signals in this thread, so the driver keeps the JVM's mask
            driver = LoopDriver.start("button-driver", running -> press(buttons));
            try (EventLoop loop = backend.open(); DeviceFile device = DeviceFile.open(buttons.path(), DeviceFile.Access.READ)) {
                StopSignals stop = StopSignals.install(loop, List.of());
                ButtonEventReader reader = new ButtonEventReader(device);
                long start = System.nanoTime();
                int[] seen = {0};
                AsyncIoSource source = loop.onAsyncIo(device, (s, band) -> {
                    for (ButtonEvent e : reader.readAvailable()) {
                        long latency = System.nanoTime() - e.timeNanos();
                        latencies.add(latency);
                        sequence.add(e.sequence());
                        if (json) {
                            out.println(Json.object().field("t", Math.round((System.nanoTime() - start) / 1e3) / 1e6)
                                    .field("sequence", e.sequence()).field("key", e.key())
                                    .field("state", e.pressed() ? "pressed" : "released")
                                    .field("band", AsyncIoSource.describeBand(band)).field("latency_us", Latencies.micros(latency)));
                        } else {
                            out.printf("%7.3f s  #%-3d key %-3d %-8s  %-18s  %s%n", (System.nanoTime() - start) / 1e9, e.sequence(),
                                    e.key(), e.pressed() ? "pressed" : "released", AsyncIoSource.describeBand(band),
                                    Latencies.format(latency));
                        }
                        out.flush();
                        if (++seen[0] == expected) {
                            loop.stop();
                        }
                    }
                    if (reader.isEndOfStream()) {
                        s.close(); // the driver side closed the device
                        loop.stop();
                    }
                });
                if (!json) {
                    out.printf("fdloop device: %s, a pty-backed button device; the loop (thread %d of pid %d) reads it through"
                            + " signal-driven I/O: %s to the loop thread, then read(2)%n%n", buttons.path(), OsThread.currentId(),
                            OsThread.processId(), source.signal().name());
                    out.flush();
                }
                driver.go(loop);
                stop.run();
                if (json) {
                    out.println(latencies.addTo(Json.object().field("events", latencies.count()).field("lost", sequence.lost())
                            .field("gaps", sequence.gaps())));
                } else {
                    String[] median99 = latencies.formatted();
                    out.printf("%n%d key event%s, %s; latency from the driver's write to the handler: median %s, p99 %s%s%n",
                            latencies.count(), latencies.count() == 1 ? "" : "s", sequence.gaps() == 0 ? "none lost"
                                    : sequence.lost() + " lost in " + sequence.gaps() + " gap" + (sequence.gaps() == 1 ? "" : "s"),
                            median99[0], median99[1],
                            stop.received() != null ? " (ended by " + stop.received().name() + ")" : "");
                }
                out.flush();
            } finally {
                driver.stop();
            }
        }
        driver.rethrowFailure();
        if (sequence.gaps() > 0) {
            err.println("fdloop device: " + sequence.lost() + " events lost in " + sequence.gaps() + " gaps of the event sequence");
            return Main.FAILED;
        }
        return Main.OK;
    }

    /** The driver side: press and release keys, one event per interval. */
    private void press(VirtualButtonDevice buttons) throws IOException, InterruptedException {
        for (int i = 0; i < presses; i++) {
            Thread.sleep(interval);
            buttons.press(KEY_A + i % 26);
            Thread.sleep(interval);
            buttons.release(KEY_A + i % 26);
        }
    }
}

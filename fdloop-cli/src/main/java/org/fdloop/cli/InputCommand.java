package org.fdloop.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.fdloop.EventLoop;
import org.fdloop.fd.InputDevice;
import org.fdloop.fd.InputEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fdloop input}: an input device's name, capabilities and events, as evtest prints them. */
@Command(name = "input", mixinStandardHelpOptions = true,
        description = {"Print an input device's name and the event types it sends (EVIOCGNAME, EVIOCGBIT), then each"
                + " event as it arrives (struct input_event: time, type, code, value), as evtest does.",
            "",
            "Without PATH, list the input devices, /dev/input/event*, with their names; a machine without any"
                + " (a container, a virtual machine without input) says so and exits 1. With --grab, take the device"
                + " for this reader alone (EVIOCGRAB): keys typed then reach no other program. With --json, one"
                + " object per event."})
final class InputCommand implements Callable<Integer> {
    private static final String[] TYPES = {"EV_SYN", "EV_KEY", "EV_REL", "EV_ABS", "EV_MSC", "EV_SW"};

    @Spec
    CommandSpec spec;

    @Option(names = "--grab", description = "Grab the device (EVIOCGRAB): its events reach this reader only.")
    boolean grab;

    @Option(names = "--json", description = "One JSON object per event and line.")
    boolean json;

    @Mixin
    BackendOption backend;

    @Parameters(index = "0", arity = "0..1", paramLabel = "PATH", description = "The input device: /dev/input/eventN.")
    Path path;

    private long count;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (path == null) {
            return list(out);
        }
        try (InputDevice device = InputDevice.open(path); EventLoop loop = backend.open()) {
            BitSet types = device.eventTypes();
            StringBuilder names = new StringBuilder();
            types.stream().forEach(t -> names.append(names.isEmpty() ? "" : ", ").append(t < TYPES.length ? TYPES[t] : "type " + t));
            err.printf("fdloop input: %s: \"%s\", sends %s%n", path, device.name(), names);
            if (grab) {
                device.grab(true);
            }
            StopSignals stop = StopSignals.install(loop, List.of());
            loop.onReadable(device, (source, events) -> {
                if (device.readEvents(e -> print(out, e)) < 0) {
                    err.println("fdloop input: " + path + ": the device went away");
                    loop.stop();
                }
            });
            err.println("fdloop input: waiting for events" + (grab ? " (grabbed)" : "") + "; Ctrl-C ends");
            err.flush();
            stop.run();
            err.printf("fdloop input: %d event%s%n", count, count == 1 ? "" : "s");
        }
        return Main.OK;
    }

    private int list(PrintWriter out) throws IOException {
        Path dir = Path.of("/dev/input");
        List<Path> devices;
        if (Files.isDirectory(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                devices = entries.filter(p -> p.getFileName().toString().startsWith("event")).sorted().toList();
            }
        } else {
            devices = List.of();
        }
        if (devices.isEmpty()) {
            throw new Main.Failure("no input devices here: " + (Files.isDirectory(dir) ? dir + " has no eventN"
                    : dir + " does not exist") + " (a container or a virtual machine without input has none); give a path"
                    + " on a machine with a keyboard, a mouse or a button");
        }
        for (Path device : devices) {
            try (InputDevice input = InputDevice.open(device)) {
                out.println(device + ": \"" + input.name() + "\"");
            } catch (IOException e) {
                out.println(device + ": " + e.getMessage());
            }
        }
        out.flush();
        return Main.OK;
    }

    private void print(PrintWriter out, InputEvent e) {
        count++;
        if (json) {
            out.println(Json.object().field("time", e.time().toString()).field("type", e.typeName()).field("code", e.code())
                    .field("value", e.value()));
        } else if (e.isReport()) {
            out.println(Json.clock(e.time()) + " -------------- SYN_REPORT ------------");
        } else {
            out.println(Json.clock(e.time()) + " " + e.typeName() + " code " + e.code() + " value " + e.value());
        }
        out.flush();
    }
}

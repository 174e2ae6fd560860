package org.fdloop.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.fdloop.AsyncIoSource;
import org.fdloop.EventLoop;
import org.fdloop.fd.Dnotify;
import org.fdloop.fd.Signal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fdloop dnotify DIR}: dnotify through the loop, and what it cannot tell: each signal says
 * only that the directory changed, so each is followed by a rescan that finds what did.
 */
@Command(name = "dnotify", mixinStandardHelpOptions = true,
        description = {"dnotify, inotify's predecessor, through the loop: F_NOTIFY on DIR (DN_CREATE, DN_DELETE,"
                + " DN_MODIFY, DN_RENAME, DN_ATTRIB, DN_MULTISHOT) with SIGRTMIN+5 to the process, taken by fdloop's"
                + " native handler and dispatched by si_fd. A signal says only that the directory changed, never which"
                + " file or how: each is printed with what a rescan of the directory finds (created, deleted, changed)."
                + " Runs until Ctrl-C, SIGTERM or SIGHUP, or --duration.",
            "",
            "With --json, one object per signal with the rescan's findings."})
final class DnotifyCommand implements Callable<Integer> {
    static final Signal SIGNAL = Signal.realtime(5);

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "The directory to watch.")
    Path dir;

    @Option(names = "--duration", paramLabel = "D", converter = DurationConverter.class,
            description = "End after this long (default: until a stop signal).")
    Duration duration;

    @Option(names = "--json", description = "One JSON object per signal.")
    boolean json;

    private record Entry(long size, long modified, long changed) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (EventLoop loop = EventLoop.open(); Dnotify watched = Dnotify.open(dir)) {
            StopSignals stop = StopSignals.install(loop, List.of());
            AtomicReference<Map<String, Entry>> before = new AtomicReference<>(scan(dir));
            long start = System.nanoTime();
            loop.onDnotify(watched, EnumSet.of(Dnotify.Kind.CREATE, Dnotify.Kind.DELETE, Dnotify.Kind.MODIFY,
                    Dnotify.Kind.RENAME, Dnotify.Kind.ATTRIB), SIGNAL, (source, band) -> {
                        Map<String, Entry> now = scan(dir);
                        List<String> found = diff(before.getAndSet(now), now);
                        double t = (System.nanoTime() - start) / 1e9;
                        if (json) {
                            out.println(Json.object().field("t", Math.round(t * 1e6) / 1e6).field("signal", SIGNAL.name())
                                    .field("band", AsyncIoSource.describeBand(band)).field("rescan", found));
                        } else {
                            out.printf("%7.3f s  %s %s; the rescan finds: %s%n", t, SIGNAL.name(), AsyncIoSource.describeBand(band),
                                    found.isEmpty() ? "nothing new (undone already, or told before)" : String.join(", ", found));
                        }
                        out.flush();
                    });
            if (!json) {
                out.printf("fdloop dnotify: %s through F_NOTIFY (create, delete, modify, rename, attrib; multishot), %s to the"
                        + " process; a signal says only that the directory changed, so each is followed by a rescan%n", dir,
                        SIGNAL.name());
                out.flush();
            }
            if (duration != null) {
                loop.schedule(duration, timer -> loop.stop());
            }
            stop.run();
        }
        return Main.OK;
    }

    private static Map<String, Entry> scan(Path dir) {
        Map<String, Entry> entries = new TreeMap<>();
        try (Stream<Path> names = Files.list(dir)) {
            for (Path p : names.toList()) {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    Object ctime = Files.getAttribute(p, "unix:ctime", java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    entries.put(p.getFileName().toString(), new Entry(a.size(), a.lastModifiedTime().toMillis(),
                            ((java.nio.file.attribute.FileTime) ctime).toMillis()));
                } catch (IOException e) {
                    // gone between the listing and the look: the next rescan says so
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entries;
    }

    private static List<String> diff(Map<String, Entry> before, Map<String, Entry> now) {
        List<String> found = new ArrayList<>();
        now.forEach((name, e) -> {
            Entry old = before.get(name);
            if (old == null) {
                found.add("created " + name);
            } else if (!old.equals(e)) {
                found.add("changed " + name);
            }
        });
        before.keySet().stream().filter(name -> !now.containsKey(name)).forEach(name -> found.add("deleted " + name));
        return found;
    }
}

package org.fdloop.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.fdloop.EventLoop;
import org.fdloop.FileEvent;
import org.fdloop.WatchSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fdloop watch}: inotifywait -m, with recursive watches that follow new directories,
 * renames as one event with both paths, and a rescan after the kernel's queue overflowed.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Print changes to files and directories as they happen (inotify): a better inotifywait -m.",
            "",
            "Each event is one line: the time, the events (inotifywait's names: CREATE, CLOSE_WRITE, MOVED_TO,"
                + " ..., with ISDIR for a directory) and the path. A rename inside the watched paths is one"
                + " MOVED_TO event with the old path ('from'); a rename out of them is MOVED_FROM, into them"
                + " MOVED_TO. When the kernel's event queue overflows, events were lost: watch prints"
                + " Q_OVERFLOW, then lists the tree again and prints what changed meanwhile, each file once, as"
                + " CREATE, DELETE, MODIFY or ATTRIB (found by listing).",
            "",
            "A directory that cannot be read is skipped with a warning on stderr (and a JSON object with"
                + " \"warning\" on stdout with --json); the rest of the tree is watched. A watched PATH"
                + " renamed or moved ends its watch (MOVE_SELF, then IGNORED): watch does not follow it to its"
                + " new name, and never reports what later appears under the old one.",
            "",
            "With --json, one object per line: time (ISO-8601, UTC), path, events (an array), cookie (the"
                + " kernel's rename cookie, 0 for other events), from (on a rename), and scanned: true for an"
                + " entry found by listing rather than reported by the kernel. Control characters in paths"
                + " are escaped; bytes that are not UTF-8 are shown as U+FFFD.",
            "",
            "Ends with Ctrl-C, SIGTERM or SIGHUP (exit 0), or when every watched path is gone; prints a summary on stderr."})
final class WatchCommand implements Callable<Integer> {
    /** The event names -e takes, as inotifywait takes them, and the kinds each asks for. */
    private static final List<String> EVENT_NAMES = List.of("access", "modify", "attrib", "close_write", "close_nowrite",
            "close", "open", "moved_to", "moved_from", "move", "move_self", "create", "delete", "delete_self");

    @Spec
    CommandSpec spec;

    @Option(names = {"-r", "--recursive"}, description = "Watch every directory below each PATH, and those created later.")
    boolean recursive;

    @Option(names = {"-e", "--event"}, split = ",", paramLabel = "EVENT", completionCandidates = EventNames.class,
            description = "Only these events (repeat or separate with commas): ${COMPLETION-CANDIDATES}."
                    + " Default: the changes (create, delete, modify, close_write, attrib, move); the read-only access,"
                    + " open and close_nowrite only when asked for. A PATH's own DELETE_SELF and MOVE_SELF, Q_OVERFLOW,"
                    + " UNMOUNT and IGNORED are always printed.")
    List<String> events = new ArrayList<>();

    @Option(names = "--json", description = "One JSON object per event and line.")
    boolean json;

    @Mixin
    BackendOption backend;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Files or directories to watch.")
    List<Path> paths;

    private PrintWriter out;
    /** The inotifywait names asked for, upper case. */
    private final Set<String> wanted = new LinkedHashSet<>();
    private PrintWriter err;
    private long printed;
    private long overflows;
    private long skipped;
    /** Whether the events now arriving are the listing that follows an overflow. */
    private boolean rescanning;
    private int open;

    @Override
    public Integer call() throws Exception {
        // buffered: written out once per loop iteration (a post hook), not once per event
        out = new PrintWriter(new java.io.BufferedWriter(spec.commandLine().getOut(), 1 << 16), false);
        err = spec.commandLine().getErr();
        if (events.isEmpty() && spec.commandLine().getParseResult().hasMatchedOption("-e")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-e '" + String.join(",",
                    spec.commandLine().getParseResult().matchedOption("-e").originalStringValues()) + "' names no event: use "
                    + String.join(", ", EVENT_NAMES) + ", or leave -e out for the changes (create, delete, modify, close_write, attrib, move)");
        }
        Set<FileEvent.Kind> kinds = kinds();
        for (Path path : paths) {
            if (!Files.exists(path)) {
                throw new Main.Failure(Files.exists(path, LinkOption.NOFOLLOW_LINKS)
                        ? path + ": a symbolic link to nothing (" + Files.readSymbolicLink(path) + " does not exist)"
                        : path + ": no such file or directory");
            }
            if (recursive && !Files.isDirectory(path)) {
                throw new Main.Failure(path + ": not a directory, so -r cannot watch below it; drop -r to watch the file");
            }
        }
        long started = System.nanoTime();
        int directories = 0;
        try (EventLoop loop = backend.open()) {
            StopSignals stop = StopSignals.install(loop, List.of());
            StandardOutput.endWhenReaderGoes(loop); // | head -1 ends it even while no event comes
            loop.post(out::flush);
            loop.atExit(out::flush);
            for (Path path : paths) {
                WatchSource watch = loop.watch(path, kinds, recursive, (source, e) -> print(path, source, e));
                watch.setRescanOnOverflow(true);
                directories += watch.watchCount();
                open++;
            }
            err.printf("fdloop watch: watching %d path%s (%d inotify watch%s)%s; Ctrl-C ends%n", paths.size(),
                    paths.size() == 1 ? "" : "s", directories, directories == 1 ? "" : "es", recursive ? ", recursively" : "");
            err.flush();
            stop.run();
            double seconds = (System.nanoTime() - started) / 1e9;
            err.printf("fdloop watch: %d event%s in %.1f s%s%s%s%n", printed, printed == 1 ? "" : "s", seconds,
                    overflows == 0 ? "" : ", " + overflows + " overflow" + (overflows == 1 ? "" : "s"),
                    skipped == 0 ? "" : ", " + skipped + " director" + (skipped == 1 ? "y" : "ies") + " skipped",
                    stop.received() != null ? " (" + stop.received().name() + ")" : open == 0 ? " (every watched path is gone)" : "");
            err.flush();
        }
        return Main.OK;
    }

    /** The library's kinds for -e: CREATE always, for the listing after an overflow. */
    private Set<FileEvent.Kind> kinds() {
        if (events.isEmpty()) {
            List.of("CREATE", "DELETE", "MODIFY", "CLOSE_WRITE", "ATTRIB", "MOVE").forEach(wanted::add); // WatchSource.CHANGES
        }
        for (String name : events) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            if (!EVENT_NAMES.contains(n)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "unknown event '" + name + "': use "
                        + String.join(", ", EVENT_NAMES));
            }
            wanted.add(n.toUpperCase(Locale.ROOT));
        }
        if (wanted.remove("CLOSE")) {
            wanted.add("CLOSE_WRITE");
            wanted.add("CLOSE_NOWRITE");
        }
        if (wanted.remove("MOVE")) {
            wanted.add("MOVED_FROM");
            wanted.add("MOVED_TO");
        }
        EnumSet<FileEvent.Kind> kinds = EnumSet.of(FileEvent.Kind.CREATE);
        for (String n : wanted) {
            kinds.add(switch (n) {
                case "MOVED_FROM", "MOVED_TO" -> FileEvent.Kind.MOVE;
                default -> FileEvent.Kind.valueOf(n);
            });
        }
        return kinds;
    }

    private void print(Path given, WatchSource source, FileEvent e) {
        if (e.kind() == FileEvent.Kind.SKIPPED) {
            warn(given, source, e);
            return;
        }
        switch (e.kind()) {
            case OVERFLOW -> {
                overflows++;
                rescanning = true;
            }
            case MOVE_SELF -> {
                err.println("fdloop watch: " + Json.printable(given.toString()) + " was renamed or moved: its watch ends"
                        + " (watch does not follow a path to its new name)");
                err.flush();
            }
            case IGNORED -> {
                source.close(); // the root is gone: nothing more comes from it
                if (--open == 0) {
                    source.loop().stop();
                }
            }
            case CREATE -> {
                if (!e.scanned()) {
                    rescanning = false;
                }
            }
            default -> rescanning = false;
        }
        if (!shown(e)) {
            return;
        }
        printed++;
        String path = shown(given, source, e.path());
        String from = e.from() == null ? null : shown(given, source, e.from());
        if (json) {
            List<String> names = new ArrayList<>(2);
            names.add(name(e.kind()));
            if (e.directory()) {
                names.add("ISDIR");
            }
            Json line = Json.object().field("time", Instant.now().toString()).field("path", path).field("events", names)
                    .field("cookie", Integer.toUnsignedLong(e.cookie()));
            if (from != null) {
                line.field("from", from);
            }
            if (e.scanned()) {
                line.field("scanned", true);
            }
            out.println(line);
        } else {
            // written piece by piece into the buffer: a storm prints hundreds of thousands of lines a second
            out.write(clock(System.currentTimeMillis()));
            out.write(LABELS[e.kind().ordinal() * 2 + (e.directory() ? 1 : 0)]);
            out.write(Json.printable(path));
            if (from != null) {
                out.write(" (from ");
                out.write(Json.printable(from));
                out.write(')');
            }
            if (e.scanned()) {
                out.write(" (found by listing)");
            }
            out.println();
        }
    }

    /** The name inotifywait prints for {@code kind}. */
    private static String name(FileEvent.Kind kind) {
        return switch (kind) {
            case MOVE -> "MOVED_TO";
            case OVERFLOW -> "Q_OVERFLOW";
            default -> kind.name();
        };
    }

    /** " CREATE ", " CREATE,ISDIR ", ...: by kind (ordinal x 2) and whether a directory (+1). */
    private static final String[] LABELS = new String[FileEvent.Kind.values().length * 2];

    static {
        for (FileEvent.Kind kind : FileEvent.Kind.values()) {
            LABELS[kind.ordinal() * 2] = " " + name(kind) + " ";
            LABELS[kind.ordinal() * 2 + 1] = " " + name(kind) + ",ISDIR ";
        }
    }

    private long clockSecond = Long.MIN_VALUE;
    private String clockPrefix;
    private long clockMillis = Long.MIN_VALUE;
    private String clockText;

    /** {@link Json#clock}, formatted once per second and made once per millisecond: a storm prints thousands of lines a second. */
    private String clock(long now) {
        if (now != clockMillis) {
            long second = Math.floorDiv(now, 1000);
            if (second != clockSecond) {
                clockSecond = second;
                String formatted = Json.clock(Instant.ofEpochSecond(second));
                clockPrefix = formatted.substring(0, formatted.length() - 3);
            }
            int millis = (int) Math.floorMod(now, 1000);
            clockMillis = now;
            clockText = clockPrefix + (millis < 100 ? millis < 10 ? "00" : "0" : "") + millis;
        }
        return clockText;
    }

    /** A directory that cannot be watched: one line on stderr, and with --json a warning object on stdout. */
    private void warn(Path given, WatchSource source, FileEvent e) {
        skipped++;
        String path = shown(given, source, e.path());
        String problem = e.problem().getMessage();
        err.println("fdloop watch: warning: " + Json.printable(path) + " is not watched (" + problem
                + "); the rest of the tree is");
        err.flush();
        if (json) {
            out.println(Json.object().field("time", Instant.now().toString()).field("warning", "not watched: " + problem)
                    .field("path", path));
            out.flush();
        }
    }

    /** Whether the user asked for this event; a root's own events, overflow, unmount, ignored and the listing after an overflow always. */
    private boolean shown(FileEvent e) {
        return switch (e.kind()) {
            case OVERFLOW, UNMOUNT, IGNORED, MOVE_SELF, DELETE_SELF -> true;
            case MOVE -> wanted.contains("MOVED_FROM") || wanted.contains("MOVED_TO");
            case CREATE -> wanted.contains("CREATE") || (e.scanned() && rescanning);
            default -> wanted.contains(e.kind().name());
        };
    }

    /** {@code path} as below the PATH the user gave, not the absolute root. */
    private static String shown(Path given, WatchSource source, Path path) {
        if (given == source.root() || given.equals(source.root())) {
            return path.toString(); // an absolute PATH: the paths are as given
        }
        Path relative = source.root().relativize(path);
        return relative.toString().isEmpty() ? given.toString() : given.resolve(relative).toString();
    }

    static final class EventNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return EVENT_NAMES.iterator();
        }
    }
}

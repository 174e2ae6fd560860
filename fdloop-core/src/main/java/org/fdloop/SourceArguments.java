package org.fdloop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import org.fdloop.fd.Signal;
import org.fdloop.internal.SignalRules;

/** The checks at the door of the registrations whose arguments need more than a null check. */
final class SourceArguments {
    private SourceArguments() {}

    /** {@link EventLoop#onAsyncIo(org.fdloop.fd.Fd, int, Signal, AsyncIoHandler)}'s events and signal. */
    static void checkAsyncIo(int events, Signal signal) {
        int allowed = IoSource.READABLE | IoSource.WRITABLE | IoSource.PRIORITY;
        if (events == 0 || (events & ~allowed) != 0) {
            throw new IllegalArgumentException("signal-driven I/O takes READABLE, WRITABLE and PRIORITY, not "
                    + IoSource.describe(events) + ": a signal reports each change, so EDGE and ONESHOT do not apply");
        }
        SignalRules.checkAsyncIoSignal(signal);
    }

    /** {@link EventLoop#watch}'s arguments; returns the absolute root. */
    static Path checkWatch(Path root, Set<FileEvent.Kind> events, boolean recursive) {
        if (events.isEmpty()) {
            throw new IllegalArgumentException("watch(" + root + ") needs at least one kind of event to report, such as "
                    + "FileEvent.Kind.CREATE; the set of events is empty");
        }
        for (FileEvent.Kind kind : events) {
            Objects.requireNonNull(kind, "events contains null");
            if (!kind.isWatchable()) {
                throw new IllegalArgumentException(kind + " cannot be asked for: every watch reports it on its own. "
                        + "Leave it out of the events given to watch(" + root + ")");
            }
        }
        Path absolute = root.toAbsolutePath();
        if (recursive && Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw new IllegalArgumentException("a recursive watch follows a directory tree, and " + absolute
                    + " is not a directory: watch it with recursive = false");
        }
        return absolute;
    }
}

package org.fdloop;

import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.fdloop.fd.Inotify;

/**
 * A file or directory watched through inotify: {@link EventLoop#watch}.
 *
 * <p>A watch on a directory reports changes to the entries in it, a watch on a file changes to
 * the file. A recursive watch follows a directory tree as it changes, like
 * {@code inotifywait -r}: a directory created or moved into the tree is watched at once, and
 * what is already inside it by the time its watch exists is reported as {@link FileEvent.Kind#CREATE}
 * events with {@link FileEvent#scanned()} set, so a file created right after its directory is
 * reported exactly once either way. A directory deleted or moved out of the tree is dropped.
 * Symbolic links inside the tree are not followed.
 *
 * <p>A rename inside the tree is one {@link FileEvent.Kind#MOVE} event with both paths; a rename
 * out of the tree is a {@link FileEvent.Kind#MOVED_FROM}, a rename into it a
 * {@link FileEvent.Kind#MOVED_TO}. Asking for any of MOVE, MOVED_FROM or MOVED_TO gets all three.
 *
 * <p>The kernel's queue is bounded: when it overflows, every watch of the loop gets an
 * {@link FileEvent.Kind#OVERFLOW} event, and a watch with {@link #setRescanOnOverflow} then
 * lists its tree again and reports every entry as a scanned CREATE.
 *
 * <p>All the watches of a loop share one inotify instance, which the loop opens with the first
 * watch and closes with the last. A disabled watch keeps following its tree, but drops the events
 * that happen while it is disabled. Events reach handlers in the order the kernel queued them,
 * across all watches of the loop; {@link #setPriority} does not reorder them.
 */
public final class WatchSource extends Source {
    final Watches watches;
    final Path root;
    private final Set<FileEvent.Kind> kinds;
    /** What this watch asks inotify for: the user's kinds plus what following a tree needs. */
    final Set<Inotify.Event> inotifyEvents;
    final boolean recursive;
    private final WatchHandler handler;
    boolean rescanOnOverflow;
    /** The directories (or the one file) this source watches, by their current path. */
    final Map<Path, Watches.Entry> watched = new HashMap<>();
    /** A MOVED_FROM waiting for the MOVED_TO with its cookie, or null. */
    Watches.PendingMove pendingFrom;
    /** Whether the kernel removed the root's watch (IGNORED): nothing more comes. */
    boolean ended;
    /** The event, or the failure, that the next dispatch delivers. */
    Object current;

    WatchSource(EventLoop loop, Watches watches, Path root, Set<FileEvent.Kind> kinds, boolean recursive, WatchHandler handler) {
        super(loop, (recursive ? "recursive watch " : "watch ") + root);
        this.watches = watches;
        this.root = root;
        this.kinds = Collections.unmodifiableSet(EnumSet.copyOf(kinds));
        this.recursive = recursive;
        this.handler = handler;
        EnumSet<Inotify.Event> events = EnumSet.noneOf(Inotify.Event.class);
        for (FileEvent.Kind kind : kinds) {
            events.addAll(kind.inotifyEvents());
        }
        if (events.contains(Inotify.Event.MOVED_FROM) || events.contains(Inotify.Event.MOVED_TO)) {
            events.add(Inotify.Event.MOVED_FROM); // both halves, to pair them
            events.add(Inotify.Event.MOVED_TO);
        }
        if (recursive) {
            events.addAll(EnumSet.of(Inotify.Event.CREATE, Inotify.Event.DELETE, Inotify.Event.MOVED_FROM, Inotify.Event.MOVED_TO));
        }
        this.inotifyEvents = Collections.unmodifiableSet(events);
    }

    /** {@return the watched path, absolute} */
    public Path root() {
        return root;
    }

    /** {@return the kinds of events asked for (UNMOUNT, OVERFLOW and IGNORED come without asking)} */
    public Set<FileEvent.Kind> events() {
        return kinds;
    }

    /** {@return whether the watch follows the directory tree below its root} */
    public boolean isRecursive() {
        return recursive;
    }

    /**
     * How many inotify watches this source holds: one for its root, and for a recursive watch one
     * more per directory of its tree. 0 once the root's watch is gone or the source is closed.
     *
     * @return how many inotify watches this source holds
     */
    public int watchCount() {
        return closed ? 0 : watched.size();
    }

    /** {@return whether the kernel removed the root's watch (the root was deleted or unmounted; IGNORED was reported)} */
    public boolean hasEnded() {
        return ended;
    }

    /** {@return whether an overflow makes this watch list its tree again; see {@link #setRescanOnOverflow}} */
    public boolean rescansOnOverflow() {
        return rescanOnOverflow;
    }

    /**
     * After an {@link FileEvent.Kind#OVERFLOW} event, lists the watched directory (for a recursive
     * watch the whole tree, watching any directory it missed and dropping those that are gone) and
     * reports every entry as a CREATE event with {@link FileEvent#scanned()} set. Needs CREATE
     * among the events. Default off.
     *
     * @param rescan whether to list the tree again after an overflow
     * @return this watch
     */
    public WatchSource setRescanOnOverflow(boolean rescan) {
        loop.checkThread("setRescanOnOverflow");
        checkOpen();
        if (rescan && !kinds.contains(FileEvent.Kind.CREATE)) {
            throw new IllegalStateException("a rescan reports what it finds as CREATE events, and " + name()
                    + " does not ask for CREATE: add FileEvent.Kind.CREATE to its events");
        }
        this.rescanOnOverflow = rescan;
        return this;
    }

    /** Whether the user asked for events of {@code kind}; the three halves of a rename count as one. */
    boolean wants(FileEvent.Kind kind) {
        return switch (kind) {
            case UNMOUNT, OVERFLOW, IGNORED -> true;
            case MOVE, MOVED_FROM, MOVED_TO -> kinds.contains(FileEvent.Kind.MOVE)
                    || kinds.contains(FileEvent.Kind.MOVED_FROM) || kinds.contains(FileEvent.Kind.MOVED_TO);
            default -> kinds.contains(kind);
        };
    }

    @Override
    boolean keepsLoopAlive() {
        return true;
    }

    @Override
    void dispatch(int events) throws Exception {
        Object item = current;
        current = null;
        if (item instanceof Exception failure) {
            throw failure; // a directory of the tree could not be watched: the error handler hears of it
        }
        handler.changed(this, (FileEvent) item);
    }

    @Override
    void onEnable() {}

    @Override
    void onDisable() {}

    @Override
    void onClose() {
        loop.release(this);
    }
}

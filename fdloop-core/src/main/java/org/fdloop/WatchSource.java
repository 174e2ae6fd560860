package org.fdloop;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
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
 * reported exactly once either way. A directory deleted or moved out of the tree is dropped, and
 * nothing that happens in it later is reported. Symbolic links inside the tree are not followed.
 * A directory that cannot be watched or listed (unreadable, or a limit reached) is reported once as
 * {@link FileEvent.Kind#SKIPPED} and the rest of the tree is watched.
 *
 * <p>{@link #CHANGES} is the set of events a watch for changes wants; {@link FileEvent.Kind#OPEN},
 * {@link FileEvent.Kind#ACCESS} and {@link FileEvent.Kind#CLOSE_NOWRITE} report reads, and only
 * when asked for. The watch's own listings of directories never show up as events: while it lists
 * a directory, it takes those three out of the directory's and its parent's inotify mask.
 *
 * <p>A rename inside the tree is one {@link FileEvent.Kind#MOVE} event with both paths; a rename
 * out of the tree is a {@link FileEvent.Kind#MOVED_FROM}, a rename into it a
 * {@link FileEvent.Kind#MOVED_TO}. Asking for any of MOVE, MOVED_FROM or MOVED_TO gets all three.
 *
 * <p>The root renamed or moved (or a directory above it, noticed when the watch next adds a
 * directory) ends the watch: {@link FileEvent.Kind#MOVE_SELF}, then
 * {@link FileEvent.Kind#IGNORED}. The watch does not follow the tree to its new place: the kernel
 * does not tell where that is without a descriptor of the root held open, and one held open would
 * keep a deleted root's inode alive, so that its deletion would never be reported. The root
 * deleted is {@link FileEvent.Kind#DELETE_SELF}, then IGNORED. Either way no path that is no longer
 * the tree's is ever reported.
 *
 * <p>The kernel's queue is bounded: when it overflows, every watch of the loop gets an
 * {@link FileEvent.Kind#OVERFLOW} event, and a watch with {@link #setRescanOnOverflow} then
 * lists its tree again, once the loop has read the queue empty, and reports what changed since it
 * last knew each directory, each entry at most once: CREATE, DELETE, MODIFY or ATTRIB, all
 * {@linkplain FileEvent#scanned() scanned}.
 *
 * <p>All the watches of a loop share one inotify instance, which the loop opens with the first
 * watch and closes with the last. A disabled watch keeps following its tree, but drops the events
 * that happen while it is disabled. A watch's events reach its handler in the order the kernel
 * queued them; among several watches with events in the same iteration, {@link #setPriority}
 * orders them as it orders every source.
 */
public final class WatchSource extends Source {
    /**
     * What a watch for changes asks for, and what {@code fdloop watch} reports by default: CREATE,
     * DELETE, MODIFY, CLOSE_WRITE, ATTRIB and the renames (MOVE). The root's own DELETE_SELF and
     * MOVE_SELF come without asking.
     */
    public static final Set<FileEvent.Kind> CHANGES = Collections.unmodifiableSet(EnumSet.of(FileEvent.Kind.CREATE,
            FileEvent.Kind.DELETE, FileEvent.Kind.MODIFY, FileEvent.Kind.CLOSE_WRITE, FileEvent.Kind.ATTRIB, FileEvent.Kind.MOVE));

    final Watches watches;
    final Path root;
    private final Set<FileEvent.Kind> kinds;
    /** What this watch asks inotify for: the user's kinds plus what following a tree needs (IN_* bits). */
    final int mask;
    final boolean recursive;
    private final WatchHandler handler;
    boolean rescanOnOverflow;
    /** The directories (or the one file) this source watches, by their current path. */
    final Map<Path, Watches.Entry> watched = new HashMap<>();
    /** The directories reported as SKIPPED, so that each is reported once. */
    final Set<Path> skipped = new HashSet<>();
    /** The root's path as statx takes it, in memory freed with this source. */
    final MemorySegment rootName;
    /** What the root was when the watch began; null when it could not be read. */
    DirectoryReader.Identity rootIdentity;
    /** Whether the root's path names something else now, and the watch ends once the events read are handled. */
    boolean rootGone;
    /** A MOVED_FROM waiting for the MOVED_TO with its cookie, or null. */
    Watches.PendingMove pendingFrom;
    /** Whether an overflow asked for a rescan that has not run yet (it runs once the kernel's queue is read empty). */
    boolean rescanDue;
    /** Whether the watch ended (IGNORED was reported): nothing more comes. */
    boolean ended;
    /** The events, and failures, that the next dispatch delivers, in order. */
    final ArrayDeque<FileEvent> queue = new ArrayDeque<>();

    WatchSource(EventLoop loop, Watches watches, Path root, Set<FileEvent.Kind> kinds, boolean recursive, WatchHandler handler) {
        super(loop, (recursive ? "recursive watch " : "watch ") + root);
        this.watches = watches;
        this.root = root;
        this.kinds = Collections.unmodifiableSet(EnumSet.copyOf(kinds));
        this.recursive = recursive;
        this.handler = handler;
        this.rootName = Arena.ofAuto().allocateFrom(root.toString());
        int bits = WatchMasks.TREE_BITS | WatchMasks.ROOT_BITS;
        for (FileEvent.Kind kind : kinds) {
            for (Inotify.Event event : kind.inotifyEvents()) {
                bits |= event.bit();
            }
        }
        this.mask = bits;
    }

    /** {@return the watched path, absolute} */
    public Path root() {
        return root;
    }

    /** {@return the kinds of events asked for (the root's DELETE_SELF and MOVE_SELF, UNMOUNT, OVERFLOW, IGNORED and SKIPPED come without asking)} */
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

    /** {@return whether the watch ended: the root was deleted, unmounted or moved, and IGNORED was reported} */
    public boolean hasEnded() {
        return ended;
    }

    /** {@return whether an overflow makes this watch list its tree again; see {@link #setRescanOnOverflow}} */
    public boolean rescansOnOverflow() {
        return rescanOnOverflow;
    }

    /**
     * After an {@link FileEvent.Kind#OVERFLOW} event, once a read finds the kernel's queue empty
     * (one rescan however many overflows came until then, and none in an iteration after
     * {@link EventLoop#stop()}: the next read that empties the queue runs it), lists the watched directory (for a recursive
     * watch the whole tree, watching any directory it missed and dropping those that are gone) and
     * reports what changed since the watch last knew each directory, as events with
     * {@link FileEvent#scanned()} set: CREATE for an entry it did not know, DELETE for one that is
     * gone, MODIFY (or ATTRIB) for one whose modification (or change) time is later than the last
     * moment every event had been read, when the source asked for that kind. Needs CREATE among the
     * events. Default off.
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
            case UNMOUNT, OVERFLOW, IGNORED, SKIPPED, DELETE_SELF, MOVE_SELF -> true;
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
        // one dispatch delivers what the watch has queued; closed or disabled, the rest is dropped
        for (FileEvent event; isEnabled() && (event = queue.poll()) != null; ) {
            handler.changed(this, event);
        }
    }

    @Override
    void onEnable() {}

    @Override
    void onDisable() {
        queue.clear(); // events that came while enabled but were not delivered yet: dropped, as documented
    }

    @Override
    void onClose() {
        queue.clear();
        loop.release(this);
    }
}

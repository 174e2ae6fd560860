package org.fdloop;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.fdloop.fd.Inotify;
import org.fdloop.fd.InotifyEvent;
import org.fdloop.fd.LinuxException;

/**
 * The loop's inotify instance and every {@link WatchSource} on it.
 *
 * <p>One instance per loop, as sd-event and libuv do: one fd and one poller registration however
 * many watches, and one instance against fs.inotify.max_user_instances (128 by default) instead of
 * one per watch. The price is that an overflow concerns every watch, which is why every watch
 * hears of it, and that two sources watching the same inode share its watch descriptor (the
 * kernel has one watch per inode and instance): a {@link Node} per wd lists the {@link Entry}s
 * of each source that watches it, under the path that source knows it by. A node's mask is the
 * union of what its sources asked for (IN_MASK_ADD); it never shrinks while the node lives, and
 * each source filters what it did not ask for.
 *
 * <p>Work happens in two steps per read: every event of the batch is turned into FileEvents
 * and the trees are updated (watches added, moved, dropped), then the handlers run. A handler
 * may so close any source, or open new watches, without disturbing the bookkeeping.
 */
final class Watches {
    /** Reads per dispatch at most, so that a flood of file events does not starve other sources. */
    private static final int MAX_READS = 16;

    /** The kinds that need nothing but a path, and their IN_* bits. */
    private static final FileEvent.Kind[] OTHER_KINDS = {
        FileEvent.Kind.ACCESS, FileEvent.Kind.MODIFY, FileEvent.Kind.ATTRIB, FileEvent.Kind.CLOSE_WRITE,
        FileEvent.Kind.CLOSE_NOWRITE, FileEvent.Kind.OPEN, FileEvent.Kind.DELETE_SELF, FileEvent.Kind.MOVE_SELF,
        FileEvent.Kind.UNMOUNT,
    };
    private static final int[] OTHER_BITS = {
        IN_ACCESS, IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE, IN_CLOSE_NOWRITE, IN_OPEN, IN_DELETE_SELF, IN_MOVE_SELF, IN_UNMOUNT,
    };

    private enum Walk { INITIAL, NEW, RESCAN }

    /** One watch descriptor: an inode watched by one or more sources. */
    static final class Node {
        final int wd;
        final List<Entry> entries = new ArrayList<>(1);

        Node(int wd) {
            this.wd = wd;
        }
    }

    /** A watched directory (or file) as one source knows it. */
    static final class Entry {
        final WatchSource source;
        final Node node;
        final boolean root;
        Path path;
        boolean detached;
        /**
         * Names a listing of this directory reported as CREATE since the queue was last drained:
         * the kernel may also have queued a CREATE or MOVED_TO for them (when they appeared after
         * the watch was added and before the listing), which is then dropped as a duplicate.
         */
        Set<String> scanned;

        Entry(WatchSource source, Node node, Path path, boolean root) {
            this.source = source;
            this.node = node;
            this.path = path;
            this.root = root;
        }

        /** Whether a listing reported {@code name}; forgets it. */
        boolean unscan(String name) {
            return scanned != null && scanned.remove(name);
        }
    }

    /** A MOVED_FROM waiting for its MOVED_TO. */
    record PendingMove(Entry entry, String name, Path path, boolean directory, int cookie) {}

    /** A FileEvent, or a failure, on its way to a source's handler. */
    private record Delivery(WatchSource source, Object item) {}

    private final EventLoop loop;
    private final Inotify inotify;
    private final IoSource io;
    private final Map<Integer, Node> nodes = new HashMap<>();
    private final List<WatchSource> sources = new ArrayList<>();
    private final ArrayDeque<Delivery> deliveries = new ArrayDeque<>();
    /** Entries with scanned names, forgotten when a read finds the queue empty. */
    private final List<Entry> unsettled = new ArrayList<>();
    private boolean closed;

    Watches(EventLoop loop) throws IOException {
        this.loop = loop;
        Inotify opened = Inotify.open();
        try {
            this.io = loop.onReadable(opened, (source, events) -> ready());
        } catch (IOException | RuntimeException e) {
            opened.close();
            throw e;
        }
        this.inotify = opened;
        io.named("inotify of the file watches");
        io.carrier = true; // each watch handler is counted and timed by its own invoke
        loop.uncount(io); // the watches keep the loop going, not their shared fd
    }

    boolean isClosed() {
        return closed;
    }

    /** The inotify instance, for tests. */
    Inotify inotify() {
        return inotify;
    }

    // ---- adding and removing sources ---------------------------------------------------------------

    WatchSource add(Path root, Set<FileEvent.Kind> kinds, boolean recursive, WatchHandler handler) throws IOException {
        WatchSource source = new WatchSource(loop, this, root, kinds, recursive, handler);
        sources.add(source);
        try {
            walk(source, root, Walk.INITIAL, null);
        } catch (IOException | RuntimeException e) {
            // no half-watched tree: take back every watch this source added, then report
            sources.remove(source);
            if (sources.isEmpty()) {
                shutdown();
            } else {
                for (Entry entry : List.copyOf(source.watched.values())) {
                    detach(entry);
                }
            }
            throw e;
        }
        return source;
    }

    /** Called once by a closing source (through EventLoop.release). */
    void remove(WatchSource source) {
        sources.remove(source);
        source.pendingFrom = null;
        if (sources.isEmpty()) {
            shutdown(); // closing the instance removes every watch at once
            return;
        }
        for (Entry entry : List.copyOf(source.watched.values())) {
            detach(entry);
        }
        source.watched.clear();
    }

    /** Closes every source, then the inotify instance (the loop is closing). */
    void close() {
        for (WatchSource source : sources.toArray(WatchSource[]::new)) {
            source.close();
        }
        shutdown();
    }

    private void shutdown() {
        if (closed) {
            return;
        }
        closed = true;
        nodes.clear();
        deliveries.clear();
        unsettled.clear();
        io.close();
        inotify.close();
    }

    // ---- watches --------------------------------------------------------------------------------

    /** Adds (or extends) the watch of {@code path} for {@code source}; returns its entry. */
    private Entry watch(WatchSource source, Path path, boolean root) throws IOException {
        Set<Inotify.WatchFlag> flags = EnumSet.of(Inotify.WatchFlag.MASK_ADD);
        if (!root) {
            flags.add(Inotify.WatchFlag.ONLYDIR); // a directory found in the tree, never a link to one
            flags.add(Inotify.WatchFlag.DONT_FOLLOW);
        } else if (source.recursive) {
            flags.add(Inotify.WatchFlag.ONLYDIR);
        }
        int wd = inotify.addWatch(path, source.inotifyEvents, flags);
        Node node = nodes.computeIfAbsent(wd, Node::new);
        Entry known = source.watched.get(path);
        if (known != null) {
            if (known.node == node) {
                return known;
            }
            detach(known); // the path names another inode now; the old one's IGNORED may still be queued
        }
        Entry entry = new Entry(source, node, path, root);
        node.entries.add(entry);
        source.watched.put(path, entry);
        return entry;
    }

    /** Forgets {@code entry}; removes its watch when no source is left on it. */
    private void detach(Entry entry) {
        if (entry.detached) {
            return;
        }
        entry.detached = true;
        entry.source.watched.remove(entry.path, entry);
        Node node = entry.node;
        node.entries.remove(entry);
        if (node.entries.isEmpty() && nodes.remove(node.wd, node)) {
            try {
                inotify.removeWatch(node.wd);
            } catch (IOException e) {
                // EINVAL: the kernel removed the watch already (the inode is gone; IGNORED is queued), ignoring
            }
        }
    }

    /**
     * Watches {@code top} and, for a recursive source, every directory below it, top-down: each
     * directory is listed after its watch exists, so an entry created meanwhile is either in the
     * listing or reported by the watch. {@link Walk#INITIAL} reports nothing and throws; the others
     * report every entry listed as a scanned CREATE and hand failures to the error handler.
     */
    private void walk(WatchSource source, Path top, Walk mode, Set<Path> seen) throws IOException {
        ArrayDeque<Path> todo = new ArrayDeque<>();
        todo.push(top);
        while (!todo.isEmpty()) {
            Path dir = todo.pop();
            boolean isRoot = mode != Walk.NEW && dir == top;
            Entry entry;
            try {
                entry = watch(source, dir, isRoot);
            } catch (LinuxException e) {
                if (!isRoot && (e.errno() == ENOENT || e.errno() == ENOTDIR)) {
                    continue; // deleted or replaced since it was listed: its parent reports that, ignoring
                }
                if (mode == Walk.INITIAL) {
                    throw e;
                }
                if (!isRoot || e.errno() != ENOENT) {
                    fail(source, e);
                }
                continue;
            }
            if (seen != null) {
                seen.add(dir);
            }
            if (mode == Walk.INITIAL && !source.recursive) {
                return;
            }
            List<Path> children;
            try {
                children = list(dir);
            } catch (NoSuchFileException | NotDirectoryException e) {
                continue; // deleted since its watch was added, or the watched root is a file; ignoring
            } catch (IOException e) {
                if (mode == Walk.INITIAL) {
                    throw e;
                }
                fail(source, e);
                continue;
            }
            List<Path> subdirectories = new ArrayList<>();
            for (Path child : children) {
                boolean directory = Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS);
                if (mode != Walk.INITIAL) {
                    if (entry.scanned == null) {
                        entry.scanned = new HashSet<>();
                        unsettled.add(entry);
                    }
                    entry.scanned.add(child.getFileName().toString());
                    emit(source, FileEvent.Kind.CREATE, child, null, directory, 0, true);
                }
                if (directory && source.recursive) {
                    subdirectories.add(child);
                }
            }
            for (int i = subdirectories.size() - 1; i >= 0; i--) {
                todo.push(subdirectories.get(i));
            }
        }
    }

    /** The entries of {@code dir}, by name. */
    private static List<Path> list(Path dir) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(children::add);
        }
        children.sort(Comparator.comparing(child -> child.getFileName().toString()));
        return children;
    }

    /** The watched directory {@code from} and those below it are now at {@code to}. */
    private void rekey(WatchSource source, Path from, Path to) {
        List<Entry> moved = new ArrayList<>();
        for (Entry entry : source.watched.values()) {
            if (entry.path.startsWith(from)) {
                moved.add(entry);
            }
        }
        for (Entry entry : moved) {
            source.watched.remove(entry.path, entry);
        }
        for (Entry entry : moved) {
            Path path = to.resolve(from.relativize(entry.path));
            Entry there = source.watched.get(path);
            if (there != null) {
                if (there.node == entry.node) { // a listing of the new place watched it already
                    entry.detached = true;
                    entry.node.entries.remove(entry);
                    continue;
                }
                detach(there);
            }
            entry.path = path;
            source.watched.put(path, entry);
        }
    }

    /** The watched directory {@code path} and those below it left the tree. */
    private void dropTree(WatchSource source, Path path) {
        for (Entry entry : List.copyOf(source.watched.values())) {
            if (entry.path.startsWith(path) && !entry.root) {
                detach(entry);
            }
        }
    }

    // ---- reading and translating events -----------------------------------------------------------

    /** The inotify fd is readable: read, translate, deliver; until the queue is empty or MAX_READS. */
    private void ready() throws IOException {
        for (int reads = 0; reads < MAX_READS && !closed; reads++) {
            List<InotifyEvent> batch = inotify.read();
            if (batch.isEmpty()) {
                settle();
                deliver();
                return;
            }
            for (InotifyEvent event : batch) {
                handle(event);
            }
            deliver();
        }
    }

    /**
     * The queue was empty: a MOVED_FROM still waiting has no partner (the kernel queues both
     * halves together), and every duplicate a listing could have met was read.
     */
    private void settle() {
        for (WatchSource source : sources) {
            if (source.pendingFrom != null) {
                movedOut(source);
            }
        }
        for (Entry entry : unsettled) {
            entry.scanned = null;
        }
        unsettled.clear();
    }

    private void handle(InotifyEvent event) {
        if (event.isOverflow()) {
            overflow();
            return;
        }
        Node node = nodes.get(event.wd());
        if (node == null) {
            return; // a watch removed since the kernel queued the event
        }
        if (event.isIgnored()) {
            nodes.remove(node.wd);
            for (Entry entry : List.copyOf(node.entries)) {
                WatchSource source = entry.source;
                entry.detached = true;
                source.watched.remove(entry.path, entry);
                if (entry.root) {
                    if (source.pendingFrom != null) {
                        movedOut(source);
                    }
                    source.ended = true;
                    emit(source, FileEvent.Kind.IGNORED, entry.path, null, false, 0, false);
                }
            }
            node.entries.clear();
            return;
        }
        for (Entry entry : List.copyOf(node.entries)) {
            if (!entry.detached) {
                translate(entry, event);
            }
        }
    }

    /** One kernel event as {@code entry}'s source sees it. */
    private void translate(Entry entry, InotifyEvent event) {
        String name = event.name();
        if (name.isEmpty() && !entry.root) {
            return; // about a directory inside the tree: its parent's watch reported it, with its name
        }
        WatchSource source = entry.source;
        Path path = name.isEmpty() ? entry.path : entry.path.resolve(name);
        boolean directory = event.isDirectory();
        int mask = event.mask();
        int cookie = event.cookie();
        PendingMove from = source.pendingFrom;
        boolean partner = from != null && (mask & IN_MOVED_TO) != 0 && cookie == from.cookie();
        if (from != null && !partner) {
            movedOut(source);
        }
        if ((mask & IN_MOVED_FROM) != 0) {
            source.pendingFrom = new PendingMove(entry, name, path, directory, cookie);
        } else if (partner) {
            moved(source, from, entry, name, path, directory, cookie);
        } else if ((mask & IN_MOVED_TO) != 0) {
            movedIn(source, entry, name, path, directory, cookie);
        } else if ((mask & IN_CREATE) != 0) {
            if (entry.unscan(name)) {
                return; // the listing of this directory reported it already
            }
            emit(source, FileEvent.Kind.CREATE, path, null, directory, 0, false);
            if (directory && source.recursive) {
                walkReporting(source, path, Walk.NEW, null);
            }
        } else if ((mask & IN_DELETE) != 0) {
            entry.unscan(name);
            emit(source, FileEvent.Kind.DELETE, path, null, directory, 0, false);
        } else {
            for (int i = 0; i < OTHER_KINDS.length; i++) {
                if ((mask & OTHER_BITS[i]) != 0) {
                    emit(source, OTHER_KINDS[i], path, null, directory, 0, false);
                }
            }
        }
    }

    /** A rename inside the source's tree. */
    private void moved(WatchSource source, PendingMove from, Entry to, String name, Path path, boolean directory, int cookie) {
        source.pendingFrom = null;
        from.entry().unscan(from.name());
        if (to.unscan(name)) {
            // a listing of the new place reported the arrival already: only the departure is news
            emit(source, FileEvent.Kind.MOVED_FROM, from.path(), null, directory, cookie, false);
        } else {
            emit(source, FileEvent.Kind.MOVE, path, from.path(), directory, cookie, false);
        }
        if (directory && source.recursive) {
            rekey(source, from.path(), path);
            if (!source.watched.containsKey(path)) {
                walkReporting(source, path, Walk.NEW, null); // it was not watched (a limit was hit when it came)
            }
        }
    }

    /** The waiting MOVED_FROM has no partner: renamed out of the tree. */
    private void movedOut(WatchSource source) {
        PendingMove from = source.pendingFrom;
        source.pendingFrom = null;
        from.entry().unscan(from.name());
        emit(source, FileEvent.Kind.MOVED_FROM, from.path(), null, from.directory(), from.cookie(), false);
        if (from.directory() && source.recursive) {
            dropTree(source, from.path());
        }
    }

    /** A MOVED_TO without partner: renamed into the tree from outside. */
    private void movedIn(WatchSource source, Entry entry, String name, Path path, boolean directory, int cookie) {
        if (entry.unscan(name)) {
            return; // the listing of this directory reported it already
        }
        emit(source, FileEvent.Kind.MOVED_TO, path, null, directory, cookie, false);
        if (directory && source.recursive) {
            walkReporting(source, path, Walk.NEW, null);
        }
    }

    /** IN_Q_OVERFLOW: every source may have missed events. */
    private void overflow() {
        for (WatchSource source : List.copyOf(sources)) {
            if (source.pendingFrom != null) {
                movedOut(source); // its MOVED_TO may be among the dropped events
            }
            if (source.ended) {
                continue;
            }
            emit(source, FileEvent.Kind.OVERFLOW, source.root, null, false, 0, false);
            if (source.rescanOnOverflow) {
                rescan(source);
            }
        }
    }

    /** Lists the source's tree again, watching what it missed and dropping what is gone. */
    private void rescan(WatchSource source) {
        Set<Path> seen = new HashSet<>();
        walkReporting(source, source.root, Walk.RESCAN, seen);
        for (Entry entry : List.copyOf(source.watched.values())) {
            if (!seen.contains(entry.path)) {
                detach(entry);
            }
        }
        if (!seen.contains(source.root)) { // the root is gone and its IGNORED was among the dropped events
            source.ended = true;
            emit(source, FileEvent.Kind.IGNORED, source.root, null, false, 0, false);
        }
    }

    /** {@link #walk} while handling events, where failures go to the error handler instead of being thrown. */
    private void walkReporting(WatchSource source, Path top, Walk mode, Set<Path> seen) {
        try {
            walk(source, top, mode, seen);
        } catch (IOException e) {
            fail(source, e); // only an INITIAL walk throws; kept for the compiler
        }
    }

    // ---- delivering ---------------------------------------------------------------------------------

    private void emit(WatchSource source, FileEvent.Kind kind, Path path, Path from, boolean directory, int cookie, boolean scanned) {
        if (source.isEnabled() && source.wants(kind)) {
            deliveries.add(new Delivery(source, new FileEvent(kind, path, from, directory, cookie, scanned)));
        }
    }

    private void fail(WatchSource source, Exception failure) {
        if (!source.isClosed()) {
            deliveries.add(new Delivery(source, failure));
        }
    }

    /** Runs the handlers for what the last batch brought, in order. */
    private void deliver() {
        for (Delivery d; !closed && (d = deliveries.poll()) != null; ) {
            WatchSource source = d.source();
            if (source.isEnabled()) { // not closed or disabled by an earlier handler
                source.current = d.item();
                loop.invoke(source, 0);
            }
        }
    }
}

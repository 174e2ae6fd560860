package org.fdloop;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.fdloop.fd.Inotify;

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
 * each source filters what it did not ask for. {@link TreeWalk} adds the watches of a tree and
 * lists its directories.
 *
 * <p>The inotify fd is one of the loop's internal registrations: when it is readable, its handler
 * runs while the loop collects, reads, turns the events into FileEvents queued on their sources,
 * updates the trees (watches added, moved, dropped), and puts each source with news on the loop's
 * pending list. The handlers run from there, each watch's in its own dispatch, by priority like
 * every other source; one may so close any source, or open new watches, without disturbing the
 * bookkeeping.
 */
final class Watches {
    /**
     * Reads per iteration at most (each up to 64 KiB, some 2,000 events): the events read are
     * handed to the handlers before the next reads, so few reads per iteration keep the kernel's
     * queue short while the handlers run, and a flood of file events does not starve other sources.
     */
    static final int MAX_READS = 2;
    /**
     * How much earlier than the last complete read a file's time may say it changed and still
     * count as changed after it: file times come from a clock that lags the wall clock by a tick.
     */
    private static final long CLOCK_MARGIN_MILLIS = 50;

    /** The kinds that need nothing but a path, and their IN_* bits. */
    private static final FileEvent.Kind[] OTHER_KINDS = {
        FileEvent.Kind.ACCESS, FileEvent.Kind.MODIFY, FileEvent.Kind.ATTRIB, FileEvent.Kind.CLOSE_WRITE,
        FileEvent.Kind.CLOSE_NOWRITE, FileEvent.Kind.OPEN, FileEvent.Kind.UNMOUNT,
    };
    private static final int[] OTHER_BITS = {
        IN_ACCESS, IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE, IN_CLOSE_NOWRITE, IN_OPEN, IN_UNMOUNT,
    };

    /** One watch descriptor: an inode watched by one or more sources. */
    static final class Node {
        final int wd;
        /** The IN_* events the sources on this node asked for, together. */
        int mask;
        /** Whether the kernel's mask of the watch holds the read events now ({@link TreeWalk} turns them off while listing). */
        boolean readOn;
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
         * The names in the directory as the watch knows them: from its last listing, kept up to
         * date by the kernel's events. A CREATE for a name known already is one a listing reported
         * (the entry came after the watch was added and before the listing); a rescan reports the
         * difference. Null until the directory is listed, and for a watched file.
         */
        NameSet names;

        Entry(WatchSource source, Node node, Path path, boolean root) {
            this.source = source;
            this.node = node;
            this.path = path;
            this.root = root;
        }
    }

    /** A MOVED_FROM waiting for its MOVED_TO. */
    record PendingMove(Entry entry, String name, Path path, boolean directory, int cookie) {}

    private final EventLoop loop;
    private final Inotify inotify;
    private final InternalSource registration;
    final Map<Integer, Node> nodes = new HashMap<>();
    final List<WatchSource> sources = new ArrayList<>();
    /** Lists the directories and tells the roots' identities, for every source. */
    final DirectoryReader reader = new DirectoryReader();
    private final TreeWalk walk = new TreeWalk(this);
    /** When the latest read started, and the one before it (System.currentTimeMillis). */
    private long readMillis;
    private long previousReadMillis;
    /** Whether the loop is collecting (its pending list takes sources), not dispatching. */
    private boolean collecting;
    private boolean closed;
    /** The events of the current read, field by field: no object per event but its name ({@link #append}). */
    private int count;
    private int[] wds = new int[256];
    private int[] masks = new int[256];
    private int[] cookies = new int[256];
    private String[] names = new String[256];
    private final Inotify.EventSink append = this::append;
    /** The earliest time (ms) of the overflows whose rescan has not run yet; Long.MAX_VALUE: none due. */
    private long rescanSince = Long.MAX_VALUE;
    /** How many rescans ran, for tests. */
    int rescans;

    Watches(EventLoop loop) throws IOException {
        this.loop = loop;
        Inotify opened = Inotify.open();
        try {
            this.registration = loop.addInternal("the inotify of the file watches", opened, IoSource.READABLE, events -> ready());
        } catch (IOException | RuntimeException e) {
            opened.close();
            throw e;
        }
        this.inotify = opened;
        readMillis = System.currentTimeMillis();
        previousReadMillis = readMillis;
    }

    boolean isClosed() {
        return closed;
    }

    /** The inotify instance, for tests and {@link TreeWalk}. */
    Inotify inotify() {
        return inotify;
    }

    // ---- adding and removing sources ---------------------------------------------------------------

    WatchSource add(Path root, Set<FileEvent.Kind> kinds, boolean recursive, WatchHandler handler) throws IOException {
        WatchSource source = new WatchSource(loop, this, root, kinds, recursive, handler);
        sources.add(source);
        try {
            source.rootIdentity = reader.identify(source.rootName);
            walk.walk(source, root, TreeWalk.Mode.INITIAL, null, null, 0);
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
        if (!source.queue.isEmpty()) {
            // directories skipped while the tree was added: dispatched next iteration (a handler may be running now)
            loop.defer(() -> loop.addPendingOnce(source));
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
        registration.close(); // and the inotify with it
    }

    // ---- watches --------------------------------------------------------------------------------

    /**
     * Adds (or extends) the watch of {@code path} for {@code source} with {@code mask}; returns its
     * entry. The mask given may leave out bits of the source's, which {@link TreeWalk} adds later.
     */
    Entry watch(WatchSource source, Path path, boolean root, int mask) throws IOException {
        int wd = inotify.addWatch(path, WatchMasks.events(mask), WatchMasks.flags(source, root, true));
        Node node = nodes.computeIfAbsent(wd, Node::new);
        node.mask |= source.mask;
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
    void detach(Entry entry) {
        if (entry.detached) {
            return;
        }
        entry.detached = true;
        entry.source.watched.remove(entry.path, entry);
        Node node = entry.node;
        node.entries.remove(entry);
        if (node.entries.isEmpty() && nodes.remove(node.wd, node)) {
            removeWatch(node.wd);
        }
    }

    void removeWatch(int wd) {
        try {
            inotify.removeWatch(wd);
        } catch (IOException e) {
            // EINVAL: the kernel removed the watch already (the inode is gone; IGNORED is queued), ignoring
        }
    }

    /**
     * Whether {@code source}'s root path no longer names the inode it watches (or nothing): one
     * statx, without allocating. False when the root's identity could not be read at the start.
     */
    boolean rootMoved(WatchSource source) {
        return source.rootIdentity != null && !reader.stillNames(source.rootName, source.rootIdentity);
    }

    /** Ends {@code source}'s watch: the root left its path. Reports MOVE_SELF and IGNORED. */
    void end(WatchSource source) {
        if (source.ended) {
            return;
        }
        source.pendingFrom = null;
        emit(source, FileEvent.Kind.MOVE_SELF, source.root, null, false, 0, false);
        for (Entry entry : List.copyOf(source.watched.values())) {
            detach(entry);
        }
        source.ended = true;
        emit(source, FileEvent.Kind.IGNORED, source.root, null, false, 0, false);
    }

    // ---- reading and translating events -----------------------------------------------------------

    /**
     * The inotify fd is readable (the loop is collecting): read and translate, until the queue is
     * empty or MAX_READS, so that a flood of file events does not starve other sources.
     */
    private void ready() throws IOException {
        collecting = true;
        try {
            readAll();
        } finally {
            collecting = false;
        }
    }

    private void readAll() throws IOException {
        for (int reads = 0; reads < MAX_READS && !closed; reads++) {
            previousReadMillis = readMillis;
            readMillis = System.currentTimeMillis();
            count = 0;
            if (inotify.read(append) == 0) {
                settle();
                return;
            }
            checkRoots();
            for (int i = 0; i < count; i++) {
                handle(wds[i], masks[i], cookies[i], names[i]);
            }
            Arrays.fill(names, 0, count, null);
        }
        if (!closed && !inotify.awaitReadable(Duration.ZERO)) {
            settle(); // the last read took what was queued: nothing may come to make the fd readable again
        }
    }

    private void append(int wd, int mask, int cookie, String name) {
        if (count == wds.length) {
            int grown = count * 2;
            wds = Arrays.copyOf(wds, grown);
            masks = Arrays.copyOf(masks, grown);
            cookies = Arrays.copyOf(cookies, grown);
            names = Arrays.copyOf(names, grown);
        }
        wds[count] = wd;
        masks[count] = mask;
        cookies[count] = cookie;
        names[count] = name;
        count++;
    }

    /**
     * Marks the watches whose root's path names another inode now, or nothing: the root, or a
     * directory above it, was renamed, and the paths such a watch would report are no longer the
     * tree's. One stat per watch and read. A root deleted or renamed itself is left to the kernel's
     * DELETE_SELF or MOVE_SELF: one more read (appended to this one's events) finds it when the
     * stat came after it was queued.
     */
    private void checkRoots() throws IOException {
        List<WatchSource> strayed = null;
        for (int i = 0; i < sources.size(); i++) {
            WatchSource source = sources.get(i);
            if (!source.ended && !source.rootGone && rootMoved(source)) {
                if (strayed == null) {
                    strayed = new ArrayList<>(1);
                }
                strayed.add(source);
            }
        }
        if (strayed == null) {
            return;
        }
        inotify.read(append);
        for (WatchSource source : strayed) {
            Entry root = source.watched.get(source.root);
            boolean told = false;
            for (int i = 0; root != null && i < count && !told; i++) {
                told = wds[i] == root.node.wd && (masks[i] & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)) != 0;
            }
            source.rootGone = !told;
        }
    }

    /**
     * The queue was empty: a MOVED_FROM still waiting has no partner (the kernel queues both halves
     * together); and the rescan an overflow asked for runs now, once however many overflows came
     * meanwhile, and not while the loop is stopping (it runs at the next read that finds the queue
     * empty).
     */
    private void settle() {
        if (rescanSince == Long.MAX_VALUE && !unsettled()) {
            return; // the common case, without a copy of the list
        }
        for (WatchSource source : List.copyOf(sources)) {
            if (source.pendingFrom != null) {
                movedOut(source);
            }
            if (source.rootGone && !source.ended) {
                end(source); // moved without a MOVE_SELF of its own: a directory above it was renamed
            }
        }
        if (rescanSince != Long.MAX_VALUE && !loop.isStopping()) {
            long changedSince = rescanSince;
            rescanSince = Long.MAX_VALUE;
            for (WatchSource source : List.copyOf(sources)) {
                if (source.rescanDue) {
                    source.rescanDue = false;
                    if (!source.ended && !source.rootGone) {
                        rescans++;
                        walk.rescan(source, changedSince);
                    }
                }
            }
        }
    }

    /** Whether a source has a MOVED_FROM waiting, or a root that left its path. */
    private boolean unsettled() {
        for (int i = 0; i < sources.size(); i++) {
            WatchSource source = sources.get(i);
            if (source.pendingFrom != null || (source.rootGone && !source.ended)) {
                return true;
            }
        }
        return false;
    }

    private void handle(int wd, int mask, int cookie, String name) {
        if ((mask & IN_Q_OVERFLOW) != 0) {
            overflow();
            return;
        }
        // A MOVED_FROM is followed at once by its MOVED_TO: anything else means it left the tree, and
        // that is settled before this event is looked at (it may be about what left).
        for (int i = 0; i < sources.size(); i++) {
            WatchSource source = sources.get(i);
            PendingMove from = source.pendingFrom;
            if (from != null && ((mask & IN_MOVED_TO) == 0 || cookie != from.cookie())) {
                movedOut(source);
            }
        }
        Node node = nodes.get(wd);
        if (node == null) {
            return; // a watch removed since the kernel queued the event
        }
        if ((mask & IN_IGNORED) != 0) {
            nodes.remove(node.wd);
            for (Entry entry : List.copyOf(node.entries)) {
                WatchSource source = entry.source;
                entry.detached = true;
                source.watched.remove(entry.path, entry);
                if (entry.root && !source.ended) {
                    source.ended = true;
                    emit(source, FileEvent.Kind.IGNORED, entry.path, null, false, 0, false);
                }
            }
            node.entries.clear();
            return;
        }
        if (node.entries.size() == 1) { // the common case, without a copy
            Entry entry = node.entries.get(0);
            if (!entry.detached && !entry.source.ended) {
                translate(entry, mask, cookie, name);
            }
            return;
        }
        for (Entry entry : List.copyOf(node.entries)) {
            if (!entry.detached && !entry.source.ended) {
                translate(entry, mask, cookie, name);
            }
        }
    }

    /** One kernel event as {@code entry}'s source sees it. */
    private void translate(Entry entry, int mask, int cookie, String name) {
        WatchSource source = entry.source;
        if (name.isEmpty()) {
            if (entry.root) {
                self(entry, mask);
            }
            return; // about a directory inside the tree: its parent's watch reported it, with its name
        }
        if (source.rootGone) {
            return; // the root's path is another's now: no path of this watch can be told
        }
        Path path = entry.path.resolve(name);
        boolean directory = (mask & IN_ISDIR) != 0;
        PendingMove from = source.pendingFrom;
        if ((mask & IN_MOVED_FROM) != 0) {
            source.pendingFrom = new PendingMove(entry, name, path, directory, cookie);
        } else if ((mask & IN_MOVED_TO) != 0 && from != null) {
            moved(source, from, entry, name, path, directory, cookie); // handle() settled any other MOVED_FROM
        } else if ((mask & IN_MOVED_TO) != 0) {
            movedIn(source, entry, name, path, directory, cookie);
        } else if ((mask & IN_CREATE) != 0) {
            if (entry.names != null && !entry.names.add(name)) {
                return; // the listing of this directory reported it already
            }
            emit(source, FileEvent.Kind.CREATE, path, null, directory, 0, false);
            if (directory && source.recursive) {
                walk.walkNew(source, path, entry);
            }
        } else if ((mask & IN_DELETE) != 0) {
            if (entry.names != null) {
                entry.names.remove(name);
            }
            source.skipped.remove(path);
            emit(source, FileEvent.Kind.DELETE, path, null, directory, 0, false);
        } else {
            other(source, path, directory, mask);
        }
    }

    /** An event of the root's own watch about the root itself. */
    private void self(Entry entry, int mask) {
        WatchSource source = entry.source;
        if ((mask & IN_DELETE_SELF) != 0) {
            emit(source, FileEvent.Kind.DELETE_SELF, entry.path, null, false, 0, false); // IGNORED follows
        } else if ((mask & IN_MOVE_SELF) != 0) {
            end(source);
        } else if (!source.rootGone) {
            other(source, entry.path, false, mask);
        }
    }

    private void other(WatchSource source, Path path, boolean directory, int mask) {
        for (int i = 0; i < OTHER_KINDS.length; i++) {
            if ((mask & OTHER_BITS[i]) != 0) {
                emit(source, OTHER_KINDS[i], path, null, directory, 0, false);
            }
        }
    }

    /** A rename inside the source's tree. */
    private void moved(WatchSource source, PendingMove from, Entry to, String name, Path path, boolean directory, int cookie) {
        source.pendingFrom = null;
        if (from.entry().names != null) {
            from.entry().names.remove(from.name());
        }
        if (to.names != null && !to.names.add(name)) {
            // a listing of the new place reported the arrival already: only the departure is news
            emit(source, FileEvent.Kind.MOVED_FROM, from.path(), null, directory, cookie, false);
        } else {
            emit(source, FileEvent.Kind.MOVE, path, from.path(), directory, cookie, false);
        }
        if (directory && source.recursive) {
            walk.rekey(source, from.path(), path);
            if (!source.watched.containsKey(path)) {
                walk.walkNew(source, path, to); // it was not watched (skipped, or a limit was hit when it came)
            }
        }
    }

    /** The waiting MOVED_FROM has no partner: renamed out of the tree. */
    private void movedOut(WatchSource source) {
        PendingMove from = source.pendingFrom;
        source.pendingFrom = null;
        if (from.entry().names != null) {
            from.entry().names.remove(from.name());
        }
        emit(source, FileEvent.Kind.MOVED_FROM, from.path(), null, from.directory(), from.cookie(), false);
        if (from.directory()) {
            walk.dropTree(source, from.path());
        }
    }

    /** A MOVED_TO without partner: renamed into the tree from outside. */
    private void movedIn(WatchSource source, Entry entry, String name, Path path, boolean directory, int cookie) {
        if (entry.names != null && !entry.names.add(name)) {
            return; // the listing of this directory reported it already
        }
        emit(source, FileEvent.Kind.MOVED_TO, path, null, directory, cookie, false);
        if (directory && source.recursive) {
            walk.walkNew(source, path, entry);
        }
    }

    /** IN_Q_OVERFLOW: every source may have missed events. */
    private void overflow() {
        // Events were lost after the read before this one: what changed since it started may be news.
        long changedSince = previousReadMillis - CLOCK_MARGIN_MILLIS;
        for (WatchSource source : List.copyOf(sources)) {
            if (source.pendingFrom != null) {
                movedOut(source); // its MOVED_TO may be among the dropped events
            }
            if (source.ended) {
                continue;
            }
            emit(source, FileEvent.Kind.OVERFLOW, source.root, null, false, 0, false);
            if (source.rescanOnOverflow && !source.rootGone) {
                source.rescanDue = true; // once the queue is read empty (settle): one rescan for a storm of overflows
                rescanSince = Math.min(rescanSince, changedSince);
            }
        }
    }

    // ---- delivering ---------------------------------------------------------------------------------

    void emit(WatchSource source, FileEvent.Kind kind, Path path, Path from, boolean directory, int cookie, boolean scanned) {
        if (source.isEnabled() && source.wants(kind)) {
            queue(source, new FileEvent(kind, path, from, directory, cookie, scanned));
        }
    }

    /** Reports that {@code directory} of {@code source}'s tree could not be watched or listed, once. */
    void skip(WatchSource source, Path directory, IOException problem) {
        if (source.skipped.add(directory) && source.isEnabled()) {
            queue(source, new FileEvent(FileEvent.Kind.SKIPPED, directory, null, true, 0, false, problem));
        }
    }

    /**
     * Queues {@code event} on its source, which the loop dispatches in this iteration when it is
     * collecting; else (a watch added by a handler) {@link #add} has it dispatched in the next.
     */
    private void queue(WatchSource source, FileEvent event) {
        source.queue.add(event);
        if (collecting) {
            loop.addPendingOnce(source);
        }
    }
}

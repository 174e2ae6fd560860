package org.fdloop;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.fdloop.DirectoryReader.Child;
import org.fdloop.Watches.Entry;
import org.fdloop.Watches.Node;
import org.fdloop.fd.LinuxException;

/**
 * Adds the watches of a directory tree and lists its directories: when a watch begins, when a
 * directory comes into a recursive watch, and when a rescan follows an overflow; and keeps the
 * paths of the tree's watches when a directory moves inside it or out of it.
 *
 * <p>Each directory is listed after its watch exists, so that an entry created meanwhile is either
 * in the listing or reported by the watch (the entry's known names drop the duplicate). Listing a
 * directory opens and reads it, which the kernel reports as OPEN, ACCESS and CLOSE_NOWRITE on the
 * directory's watch and on its parent's: a watch asks for those only when its user did, and then
 * they are taken out of the masks of the directories a walk lists, and of the parent of the first,
 * until the walk is done. The watch's own listings so never reach the kernel's queue, where they
 * would be read as news, and where listing a large tree would overflow it.
 */
final class TreeWalk {
    /** Why a tree is walked. */
    enum Mode {
        /** A watch begins: nothing is reported, and a failure throws (but for an unreadable directory below the root). */
        INITIAL,
        /** A directory came into the tree: what is in it is reported as scanned CREATEs. */
        NEW,
        /** After an overflow: what changed since the directory was last known is reported. */
        RESCAN,
    }

    private static final Comparator<Child> BY_NAME = Comparator.comparing(Child::name);

    private final Watches watches;

    TreeWalk(Watches watches) {
        this.watches = watches;
    }

    /** {@link Mode#NEW} from the event of {@code parent} that brought {@code top}. */
    void walkNew(WatchSource source, Path top, Entry parent) {
        if (source.rootGone) {
            return; // the paths are not the tree's any more: nothing is added under them
        }
        try {
            walk(source, top, Mode.NEW, parent, null, 0);
        } catch (IOException e) {
            throw new IllegalStateException("only an initial walk throws", e);
        }
    }

    /**
     * After an overflow: lists the source's tree again, watching what it missed, dropping what is
     * gone, reporting what changed since {@code changedSince} (ms).
     */
    void rescan(WatchSource source, long changedSince) {
        if (watches.rootMoved(source)) {
            source.rootGone = true; // its MOVE_SELF or DELETE_SELF may be among the dropped events
            return;
        }
        Set<Path> seen = new HashSet<>();
        try {
            walk(source, source.root, Mode.RESCAN, null, seen, changedSince);
        } catch (IOException e) {
            throw new IllegalStateException("only an initial walk throws", e);
        }
        for (Entry entry : List.copyOf(source.watched.values())) {
            if (!seen.contains(entry.path)) {
                watches.detach(entry);
            }
        }
        if (!seen.contains(source.root)) { // the root is gone and its IGNORED was among the dropped events
            source.ended = true;
            watches.emit(source, FileEvent.Kind.IGNORED, source.root, null, false, 0, false);
        }
    }

    /** The watched directory {@code from} and those below it are now at {@code to}. */
    void rekey(WatchSource source, Path from, Path to) {
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
                watches.detach(there);
            }
            entry.path = path;
            source.watched.put(path, entry);
        }
    }

    /** The watched directory {@code path} and those below it left the tree. */
    void dropTree(WatchSource source, Path path) {
        for (Entry entry : List.copyOf(source.watched.values())) {
            if (entry.path.startsWith(path) && !entry.root) {
                watches.detach(entry);
            }
        }
        source.skipped.removeIf(skipped -> skipped.startsWith(path));
    }

    /**
     * Watches {@code top} and, for a recursive source, every directory below it, top-down, and
     * lists each; {@code parent} is the entry of the directory holding {@code top}, when known.
     */
    void walk(WatchSource source, Path top, Mode mode, Entry parent, Set<Path> seen, long changedSince) throws IOException {
        Quiet quiet = new Quiet();
        try {
            if (parent != null) {
                quiet.add(parent);
            } else {
                for (WatchSource other : watches.sources) { // another watch may have the root's parent
                    Entry holder = other.watched.get(top.getParent());
                    if (holder != null) {
                        quiet.add(holder);
                    }
                }
            }
            ArrayDeque<Path> todo = new ArrayDeque<>();
            todo.push(top);
            while (!todo.isEmpty()) {
                Path dir = todo.pop();
                boolean isRoot = mode != Mode.NEW && dir == top;
                Entry entry;
                try {
                    entry = watches.watch(source, dir, isRoot, source.mask & ~WatchMasks.READ_BITS);
                } catch (LinuxException e) {
                    failed(source, dir, isRoot, mode, e);
                    continue;
                }
                quiet.add(entry);
                source.skipped.remove(dir);
                if (seen != null) {
                    seen.add(dir);
                }
                List<Child> children;
                try {
                    children = list(dir, mode == Mode.RESCAN);
                } catch (LinuxException e) {
                    if (e.errno() == ENOENT || e.errno() == ENOTDIR) {
                        continue; // deleted since its watch was added, or the watched root is a file
                    }
                    failed(source, dir, isRoot, mode, e);
                    if (seen != null) { // its watch and those below it still work: kept
                        source.watched.keySet().stream().filter(p -> p.startsWith(dir)).forEach(seen::add);
                    }
                    continue;
                }
                report(source, entry, children, mode, changedSince);
                if (source.recursive) {
                    for (int i = children.size() - 1; i >= 0; i--) {
                        if (children.get(i).directory()) {
                            todo.push(dir.resolve(children.get(i).name()));
                        }
                    }
                }
            }
        } finally {
            quiet.restore();
        }
    }

    /** A directory that could not be watched or listed: skipped and reported, or thrown where the whole watch fails. */
    private void failed(WatchSource source, Path dir, boolean isRoot, Mode mode, IOException e) throws IOException {
        int errno = e instanceof LinuxException l ? l.errno() : 0;
        if (!isRoot && (errno == ENOENT || errno == ENOTDIR)) {
            return; // deleted or replaced since it was listed: its parent reports that
        }
        if (mode == Mode.INITIAL && (isRoot || errno != EACCES)) {
            throw e; // no root, or a limit reached: no half-watched tree
        }
        if (isRoot && errno == ENOENT) {
            return; // a rescan: the root is gone, and the rescan ends the watch
        }
        watches.skip(source, dir, e);
    }

    /** Reports what a listing found that the watch did not know, and keeps the names. */
    private void report(WatchSource source, Entry entry, List<Child> children, Mode mode, long changedSince) {
        NameSet known = entry.names;
        NameSet names = new NameSet(children.size());
        for (Child child : children) {
            names.add(child.name());
            if (mode == Mode.INITIAL) {
                continue;
            }
            Path path = entry.path.resolve(child.name());
            if (known == null || !known.contains(child.name())) {
                watches.emit(source, FileEvent.Kind.CREATE, path, null, child.directory(), 0, true);
            } else if (mode == Mode.RESCAN && !child.directory()) {
                if (child.modified() >= changedSince && source.wants(FileEvent.Kind.MODIFY)) {
                    watches.emit(source, FileEvent.Kind.MODIFY, path, null, false, 0, true);
                } else if (child.changed() >= changedSince && source.wants(FileEvent.Kind.ATTRIB)) {
                    watches.emit(source, FileEvent.Kind.ATTRIB, path, null, false, 0, true);
                }
            }
        }
        if (known != null && mode == Mode.RESCAN) {
            for (String name : known.sorted()) {
                if (!names.contains(name)) {
                    Path path = entry.path.resolve(name);
                    watches.emit(source, FileEvent.Kind.DELETE, path, null, source.watched.containsKey(path), 0, true);
                }
            }
        }
        entry.names = names;
    }

    /** The entries of {@code dir}, by name; with their times for a rescan. */
    private List<Child> list(Path dir, boolean times) throws LinuxException {
        List<Child> children = watches.reader.list(dir, times);
        children.sort(BY_NAME);
        return children;
    }

    /** The nodes whose read events a walk turned off, to turn them on again when it is done. */
    private final class Quiet {
        private final List<Entry> entries = new ArrayList<>();
        private final Set<Node> nodes = new HashSet<>();

        /** Takes the read events out of {@code entry}'s watch while the walk lasts, if anyone asked for them. */
        void add(Entry entry) {
            Node node = entry.node;
            if ((node.mask & WatchMasks.READ_BITS) == 0 || !nodes.add(node)) {
                return;
            }
            entries.add(entry);
            if (node.readOn) {
                try {
                    set(entry, node.mask & ~WatchMasks.READ_BITS, false);
                    node.readOn = false;
                } catch (IOException e) {
                    // gone since (ENOENT): its DELETE or IGNORED is queued; ignoring
                }
            }
        }

        void restore() {
            for (Entry entry : entries) {
                if (!entry.detached) {
                    try {
                        set(entry, entry.node.mask & WatchMasks.READ_BITS, true);
                        entry.node.readOn = true;
                    } catch (IOException e) {
                        // gone since (ENOENT): its DELETE or IGNORED is queued; ignoring
                    }
                }
            }
        }

        /** Replaces (or adds to) the mask of {@code entry}'s watch, through its path. */
        private void set(Entry entry, int mask, boolean add) throws IOException {
            int wd = watches.inotify().addWatch(entry.path, WatchMasks.events(mask), WatchMasks.flags(entry.source, entry.root, add));
            if (wd != entry.node.wd && !watches.nodes.containsKey(wd)) {
                watches.removeWatch(wd); // the path names another inode now: not a watch of ours
            }
        }
    }
}

package org.fdloop;

import static org.fdloop.internal.linux.Constants.*;

import java.util.EnumSet;
import java.util.Set;
import org.fdloop.fd.Inotify;

/**
 * How a watch's wishes become inotify masks and flags: the bits every watch asks for, the bits a listing
 * of its own would cause, and the flags of each inotify_add_watch(2) call ({@link Watches}, {@link TreeWalk}).
 */
final class WatchMasks {
    private WatchMasks() {}

    /** The events that reading a file or listing a directory causes: taken out of a directory's mask while it is listed. */
    static final int READ_BITS = IN_OPEN | IN_ACCESS | IN_CLOSE_NOWRITE;
    /** What every watch asks for: the events that keep its directories' names and its tree up to date. */
    static final int TREE_BITS = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO;
    /** What every watch asks for: the root deleted or moved ends the watch. */
    static final int ROOT_BITS = IN_DELETE_SELF | IN_MOVE_SELF;

    /** How {@code source} adds the watch of its root or of a directory of its tree. */
    static Set<Inotify.WatchFlag> flags(WatchSource source, boolean root, boolean add) {
        Set<Inotify.WatchFlag> flags = EnumSet.noneOf(Inotify.WatchFlag.class);
        if (add) {
            flags.add(Inotify.WatchFlag.MASK_ADD);
        }
        if (!root) {
            flags.add(Inotify.WatchFlag.ONLYDIR); // a directory found in the tree, never a link to one
            flags.add(Inotify.WatchFlag.DONT_FOLLOW);
        } else if (source.recursive) {
            flags.add(Inotify.WatchFlag.ONLYDIR);
        }
        return flags;
    }

    /** The watchable inotify events of an IN_* mask. */
    static Set<Inotify.Event> events(int mask) {
        Set<Inotify.Event> events = EnumSet.noneOf(Inotify.Event.class);
        for (Inotify.Event event : Inotify.Event.values()) {
            if (event.isWatchable() && (mask & event.bit()) != 0) {
                events.add(event);
            }
        }
        return events;
    }
}

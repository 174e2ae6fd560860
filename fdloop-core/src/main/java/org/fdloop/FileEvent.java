package org.fdloop;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.fdloop.fd.Inotify;

/**
 * A change seen by a {@link WatchSource} ({@link EventLoop#watch}).
 *
 * @param kind what happened
 * @param path the full path of the file or directory it happened to: the watched root joined with
 *     the entry's path below it; for {@link Kind#MOVE} the new path; for {@link Kind#OVERFLOW} and
 *     the self events ({@link Kind#DELETE_SELF}, {@link Kind#MOVE_SELF}, {@link Kind#UNMOUNT},
 *     {@link Kind#IGNORED}) the watched root as it was named when the watch began
 * @param from for {@link Kind#MOVE}, the old path; null for every other kind
 * @param directory whether the entry is a directory (IN_ISDIR)
 * @param cookie the kernel's rename cookie for {@link Kind#MOVE}, {@link Kind#MOVED_FROM} and
 *     {@link Kind#MOVED_TO}; 0 for every other kind
 * @param scanned true when the event was not reported by the kernel but found by listing a
 *     directory: the contents of a directory created or moved into a recursive watch
 *     ({@link Kind#CREATE}), and what a rescan after an overflow finds changed since the watch
 *     last knew the directory: {@link Kind#CREATE} for a new entry, {@link Kind#DELETE} for one
 *     that is gone, {@link Kind#MODIFY} or {@link Kind#ATTRIB} for one whose modification or
 *     change time is later than the last moment the watch had read every event
 * @param problem for {@link Kind#SKIPPED}, why the directory could not be watched or listed
 *     (a {@link org.fdloop.fd.LinuxException} with the call and its errno); null for every other kind
 */
public record FileEvent(Kind kind, Path path, Path from, boolean directory, int cookie, boolean scanned, IOException problem) {

    /** What happened, named as inotify(7) and inotifywait(1) name it. */
    public enum Kind {
        /** The file was read (IN_ACCESS). */
        ACCESS(Inotify.Event.ACCESS),
        /** The file was written or truncated (IN_MODIFY). */
        MODIFY(Inotify.Event.MODIFY),
        /** Metadata changed: permissions, timestamps, owner, link count, extended attributes (IN_ATTRIB). */
        ATTRIB(Inotify.Event.ATTRIB),
        /** A file opened for writing was closed (IN_CLOSE_WRITE). */
        CLOSE_WRITE(Inotify.Event.CLOSE_WRITE),
        /** A file or directory not opened for writing was closed (IN_CLOSE_NOWRITE). */
        CLOSE_NOWRITE(Inotify.Event.CLOSE_NOWRITE),
        /** The file or directory was opened (IN_OPEN). */
        OPEN(Inotify.Event.OPEN),
        /** An entry was created (IN_CREATE), or found by listing a directory ({@link FileEvent#scanned()}). */
        CREATE(Inotify.Event.CREATE),
        /** An entry was deleted (IN_DELETE). */
        DELETE(Inotify.Event.DELETE),
        /** An entry was renamed out of the watched tree: its old path (IN_MOVED_FROM without a partner). */
        MOVED_FROM(Inotify.Event.MOVED_FROM),
        /** An entry was renamed into the watched tree from outside: its new path (IN_MOVED_TO without a partner). */
        MOVED_TO(Inotify.Event.MOVED_TO),
        /**
         * An entry was renamed inside the watched tree: {@link FileEvent#from()} is the old path and
         * {@link FileEvent#path()} the new one (IN_MOVED_FROM and IN_MOVED_TO with the same cookie).
         * inotifywait prints it as two lines, MOVED_FROM and MOVED_TO.
         */
        MOVE(Inotify.Event.MOVED_FROM, Inotify.Event.MOVED_TO),
        /** The watched root itself was deleted; IGNORED follows. Reported whether asked for or not (IN_DELETE_SELF). */
        DELETE_SELF(Inotify.Event.DELETE_SELF),
        /**
         * The watched root itself was renamed or moved, or a directory above it was (seen when
         * the watch next adds a directory and the root's path names another inode, or nothing):
         * the watch ends, and IGNORED follows. Reported whether asked for or not (IN_MOVE_SELF).
         */
        MOVE_SELF(Inotify.Event.MOVE_SELF),
        /** The file system holding the watched root was unmounted; IGNORED follows. Always reported (IN_UNMOUNT). */
        UNMOUNT(Inotify.Event.UNMOUNT),
        /**
         * The kernel's event queue was full and events were dropped: this watch may have missed
         * changes (IN_Q_OVERFLOW). Always reported, to every watch of the loop.
         */
        OVERFLOW(Inotify.Event.Q_OVERFLOW),
        /**
         * The watch has ended: the kernel removed the root's watch (deleted, unmounted), or the
         * root was moved (after {@link #MOVE_SELF}). No further event comes. Always reported; not
         * when the source is closed (IN_IGNORED).
         */
        IGNORED(Inotify.Event.IGNORED),
        /**
         * A directory of a recursive watch could not be watched or listed: it cannot be read by
         * this process (EACCES), the watch limit is reached (ENOSPC), the process is out of
         * descriptors (EMFILE). Nothing below it is reported; the rest of the tree is watched.
         * {@link FileEvent#problem()} says why. Reported once per directory, whether asked for or
         * not; the watch tries again when the directory is next created, moved in or rescanned.
         */
        SKIPPED;

        private final Set<Inotify.Event> inotifyEvents;

        Kind(Inotify.Event... events) {
            EnumSet<Inotify.Event> set = EnumSet.noneOf(Inotify.Event.class);
            set.addAll(java.util.List.of(events));
            this.inotifyEvents = Collections.unmodifiableSet(set);
        }

        /** {@return the inotify events this kind stands for: one, for {@link #MOVE} MOVED_FROM and MOVED_TO, for {@link #SKIPPED} none} */
        public Set<Inotify.Event> inotifyEvents() {
            return inotifyEvents;
        }

        /** {@return whether this kind can be asked for; UNMOUNT, OVERFLOW, IGNORED and SKIPPED are always reported} */
        public boolean isWatchable() {
            return this != UNMOUNT && this != OVERFLOW && this != IGNORED && this != SKIPPED;
        }
    }

    /**
     * An event as a watch reports it.
     *
     * @throws NullPointerException if {@code kind} or {@code path} is null
     */
    public FileEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(path, "path");
        if ((kind == Kind.MOVE) != (from != null)) {
            throw new IllegalArgumentException("a MOVE has a from path and no other kind has one; got " + kind + " from " + from);
        }
        if ((kind == Kind.SKIPPED) != (problem != null)) {
            throw new IllegalArgumentException("a SKIPPED has a problem and no other kind has one; got " + kind
                    + " with problem " + problem);
        }
    }

    /**
     * An event that is not {@link Kind#SKIPPED}: without a problem.
     *
     * @param kind what happened
     * @param path the path it happened to
     * @param from for a MOVE, the path before; otherwise null
     * @param directory whether the path is a directory
     * @param cookie the kernel's rename cookie, 0 for other events
     * @param scanned whether the event was found by listing rather than reported by the kernel
     */
    public FileEvent(Kind kind, Path path, Path from, boolean directory, int cookie, boolean scanned) {
        this(kind, path, from, directory, cookie, scanned, null);
    }

    /**
     * The event as inotifywait's {@code --format '%e %w%f'} prints it, with MOVE on one line and a
     * scanned entry marked: {@code CREATE,ISDIR /srv/inbox/new}, {@code MOVE /srv/a -> /srv/b},
     * {@code CREATE /srv/new/f (scanned)}, {@code SKIPPED,ISDIR /srv/private (inotify_add_watch(...): EACCES ...)}.
     *
     * @return the event as inotifywait's {@code --format '%e %w%f'} prints it, with MOVE on one line and a scanned entry marked
     */
    @Override
    public String toString() {
        return kind + (directory ? ",ISDIR " : " ") + (from == null ? "" : from + " -> ") + path + (scanned ? " (scanned)" : "")
                + (problem == null ? "" : " (" + problem.getMessage() + ")");
    }
}

package org.fdloop.fd;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.EventCalls;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.Structs;
import org.fdloop.internal.linux.Sysctl;
import org.fdloop.internal.linux.ThreadScratch;

/**
 * An inotify instance (inotify(7)): the kernel reports changes to watched files and
 * directories as events read from one file descriptor.
 *
 * <p>{@link #addWatch} asks for events on a path and returns its <em>watch descriptor</em>
 * (wd); every event carries the wd of the watch it came from. A watch on a directory also
 * reports events for the entries in it, with the entry's name. The fd is readable while
 * events are queued; {@link #read()} takes every event one read(2) returns.
 *
 * <p>A rename inside watched directories is reported in two halves, {@link Event#MOVED_FROM}
 * with the old name and {@link Event#MOVED_TO} with the new one, and both carry the same
 * non-zero cookie ({@link InotifyEvent#cookie()}): that is how the two are paired.
 *
 * <p>The queue is bounded. When it is full the kernel drops further events and queues one
 * {@link Event#Q_OVERFLOW} event (wd -1) instead: after it, a watcher knows it missed changes
 * and must look at the files again.
 *
 * <p>Three per-user limits apply ({@link #limits()}): {@code fs.inotify.max_user_watches}
 * (watches over all instances; past it addWatch fails with ENOSPC),
 * {@code fs.inotify.max_user_instances} (inotify instances; past it open fails with EMFILE)
 * and {@code fs.inotify.max_queued_events} (the queue length of an instance, taken when the
 * instance is created).
 *
 * <p>The fd is O_CLOEXEC and O_NONBLOCK.
 */
public final class Inotify extends Fd {
    /** Every inotify event bit, named as inotify(7) and inotifywait name them. */
    public enum Event {
        /** The file was read (IN_ACCESS). */
        ACCESS(IN_ACCESS),
        /** The file was written or truncated (IN_MODIFY). */
        MODIFY(IN_MODIFY),
        /** Metadata changed: permissions, timestamps, owner, link count, extended attributes (IN_ATTRIB). */
        ATTRIB(IN_ATTRIB),
        /** A file opened for writing was closed (IN_CLOSE_WRITE). */
        CLOSE_WRITE(IN_CLOSE_WRITE),
        /** A file not opened for writing was closed (IN_CLOSE_NOWRITE). */
        CLOSE_NOWRITE(IN_CLOSE_NOWRITE),
        /** The file or directory was opened (IN_OPEN). */
        OPEN(IN_OPEN),
        /** An entry was renamed away from the watched directory, or within it: the old name (IN_MOVED_FROM). */
        MOVED_FROM(IN_MOVED_FROM),
        /** An entry was renamed into the watched directory, or within it: the new name (IN_MOVED_TO). */
        MOVED_TO(IN_MOVED_TO),
        /** An entry was created in the watched directory (IN_CREATE). */
        CREATE(IN_CREATE),
        /** An entry was deleted from the watched directory (IN_DELETE). */
        DELETE(IN_DELETE),
        /** The watched file or directory itself was deleted; IGNORED follows (IN_DELETE_SELF). */
        DELETE_SELF(IN_DELETE_SELF),
        /** The watched file or directory itself was moved (IN_MOVE_SELF). */
        MOVE_SELF(IN_MOVE_SELF),
        /** The file system holding the watched object was unmounted; IGNORED follows. Only reported (IN_UNMOUNT). */
        UNMOUNT(IN_UNMOUNT),
        /** The event queue overflowed and events were dropped; wd is -1. Only reported (IN_Q_OVERFLOW). */
        Q_OVERFLOW(IN_Q_OVERFLOW),
        /** The watch was removed: by removeWatch, ONESHOT, deletion or unmount. Only reported (IN_IGNORED). */
        IGNORED(IN_IGNORED),
        /** The entry the event is about is a directory. Only reported, alongside another event (IN_ISDIR). */
        ISDIR(IN_ISDIR);

        private final int bit;

        Event(int bit) {
            this.bit = bit;
        }

        /** {@return the IN_* bit of this event} */
        public int bit() {
            return bit;
        }

        /** {@return whether this event can be asked for in {@link #addWatch}; UNMOUNT, Q_OVERFLOW, IGNORED and ISDIR are only reported} */
        public boolean isWatchable() {
            return (bit & IN_ALL_EVENTS) != 0;
        }
    }

    /** The IN_* flags that change how a watch is added. */
    public enum WatchFlag {
        /** Watch the path only if it is a directory, else fail with ENOTDIR (IN_ONLYDIR). */
        ONLYDIR(IN_ONLYDIR),
        /** Do not follow a symbolic link at the end of the path: watch the link itself (IN_DONT_FOLLOW). */
        DONT_FOLLOW(IN_DONT_FOLLOW),
        /** Stop reporting events for an entry once it is unlinked from the watched directory, even while it is still open (IN_EXCL_UNLINK). */
        EXCL_UNLINK(IN_EXCL_UNLINK),
        /** Add the events to the watch's existing mask instead of replacing it (IN_MASK_ADD). */
        MASK_ADD(IN_MASK_ADD),
        /** Fail with EEXIST if the inode is watched already, instead of changing that watch (IN_MASK_CREATE, Linux 4.18). */
        MASK_CREATE(IN_MASK_CREATE),
        /** Report one event, then remove the watch; IGNORED follows (IN_ONESHOT). */
        ONESHOT(IN_ONESHOT);

        private final int bit;

        WatchFlag(int bit) {
            this.bit = bit;
        }

        /** {@return the IN_* bit of this flag} */
        public int bit() {
            return bit;
        }
    }

    /**
     * The per-user inotify limits, from /proc/sys; a value that cannot be read is -1.
     *
     * @param maxUserWatches fs.inotify.max_user_watches: watches over all of the user's instances
     * @param maxUserInstances fs.inotify.max_user_instances: inotify instances of the user
     * @param maxQueuedEvents fs.inotify.max_queued_events: events an instance queues before Q_OVERFLOW,
     *     taken when the instance is created
     */
    public record Limits(long maxUserWatches, long maxUserInstances, long maxQueuedEvents) {
        /** {@code fs.inotify.max_user_watches=8192, fs.inotify.max_user_instances=128, fs.inotify.max_queued_events=16384}. */
        @Override
        public String toString() {
            return MAX_USER_WATCHES + "=" + maxUserWatches + ", " + MAX_USER_INSTANCES + "=" + maxUserInstances + ", "
                    + MAX_QUEUED_EVENTS + "=" + maxQueuedEvents;
        }
    }

    private static final String MAX_USER_WATCHES = "fs.inotify.max_user_watches";
    private static final String MAX_USER_INSTANCES = "fs.inotify.max_user_instances";
    private static final String MAX_QUEUED_EVENTS = "fs.inotify.max_queued_events";

    /** struct inotify_event without its name: wd, mask, cookie, len. */
    private static final int HEADER = (int) Structs.INOTIFY_EVENT.byteSize();

    private static final int WD_AT = (int) Structs.INOTIFY_EVENT_WD;
    private static final int MASK_AT = (int) Structs.INOTIFY_EVENT_MASK;
    private static final int COOKIE_AT = (int) Structs.INOTIFY_EVENT_COOKIE;
    private static final int LEN_AT = (int) Structs.INOTIFY_EVENT_LEN;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private Inotify(int fd) {
        super(fd, "inotify");
    }

    /** {@return the per-user inotify limits as the kernel has them now} */
    public static Limits limits() {
        return new Limits(Sysctl.read(MAX_USER_WATCHES), Sysctl.read(MAX_USER_INSTANCES), Sysctl.read(MAX_QUEUED_EVENTS));
    }

    /**
     * A new inotify instance with no watches (inotify_init1 with IN_CLOEXEC|IN_NONBLOCK). Its
     * queue holds fs.inotify.max_queued_events as that sysctl is now.
     *
     * @return a new inotify instance with no watches (inotify_init1 with IN_CLOEXEC|IN_NONBLOCK)
     * @throws LinuxException EMFILE when the user has fs.inotify.max_user_instances instances
     *     already, or the process is out of descriptors
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static Inotify open() throws IOException {
        return new Inotify(Errno.check(EventCalls.inotifyInit1(IN_CLOEXEC | IN_NONBLOCK), "inotify_init1()"));
    }

    /**
     * Watches {@code path} for {@code events} (inotify_add_watch). See
     * {@link #addWatch(Path, Set, Set)}.
     *
     * @param path the file or directory to watch
     * @param events the events to report
     * @return the watch descriptor, carried by every event of this watch
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public int addWatch(Path path, Set<Event> events) throws IOException {
        return addWatch(path, events, Set.of());
    }

    /**
     * Watches {@code path} for {@code events} (inotify_add_watch). A watch belongs to the inode:
     * adding a path whose inode is watched already returns the same wd and <em>replaces</em> its
     * events, unless {@code flags} has {@link WatchFlag#MASK_ADD} (then the events are added) or
     * {@link WatchFlag#MASK_CREATE} (then it fails with EEXIST). A symbolic link is followed
     * unless {@link WatchFlag#DONT_FOLLOW} is given.
     *
     * @param events what to report; only {@linkplain Event#isWatchable() watchable} events
     * @param flags how to add the watch; may be empty
     * @param path the file or directory to watch
     * @return the watch descriptor, carried by every event of this watch
     * @throws IllegalArgumentException for no events, an event that is only reported, or
     *     MASK_ADD with MASK_CREATE
     * @throws LinuxException ENOENT (no such path), ENOTDIR (ONLYDIR on a non-directory), EEXIST
     *     (MASK_CREATE on a watched inode), ENOSPC (fs.inotify.max_user_watches reached),
     *     EACCES (the path cannot be read)
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public int addWatch(Path path, Set<Event> events, Set<WatchFlag> flags) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(flags, "flags");
        if (events.isEmpty()) {
            throw new IllegalArgumentException("addWatch(" + path + ") needs at least one event to watch for, such as "
                    + "Inotify.Event.CREATE; the set of events is empty");
        }
        int mask = 0;
        for (Event event : events) {
            Objects.requireNonNull(event, "events contains null");
            if (!event.isWatchable()) {
                throw new IllegalArgumentException(event + " cannot be watched for: the kernel reports it on its own. "
                        + "Leave it out of the events given to addWatch(" + path + ")");
            }
            mask |= event.bit();
        }
        for (WatchFlag flag : flags) {
            mask |= Objects.requireNonNull(flag, "flags contains null").bit();
        }
        if (flags.contains(WatchFlag.MASK_ADD) && flags.contains(WatchFlag.MASK_CREATE)) {
            throw new IllegalArgumentException("MASK_ADD and MASK_CREATE contradict each other (add to an existing "
                    + "watch, fail if one exists): give at most one of them");
        }
        int fd = acquire();
        int wd;
        try {
            wd = EventCalls.inotifyAddWatch(fd, path.toString(), mask);
        } finally {
            release();
        }
        if (wd >= 0) {
            return wd;
        }
        String call = "inotify_add_watch(" + describe() + ", " + path + ", " + names(events, "|")
                + (flags.isEmpty() ? "" : ", " + names(flags, "|")) + ")";
        throw switch (-wd) {
            case ENOTDIR -> Errno.exception(call, ENOTDIR, flags.contains(WatchFlag.ONLYDIR)
                    ? "ONLYDIR was given and the path is not a directory"
                    : "a component of the path is not a directory");
            case EEXIST -> Errno.exception(call, EEXIST, "the inode is watched already and MASK_CREATE refuses to change that "
                    + "watch; leave MASK_CREATE out to replace its events, or use MASK_ADD");
            default -> Errno.exception(call, -wd);
        };
    }

    /**
     * Removes a watch (inotify_rm_watch). The kernel then queues an {@link Event#IGNORED} event
     * with its wd, after every event the watch reported before.
     *
     * @param wd the watch, as {@link #addWatch} returned it
     * @throws LinuxException EINVAL when {@code wd} is not a watch of this instance: never returned
     *     by addWatch, or removed already (an IGNORED event told so)
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void removeWatch(int wd) throws IOException {
        int fd = acquire();
        int r;
        try {
            r = EventCalls.inotifyRmWatch(fd, wd);
        } finally {
            release();
        }
        if (r < 0) {
            String call = "inotify_rm_watch(" + describe() + ", wd " + wd + ")";
            throw r == -EINVAL
                    ? Errno.exception(call, EINVAL, "wd " + wd + " is not a watch of this inotify instance: addWatch never "
                            + "returned it, or the watch is removed already (an IGNORED event with wd " + wd + " reported that)")
                    : Errno.exception(call, -r);
        }
    }

    /**
     * Receives the events of one {@link #read(EventSink)} one at a time, without an object per
     * event: the fields of {@code struct inotify_event}, as {@link InotifyEvent} has them.
     */
    @FunctionalInterface
    public interface EventSink {
        /**
         * One event, in the order the kernel queued it.
         *
         * @param wd the watch descriptor, -1 for Q_OVERFLOW
         * @param mask the IN_* bits
         * @param cookie the rename cookie, 0 for an event that is not half of a rename
         * @param name the entry's name decoded as UTF-8 (malformed bytes become U+FFFD), "" for none
         * @throws IOException to end the read: the rest of the events read are dropped
         */
        void event(int wd, int mask, int cookie, String name) throws IOException;
    }

    /**
     * Reads the events queued now: one read(2) of up to 64 KiB, every event in it, in the order
     * the kernel queued them. Several reads may be needed to drain the queue.
     *
     * <p>Names are decoded as UTF-8. A name that is not valid UTF-8 (Linux allows any bytes but
     * '/' and NUL) has each malformed byte replaced by U+FFFD, as {@link Path#toString()} shows
     * such a name; it then no longer resolves to the entry: list the directory to find it.
     *
     * @return the events, or an empty list when none are queued
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public List<InotifyEvent> read() throws IOException {
        List<InotifyEvent> events = new ArrayList<>();
        read((wd, mask, cookie, name) -> events.add(new InotifyEvent(wd, mask, cookie, name)));
        return events;
    }

    /**
     * Reads the events queued now, as {@link #read()} does, and hands each to {@code sink}
     * without making an {@link InotifyEvent} or a list: the path a watcher takes in a storm of
     * events. The only object made per event is its name (none for an event without one).
     *
     * @param sink receives each event read
     * @return how many events were read, 0 when none are queued
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno;
     *     or what {@code sink} threw
     */
    public int read(EventSink sink) throws IOException {
        Objects.requireNonNull(sink, "sink");
        ThreadScratch scratch = ThreadScratch.get();
        long n;
        int fd = acquire();
        try {
            MemorySegment buffer = scratch.buffer(ThreadScratch.MAX_BUFFER);
            n = IoCalls.read(fd, buffer, buffer.byteSize());
            if (n == -EAGAIN) {
                return 0;
            }
            if (n < 0) {
                throw Errno.exception("read(" + describe() + ", " + buffer.byteSize() + " bytes)", (int) -n);
            }
        } finally {
            release();
        }
        // one bulk copy to the heap: the fields are then plain array reads, cheap even before the JIT's C2
        byte[] bytes = scratch.takeHeapBytes();
        try {
            scratch.bufferView(ThreadScratch.MAX_BUFFER).get(0, bytes, 0, (int) n);
            return parse(bytes, (int) n, sink);
        } finally {
            scratch.giveBack(bytes);
        }
    }

    /** Every struct inotify_event in the first {@code size} bytes of {@code bytes}, to {@code sink}. */
    private int parse(byte[] bytes, int size, EventSink sink) throws IOException {
        int offset = 0;
        int count = 0;
        while (offset < size) {
            if (size - offset < HEADER) {
                throw new IOException("read(" + describe() + ") returned " + size + " bytes, ending in "
                        + (size - offset) + " bytes that are not a whole struct inotify_event");
            }
            int wd = intAt(bytes, offset + WD_AT);
            int mask = intAt(bytes, offset + MASK_AT);
            int cookie = intAt(bytes, offset + COOKIE_AT);
            long length = Integer.toUnsignedLong(intAt(bytes, offset + LEN_AT));
            int nameStart = offset + HEADER;
            if (length > size - nameStart) {
                throw new IOException("read(" + describe() + "): an event of wd " + wd + " says its name has " + length
                        + " bytes, past the " + size + " bytes read");
            }
            sink.event(wd, mask, cookie, name(bytes, nameStart, (int) length));
            count++;
            offset = nameStart + (int) length;
        }
        return count;
    }

    /** The int at {@code at} in the machine's byte order (the kernel's). */
    private static int intAt(byte[] bytes, int at) {
        int b0 = bytes[at] & 0xff;
        int b1 = bytes[at + 1] & 0xff;
        int b2 = bytes[at + 2] & 0xff;
        int b3 = bytes[at + 3] & 0xff;
        return LITTLE_ENDIAN ? b0 | b1 << 8 | b2 << 16 | b3 << 24 : b3 | b2 << 8 | b1 << 16 | b0 << 24;
    }

    /** The NUL-padded name at {@code start}, up to its first NUL, decoded as UTF-8 (malformed bytes become U+FFFD). */
    private static String name(byte[] bytes, int start, int length) {
        int end = start;
        while (end < start + length && bytes[end] != 0) {
            end++;
        }
        return end == start ? "" : new String(bytes, start, end - start, StandardCharsets.UTF_8);
    }

    /** {@code e} with {@code hint} in place of the generic one. */
    /** The names of {@code values} in declaration order, joined by {@code separator}: {@code CREATE|DELETE}. */
    static <E extends Enum<E>> String names(Set<E> values, String separator) {
        StringJoiner joined = new StringJoiner(separator);
        values.stream().sorted().forEach(value -> joined.add(value.name()));
        return joined.toString();
    }

    /**
     * Reads the queued events as {@link #read()} does, waiting until there is at least one: a
     * virtual thread parks and frees its carrier, a platform thread blocks in poll(2) (see
     * {@link #awaitReadable}, which also says what an interrupt and a close do).
     *
     * @return the events, at least one
     * @throws IOException if a system call fails, the waiting virtual thread was interrupted
     *     ({@link java.io.InterruptedIOException}), or another thread closed this fd meanwhile
     *     ({@link ClosedWhileWaitingException})
     */
    public List<InotifyEvent> take() throws IOException {
        while (true) {
            List<InotifyEvent> events = read();
            if (!events.isEmpty()) {
                return events;
            }
            await(POLLIN, -1);
        }
    }
}

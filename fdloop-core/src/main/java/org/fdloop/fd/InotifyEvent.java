package org.fdloop.fd;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;

/**
 * One event read from an {@link Inotify}: a {@code struct inotify_event}.
 *
 * @param wd the watch descriptor of the watch that reported it, as returned by
 *     {@link Inotify#addWatch}; -1 for {@link Inotify.Event#Q_OVERFLOW}
 * @param mask the IN_* bits: what happened ({@link #events()})
 * @param cookie pairs the two halves of a rename: a MOVED_FROM and a MOVED_TO with the same
 *     non-zero cookie are one rename; 0 for every other event
 * @param name for an event about an entry of a watched directory, the entry's name (not a
 *     path), decoded as UTF-8 with malformed bytes replaced by U+FFFD; "" for an event about the
 *     watched object itself
 */
public record InotifyEvent(int wd, int mask, int cookie, String name) {

    /**
     * An event as the kernel reported it.
     *
     * @throws NullPointerException if {@code name} is null ("" when the event has none)
     */
    public InotifyEvent {
        Objects.requireNonNull(name, "name (\"\" when the event has none)");
    }

    /** {@return the events the mask holds, ISDIR included} */
    public Set<Inotify.Event> events() {
        EnumSet<Inotify.Event> events = EnumSet.noneOf(Inotify.Event.class);
        for (Inotify.Event event : Inotify.Event.values()) {
            if ((mask & event.bit()) != 0) {
                events.add(event);
            }
        }
        return events;
    }

    /**
     * Whether the mask holds {@code event}.
     *
     * @param event an event or flag
     * @return whether its bit is set
     */
    public boolean is(Inotify.Event event) {
        return (mask & Objects.requireNonNull(event, "event").bit()) != 0;
    }

    /** {@return whether this is the overflow event (IN_Q_OVERFLOW): the queue was full and events were dropped} */
    public boolean isOverflow() {
        return is(Inotify.Event.Q_OVERFLOW);
    }

    /** {@return whether the watch {@link #wd()} is gone (IN_IGNORED): no event follows for it, and the kernel may reuse the number} */
    public boolean isIgnored() {
        return is(Inotify.Event.IGNORED);
    }

    /** {@return whether the entry the event is about is a directory (IN_ISDIR)} */
    public boolean isDirectory() {
        return is(Inotify.Event.ISDIR);
    }

    /** As inotifywait prints it: {@code wd=1 CREATE,ISDIR name=sub}, with {@code cookie=} for a rename's halves. */
    @Override
    public String toString() {
        StringJoiner events = new StringJoiner(",");
        int known = 0;
        for (Inotify.Event event : events()) {
            events.add(event.name());
            known |= event.bit();
        }
        if ((mask & ~known) != 0) {
            events.add("0x" + Integer.toHexString(mask & ~known));
        }
        return "wd=" + wd + " " + events + (cookie == 0 ? "" : " cookie=" + Integer.toUnsignedString(cookie))
                + (name.isEmpty() ? "" : " name=" + name);
    }
}

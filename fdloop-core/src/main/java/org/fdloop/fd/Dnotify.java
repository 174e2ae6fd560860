package org.fdloop.fd;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.IoCalls;

/**
 * dnotify (fcntl(2) F_NOTIFY), the directory notification Linux had before inotify: a directory
 * opened read-only, and a signal the kernel sends to this process each time something in the
 * directory changes, with the directory's descriptor in si_fd (F_SETSIG). The signal says
 * <em>that</em> the directory changed, never which file or how (several kinds may share one
 * signal, and changes in subdirectories are not seen): rescan it. {@link Inotify} tells both; see
 * docs/WATCH.md for the two side by side.
 *
 * <p>The signal goes to the process (the owner F_NOTIFY sets), so it lands on any thread of the
 * JVM, and a realtime signal's default action ends the process. Use it through an event loop,
 * which takes the signal with fdloop's native handler and dispatches it by si_fd:
 * {@code loop.onDnotify(dir, kinds, signal, handler)}. {@link #start} refuses to ask for
 * notifications while nothing in the process handles the signal.
 */
public final class Dnotify extends Fd {
    /** What to be told of: each is a DN_ flag. */
    public enum Kind {
        /** DN_ACCESS: a file was read */
        ACCESS(DN_ACCESS),
        /** DN_MODIFY: a file was written or truncated */
        MODIFY(DN_MODIFY),
        /** DN_CREATE: a file, directory or link was created */
        CREATE(DN_CREATE),
        /** DN_DELETE: one was removed */
        DELETE(DN_DELETE),
        /** DN_RENAME: one was renamed within the directory */
        RENAME(DN_RENAME),
        /** DN_ATTRIB: a file's attributes (mode, owner, times) changed */
        ATTRIB(DN_ATTRIB);

        final int flag;

        Kind(int flag) {
            this.flag = flag;
        }
    }

    private final Path path;
    private volatile Set<Kind> kinds = Set.of();

    private Dnotify(int fd, Path path) {
        super(fd, "dnotify " + path);
        this.path = path;
    }

    /**
     * Opens {@code dir} read-only for dnotify; nothing is asked for yet ({@link #start}).
     *
     * @param dir a directory
     * @return its descriptor
     * @throws IOException if open fails, or with ENOTDIR when {@code dir} is no directory
     */
    public static Dnotify open(Path dir) throws IOException {
        Objects.requireNonNull(dir, "dir");
        String name = dir.toString();
        int fd = Errno.check(FileCalls.open(name, O_RDONLY | O_CLOEXEC, 0), "open(" + name + ", O_RDONLY)");
        int mode = FileCalls.statxMode(fd);
        if (mode < 0 || (mode & S_IFMT) != S_IFDIR) {
            IoCalls.close(fd);
            throw Errno.exception(mode < 0 ? "statx(" + name + ")" : "fcntl(" + name + ", F_NOTIFY)", mode < 0 ? -mode : ENOTDIR,
                    mode < 0 ? null : "dnotify watches a directory (F_NOTIFY fails with ENOTDIR on anything else); watch a "
                            + "file with Inotify");
        }
        return new Dnotify(fd, dir);
    }

    /** {@return the directory} */
    public Path path() {
        return path;
    }

    /** {@return what was asked for with {@link #start}; empty before it and after {@link #stop}} */
    public Set<Kind> kinds() {
        return kinds;
    }

    /**
     * Asks the kernel to signal every change of these kinds (F_NOTIFY with DN_MULTISHOT), until
     * {@link #stop} or close. The signal is the one F_SETSIG set ({@link #enableAsync}; plain SIGIO
     * without one), sent to this process.
     *
     * @param kinds what to be told of, one or more
     * @throws IllegalStateException when nothing in the process handles the signal (its default
     *     action would end the JVM): register with {@code loop.onDnotify} instead
     * @throws IOException if fcntl fails
     */
    public void start(Set<Kind> kinds) throws IOException {
        if (kinds.isEmpty()) {
            throw new IllegalArgumentException("ask for at least one kind of change (Dnotify.Kind)");
        }
        int fd = acquire();
        try {
            int signo = Errno.check(FileCalls.fcntl(fd, F_GETSIG, 0), "fcntl(" + describe() + ", F_GETSIG)");
            Signal signal = signo == 0 ? Signal.IO : Signal.of(signo);
            if (!SignalSet.handledByProcess().contains(signal)) {
                throw new IllegalStateException("dnotify sends " + signal.name() + " to any thread of this process, and no "
                        + "handler is installed for it: its default action would end the JVM. Use "
                        + "loop.onDnotify(dir, kinds, signal, handler), which installs fdloop's handler first");
            }
            int mask = DN_MULTISHOT;
            for (Kind kind : kinds) {
                mask |= kind.flag;
            }
            Errno.check(FileCalls.fcntl(fd, F_NOTIFY, mask), "fcntl(" + describe() + ", F_NOTIFY, " + kinds + ")");
            this.kinds = Collections.unmodifiableSet(EnumSet.copyOf(kinds));
        } finally {
            release();
        }
    }

    /**
     * Stops the notifications (F_NOTIFY 0); closing the descriptor stops them too.
     *
     * @throws IOException if fcntl fails
     */
    public void stop() throws IOException {
        int fd = acquire();
        try {
            Errno.check(FileCalls.fcntl(fd, F_NOTIFY, 0), "fcntl(" + describe() + ", F_NOTIFY, 0)");
            kinds = Set.of();
        } finally {
            release();
        }
    }
}

package org.fdloop.fd;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.IoCalls;

/**
 * One end of a FIFO (a named pipe, fifo(7)): a pipe that processes open by path. Each Fifo is
 * either the reading or the writing end, O_NONBLOCK and O_CLOEXEC; opening never blocks.
 *
 * <p>The kernel's rules for a non-blocking reader are surprising:
 * <ul>
 *   <li>While no writer has the FIFO open, {@link #read} returns -1 (read(2) returns 0, end of
 *       file), yet poll and epoll do not report the reader readable: a loop waiting on a new
 *       reader sleeps until a writer comes and writes.
 *   <li>Once a writer has it open, {@link #read} returns 0 (EAGAIN) until the writer writes.
 *   <li>When the last writer closes, the reader gets the data left, then -1; from then on it is
 *       reported hung up (POLLHUP, EPOLLHUP) until a writer opens the FIFO again, so a
 *       level-triggered loop wakes again and again. Close the reader then, or also open the
 *       FIFO for writing in this process, so that a writer always remains.
 * </ul>
 * So -1 from a FIFO means "no writer now", not "never again".
 *
 * <p>A writer can only be opened while a reader has the FIFO open (else ENXIO), and writing
 * after every reader closed fails with EPIPE.
 */
public final class Fifo extends StreamFd {
    private final Path path;
    private final boolean readEnd;

    private Fifo(int fd, Path path, boolean readEnd) {
        super(fd, (readEnd ? "FIFO read end " : "FIFO write end ") + path);
        this.path = path;
        this.readEnd = readEnd;
    }

    /**
     * Creates a FIFO at {@code path} with mode 0600 (mkfifo(3)); see {@link #create(Path, int)}.
     *
     * @param path where the FIFO is made
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static void create(Path path) throws IOException {
        create(path, 0600);
    }

    /**
     * Creates a FIFO at {@code path} (mkfifo(3)). The process umask takes bits off {@code mode}.
     *
     * @param mode permission bits, 0 to 0777 (octal)
     * @param path where the FIFO is made
     * @throws LinuxException EEXIST if something exists at the path (the message says what)
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static void create(Path path, int mode) throws IOException {
        Objects.requireNonNull(path, "path");
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("a FIFO's mode is permission bits, 0 to 0777 (octal), not 0"
                    + Integer.toOctalString(mode));
        }
        int r = FileCalls.mkfifo(path.toString(), mode);
        if (r < 0) {
            String call = "mkfifo(" + path + ", 0" + Integer.toOctalString(mode) + ")";
            throw r == -EEXIST ? Errno.exception(call, EEXIST, whatExists(path)) : Errno.exception(call, -r);
        }
    }

    /**
     * Opens the reading end of the FIFO at {@code path} (O_RDONLY|O_NONBLOCK|O_CLOEXEC). Never
     * blocks, whether or not a writer has it open.
     *
     * @param path the FIFO
     * @return its reading end
     * @throws IllegalArgumentException if the path is not a FIFO
     * @throws LinuxException ENOENT if nothing is at the path
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static Fifo openForReading(Path path) throws IOException {
        return open(path, true);
    }

    /**
     * Opens the writing end of the FIFO at {@code path} (O_WRONLY|O_NONBLOCK|O_CLOEXEC).
     *
     * @param path the FIFO
     * @return its writing end
     * @throws IllegalArgumentException if the path is not a FIFO
     * @throws LinuxException ENXIO if no reader has the FIFO open: open the reading end first
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static Fifo openForWriting(Path path) throws IOException {
        return open(path, false);
    }

    private static Fifo open(Path path, boolean reading) throws IOException {
        Objects.requireNonNull(path, "path");
        String name = path.toString();
        int mode = FileCalls.statxMode(name);
        if (mode == -ENOENT) {
            throw Errno.exception("statx(" + name + ")", ENOENT, "nothing is at " + name + "; create the FIFO first with Fifo.create");
        }
        Errno.check(mode, "statx(" + name + ")");
        refuseOtherTypes(path, mode);
        int fd = Errno.check(FileCalls.open(name, (reading ? O_RDONLY : O_WRONLY) | O_NONBLOCK | O_CLOEXEC, 0),
                "open(" + name + (reading ? ", O_RDONLY)" : ", O_WRONLY)"));
        try {
            // the path may have been replaced between statx and open: check what was opened
            refuseOtherTypes(path, Errno.check(FileCalls.statxMode(fd), "statx(" + name + ")"));
        } catch (IOException | RuntimeException e) {
            IoCalls.close(fd);
            throw e;
        }
        return new Fifo(fd, path, reading);
    }

    /** {@return the path this was opened with} */
    public Path path() {
        return path;
    }

    /**
     * {@return how many bytes the FIFO holds before a write would block (F_GETPIPE_SZ; 65536 by default)}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public int capacity() throws IOException {
        return OsPipe.capacity(this);
    }

    /**
     * Asks for a capacity of at least {@code bytes} (F_SETPIPE_SZ); the kernel rounds up to a
     * power of two pages. Unprivileged users are held to fs.pipe-max-size. The capacity belongs to
     * the FIFO, not to this end: every end sees it.
     *
     * @param bytes the capacity asked for
     * @return the capacity the FIFO has now
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public int setCapacity(int bytes) throws IOException {
        return OsPipe.setCapacity(this, bytes);
    }

    @Override
    int readFailed(int errno) throws LinuxException {
        if (errno == EBADF && !readEnd) {
            throw Errno.exception("read(" + describe() + ")", errno,
                    "this is the FIFO's writing end; read from a Fifo opened with openForReading");
        }
        return super.readFailed(errno);
    }

    @Override
    LinuxException writeFailed(int errno, long count) {
        if (errno == EBADF && readEnd) {
            return Errno.exception("write(" + describe() + ", " + count + " bytes)", errno,
                    "this is the FIFO's reading end; write to a Fifo opened with openForWriting");
        }
        return super.writeFailed(errno, count);
    }

    private static void refuseOtherTypes(Path path, int mode) {
        if ((mode & S_IFMT) != S_IFIFO) {
            throw new IllegalArgumentException(path + " is a " + DeviceFile.fileType(mode) + ", not a FIFO: "
                    + "open devices and terminals with DeviceFile.open, read regular files with java.nio.file.Files");
        }
    }

    /** What the EEXIST of mkfifo met, for its message. */
    private static String whatExists(Path path) {
        int mode = FileCalls.statxMode(path.toString());
        if (mode < 0) {
            // a symbolic link to nothing: statx follows it, mkfifo does not
            return path + " exists already; delete it first or choose another path";
        }
        if ((mode & S_IFMT) == S_IFIFO) {
            return path + " is a FIFO already: open it with Fifo.openForReading or Fifo.openForWriting, or delete it first";
        }
        return path + " exists already and is a " + DeviceFile.fileType(mode) + "; delete it first or choose another path";
    }
}

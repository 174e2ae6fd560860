package org.fdloop.fd;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.IoCalls;

/**
 * A file opened by path whose readiness the kernel reports: a character device (a tty, a pty
 * slave, a serial port, an input device, {@code /dev/null}), or a FIFO. It is opened
 * {@code O_NONBLOCK|O_CLOEXEC|O_NOCTTY}: opening a serial port does not wait for carrier, and
 * opening a terminal never makes it this process's controlling terminal.
 *
 * <p>Regular files, directories and block devices are refused before anything is opened: the
 * kernel reports them always ready (poll) or refuses to wait on them at all (epoll_ctl fails
 * with EPERM), so there is nothing to wait for. Read them with {@code java.nio.file.Files} or a
 * {@code FileChannel}; to learn when they change, watch them with Inotify. Unix domain socket
 * files are refused too: open(2) cannot open them (ENXIO); connect with a {@code SocketChannel}.
 *
 * <p>Whether epoll can wait on a character device depends on its driver. ttys, ptys, serial
 * ports and input devices implement poll; {@code /dev/null}, {@code /dev/zero} and
 * {@code /dev/urandom} do not (Linux 6.x): poll(2) reports them always ready and epoll_ctl
 * refuses them with EPERM. They can still be opened, read and written here.
 */
public final class DeviceFile extends StreamFd {

    /** How a device file is opened: the access mode of open(2). */
    public enum Access {
        /** O_RDONLY: writes fail with EBADF. */
        READ,
        /** O_WRONLY: reads fail with EBADF. */
        WRITE,
        /** O_RDWR. */
        READ_WRITE,
        /**
         * Neither read nor write: ioctls only (the access mode 3, {@code O_NOACCESS} in other
         * systems; Linux documents it in open(2) as needing read and write permission, and a
         * descriptor for ioctls alone). Terminal settings, modem lines and device queries work;
         * reads and writes fail with EBADF.
         */
        IOCTL_ONLY
    }

    private final Path path;
    private final Access access;
    private final String fileType;
    private final Tty tty = new Tty(this);

    private DeviceFile(int fd, String kind, Path path, Access access, String fileType) {
        super(fd, kind);
        this.path = path;
        this.access = access;
        this.fileType = fileType;
    }

    /**
     * Opens {@code path} (open(2) with O_NONBLOCK|O_CLOEXEC|O_NOCTTY), following symbolic links.
     *
     * @param path the device, tty or FIFO
     * @param access how to open it
     * @return the open file
     * @throws IllegalArgumentException if the path is a regular file, a directory, a block device
     *     or a socket: the message says what to use instead
     * @throws LinuxException if the path does not exist (ENOENT, from statx), or open(2) fails:
     *     ENXIO for a FIFO opened for writing that no one reads, or a device number no driver has
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static DeviceFile open(Path path, Access access) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(access, "access");
        return open(path, access, null);
    }

    /** Opens {@code path}; {@code kind} names it in messages, or null for its file type and path. */
    static DeviceFile open(Path path, Access access, String kind) throws IOException {
        String name = path.toString();
        int mode = Errno.check(FileCalls.statxMode(name), "statx(" + name + ")");
        refuseUnwaitable(path, mode);
        String call = "open(" + name + ", " + switch (access) {
            case READ -> "O_RDONLY";
            case WRITE -> "O_WRONLY";
            case READ_WRITE -> "O_RDWR";
            case IOCTL_ONLY -> "3 (ioctl only)";
        } + ")";
        int flags = O_NONBLOCK | O_CLOEXEC | O_NOCTTY | switch (access) {
            case READ -> O_RDONLY;
            case WRITE -> O_WRONLY;
            case READ_WRITE -> O_RDWR;
            case IOCTL_ONLY -> O_ACCMODE;
        };
        int fd = FileCalls.open(name, flags, 0);
        if (fd == -ENXIO && (mode & S_IFMT) == S_IFCHR) {
            throw Errno.exception(call, ENXIO, "no driver has a device at this device number: "
                    + "the hardware is absent or its driver is not loaded");
        }
        Errno.check(fd, call);
        String type;
        try {
            // the path may have been replaced between statx and open: check what was opened
            int opened = Errno.check(FileCalls.statxMode(fd), "statx(" + name + ")");
            refuseUnwaitable(path, opened);
            type = fileType(opened);
        } catch (IOException | RuntimeException e) {
            IoCalls.close(fd);
            throw e;
        }
        return new DeviceFile(fd, kind == null ? type + " " + name : kind, path, access, type);
    }

    /** {@return the path this was opened with} */
    public Path path() {
        return path;
    }

    /**
     * How this was opened.
     *
     * @return how this was opened
     */
    public Access access() {
        return access;
    }

    /**
     * What was opened, from statx's {@code stx_mode}: {@code "character device"} or {@code "FIFO"}
     * (the other types are refused by {@link #open}).
     *
     * @return what was opened, from statx's {@code stx_mode}
     */
    public String fileType() {
        return fileType;
    }

    /**
     * {@return the terminal controls of this file, when it is a tty (a serial port, a console, a pty
     *     slave): its settings, modem lines, RS-485, drain and flush. On a file that is not a tty,
     *     every call fails with ENOTTY, saying so}
     */
    public Tty tty() {
        return tty;
    }

    @Override
    int readFailed(int errno) throws LinuxException {
        if (errno == EBADF && access == Access.IOCTL_ONLY) {
            throw Errno.exception("read(" + describe() + ")", errno,
                    "it was opened for ioctls only (Access.IOCTL_ONLY); open it with Access.READ or Access.READ_WRITE to read");
        }
        if (errno == EBADF && access == Access.WRITE) {
            throw Errno.exception("read(" + describe() + ")", errno,
                    "it was opened for writing only (Access.WRITE); open it with Access.READ or Access.READ_WRITE to read");
        }
        return super.readFailed(errno);
    }

    @Override
    LinuxException writeFailed(int errno, long count) {
        if (errno == EBADF && access == Access.IOCTL_ONLY) {
            return Errno.exception("write(" + describe() + ", " + count + " bytes)", errno,
                    "it was opened for ioctls only (Access.IOCTL_ONLY); open it with Access.WRITE or Access.READ_WRITE to write");
        }
        if (errno == EBADF && access == Access.READ) {
            return Errno.exception("write(" + describe() + ", " + count + " bytes)", errno,
                    "it was opened for reading only (Access.READ); open it with Access.WRITE or Access.READ_WRITE to write");
        }
        return super.writeFailed(errno, count);
    }

    /** Refuses what epoll cannot wait on, saying what to use instead. */
    private static void refuseUnwaitable(Path path, int mode) {
        String instead = switch (mode & S_IFMT) {
            case S_IFREG -> "epoll cannot wait on it: a regular file is always ready. Read it with java.nio.file.Files "
                    + "or a FileChannel; to learn when it changes, watch it with Inotify";
            case S_IFDIR -> "epoll cannot wait on it: a directory is always ready. List it with java.nio.file.Files; "
                    + "to learn when its entries change, watch it with Inotify";
            case S_IFBLK -> "epoll cannot wait on it: a block device is always ready, like a regular file. "
                    + "Read it with a FileChannel";
            case S_IFSOCK -> "open(2) cannot open a socket. Connect to it with "
                    + "SocketChannel.open(UnixDomainSocketAddress.of(path))";
            default -> null;
        };
        if (instead != null) {
            throw new IllegalArgumentException(path + " is a " + fileType(mode) + ": " + instead);
        }
    }

    /** The name of the file type in {@code mode} (stx_mode), as the kernel documents it. */
    static String fileType(int mode) {
        return switch (mode & S_IFMT) {
            case S_IFCHR -> "character device";
            case S_IFIFO -> "FIFO";
            case S_IFSOCK -> "socket";
            case S_IFBLK -> "block device";
            case S_IFREG -> "regular file";
            case S_IFDIR -> "directory";
            case S_IFLNK -> "symbolic link";
            default -> "file of unknown type 0" + Integer.toOctalString(mode & S_IFMT);
        };
    }
}

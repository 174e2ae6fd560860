package org.fdloop.fd;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Objects;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.IoCalls;

/**
 * The master side of a pseudoterminal (pty(7)): what this process writes here the slave reads
 * as typed input, and what the slave writes this process reads here. Between them sits the
 * slave's line discipline, set by {@link #setMode} and {@link #setEcho}: termios calls on the
 * master apply to the slave's settings.
 *
 * <p>Opened with posix_openpt(O_RDWR|O_NOCTTY|O_CLOEXEC), made O_NONBLOCK, then grantpt and
 * unlockpt. A new pty is in the kernel's default mode: canonical, echo on, CR/NL translation on.
 *
 * <p>Once every descriptor of the slave is closed, Linux fails reads of the master with EIO
 * after the data left; {@link #read} returns -1 (end of stream) for it, and the master is
 * reported hung up (POLLHUP). Opening the slave again makes the master live again, so -1 here
 * means "no slave open now". Before the slave is first opened, a read returns 0.
 */
public final class Pty extends StreamFd {

    /** The line discipline's input mode. */
    public enum Mode {
        /**
         * cfmakeraw(3): every byte is readable as it arrives (VMIN 1, VTIME 0), no echo, no
         * signal characters, no input or output translation, 8-bit characters.
         */
        RAW,
        /**
         * ICANON, ECHO and ISIG on: input is readable a line at a time, at '\n', VEOL or VEOF
         * (^D); the line can be edited before; ^C sends SIGINT to the slave's foreground process
         * group; input is echoed. Only these flags are set: the CR/NL translations that
         * {@link #RAW} turned off (ICRNL, OPOST) stay off.
         */
        CANONICAL
    }

    private final Path slavePath;
    private final Tty tty = new Tty(this);

    private Pty(int fd, Path slavePath) {
        super(fd, "pty master");
        this.slavePath = slavePath;
    }

    /**
     * {@return a new pseudoterminal; open its slave with {@link #openSlave()}}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static Pty open() throws IOException {
        int fd = Errno.check(FileCalls.posixOpenpt(O_RDWR | O_NOCTTY | O_CLOEXEC), "posix_openpt()");
        try (Arena arena = Arena.ofConfined()) {
            String what = "fcntl(pty master " + fd + ", ";
            int flags = Errno.check(FileCalls.fcntl(fd, F_GETFL, 0), what + "F_GETFL)");
            Errno.check(FileCalls.fcntl(fd, F_SETFL, flags | O_NONBLOCK), what + "F_SETFL, O_NONBLOCK)");
            Errno.check(FileCalls.grantpt(fd), "grantpt(" + fd + ")");
            Errno.check(FileCalls.unlockpt(fd), "unlockpt(" + fd + ")");
            MemorySegment name = arena.allocate(128);
            Errno.check(FileCalls.ptsname(fd, name), "ptsname_r(" + fd + ")");
            return new Pty(fd, Path.of(name.getString(0)));
        } catch (IOException | RuntimeException e) {
            IoCalls.close(fd);
            throw e;
        }
    }

    /** {@return the slave's device file, {@code /dev/pts/N} (ptsname(3)). It exists while this master is open} */
    public Path slavePath() {
        return slavePath;
    }

    /**
     * Opens a new descriptor of the slave (O_RDWR|O_NOCTTY|O_NONBLOCK|O_CLOEXEC): what a program
     * running "in" the terminal reads and writes. Each call opens another descriptor.
     *
     * @return the slave's new descriptor, which the caller closes
     * @throws IllegalStateException if this master is closed (its slave number may be reused)
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public DeviceFile openSlave() throws IOException {
        acquire(); // the master stays open meanwhile, so /dev/pts/N stays ours
        try {
            return DeviceFile.open(slavePath, DeviceFile.Access.READ_WRITE, "pty slave " + slavePath);
        } finally {
            release();
        }
    }

    /**
     * Sets the slave's input mode, at once (TCSETS2); {@link #tty()} sets the rest of the line.
     *
     * @param mode RAW or CANONICAL
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void setMode(Mode mode) throws IOException {
        Objects.requireNonNull(mode, "mode");
        tty.setMode(mode);
    }

    /**
     * {@return the slave's input mode: {@link Mode#CANONICAL} when ICANON is on, else {@link Mode#RAW}}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public Mode mode() throws IOException {
        return Termios.isCanonical(this) ? Mode.CANONICAL : Mode.RAW;
    }

    /**
     * Turns the slave's echo (ECHO) on or off: whether what is written here comes back here.
     *
     * @param echo whether the terminal echoes what is typed
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void setEcho(boolean echo) throws IOException {
        tty.setEcho(echo);
    }

    /**
     * {@return whether the slave echoes its input (ECHO)}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public boolean isEcho() throws IOException {
        return Termios.isEcho(this);
    }

    /**
     * {@return the terminal controls of the slave, through this master: its line settings (rate,
     *     character format, raw or canonical), drain and flush. A pty keeps any rate without sending a
     *     bit, and has no modem lines and no RS-485: those calls fail, saying so}
     */
    public Tty tty() {
        return tty;
    }

    @Override
    int readFailed(int errno) throws LinuxException {
        if (errno == EIO) {
            return -1; // every slave descriptor is closed: Linux's end of stream for a pty master
        }
        return super.readFailed(errno);
    }
}

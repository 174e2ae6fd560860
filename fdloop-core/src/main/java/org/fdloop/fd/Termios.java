package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.Structs;

/**
 * The line discipline settings of a terminal (tcgetattr(3), tcsetattr(3)): of a tty, a serial
 * port or a pty slave. On a pty master they are the slave's: Linux applies a master's termios
 * ioctls to its slave's line discipline.
 *
 * <pre>
 * struct termios {
 *     tcflag_t c_iflag, c_oflag, c_cflag, c_lflag;   // c_lflag: ICANON, ECHO, ISIG
 *     cc_t     c_line;
 *     cc_t     c_cc[NCCS];                           // c_cc[VMIN], c_cc[VTIME], c_cc[VEOF]
 *     speed_t  c_ispeed, c_ospeed;
 * };
 * </pre>
 *
 * Each change is a read, modify, write of the whole struct; callers serialize their changes.
 */
final class Termios {
    private Termios() {}

    /** Whether input is delivered line by line (ICANON). */
    static boolean isCanonical(Fd fd) throws IOException {
        return (localFlags(fd) & ICANON) != 0;
    }

    /** Whether input is echoed (ECHO). */
    static boolean isEcho(Fd fd) throws IOException {
        return (localFlags(fd) & ECHO) != 0;
    }

    /** cfmakeraw(3), then VMIN 1 and VTIME 0: each byte is readable as it arrives. */
    static void setRaw(Fd fd) throws IOException {
        change(fd, "raw", termios -> {
            FileCalls.cfmakeraw(termios);
            termios.set(JAVA_BYTE, Structs.TERMIOS_CC + VMIN, (byte) 1);
            termios.set(JAVA_BYTE, Structs.TERMIOS_CC + VTIME, (byte) 0);
        });
    }

    /** Turns ICANON, ECHO and ISIG on; leaves the other flags as they are. */
    static void setCanonical(Fd fd) throws IOException {
        change(fd, "ICANON|ECHO|ISIG", termios -> setLocalFlags(termios, ICANON | ECHO | ISIG, true));
    }

    /** Turns ECHO on or off. */
    static void setEcho(Fd fd, boolean echo) throws IOException {
        change(fd, echo ? "ECHO" : "-ECHO", termios -> setLocalFlags(termios, ECHO, echo));
    }

    private static void setLocalFlags(MemorySegment termios, int flags, boolean on) {
        int lflag = termios.get(JAVA_INT, Structs.TERMIOS_LFLAG);
        termios.set(JAVA_INT, Structs.TERMIOS_LFLAG, on ? lflag | flags : lflag & ~flags);
    }

    private static int localFlags(Fd fd) throws IOException {
        int number = fd.acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment termios = arena.allocate(Structs.TERMIOS);
            get(fd, number, termios);
            return termios.get(JAVA_INT, Structs.TERMIOS_LFLAG);
        } finally {
            fd.release();
        }
    }

    /** tcgetattr, {@code edit}, tcsetattr(TCSANOW); {@code what} names the change in messages. */
    private static void change(Fd fd, String what, Consumer<MemorySegment> edit) throws IOException {
        int number = fd.acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment termios = arena.allocate(Structs.TERMIOS);
            get(fd, number, termios);
            edit.accept(termios);
            int r = FileCalls.tcsetattr(number, TCSANOW, termios);
            if (r < 0) {
                throw failure("tcsetattr(" + fd.describe() + ", TCSANOW, " + what + ")", -r);
            }
        } finally {
            fd.release();
        }
    }

    private static void get(Fd fd, int number, MemorySegment termios) throws LinuxException {
        int r = FileCalls.tcgetattr(number, termios);
        if (r < 0) {
            throw failure("tcgetattr(" + fd.describe() + ")", -r);
        }
    }

    /** The same errno, named with the Fd rather than its bare number. */
    private static LinuxException failure(String call, int errno) {
        return errno == ENOTTY
                ? Errno.exception(call, ENOTTY, "it is not a terminal: only ttys, serial ports and ptys have termios settings")
                : Errno.exception(call, errno);
    }
}

package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.fdloop.internal.linux.Constants.EINVAL;
import static org.fdloop.internal.linux.Constants.ENOTTY;
import static org.fdloop.internal.linux.DeviceConstants.*;
import static org.fdloop.internal.linux.DeviceStructs.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.function.Consumer;
import org.fdloop.internal.linux.DeviceCalls;
import org.fdloop.internal.linux.Errno;

/**
 * The line discipline settings of a terminal: of a tty, a serial port or a pty. On a pty master
 * they are the slave's: Linux applies a master's termios ioctls to its slave's line discipline.
 *
 * <p>Read and written whole, as the kernel's {@code struct termios2} (TCGETS2, TCSETS2), which
 * carries the rate in baud beside the flags: a standard rate is also coded in {@code c_cflag}
 * ({@code B115200}), any other is {@code BOTHER} with the rate in {@code c_ospeed}. Each change is
 * a read, modify, write of the whole struct; {@link Tty} serializes them.
 *
 * <pre>
 * struct termios2 {
 *     tcflag_t c_iflag, c_oflag, c_cflag, c_lflag;   // c_cflag: CBAUD, CSIZE, PARENB...; c_lflag: ICANON, ECHO
 *     cc_t     c_line;
 *     cc_t     c_cc[19];                             // c_cc[VMIN], c_cc[VTIME]
 *     speed_t  c_ispeed, c_ospeed;
 * };
 * </pre>
 */
final class Termios {
    private Termios() {}

    /** The input flags cfmakeraw(3) turns off. */
    private static final int RAW_IFLAGS_OFF = IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON;
    /** The local flags cfmakeraw(3) turns off. */
    private static final int RAW_LFLAGS_OFF = ECHO | ECHONL | ICANON | ISIG | IEXTEN;
    /** The control flags a {@link SerialSettings} sets, all of them. */
    private static final int SETTINGS_CFLAGS = CBAUD | CIBAUD | CSIZE | CSTOPB | PARENB | PARODD | CMSPAR | CRTSCTS | CLOCAL;

    /** Whether input is delivered line by line (ICANON). */
    static boolean isCanonical(Fd fd) throws IOException {
        return (get(fd, termios -> {}).get(JAVA_INT, TERMIOS2_LFLAG) & ICANON) != 0;
    }

    /** Whether input is echoed (ECHO). */
    static boolean isEcho(Fd fd) throws IOException {
        return (get(fd, termios -> {}).get(JAVA_INT, TERMIOS2_LFLAG) & ECHO) != 0;
    }

    /** cfmakeraw(3), then VMIN 1 and VTIME 0: each byte is readable as it arrives. */
    static void setRaw(Fd fd) throws IOException {
        change(fd, "raw", TCSETS2, termios -> {
            makeRaw(termios);
            termios.set(JAVA_BYTE, TERMIOS2_CC + VMIN, (byte) 1);
            termios.set(JAVA_BYTE, TERMIOS2_CC + VTIME, (byte) 0);
        });
    }

    /** Turns ICANON, ECHO and ISIG on; leaves the other flags as they are. */
    static void setCanonical(Fd fd) throws IOException {
        change(fd, "ICANON|ECHO|ISIG", TCSETS2, termios -> setFlags(termios, TERMIOS2_LFLAG, ICANON | ECHO | ISIG, true));
    }

    /** Turns ECHO on or off. */
    static void setEcho(Fd fd, boolean echo) throws IOException {
        change(fd, echo ? "ECHO" : "-ECHO", TCSETS2, termios -> setFlags(termios, TERMIOS2_LFLAG, ECHO, echo));
    }

    /** The terminal's settings, decoded. */
    static SerialSettings settings(Fd fd) throws IOException {
        return decode(get(fd, termios -> {}));
    }

    /**
     * Writes {@code settings} with {@code request} (TCSETS2, TCSETSW2 or TCSETSF2) and answers what
     * the terminal holds afterwards.
     */
    static SerialSettings apply(Fd fd, SerialSettings settings, int request) throws IOException {
        change(fd, settings.describe(), request, termios -> encode(settings, termios));
        return settings(fd);
    }

    /** {@code settings} into {@code termios}, leaving the flags they do not name as they are. */
    static void encode(SerialSettings settings, MemorySegment termios) {
        if (!settings.canonical()) {
            makeRaw(termios); // first: it sets CS8 and no parity, which the settings then replace
        } else {
            setFlags(termios, TERMIOS2_LFLAG, ICANON | ISIG | IEXTEN, true);
        }
        int cflag = termios.get(JAVA_INT, TERMIOS2_CFLAG) & ~SETTINGS_CFLAGS;
        cflag |= CREAD | speedCode(settings.baud()) | switch (settings.dataBits()) {
            case 5 -> CS5;
            case 6 -> CS6;
            case 7 -> CS7;
            default -> CS8;
        };
        cflag |= switch (settings.parity()) {
            case NONE -> 0;
            case ODD -> PARENB | PARODD;
            case EVEN -> PARENB;
            case MARK -> PARENB | PARODD | CMSPAR;
            case SPACE -> PARENB | CMSPAR;
        };
        if (settings.stopBits() == 2) {
            cflag |= CSTOPB;
        }
        if (settings.rtsCts()) {
            cflag |= CRTSCTS;
        }
        if (settings.local()) {
            cflag |= CLOCAL;
        }
        termios.set(JAVA_INT, TERMIOS2_CFLAG, cflag);
        termios.set(JAVA_INT, TERMIOS2_ISPEED, settings.baud());
        termios.set(JAVA_INT, TERMIOS2_OSPEED, settings.baud());
        setFlags(termios, TERMIOS2_LFLAG, ECHO, settings.echo());
        setFlags(termios, TERMIOS2_IFLAG, IXON | IXOFF | IXANY, false);
        setFlags(termios, TERMIOS2_IFLAG, IXON | IXOFF, settings.xonXoff());
        setFlags(termios, TERMIOS2_IFLAG, INPCK, settings.parity() != SerialSettings.Parity.NONE);
        termios.set(JAVA_BYTE, TERMIOS2_CC + VMIN, (byte) settings.readMinimum());
        termios.set(JAVA_BYTE, TERMIOS2_CC + VTIME, (byte) (settings.readTimeout().toMillis() / 100));
    }

    /** {@code termios} as settings. */
    static SerialSettings decode(MemorySegment termios) {
        int iflag = termios.get(JAVA_INT, TERMIOS2_IFLAG);
        int cflag = termios.get(JAVA_INT, TERMIOS2_CFLAG);
        int lflag = termios.get(JAVA_INT, TERMIOS2_LFLAG);
        int dataBits = switch (cflag & CSIZE) {
            case CS5 -> 5;
            case CS6 -> 6;
            case CS7 -> 7;
            default -> 8;
        };
        SerialSettings.Parity parity = (cflag & PARENB) == 0 ? SerialSettings.Parity.NONE
                : (cflag & CMSPAR) != 0 ? ((cflag & PARODD) != 0 ? SerialSettings.Parity.MARK : SerialSettings.Parity.SPACE)
                : (cflag & PARODD) != 0 ? SerialSettings.Parity.ODD : SerialSettings.Parity.EVEN;
        int baud = termios.get(JAVA_INT, TERMIOS2_OSPEED);
        if (baud == 0) {
            baud = rateOf(cflag & CBAUD); // a driver that left c_ospeed empty: the code says it
        }
        return new SerialSettings(Math.max(baud, 1), dataBits, parity, (cflag & CSTOPB) != 0 ? 2 : 1,
                (cflag & CRTSCTS) != 0, (iflag & IXON) != 0, (lflag & ICANON) != 0, (lflag & ECHO) != 0,
                Byte.toUnsignedInt(termios.get(JAVA_BYTE, TERMIOS2_CC + VMIN)),
                Duration.ofMillis(100L * Byte.toUnsignedInt(termios.get(JAVA_BYTE, TERMIOS2_CC + VTIME))),
                (cflag & CLOCAL) != 0);
    }

    /** The CBAUD code of {@code baud}: its Bnnn, or BOTHER for a rate that has none. */
    static int speedCode(int baud) {
        for (int[] rate : STANDARD_RATES) {
            if (rate[0] == baud) {
                return rate[1];
            }
        }
        return BOTHER;
    }

    /** The rate of a CBAUD code, or 0 for B0 and BOTHER. */
    static int rateOf(int code) {
        for (int[] rate : STANDARD_RATES) {
            if (rate[1] == code) {
                return rate[0];
            }
        }
        return 0;
    }

    /** cfmakeraw(3)'s changes, on a termios2. */
    private static void makeRaw(MemorySegment termios) {
        setFlags(termios, TERMIOS2_IFLAG, RAW_IFLAGS_OFF, false);
        setFlags(termios, TERMIOS2_OFLAG, OPOST, false);
        setFlags(termios, TERMIOS2_LFLAG, RAW_LFLAGS_OFF, false);
        int cflag = termios.get(JAVA_INT, TERMIOS2_CFLAG);
        termios.set(JAVA_INT, TERMIOS2_CFLAG, (cflag & ~(CSIZE | PARENB)) | CS8);
    }

    private static void setFlags(MemorySegment termios, long field, int flags, boolean on) {
        int value = termios.get(JAVA_INT, field);
        termios.set(JAVA_INT, field, on ? value | flags : value & ~flags);
    }

    /** TCGETS2 into a new struct; {@code then} looks at it before the arena goes. */
    private static MemorySegment get(Fd fd, Consumer<MemorySegment> then) throws IOException {
        int number = fd.acquire();
        try {
            MemorySegment termios = Arena.ofAuto().allocate(TERMIOS2);
            get(fd, number, termios);
            then.accept(termios);
            return termios;
        } finally {
            fd.release();
        }
    }

    /** TCGETS2, {@code edit}, then {@code request}; {@code what} names the change in messages. */
    private static void change(Fd fd, String what, int request, Consumer<MemorySegment> edit) throws IOException {
        int number = fd.acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment termios = arena.allocate(TERMIOS2);
            get(fd, number, termios);
            edit.accept(termios);
            int r = DeviceCalls.ioctl(number, request, termios);
            if (r < 0) {
                String call = "ioctl(" + fd.describe() + ", " + requestName(request) + ", " + what + ")";
                if (-r == EINVAL) {
                    throw Errno.exception(call, EINVAL, "the driver refused these settings: a serial driver refuses a"
                            + " rate it cannot make (one with no Bnnn code needs BOTHER support) or a character format"
                            + " its hardware lacks; try a standard rate (9600, 115200, ...)");
                }
                throw failure(call, -r);
            }
        } finally {
            fd.release();
        }
    }

    private static String requestName(int request) {
        return request == TCSETSW2 ? "TCSETSW2" : request == TCSETSF2 ? "TCSETSF2" : "TCSETS2";
    }

    private static void get(Fd fd, int number, MemorySegment termios) throws LinuxException {
        int r = DeviceCalls.ioctl(number, TCGETS2, termios);
        if (r < 0) {
            throw failure("ioctl(" + fd.describe() + ", TCGETS2)", -r);
        }
    }

    /** The same errno, named with the Fd rather than its bare number. */
    static LinuxException failure(String call, int errno) {
        return errno == ENOTTY
                ? Errno.exception(call, ENOTTY, "it is not a terminal: only ttys, serial ports and ptys have termios settings")
                : Errno.exception(call, errno);
    }
}

package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.fdloop.internal.linux.Constants.EINVAL;
import static org.fdloop.internal.linux.Constants.ENOTTY;
import static org.fdloop.internal.linux.DeviceConstants.*;
import static org.fdloop.internal.linux.DeviceStructs.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.fdloop.internal.linux.DeviceCalls;
import org.fdloop.internal.linux.Errno;

/**
 * The terminal controls of a tty: a serial port, a console, a pty's slave or master
 * ({@link DeviceFile#tty()}, {@link Pty#tty()}). Its line settings ({@link SerialSettings}: rate,
 * character format, flow control, raw or canonical), its modem lines, RS-485 and its queues.
 *
 * <p>What needs hardware answers a clear error on a tty without it: a pty has no modem lines and
 * no RS-485, and frames every character 8N1 whatever it is asked (it keeps any rate, stop bits,
 * flow control and mode, without sending a bit). Every call is an ioctl on
 * the descriptor; changes to the settings are serialized here (read, modify, write of the whole
 * {@code termios2}).
 */
public final class Tty {

    /** When new settings take effect ({@code tcsetattr(3)}'s actions). */
    public enum When {
        /** At once (TCSANOW: TCSETS2). */
        NOW,
        /** Once the output queued so far was sent (TCSADRAIN: TCSETSW2). */
        AFTER_OUTPUT,
        /** Once the output was sent, discarding input not read yet (TCSAFLUSH: TCSETSF2). */
        AFTER_OUTPUT_DISCARDING_INPUT
    }

    /** Which of a terminal's queues {@link #flush} discards ({@code tcflush(3)}). */
    public enum Queue {
        /** Input received and not read (TCIFLUSH). */
        INPUT,
        /** Output written and not sent (TCOFLUSH). */
        OUTPUT,
        /** Both (TCIOFLUSH). */
        BOTH
    }

    /** The modem control lines of a serial port (TIOCMGET): DTR and RTS are outputs, the others inputs. */
    public enum ModemLine {
        /** Data Terminal Ready, an output. */
        DTR(TIOCM_DTR),
        /** Request To Send, an output (the flow control line with RTS/CTS). */
        RTS(TIOCM_RTS),
        /** Clear To Send, an input. */
        CTS(TIOCM_CTS),
        /** Data Set Ready, an input. */
        DSR(TIOCM_DSR),
        /** Carrier Detect (DCD), an input. */
        CD(TIOCM_CAR),
        /** Ring Indicator, an input. */
        RI(TIOCM_RNG);

        final int bit;

        ModemLine(int bit) {
            this.bit = bit;
        }
    }

    /**
     * A serial port's RS-485 mode ({@code struct serial_rs485}): the driver raises RTS to drive
     * the bus while it sends.
     *
     * @param enabled whether RS-485 mode is on (SER_RS485_ENABLED)
     * @param rtsOnSend RTS is high while sending (SER_RS485_RTS_ON_SEND)
     * @param rtsAfterSend RTS is high after sending (SER_RS485_RTS_AFTER_SEND)
     * @param receiveDuringSend the receiver stays on while sending (SER_RS485_RX_DURING_TX)
     * @param delayBeforeSend RTS's lead before the first bit, whole milliseconds
     * @param delayAfterSend RTS's hold after the last bit, whole milliseconds
     */
    public record Rs485(boolean enabled, boolean rtsOnSend, boolean rtsAfterSend, boolean receiveDuringSend,
            Duration delayBeforeSend, Duration delayAfterSend) {
        /**
         * Checks the delays.
         *
         * @throws IllegalArgumentException if a delay is negative
         * @throws NullPointerException if a delay is null
         */
        public Rs485 {
            Objects.requireNonNull(delayBeforeSend, "delayBeforeSend");
            Objects.requireNonNull(delayAfterSend, "delayAfterSend");
            if (delayBeforeSend.isNegative() || delayAfterSend.isNegative()) {
                throw new IllegalArgumentException("RS-485 delays are whole milliseconds, 0 or more");
            }
        }

        /** {@return RS-485 on, RTS high while sending, no delays} */
        public static Rs485 on() {
            return new Rs485(true, true, false, false, Duration.ZERO, Duration.ZERO);
        }
    }

    /** A speed the driver made may differ from the one asked by this much (a UART's tolerance) before it is an error. */
    private static final int RATE_TOLERANCE_PERCENT = 3;

    private final StreamFd fd;

    Tty(StreamFd fd) {
        this.fd = fd;
    }

    /**
     * {@return the line settings now (TCGETS2): the rate in baud as the kernel holds it, also one
     *     without a Bnnn code}
     *
     * @throws IOException if a system call fails: ENOTTY for a file that is not a terminal
     */
    public SerialSettings settings() throws IOException {
        return Termios.settings(fd);
    }

    /**
     * Sets the line at once ({@link When#NOW}).
     *
     * @param settings what to set
     * @return the settings now in force, read back
     * @throws IOException if a system call fails, if the driver made a rate more than 3% from
     *     the one asked, or if it changed the data bits or parity: the message names both
     */
    public SerialSettings apply(SerialSettings settings) throws IOException {
        return apply(settings, When.NOW);
    }

    /**
     * Sets the line (TCSETS2, TCSETSW2 or TCSETSF2), every setting of {@code settings}; the flags
     * it does not name (output delays, the signal characters) stay as they were. A rate without a
     * Bnnn code is sent as BOTHER with the rate itself, which a serial driver either makes (the
     * nearest its clock divides to), refuses (EINVAL), or ignores.
     *
     * @param settings what to set
     * @param when when it takes effect
     * @return the settings now in force, read back (TCGETS2)
     * @throws IOException if a system call fails (the {@link LinuxException} says which and why),
     *     if the driver made a rate more than 3% from the one asked (the port then runs at the rate
     *     the message names), or if it changed the data bits or the parity (a pty always frames 8N1)
     */
    public SerialSettings apply(SerialSettings settings, When when) throws IOException {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(when, "when");
        SerialSettings now;
        synchronized (this) {
            now = Termios.apply(fd, settings, switch (when) {
                case NOW -> TCSETS2;
                case AFTER_OUTPUT -> TCSETSW2;
                case AFTER_OUTPUT_DISCARDING_INPUT -> TCSETSF2;
            });
        }
        String off = rateMismatch(settings.baud(), now.baud());
        if (off != null) {
            throw new IOException(fd.describe() + ": " + off);
        }
        if (now.dataBits() != settings.dataBits() || now.parity() != settings.parity()) {
            throw new IOException(fd.describe() + ": the driver framed characters as " + now.describe() + " when asked for "
                    + settings.describe() + ": it cannot make that format (a pty is always 8 data bits without parity:"
                    + " Linux's pty driver forces CS8 and clears PARENB); the other settings are in force");
        }
        return now;
    }

    /** Why a rate {@code made} for {@code asked} is not good enough, or null when it is. */
    static String rateMismatch(int asked, int made) {
        if ((long) Math.abs(made - asked) * 100 <= (long) asked * RATE_TOLERANCE_PERCENT) {
            return null;
        }
        return "the driver runs the line at " + made + " baud when asked for " + asked + " (more than "
                + RATE_TOLERANCE_PERCENT + "% off, which characters do not survive): it cannot make that rate;"
                + " use a standard rate or one its clock divides to";
    }

    /** Turns the line discipline raw or canonical, leaving the rest as it is (Pty's modes). */
    synchronized void setMode(Pty.Mode mode) throws IOException {
        switch (mode) {
            case RAW -> Termios.setRaw(fd);
            case CANONICAL -> Termios.setCanonical(fd);
        }
    }

    /** Turns ECHO on or off, leaving the rest as it is. */
    synchronized void setEcho(boolean echo) throws IOException {
        Termios.setEcho(fd, echo);
    }

    /**
     * {@return the modem lines that are high (TIOCMGET)}
     *
     * @throws LinuxException ENOTTY (or EINVAL) where the tty has no modem lines: a pty, a console
     * @throws IOException if a system call fails: the {@link LinuxException} names it and its errno
     */
    public Set<ModemLine> modemLines() throws IOException {
        int number = fd.acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bits = arena.allocate(JAVA_INT);
            int r = DeviceCalls.ioctl(number, TIOCMGET, bits);
            if (r < 0) {
                throw noModemLines("ioctl(" + fd.describe() + ", TIOCMGET)", -r);
            }
            Set<ModemLine> high = EnumSet.noneOf(ModemLine.class);
            for (ModemLine line : ModemLine.values()) {
                if ((bits.get(JAVA_INT, 0) & line.bit) != 0) {
                    high.add(line);
                }
            }
            return high;
        } finally {
            fd.release();
        }
    }

    /**
     * Raises or drops an output line (TIOCMBIS, TIOCMBIC): DTR or RTS. With RTS/CTS flow control on,
     * the driver drives RTS itself.
     *
     * @param line DTR or RTS
     * @param high whether to raise it
     * @throws IllegalArgumentException for an input line (CTS, DSR, CD, RI): the other end drives those
     * @throws LinuxException ENOTTY (or EINVAL) where the tty has no modem lines: a pty, a console
     * @throws IOException if a system call fails: the {@link LinuxException} names it and its errno
     */
    public void setModemLine(ModemLine line, boolean high) throws IOException {
        Objects.requireNonNull(line, "line");
        if (line != ModemLine.DTR && line != ModemLine.RTS) {
            throw new IllegalArgumentException(line + " is an input: the other end drives it; only DTR and RTS can be set");
        }
        int number = fd.acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bits = arena.allocate(JAVA_INT);
            bits.set(JAVA_INT, 0, line.bit);
            String call = "ioctl(" + fd.describe() + ", " + (high ? "TIOCMBIS, " : "TIOCMBIC, ") + line + ")";
            int r = DeviceCalls.ioctl(number, high ? TIOCMBIS : TIOCMBIC, bits);
            if (r < 0) {
                throw noModemLines(call, -r);
            }
        } finally {
            fd.release();
        }
    }

    private static LinuxException noModemLines(String call, int errno) {
        return errno == ENOTTY || errno == EINVAL
                ? Errno.exception(call, errno, "this tty has no modem lines: a pty or a virtual console has none;"
                        + " serial ports have them (a UART's /dev/ttyS*, /dev/ttyAMA*, a USB adapter's /dev/ttyUSB*)")
                : Termios.failure(call, errno);
    }

    /**
     * {@return the port's RS-485 mode (TIOCGRS485)}
     *
     * @throws LinuxException ENOTTY where the driver has no RS-485 mode (a pty, most UARTs without a transceiver)
     * @throws IOException if a system call fails: the {@link LinuxException} names it and its errno
     */
    public Rs485 rs485() throws IOException {
        int number = fd.acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rs485 = arena.allocate(SERIAL_RS485);
            int r = DeviceCalls.ioctl(number, TIOCGRS485, rs485);
            if (r < 0) {
                throw noRs485("ioctl(" + fd.describe() + ", TIOCGRS485)", -r);
            }
            return decodeRs485(rs485);
        } finally {
            fd.release();
        }
    }

    /**
     * Sets the port's RS-485 mode (TIOCSRS485).
     *
     * @param mode what to set
     * @return the mode now in force: the driver may change what its hardware cannot do
     * @throws LinuxException ENOTTY where the driver has no RS-485 mode (a pty, most UARTs without a transceiver)
     * @throws IOException if a system call fails: the {@link LinuxException} names it and its errno
     */
    public Rs485 setRs485(Rs485 mode) throws IOException {
        Objects.requireNonNull(mode, "mode");
        int number = fd.acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rs485 = arena.allocate(SERIAL_RS485);
            encodeRs485(mode, rs485);
            int r = DeviceCalls.ioctl(number, TIOCSRS485, rs485);
            if (r < 0) {
                throw noRs485("ioctl(" + fd.describe() + ", TIOCSRS485, " + (mode.enabled() ? "enabled" : "disabled") + ")", -r);
            }
            return decodeRs485(rs485); // the kernel writes back what it set
        } finally {
            fd.release();
        }
    }

    static void encodeRs485(Rs485 mode, MemorySegment rs485) {
        int flags = (mode.enabled() ? SER_RS485_ENABLED : 0) | (mode.rtsOnSend() ? SER_RS485_RTS_ON_SEND : 0)
                | (mode.rtsAfterSend() ? SER_RS485_RTS_AFTER_SEND : 0)
                | (mode.receiveDuringSend() ? SER_RS485_RX_DURING_TX : 0);
        rs485.set(JAVA_INT, RS485_FLAGS, flags);
        rs485.set(JAVA_INT, RS485_DELAY_BEFORE, (int) mode.delayBeforeSend().toMillis());
        rs485.set(JAVA_INT, RS485_DELAY_AFTER, (int) mode.delayAfterSend().toMillis());
    }

    static Rs485 decodeRs485(MemorySegment rs485) {
        int flags = rs485.get(JAVA_INT, RS485_FLAGS);
        return new Rs485((flags & SER_RS485_ENABLED) != 0, (flags & SER_RS485_RTS_ON_SEND) != 0,
                (flags & SER_RS485_RTS_AFTER_SEND) != 0, (flags & SER_RS485_RX_DURING_TX) != 0,
                Duration.ofMillis(Integer.toUnsignedLong(rs485.get(JAVA_INT, RS485_DELAY_BEFORE))),
                Duration.ofMillis(Integer.toUnsignedLong(rs485.get(JAVA_INT, RS485_DELAY_AFTER))));
    }

    private static LinuxException noRs485(String call, int errno) {
        return errno == ENOTTY
                ? Errno.exception(call, errno, "this tty's driver has no RS-485 mode: a pty has none, nor has a UART"
                        + " whose driver does not drive a transceiver; use a port with RS-485 support (its device tree"
                        + " or driver says linux,rs485-enabled-at-boot-time or rs485)")
                : Termios.failure(call, errno);
    }

    /**
     * Waits until the output written so far was sent ({@code tcdrain(3)}: TCSBRK with 1). It blocks
     * the calling thread meanwhile, as long as the line's rate takes: call it off the loop thread
     * for a slow line.
     *
     * @throws IOException if a system call fails: the {@link LinuxException} names it and its errno
     */
    public void drain() throws IOException {
        control(TCSBRK, 1, "TCSBRK, 1 (tcdrain)");
    }

    /**
     * Discards what is queued ({@code tcflush(3)}: TCFLSH).
     *
     * @param queue input not read yet, output not sent yet, or both
     * @throws IOException if a system call fails: the {@link LinuxException} names it and its errno
     */
    public void flush(Queue queue) throws IOException {
        Objects.requireNonNull(queue, "queue");
        control(TCFLSH, switch (queue) {
            case INPUT -> TCIFLUSH;
            case OUTPUT -> TCOFLUSH;
            case BOTH -> TCIOFLUSH;
        }, "TCFLSH, " + queue);
    }

    private void control(int request, int argument, String what) throws IOException {
        int number = fd.acquire();
        try {
            int r = DeviceCalls.ioctl(number, request, argument);
            if (r < 0) {
                throw Termios.failure("ioctl(" + fd.describe() + ", " + what + ")", -r);
            }
        } finally {
            fd.release();
        }
    }
}

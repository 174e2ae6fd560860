package org.fdloop.fd;

import java.time.Duration;
import java.util.Objects;

/**
 * The settings of a serial line, as termios holds them: rate, character format, flow control and
 * how reads return. Immutable: each {@code with} method (named after the setting, with an
 * argument) returns a copy with one setting changed, so that a port's settings read as one line:
 *
 * <pre>{@code
 * tty.apply(SerialSettings.of(115200).dataBits(8).parity(SerialSettings.Parity.NONE).stopBits(1).raw());
 * }</pre>
 *
 * <p>{@link #of} starts from what a program talking to a device wants: 8 data bits, no parity,
 * one stop bit (8N1), no flow control, raw (every byte as it arrives, nothing translated, no echo),
 * a read returns once one byte is there, and the modem control lines are ignored ({@code CLOCAL}:
 * opening and reading do not wait for carrier). {@link Tty#settings()} reads a terminal's settings
 * into this form; {@link Tty#apply} writes them.
 *
 * @param baud the line rate in bits per second, in both directions: a standard rate
 *     (9600, 115200, ...) or any other where the driver can make it (termios2, BOTHER)
 * @param dataBits bits per character, 5 to 8 ({@code CSIZE})
 * @param parity the parity bit ({@code PARENB}, {@code PARODD}, {@code CMSPAR}); input parity
 *     checking ({@code INPCK}) is on whenever there is one
 * @param stopBits 1 or 2 ({@code CSTOPB})
 * @param rtsCts hardware flow control on the RTS and CTS lines ({@code CRTSCTS})
 * @param xonXoff software flow control: output stops at XOFF (^S) and resumes at XON (^Q)
 *     ({@code IXON}), and the terminal sends them when its input fills ({@code IXOFF}); read back,
 *     it is {@code IXON}
 * @param canonical input a line at a time, editable, with signal characters ({@code ICANON},
 *     {@code ISIG}, {@code IEXTEN}); false is raw: {@code cfmakeraw(3)}'s flags, every byte as it
 *     arrives, no translation of CR and NL in either direction
 * @param echo whether the terminal echoes its input ({@code ECHO})
 * @param readMinimum raw mode's {@code VMIN}: the bytes a blocking read waits for, 0 to 255
 * @param readTimeout raw mode's {@code VTIME}: how long a blocking read waits between bytes, in
 *     tenths of a second, up to 25.5 s; zero for no timer. fdloop's reads never block, so these two
 *     matter to other readers of the line and to when the line discipline wakes a reader up
 * @param local ignore the modem control lines ({@code CLOCAL}): no hang-up when carrier drops
 */
public record SerialSettings(int baud, int dataBits, Parity parity, int stopBits, boolean rtsCts, boolean xonXoff,
        boolean canonical, boolean echo, int readMinimum, Duration readTimeout, boolean local) {

    /** The parity bit of each character. */
    public enum Parity {
        /** No parity bit. */
        NONE,
        /** Odd parity ({@code PARENB|PARODD}). */
        ODD,
        /** Even parity ({@code PARENB}). */
        EVEN,
        /** A parity bit that is always 1 ({@code PARENB|PARODD|CMSPAR}). */
        MARK,
        /** A parity bit that is always 0 ({@code PARENB|CMSPAR}). */
        SPACE
    }

    /** The longest {@code VTIME}: 255 tenths of a second. */
    private static final Duration LONGEST_TIMEOUT = Duration.ofMillis(25_500);

    /**
     * Checks every setting; the message of a bad one names it, its value and the range.
     *
     * @throws IllegalArgumentException if a setting is out of its range
     * @throws NullPointerException if {@code parity} or {@code readTimeout} is null
     */
    public SerialSettings {
        Objects.requireNonNull(parity, "parity");
        Objects.requireNonNull(readTimeout, "readTimeout");
        if (baud <= 0) {
            throw new IllegalArgumentException("baud " + baud + ": a rate is a positive number of bits per second"
                    + " (to hang up, drop DTR with Tty.setModemLine or close the port)");
        }
        if (dataBits < 5 || dataBits > 8) {
            throw new IllegalArgumentException("dataBits " + dataBits + ": a serial character has 5 to 8 data bits");
        }
        if (stopBits != 1 && stopBits != 2) {
            throw new IllegalArgumentException("stopBits " + stopBits + ": a serial character has 1 or 2 stop bits");
        }
        if (readMinimum < 0 || readMinimum > 255) {
            throw new IllegalArgumentException("readMinimum " + readMinimum + ": VMIN is a byte, 0 to 255");
        }
        if (readTimeout.isNegative() || readTimeout.compareTo(LONGEST_TIMEOUT) > 0
                || readTimeout.toNanos() % 100_000_000L != 0) {
            throw new IllegalArgumentException("readTimeout " + readTimeout.toMillis() + " ms: VTIME counts whole tenths"
                    + " of a second, 0 to 25.5 s");
        }
    }

    /**
     * {@return 8N1 at {@code baud}, raw, no flow control, no echo, VMIN 1, VTIME 0, CLOCAL on}
     *
     * @param baud the line rate in bits per second
     * @throws IllegalArgumentException if {@code baud} is not positive
     */
    public static SerialSettings of(int baud) {
        return new SerialSettings(baud, 8, Parity.NONE, 1, false, false, false, false, 1, Duration.ZERO, true);
    }

    /**
     * {@return these settings at another rate}
     *
     * @param baud the line rate in bits per second
     */
    public SerialSettings baud(int baud) {
        return new SerialSettings(baud, dataBits, parity, stopBits, rtsCts, xonXoff, canonical, echo, readMinimum,
                readTimeout, local);
    }

    /**
     * {@return these settings with {@code dataBits} bits per character}
     *
     * @param dataBits 5 to 8
     */
    public SerialSettings dataBits(int dataBits) {
        return new SerialSettings(baud, dataBits, parity, stopBits, rtsCts, xonXoff, canonical, echo, readMinimum,
                readTimeout, local);
    }

    /**
     * {@return these settings with another parity}
     *
     * @param parity the parity bit
     */
    public SerialSettings parity(Parity parity) {
        return new SerialSettings(baud, dataBits, parity, stopBits, rtsCts, xonXoff, canonical, echo, readMinimum,
                readTimeout, local);
    }

    /**
     * {@return these settings with {@code stopBits} stop bits}
     *
     * @param stopBits 1 or 2
     */
    public SerialSettings stopBits(int stopBits) {
        return new SerialSettings(baud, dataBits, parity, stopBits, rtsCts, xonXoff, canonical, echo, readMinimum,
                readTimeout, local);
    }

    /**
     * {@return these settings with hardware flow control on or off}
     *
     * @param rtsCts whether RTS/CTS flow control is on
     */
    public SerialSettings rtsCts(boolean rtsCts) {
        return new SerialSettings(baud, dataBits, parity, stopBits, rtsCts, xonXoff, canonical, echo, readMinimum,
                readTimeout, local);
    }

    /**
     * {@return these settings with software flow control on or off}
     *
     * @param xonXoff whether XON/XOFF flow control is on
     */
    public SerialSettings xonXoff(boolean xonXoff) {
        return new SerialSettings(baud, dataBits, parity, stopBits, rtsCts, xonXoff, canonical, echo, readMinimum,
                readTimeout, local);
    }

    /** {@return these settings in raw mode, echo off: each byte as it arrives, untranslated} */
    public SerialSettings raw() {
        return new SerialSettings(baud, dataBits, parity, stopBits, rtsCts, xonXoff, false, false, readMinimum,
                readTimeout, local);
    }

    /**
     * {@return these settings in canonical mode (input a line at a time) or raw mode; echo stays as it is}
     *
     * @param canonical whether ICANON, ISIG and IEXTEN are on
     */
    public SerialSettings canonical(boolean canonical) {
        return new SerialSettings(baud, dataBits, parity, stopBits, rtsCts, xonXoff, canonical, echo, readMinimum,
                readTimeout, local);
    }

    /**
     * {@return these settings with echo on or off}
     *
     * @param echo whether the terminal echoes its input
     */
    public SerialSettings echo(boolean echo) {
        return new SerialSettings(baud, dataBits, parity, stopBits, rtsCts, xonXoff, canonical, echo, readMinimum,
                readTimeout, local);
    }

    /**
     * {@return these settings with another VMIN}
     *
     * @param readMinimum 0 to 255 bytes
     */
    public SerialSettings readMinimum(int readMinimum) {
        return new SerialSettings(baud, dataBits, parity, stopBits, rtsCts, xonXoff, canonical, echo, readMinimum,
                readTimeout, local);
    }

    /**
     * {@return these settings with another VTIME}
     *
     * @param readTimeout whole tenths of a second, up to 25.5 s
     */
    public SerialSettings readTimeout(Duration readTimeout) {
        return new SerialSettings(baud, dataBits, parity, stopBits, rtsCts, xonXoff, canonical, echo, readMinimum,
                readTimeout, local);
    }

    /**
     * {@return these settings with the modem control lines ignored or obeyed}
     *
     * @param local whether CLOCAL is on
     */
    public SerialSettings local(boolean local) {
        return new SerialSettings(baud, dataBits, parity, stopBits, rtsCts, xonXoff, canonical, echo, readMinimum,
                readTimeout, local);
    }

    /** {@return the character format as the trade writes it: {@code "115200 8N1"}, {@code "9600 7E2"}} */
    public String describe() {
        return baud + " " + dataBits + parity.name().charAt(0) + stopBits;
    }
}

package org.fdloop.cli;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fdloop.EventLoop;
import org.fdloop.fd.DeviceFile;
import org.fdloop.fd.LinuxException;
import org.fdloop.fd.SerialSettings;
import org.fdloop.fd.Tty;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fdloop serial}: set a serial port (or any tty) and print what arrives on it, picocom's read side. */
@Command(name = "serial", mixinStandardHelpOptions = true,
        description = {"Set a serial port, or any tty (a pty slave, /dev/pts/N), and print what arrives on it as it"
                + " arrives: the read side of picocom or socat. The line is set through termios2 (any rate the"
                + " driver can make, not only the standard ones); the settings it had are put back at the end.",
            "",
            "With --show, print the line's settings (as stty -a does) and its modem lines, then exit.",
            "A pty takes every setting but the character format (it is always 8N1) and has no modem lines:"
                + " 'fdloop serial --show /dev/pts/N' says so. With --json, one object per chunk read."})
final class SerialCommand implements Callable<Integer> {
    private static final Pattern FORMAT = Pattern.compile("([5-8])([NOEMS])([12])", Pattern.CASE_INSENSITIVE);
    /** errno.h: no such file or directory. */
    private static final int ENOENT = 2;

    @Spec
    CommandSpec spec;

    @Option(names = {"-b", "--baud"}, paramLabel = "RATE", defaultValue = "115200",
            description = "The line rate in baud (default 115200): a standard rate, or any other the driver can make.")
    int baud;

    @Option(names = {"-f", "--format"}, paramLabel = "DPS", defaultValue = "8N1",
            description = "Data bits (5-8), parity (N none, O odd, E even, M mark, S space) and stop bits (1-2); default 8N1.")
    String format;

    @Option(names = "--rtscts", description = "Hardware flow control (RTS/CTS).")
    boolean rtsCts;

    @Option(names = "--xonxoff", description = "Software flow control (XON/XOFF).")
    boolean xonXoff;

    @Option(names = "--canonical", description = "Canonical mode: input a line at a time (default: raw, each byte as it arrives).")
    boolean canonical;

    @Option(names = "--show", description = "Print the line's settings and modem lines, and exit; change nothing.")
    boolean show;

    @Option(names = "--hex", description = "Print bytes in hex (default: UTF-8 text, control characters escaped).")
    boolean hex;

    @Option(names = "--json", description = "One JSON object per chunk read and line.")
    boolean json;

    @Mixin
    BackendOption backend;

    @Parameters(index = "0", paramLabel = "PATH", description = "The serial port or tty: /dev/ttyUSB0, /dev/ttyS0, /dev/pts/3.")
    Path path;

    private long bytes;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SerialSettings wanted = settings();
        try (DeviceFile port = open()) {
            Tty tty = port.tty();
            SerialSettings before = tty.settings();
            if (show) {
                show(out, tty, before);
                return Main.OK;
            }
            try (EventLoop loop = backend.open()) {
                try {
                    watch(loop, port, tty.apply(wanted), out, err);
                } finally {
                    restore(err, tty, before); // also when the driver took only part of the settings
                }
            }
        }
        return Main.OK;
    }

    /** Prints what arrives on {@code port} until a stop signal or a hang-up. */
    private void watch(EventLoop loop, DeviceFile port, SerialSettings now, PrintWriter out, PrintWriter err) throws Exception {
        StopSignals stop = StopSignals.install(loop, List.of());
        ByteBuffer buffer = ByteBuffer.allocateDirect(16 * 1024);
        loop.onReadable(port, (source, events) -> {
            buffer.clear();
            int n = port.read(buffer);
            if (n < 0) {
                err.println("fdloop serial: " + path + ": hung up (end of file)");
                loop.stop();
            } else if (n > 0) {
                print(out, buffer.flip());
            }
        });
        long started = System.nanoTime();
        err.printf("fdloop serial: %s at %s, %s%s; Ctrl-C ends%n", path, now.describe(), now.canonical() ? "canonical" : "raw",
                (now.rtsCts() ? ", RTS/CTS" : "") + (now.xonXoff() ? ", XON/XOFF" : ""));
        err.flush();
        stop.run();
        err.printf("fdloop serial: %d byte%s in %.1f s%s%n", bytes, bytes == 1 ? "" : "s",
                (System.nanoTime() - started) / 1e9, stop.received() != null ? " (" + stop.received().name() + ")" : "");
    }

    /** The settings the options name: the rate and format, flow control, the mode. */
    private SerialSettings settings() {
        Matcher m = FORMAT.matcher(format);
        if (!m.matches()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--format: '" + format
                    + "' is not a character format: data bits 5-8, parity N, O, E, M or S, stop bits 1 or 2 (8N1, 7E1)");
        }
        SerialSettings.Parity parity = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "O" -> SerialSettings.Parity.ODD;
            case "E" -> SerialSettings.Parity.EVEN;
            case "M" -> SerialSettings.Parity.MARK;
            case "S" -> SerialSettings.Parity.SPACE;
            default -> SerialSettings.Parity.NONE;
        };
        try {
            return SerialSettings.of(baud).dataBits(Integer.parseInt(m.group(1))).parity(parity)
                    .stopBits(Integer.parseInt(m.group(3))).rtsCts(rtsCts).xonXoff(xonXoff).canonical(canonical);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--baud: " + e.getMessage());
        }
    }

    private DeviceFile open() throws Exception {
        try {
            return DeviceFile.open(path, show ? DeviceFile.Access.IOCTL_ONLY : DeviceFile.Access.READ_WRITE);
        } catch (LinuxException e) {
            if (e.errno() == ENOENT) {
                throw new NoSuchFileException(path.toString(), null, "no such serial port or tty (serial ports are"
                        + " /dev/ttyS*, /dev/ttyUSB*, /dev/ttyACM*, /dev/ttyAMA*; ls /dev/serial/by-id names the plugged ones)");
            }
            throw e;
        }
    }

    private void show(PrintWriter out, Tty tty, SerialSettings s) {
        String modem;
        try {
            modem = tty.modemLines().toString();
        } catch (java.io.IOException e) {
            modem = "none (" + e.getMessage() + ")";
        }
        if (json) {
            out.println(Json.object().field("path", path.toString()).field("baud", s.baud()).field("format", s.describe().split(" ")[1])
                    .field("rtscts", s.rtsCts()).field("xonxoff", s.xonXoff()).field("canonical", s.canonical())
                    .field("echo", s.echo()).field("vmin", s.readMinimum()).field("vtime_ms", s.readTimeout().toMillis())
                    .field("clocal", s.local()).field("modem_lines", modem));
        } else {
            out.printf("%s: %d baud, %s, %s, echo %s, flow control %s, VMIN %d, VTIME %.1f s, %s%n", path, s.baud(),
                    s.describe().split(" ")[1], s.canonical() ? "canonical" : "raw", s.echo() ? "on" : "off",
                    s.rtsCts() && s.xonXoff() ? "RTS/CTS and XON/XOFF" : s.rtsCts() ? "RTS/CTS" : s.xonXoff() ? "XON/XOFF" : "none",
                    s.readMinimum(), s.readTimeout().toMillis() / 1000.0, s.local() ? "modem lines ignored (CLOCAL)" : "modem lines obeyed");
            out.println("modem lines high: " + modem);
        }
        out.flush();
    }

    /** Puts back the settings the line had; says so if it cannot (the port may be gone). */
    private void restore(PrintWriter err, Tty tty, SerialSettings before) {
        try {
            tty.apply(before);
        } catch (java.io.IOException e) {
            err.println("fdloop serial: could not put back " + path + "'s settings: " + e.getMessage());
        }
    }

    private void print(PrintWriter out, ByteBuffer data) {
        byte[] chunk = new byte[data.remaining()];
        data.get(chunk);
        bytes += chunk.length;
        Instant now = Instant.now();
        String shown = hex ? HexFormat.ofDelimiter(" ").formatHex(chunk) : new String(chunk, StandardCharsets.UTF_8);
        if (json) {
            out.println(Json.object().field("time", now.toString()).field("path", path.toString()).field("bytes", chunk.length)
                    .field(hex ? "hex" : "text", hex ? HexFormat.of().formatHex(chunk) : shown));
        } else {
            out.println(Json.clock(now) + " " + (hex ? shown : Json.quote(shown)) + " (" + chunk.length + " byte"
                    + (chunk.length == 1 ? "" : "s") + ")");
        }
        out.flush();
    }

}

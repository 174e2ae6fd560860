package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fdloop.internal.linux.DeviceConstants.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.fdloop.fd.SerialSettings.Parity;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.Structs;
import org.fdloop.testing.ChildProcess;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Terminal settings on ptys, which keep every termios setting (a pty sends no bits, so it keeps
 * any rate too). Each setting is read back three ways: fdloop's own TCGETS2, glibc's tcgetattr(3),
 * and {@code stty -F /dev/pts/N -a}, another program reading the same terminal.
 */
@ExtendWith(NoFdLeaks.class)
class TtyTest {
    /** Where stty's output goes (ChildProcess.run writes a file there). */
    @TempDir
    Path dir;

    /** Settings a pty keeps: any but the data bits and parity, which Linux's pty driver forces to 8N. */
    static Stream<SerialSettings> settings() {
        return Stream.of(
                SerialSettings.of(115200),
                SerialSettings.of(9600).stopBits(2).rtsCts(true).xonXoff(true).canonical(true).echo(true),
                SerialSettings.of(57600).readMinimum(0).readTimeout(Duration.ofMillis(1500)),
                SerialSettings.of(19200).local(false).echo(true),
                SerialSettings.of(4_000_000).readMinimum(255).readTimeout(Duration.ofMillis(25_500)),
                SerialSettings.of(300).canonical(true).xonXoff(true));
    }

    /** Every character format and then some: encoded into a termios2 and decoded back. */
    static Stream<SerialSettings> formats() {
        return Stream.of(
                SerialSettings.of(9600).dataBits(7).parity(Parity.EVEN).stopBits(2).rtsCts(true).xonXoff(true).canonical(true).echo(true),
                SerialSettings.of(57600).dataBits(5).parity(Parity.ODD).readMinimum(0).readTimeout(Duration.ofMillis(1500)),
                SerialSettings.of(19200).dataBits(6).parity(Parity.MARK).local(false).echo(true),
                SerialSettings.of(4_000_000).parity(Parity.SPACE),
                SerialSettings.of(250_000).dataBits(7).parity(Parity.NONE));
    }

    @ParameterizedTest
    @MethodSource("formats")
    void everyFormatEncodesToTheFlagsItNamesAndDecodesBack(SerialSettings wanted) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment termios = arena.allocate(org.fdloop.internal.linux.DeviceStructs.TERMIOS2);
            termios.set(JAVA_INT, 8, CS8 | CREAD | B38400); // a new tty's c_cflag
            Termios.encode(wanted, termios);
            int cflag = termios.get(JAVA_INT, 8);
            assertThat(cflag & CSIZE).isEqualTo(new int[] {CS5, CS6, CS7, CS8}[wanted.dataBits() - 5]);
            assertThat(cflag & (PARENB | PARODD | CMSPAR)).isEqualTo(switch (wanted.parity()) {
                case NONE -> 0;
                case ODD -> PARENB | PARODD;
                case EVEN -> PARENB;
                case MARK -> PARENB | PARODD | CMSPAR;
                case SPACE -> PARENB | CMSPAR;
            });
            assertThat(termios.get(JAVA_INT, 0) & INPCK).as("INPCK with parity").isEqualTo(wanted.parity() == Parity.NONE ? 0 : INPCK);
            assertThat(cflag & CBAUD).isEqualTo(Termios.speedCode(wanted.baud()));
            assertThat(Termios.decode(termios)).isEqualTo(wanted);
        }
    }

    @Test
    void aPtyFramesEverything8n1AndSaysSoWhenAskedOtherwise() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            assertThatThrownBy(() -> slave.tty().apply(SerialSettings.of(9600).dataBits(7).parity(Parity.EVEN)))
                    .isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("pty slave " + pty.slavePath())
                    .hasMessageContaining("framed characters as 9600 8N1 when asked for 9600 7E1")
                    .hasMessageContaining("pty is always 8 data bits without parity");
            assertThat(slave.tty().settings().baud()).as("the rest is in force").isEqualTo(9600);
            assertThat(stty(pty.slavePath()).dataBits()).as("stty sees cs8 too").isEqualTo(8);
        }
    }

    @ParameterizedTest
    @MethodSource("settings")
    void everySettingReadsBackThroughTcgets2TcgetattrAndStty(SerialSettings wanted) throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            SerialSettings now = slave.tty().apply(wanted);
            assertThat(now).as("TCGETS2 after TCSETS2").isEqualTo(wanted);
            assertThat(pty.tty().settings()).as("the master reads the slave's settings").isEqualTo(wanted);
            assertThat(glibc(slave)).as("glibc's tcgetattr(3)").isEqualTo(wanted);
            assertThat(stty(pty.slavePath())).as("stty -F " + pty.slavePath() + " -a").isEqualTo(wanted);
        }
    }

    @Test
    void aRateWithoutACodeIsSetAsBotherAndReadsBackAsItself() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            SerialSettings wanted = SerialSettings.of(250_000);
            assertThat(slave.tty().apply(wanted).baud()).isEqualTo(250_000);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment termios = arena.allocate(Structs.TERMIOS);
                assertThat(FileCalls.tcgetattr(slave.number(), termios)).isZero();
                assertThat(termios.get(JAVA_INT, Structs.TERMIOS_CFLAG) & CBAUD).as("c_cflag & CBAUD").isEqualTo(BOTHER);
            }
            // stty reads the rate with cfgetospeed(3), which on glibc before 2.42 knows only the
            // Bnnn codes: it then prints "speed 0 baud" for BOTHER. What it prints is shown, not asserted.
            String line = sttyOutput(pty.slavePath()).lines().findFirst().orElse("");
            System.out.println("TtyTest: stty -F " + pty.slavePath() + " -a for 250000 baud (BOTHER) says: " + line
                    + (line.contains("250000") ? "" : " (this glibc's cfgetospeed cannot tell a BOTHER rate: checked through TCGETS2 only)"));
        }
    }

    @Test
    void rawIsWhatCfmakerawMakes() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave(); Arena arena = Arena.ofConfined()) {
            MemorySegment expected = arena.allocate(Structs.TERMIOS);
            assertThat(FileCalls.tcgetattr(slave.number(), expected)).isZero();
            FileCalls.cfmakeraw(expected);
            SerialSettings keep = slave.tty().settings();
            slave.tty().apply(keep.raw().xonXoff(false)); // a new pty has IXON on, which cfmakeraw turns off
            MemorySegment actual = arena.allocate(Structs.TERMIOS);
            assertThat(FileCalls.tcgetattr(slave.number(), actual)).isZero();
            int cflagMask = CSIZE | PARENB;
            assertThat(actual.get(JAVA_INT, Structs.TERMIOS_IFLAG) & ~(IXOFF | INPCK))
                    .as("c_iflag").isEqualTo(expected.get(JAVA_INT, Structs.TERMIOS_IFLAG) & ~(IXOFF | INPCK));
            assertThat(actual.get(JAVA_INT, Structs.TERMIOS_OFLAG)).as("c_oflag").isEqualTo(expected.get(JAVA_INT, Structs.TERMIOS_OFLAG));
            assertThat(actual.get(JAVA_INT, Structs.TERMIOS_LFLAG)).as("c_lflag").isEqualTo(expected.get(JAVA_INT, Structs.TERMIOS_LFLAG));
            assertThat(actual.get(JAVA_INT, Structs.TERMIOS_CFLAG) & cflagMask)
                    .as("c_cflag").isEqualTo(expected.get(JAVA_INT, Structs.TERMIOS_CFLAG) & cflagMask);
        }
    }

    @Test
    void appliedRawTheBytesArriveUntranslatedAndUnechoed() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            pty.tty().apply(SerialSettings.of(115200));
            pty.write(ByteBuffer.wrap("a\rb\u0003".getBytes(StandardCharsets.US_ASCII)));
            assertThat(Ready.awaitReadable(slave)).isTrue();
            ByteBuffer in = ByteBuffer.allocate(16);
            slave.read(in);
            assertThat(new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII))
                    .as("no ICRNL, no ISIG: CR and ^C arrive as they were sent").isEqualTo("a\rb\u0003");
            assertThat(Ready.readableNow(pty)).as("no echo back to the master").isFalse();
        }
    }

    @Test
    void flushOfInputDiscardsWhatWasNotRead() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            slave.tty().apply(SerialSettings.of(9600));
            pty.write(ByteBuffer.wrap("pending".getBytes(StandardCharsets.US_ASCII)));
            assertThat(Ready.awaitReadable(slave)).isTrue();
            slave.tty().flush(Tty.Queue.INPUT);
            assertThat(slave.read(ByteBuffer.allocate(16))).as("bytes after TCFLSH TCIFLUSH").isZero();
            slave.tty().flush(Tty.Queue.BOTH);
            slave.tty().drain(); // nothing queued on a pty: returns at once
            assertThat(slave.tty().apply(SerialSettings.of(1200), Tty.When.AFTER_OUTPUT).baud()).isEqualTo(1200);
            assertThat(slave.tty().apply(SerialSettings.of(2400), Tty.When.AFTER_OUTPUT_DISCARDING_INPUT).baud()).isEqualTo(2400);
        }
    }

    @Test
    void aPtyHasNoModemLinesAndSaysSo() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            assertThatThrownBy(() -> slave.tty().modemLines())
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("TIOCMGET")
                    .hasMessageContaining("no modem lines")
                    .hasMessageContaining("serial ports have them");
            assertThatThrownBy(() -> slave.tty().setModemLine(Tty.ModemLine.DTR, true))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("TIOCMBIS, DTR")
                    .hasMessageContaining("no modem lines");
            assertThatThrownBy(() -> slave.tty().setModemLine(Tty.ModemLine.CTS, true))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("CTS is an input");
        }
    }

    @Test
    void aPtyHasNoRs485AndSaysSo() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            assertThatThrownBy(() -> slave.tty().setRs485(Tty.Rs485.on()))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("TIOCSRS485")
                    .hasMessageContaining("ENOTTY")
                    .hasMessageContaining("no RS-485 mode");
            assertThatThrownBy(() -> slave.tty().rs485())
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("TIOCGRS485")
                    .hasMessageContaining("no RS-485 mode");
        }
    }

    @Test
    void rs485EncodesAndDecodesEveryField() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rs485 = arena.allocate(org.fdloop.internal.linux.DeviceStructs.SERIAL_RS485);
            Tty.Rs485 mode = new Tty.Rs485(true, false, true, true, Duration.ofMillis(3), Duration.ofMillis(70));
            Tty.encodeRs485(mode, rs485);
            assertThat(rs485.get(JAVA_INT, 0)).isEqualTo(SER_RS485_ENABLED | SER_RS485_RTS_AFTER_SEND | SER_RS485_RX_DURING_TX);
            assertThat(Tty.decodeRs485(rs485)).isEqualTo(mode);
        }
    }

    @Test
    void aRateTheDriverCouldNotMakeIsAnErrorNamingBoth() {
        assertThat(Tty.rateMismatch(115200, 115200)).isNull();
        assertThat(Tty.rateMismatch(250_000, 250_000 + 250_000 * 3 / 100)).as("3% off: within a UART's tolerance").isNull();
        assertThat(Tty.rateMismatch(250_000, 38400)).contains("at 38400 baud when asked for 250000").contains("cannot make that rate");
    }

    @Test
    void badSettingsSayWhichAndTheRange() {
        assertThatThrownBy(() -> SerialSettings.of(0)).hasMessageContaining("baud 0");
        assertThatThrownBy(() -> SerialSettings.of(9600).dataBits(9)).hasMessageContaining("dataBits 9").hasMessageContaining("5 to 8");
        assertThatThrownBy(() -> SerialSettings.of(9600).stopBits(3)).hasMessageContaining("1 or 2");
        assertThatThrownBy(() -> SerialSettings.of(9600).readMinimum(256)).hasMessageContaining("VMIN");
        assertThatThrownBy(() -> SerialSettings.of(9600).readTimeout(Duration.ofMillis(150))).hasMessageContaining("tenths");
        assertThat(SerialSettings.of(9600).dataBits(7).parity(Parity.EVEN).stopBits(2).describe()).isEqualTo("9600 7E2");
    }

    @Test
    void aFileThatIsNotATerminalFailsWithEnottySayingSo() throws Exception {
        try (DeviceFile nul = DeviceFile.open(Path.of("/dev/null"), DeviceFile.Access.READ_WRITE)) {
            assertThatThrownBy(() -> nul.tty().apply(SerialSettings.of(9600)))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("TCGETS2")
                    .hasMessageContaining("not a terminal");
        }
    }

    /** The settings as glibc's tcgetattr(3) reads them (glibc's own struct termios, with its own speed fields). */
    private static SerialSettings glibc(DeviceFile tty) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocate(Structs.TERMIOS);
            assertThat(FileCalls.tcgetattr(tty.number(), t)).isZero();
            int cflag = t.get(JAVA_INT, Structs.TERMIOS_CFLAG);
            MemorySegment kernel = arena.allocate(org.fdloop.internal.linux.DeviceStructs.TERMIOS2);
            kernel.set(JAVA_INT, 0, t.get(JAVA_INT, Structs.TERMIOS_IFLAG));
            kernel.set(JAVA_INT, 4, t.get(JAVA_INT, Structs.TERMIOS_OFLAG));
            kernel.set(JAVA_INT, 8, cflag);
            kernel.set(JAVA_INT, 12, t.get(JAVA_INT, Structs.TERMIOS_LFLAG));
            for (int i = 0; i < KERNEL_NCCS; i++) {
                kernel.set(JAVA_BYTE, org.fdloop.internal.linux.DeviceStructs.TERMIOS2_CC + i,
                        t.get(JAVA_BYTE, Structs.TERMIOS_CC + i));
            }
            // glibc's c_ospeed holds the code (B115200), not the rate: the rate comes from the code
            kernel.set(JAVA_INT, org.fdloop.internal.linux.DeviceStructs.TERMIOS2_OSPEED, Termios.rateOf(cflag & CBAUD));
            return Termios.decode(kernel);
        }
    }

    private String sttyOutput(Path tty) throws Exception {
        return ChildProcess.run(List.of("stty", "-F", tty.toString(), "-a"), dir, Ready.PATIENCE).succeeded().output();
    }

    /** The settings as {@code stty -F PATH -a} prints them. */
    private SerialSettings stty(Path tty) throws Exception {
        String out = sttyOutput(tty);
        Map<String, Boolean> flags = new HashMap<>();
        Map<String, String> values = new HashMap<>();
        for (String item : out.split("[;\\n]")) {
            String s = item.strip();
            if (s.contains(" = ")) {
                values.put(s.substring(0, s.indexOf(" = ")), s.substring(s.indexOf(" = ") + 3));
            } else if (s.startsWith("speed ")) {
                values.put("speed", s.split(" ")[1]);
            } else {
                for (String word : s.split("\\s+")) {
                    flags.put(word.replaceFirst("^-", ""), !word.startsWith("-"));
                }
            }
        }
        int dataBits = flags.getOrDefault("cs5", false) ? 5 : flags.getOrDefault("cs6", false) ? 6
                : flags.getOrDefault("cs7", false) ? 7 : 8;
        Parity parity = !flags.get("parenb") ? Parity.NONE
                : flags.get("cmspar") ? (flags.get("parodd") ? Parity.MARK : Parity.SPACE)
                : flags.get("parodd") ? Parity.ODD : Parity.EVEN;
        return new SerialSettings(Integer.parseInt(values.get("speed")), dataBits, parity, flags.get("cstopb") ? 2 : 1,
                flags.get("crtscts"), flags.get("ixon"), flags.get("icanon"), flags.get("echo"),
                Integer.parseInt(values.get("min")), Duration.ofMillis(100L * Integer.parseInt(values.get("time"))),
                flags.get("clocal"));
    }

}

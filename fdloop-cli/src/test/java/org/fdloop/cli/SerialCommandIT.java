package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.fdloop.fd.Pty;
import org.fdloop.fd.SerialSettings;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** fdloop serial, gpio and input end to end: serial on a pty, which this machine offers; gpio and input on what it lacks. */
@ExtendWith(NoFdLeaks.class)
class SerialCommandIT {

    @Test
    void setsThePtyPrintsWhatArrivesAndPutsTheSettingsBack() throws Exception {
        try (Pty pty = Pty.open()) {
            SerialSettings before = pty.tty().settings();
            try (Cli cli = Cli.start("serial", pty.slavePath().toString(), "--baud", "57600", "--format", "8n2", "--xonxoff")) {
                cli.awaitErr("^fdloop serial: " + pty.slavePath() + " at 57600 8N2, raw, XON/XOFF; Ctrl-C ends$");
                SerialSettings now = pty.tty().settings();
                assertThat(now).as("the line as fdloop serial set it, read through the master")
                        .isEqualTo(SerialSettings.of(57600).stopBits(2).xonXoff(true));
                pty.write(ByteBuffer.wrap("hello\r\n".getBytes(StandardCharsets.US_ASCII)));
                cli.awaitOut("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \"hello\\\\r\\\\n\" \\(7 bytes\\)$");
                cli.kill("TERM");
                assertThat(cli.exitCode()).as("%s", cli).isZero();
                assertThat(cli.errLines().getLast()).matches("fdloop serial: 7 bytes in \\d+\\.\\d s \\(SIGTERM\\)");
            }
            assertThat(pty.tty().settings()).as("the settings it had, put back").isEqualTo(before);
        }
    }

    @Test
    void showPrintsTheSettingsAndWhyAPtyHasNoModemLines() throws Exception {
        try (Pty pty = Pty.open()) {
            pty.tty().apply(SerialSettings.of(9600).rtsCts(true));
            Cli cli = Cli.run("serial", "--show", pty.slavePath().toString());
            assertThat(cli.exitCode()).as("%s", cli).isZero();
            assertThat(cli.outLines()).as("%s", cli).containsExactly(
                    pty.slavePath() + ": 9600 baud, 8N1, raw, echo off, flow control RTS/CTS, VMIN 1, VTIME 0.0 s, modem lines ignored (CLOCAL)",
                    cli.outLines().getLast());
            assertThat(cli.outLines().getLast()).startsWith("modem lines high: none (").contains("TIOCMGET").contains("no modem lines");
        }
    }

    @Test
    void aFormatAPtyCannotFrameFailsSayingSo() throws Exception {
        try (Pty pty = Pty.open()) {
            SerialSettings before = pty.tty().settings();
            Cli cli = Cli.run("serial", pty.slavePath().toString(), "--format", "7E1");
            assertThat(cli.exitCode()).as("%s", cli).isEqualTo(1);
            assertThat(cli.errLines()).as("%s", cli).singleElement().asString()
                    .contains("framed characters as 115200 8N1 when asked for 115200 7E1")
                    .contains("a pty is always 8 data bits without parity");
            assertThat(pty.tty().settings()).as("the settings it had, put back after the failure too").isEqualTo(before);
        }
    }

    @Test
    void badSerialCommandLinesAreUsageErrors() throws Exception {
        Cli format = Cli.run("serial", "/dev/null", "--format", "9X1");
        assertThat(format.exitCode()).isEqualTo(2);
        assertThat(format.errLines()).singleElement().asString().contains("--format: '9X1' is not a character format");
        Cli missing = Cli.run("serial", "/dev/ttyUSB-none");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.errLines()).singleElement().asString().startsWith("fdloop serial: /dev/ttyUSB-none: no such serial port");
        Cli notTty = Cli.run("serial", "/dev/null");
        assertThat(notTty.exitCode()).isEqualTo(1);
        assertThat(notTty.errLines()).singleElement().asString().contains("ENOTTY").contains("not a terminal");
    }

    @Test
    void gpioAndInputSayWhenTheDeviceIsAbsent() throws Exception {
        Cli gpio = Cli.run("gpio", "gpiochip-none", "17");
        assertThat(gpio.exitCode()).as("%s", gpio).isEqualTo(1);
        assertThat(gpio.errLines()).singleElement().asString().contains("/dev/gpiochip-none").contains("no GPIO chip at this path");
        Cli input = Cli.run("input", "/dev/input/event-none");
        assertThat(input.exitCode()).as("%s", input).isEqualTo(1);
        assertThat(input.errLines()).singleElement().asString().contains("no input device at this path");
        Cli edge = Cli.run("gpio", "gpiochip0", "1", "--edge", "sideways");
        assertThat(edge.exitCode()).isEqualTo(2);
        assertThat(edge.errLines()).singleElement().asString().contains("--edge: unknown value 'sideways': use one of rising, falling, both");
        if (!java.nio.file.Files.exists(java.nio.file.Path.of("/dev/input"))) {
            Cli list = Cli.run("input");
            assertThat(list.exitCode()).isEqualTo(1);
            assertThat(list.errLines()).singleElement().asString().contains("no input devices here: /dev/input does not exist");
        }
    }
}

package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fdloop.internal.linux.Constants.*;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.fdloop.testing.Reads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoFdLeaks.class)
class PtyTest {

    @Test
    void slavePathIsACharacterDeviceUnderDevPts() throws Exception {
        try (Pty pty = Pty.open()) {
            Path slave = pty.slavePath();
            assertThat(slave.toString()).matches("/dev/pts/[0-9]+");
            assertThat(FileCalls.statxMode(slave.toString()) & S_IFMT).isEqualTo(S_IFCHR);
            assertThat(pty.kind()).isEqualTo("pty master");
        }
    }

    @Test
    void newPtyIsCanonicalWithEcho() throws Exception {
        try (Pty pty = Pty.open()) {
            assertThat(pty.mode()).isEqualTo(Pty.Mode.CANONICAL);
            assertThat(pty.isEcho()).isTrue();
        }
    }

    @Test
    void modeAndEchoReadBackWhatWasSet() throws Exception {
        try (Pty pty = Pty.open()) {
            pty.setMode(Pty.Mode.RAW);
            assertThat(pty.mode()).isEqualTo(Pty.Mode.RAW);
            assertThat(pty.isEcho()).as("raw mode turns echo off").isFalse();
            pty.setEcho(true);
            assertThat(pty.isEcho()).isTrue();
            assertThat(pty.mode()).as("echo leaves the mode alone").isEqualTo(Pty.Mode.RAW);
            pty.setMode(Pty.Mode.CANONICAL);
            assertThat(pty.mode()).isEqualTo(Pty.Mode.CANONICAL);
            pty.setEcho(false);
            assertThat(pty.isEcho()).isFalse();
            assertThat(pty.mode()).isEqualTo(Pty.Mode.CANONICAL);
            assertThatThrownBy(() -> pty.setMode(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("mode");
        }
    }

    @Test
    void termiosSetOnTheMasterIsTheSlaves() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            pty.setMode(Pty.Mode.RAW);
            assertThat(Termios.isCanonical(slave)).isFalse();
            assertThat(Termios.isEcho(slave)).isFalse();
            pty.setMode(Pty.Mode.CANONICAL);
            assertThat(Termios.isCanonical(slave)).isTrue();
            assertThat(Termios.isEcho(slave)).isTrue();
            Termios.setEcho(slave, false);
            assertThat(pty.isEcho()).as("and the master reads the slave's").isFalse();
        }
    }

    @Test
    void canonicalModeDeliversALineToTheSlaveOnlyAtTheNewline() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            pty.setMode(Pty.Mode.CANONICAL);
            pty.write(Reads.bytes("abc"));
            assertThat(Reads.text(pty, 3)).as("the echo: the line discipline has the bytes").isEqualTo("abc");
            assertThat(slave.read(ByteBuffer.allocate(16))).as("no line yet: nothing ready").isZero();
            pty.write(Reads.bytes("\n"));
            assertThat(Reads.text(slave, 4)).isEqualTo("abc\n");
        }
    }

    @Test
    void eofCharacterAtTheStartOfALineIsEndOfStreamOnTheSlave() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            pty.setMode(Pty.Mode.CANONICAL);
            pty.write(ByteBuffer.wrap(new byte[] {0x04})); // VEOF, ^D
            assertThat(Ready.awaitReadable(slave)).isTrue();
            assertThat(slave.read(ByteBuffer.allocate(16))).isEqualTo(-1);
            pty.write(Reads.bytes("more\n"));
            assertThat(Reads.text(slave, 5)).as("the end of stream was one read, not the end of the terminal").isEqualTo("more\n");
        }
    }

    @Test
    void rawModeDeliversEachByteAtOnce() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            pty.setMode(Pty.Mode.RAW);
            pty.write(Reads.bytes("a"));
            assertThat(Ready.awaitReadable(slave)).as("no newline needed").isTrue();
            ByteBuffer in = ByteBuffer.allocate(16);
            assertThat(slave.read(in)).isEqualTo(1);
            assertThat(in.get(0)).isEqualTo((byte) 'a');
        }
    }

    @Test
    void echoOnSendsWhatTheMasterWritesBackToTheMaster() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            pty.setEcho(true);
            pty.write(Reads.bytes("hi"));
            assertThat(Reads.text(pty, 2)).isEqualTo("hi");
        }
    }

    @Test
    void echoOffSendsNothingBack() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            pty.setEcho(false);
            pty.write(Reads.bytes("hi\n"));
            assertThat(Reads.text(slave, 3)).isEqualTo("hi\n");
            // an echo would have been queued to the master while the slave got the line, so before this
            slave.write(Reads.bytes("X"));
            assertThat(Reads.text(pty, 1)).as("the slave's byte comes first: no echo before it").isEqualTo("X");
        }
    }

    @Test
    void slaveWritesAreReadOnTheMaster() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            assertThat(slave.write(Reads.bytes("out"))).isEqualTo(3);
            assertThat(Reads.text(pty, 3)).isEqualTo("out");
        }
    }

    @Test
    void masterReadsNothingReadyBeforeTheSlaveIsOpened() throws Exception {
        try (Pty pty = Pty.open()) {
            assertThat(pty.read(ByteBuffer.allocate(8))).isZero();
        }
    }

    @Test
    void closingTheSlaveGivesTheMasterTheDataThenEndOfStream() throws Exception {
        try (Pty pty = Pty.open()) {
            try (DeviceFile slave = pty.openSlave()) {
                slave.write(Reads.bytes("bye"));
            }
            assertThat(Ready.poll(pty, POLLIN, Ready.PATIENCE) & POLLHUP).as("hung up").isEqualTo(POLLHUP);
            ByteBuffer in = ByteBuffer.allocate(16);
            assertThat(pty.read(in)).isEqualTo(3);
            assertThat(pty.read(in)).as("EIO, which is the end of stream here").isEqualTo(-1);
            assertThat(pty.read(in)).isEqualTo(-1);
        }
    }

    @Test
    void reopeningTheSlaveMakesTheMasterLiveAgain() throws Exception {
        try (Pty pty = Pty.open()) {
            pty.openSlave().close();
            assertThat(pty.read(ByteBuffer.allocate(8))).isEqualTo(-1);
            try (DeviceFile slave = pty.openSlave()) {
                assertThat(pty.read(ByteBuffer.allocate(8))).isZero();
                slave.write(Reads.bytes("back"));
                assertThat(Reads.text(pty, 4)).isEqualTo("back");
            }
        }
    }

    @Test
    void slaveCannotBeOpenedThroughAClosedMaster() throws Exception {
        Pty pty = Pty.open();
        pty.close();
        assertThatThrownBy(pty::openSlave).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(pty::mode).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void slaveIsNamedInMessages() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            assertThat(slave.kind()).isEqualTo("pty slave " + pty.slavePath());
            assertThat(slave.path()).isEqualTo(pty.slavePath());
            assertThat(slave.fileType()).isEqualTo("character device");
        }
    }
}

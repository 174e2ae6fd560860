package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoFdLeaks.class)
class TermiosTest {

    @Test
    void slaveSettingsChangeThroughTheSlaveToo() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            Termios.setRaw(slave);
            assertThat(Termios.isCanonical(slave)).isFalse();
            assertThat(Termios.isEcho(slave)).isFalse();
            Termios.setCanonical(slave);
            assertThat(Termios.isCanonical(slave)).isTrue();
            assertThat(Termios.isEcho(slave)).isTrue();
        }
    }

    @Test
    void aFileThatIsNotATerminalFailsWithEnottySayingSo() throws Exception {
        try (DeviceFile nul = DeviceFile.open(Path.of("/dev/null"), DeviceFile.Access.READ_WRITE)) {
            assertThatThrownBy(() -> Termios.isEcho(nul))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("ioctl(character device /dev/null")
                    .hasMessageContaining("ENOTTY")
                    .hasMessageContaining("not a terminal");
            assertThatThrownBy(() -> Termios.setRaw(nul))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("ENOTTY");
        }
    }
}

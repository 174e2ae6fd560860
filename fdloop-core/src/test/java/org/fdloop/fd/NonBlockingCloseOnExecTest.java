package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Every descriptor of a FIFO, a pty or a device file is O_NONBLOCK and FD_CLOEXEC. */
@ExtendWith(NoFdLeaks.class)
class NonBlockingCloseOnExecTest {
    @TempDir
    Path dir;

    @Test
    void fifoEndsAreNonBlockingAndCloseOnExec() throws Exception {
        Path path = dir.resolve("f");
        Fifo.create(path);
        try (Fifo reader = Fifo.openForReading(path); Fifo writer = Fifo.openForWriting(path)) {
            assertNonBlockingAndCloseOnExec(reader);
            assertNonBlockingAndCloseOnExec(writer);
        }
    }

    @Test
    void ptyMasterAndSlaveAreNonBlockingAndCloseOnExec() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            assertNonBlockingAndCloseOnExec(pty);
            assertNonBlockingAndCloseOnExec(slave);
        }
    }

    @Test
    void deviceFilesAreNonBlockingAndCloseOnExecInEveryAccessMode() throws Exception {
        for (DeviceFile.Access access : DeviceFile.Access.values()) {
            try (DeviceFile nul = DeviceFile.open(Path.of("/dev/null"), access)) {
                assertNonBlockingAndCloseOnExec(nul);
            }
        }
    }

    private static void assertNonBlockingAndCloseOnExec(Fd fd) throws Exception {
        assertThat(fd.isNonBlocking()).as("%s is O_NONBLOCK", fd).isTrue();
        assertThat(fd.isCloseOnExec()).as("%s is FD_CLOEXEC", fd).isTrue();
    }
}

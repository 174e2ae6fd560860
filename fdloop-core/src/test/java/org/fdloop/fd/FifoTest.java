package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fdloop.internal.linux.Constants.*;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.fdloop.testing.Reads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NoFdLeaks.class)
class FifoTest {
    @TempDir
    Path dir;

    @Test
    void createdFifoCarriesBytesFromWriterToReader() throws Exception {
        Path path = dir.resolve("f");
        Fifo.create(path);
        assertThat(FileCalls.statxMode(path.toString()) & S_IFMT).isEqualTo(S_IFIFO);
        assertThat(FileCalls.statxMode(path.toString()) & 0777).as("mode 0600").isEqualTo(0600);
        try (Fifo reader = Fifo.openForReading(path); Fifo writer = Fifo.openForWriting(path)) {
            assertThat(reader.path()).isEqualTo(path);
            assertThat(writer.write(Reads.bytes("through the FIFO"))).isEqualTo(16);
            assertThat(Reads.text(reader, 16)).isEqualTo("through the FIFO");
        }
    }

    @Test
    void createTakesAMode() throws Exception {
        Path path = dir.resolve("f");
        Fifo.create(path, 0400); // no bits a umask takes off
        assertThat(FileCalls.statxMode(path.toString()) & 0777).isEqualTo(0400);
    }

    @Test
    void createRefusesBitsBeyondPermissions() {
        assertThatThrownBy(() -> Fifo.create(dir.resolve("f"), 04755))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 to 0777")
                .hasMessageContaining("04755");
        assertThat(dir.resolve("f")).doesNotExist();
    }

    @Test
    void createOnAnExistingFifoFailsWithEexistNamingThePath() throws Exception {
        Path path = dir.resolve("f");
        Fifo.create(path);
        assertThatThrownBy(() -> Fifo.create(path))
                .isInstanceOf(LinuxException.class)
                .hasMessageContaining("mkfifo(" + path)
                .hasMessageContaining("EEXIST")
                .hasMessageContaining(path + " is a FIFO already")
                .hasMessageContaining("openForReading")
                .satisfies(e -> assertThat(((LinuxException) e).errnoName()).isEqualTo("EEXIST"));
    }

    @Test
    void createOnAnExistingFileSaysWhatIsThere() throws Exception {
        Path path = Files.writeString(dir.resolve("notes.txt"), "x");
        assertThatThrownBy(() -> Fifo.create(path))
                .isInstanceOf(LinuxException.class)
                .hasMessageContaining("EEXIST")
                .hasMessageContaining(path + " exists already and is a regular file")
                .hasMessageContaining("delete it first");
    }

    @Test
    void writerWithoutAReaderFailsWithEnxioSayingToOpenTheReadingEndFirst() throws Exception {
        Path path = dir.resolve("f");
        Fifo.create(path);
        assertThatThrownBy(() -> Fifo.openForWriting(path))
                .isInstanceOf(LinuxException.class)
                .hasMessage("open(" + path + ", O_WRONLY): ENXIO (No such device or address): "
                        + "no process has this FIFO open for reading yet; open the reading end first")
                .satisfies(e -> assertThat(((LinuxException) e).errno()).isEqualTo(ENXIO));
        try (Fifo reader = Fifo.openForReading(path); Fifo writer = Fifo.openForWriting(path)) {
            assertThat(writer.isOpen()).as("with a reader the writer opens").isTrue();
        }
    }

    @Test
    void regularFileIsRefusedPointingToDeviceFileAndFiles() throws Exception {
        Path path = Files.writeString(dir.resolve("notes.txt"), "x");
        for (var open : new ThrowingOpen[] {Fifo::openForReading, Fifo::openForWriting}) {
            assertThatThrownBy(() -> open.apply(path))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(path + " is a regular file, not a FIFO")
                    .hasMessageContaining("DeviceFile")
                    .hasMessageContaining("java.nio.file.Files");
        }
    }

    @Test
    void characterDeviceIsRefused() {
        assertThatThrownBy(() -> Fifo.openForReading(Path.of("/dev/null")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/dev/null is a character device, not a FIFO");
    }

    @Test
    void missingPathFailsWithEnoentSayingToCreateTheFifo() {
        Path path = dir.resolve("missing");
        assertThatThrownBy(() -> Fifo.openForReading(path))
                .isInstanceOf(LinuxException.class)
                .hasMessageContaining(path.toString())
                .hasMessageContaining("ENOENT")
                .hasMessageContaining("Fifo.create");
    }

    @Test
    void nullPathIsRefused() {
        assertThatThrownBy(() -> Fifo.create(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("path");
        assertThatThrownBy(() -> Fifo.openForReading(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void readerSeesEndOfStreamWhileNoWriterIsOpenAndNothingReadyOnceOneIs() throws Exception {
        Path path = dir.resolve("f");
        Fifo.create(path);
        try (Fifo reader = Fifo.openForReading(path)) {
            ByteBuffer in = ByteBuffer.allocate(8);
            assertThat(reader.read(in)).as("no writer: read(2) returns 0, end of file").isEqualTo(-1);
            assertThat(Ready.poll(reader, POLLIN, Duration.ZERO))
                    .as("yet poll does not report it: no writer has come since it was opened").isZero();
            try (Fifo writer = Fifo.openForWriting(path)) {
                assertThat(reader.read(in)).as("a writer is there but wrote nothing: EAGAIN").isZero();
                writer.write(Reads.bytes("x"));
                assertThat(Reads.text(reader, 1)).isEqualTo("x");
            }
        }
    }

    @Test
    void closedWriterGivesTheDataThenEndOfStreamThenHangUpUntilAWriterReturns() throws Exception {
        Path path = dir.resolve("f");
        Fifo.create(path);
        try (Fifo reader = Fifo.openForReading(path)) {
            try (Fifo writer = Fifo.openForWriting(path)) {
                writer.write(Reads.bytes("last"));
            }
            ByteBuffer in = ByteBuffer.allocate(16);
            assertThat(reader.read(in)).isEqualTo(4);
            assertThat(reader.read(in)).isEqualTo(-1);
            assertThat(Ready.poll(reader, POLLIN, Duration.ZERO) & POLLHUP).as("hung up").isEqualTo(POLLHUP);
            try (Fifo writer = Fifo.openForWriting(path)) {
                assertThat(Ready.poll(reader, POLLIN, Duration.ZERO)).as("a new writer ends the hang-up").isZero();
                assertThat(reader.read(in)).isZero();
            }
        }
    }

    @Test
    void writingAfterTheReaderClosedFailsWithEpipe() throws Exception {
        Path path = dir.resolve("f");
        Fifo.create(path);
        Fifo reader = Fifo.openForReading(path);
        try (Fifo writer = Fifo.openForWriting(path)) {
            reader.close();
            assertThatThrownBy(() -> writer.write(Reads.bytes("x")))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("write(FIFO write end " + path)
                    .hasMessageContaining("EPIPE");
        }
    }

    @Test
    void wrongEndFailsWithEbadfNamingTheRightOne() throws Exception {
        Path path = dir.resolve("f");
        Fifo.create(path);
        try (Fifo reader = Fifo.openForReading(path); Fifo writer = Fifo.openForWriting(path)) {
            assertThatThrownBy(() -> reader.write(Reads.bytes("x")))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("write(FIFO read end " + path)
                    .hasMessageContaining("EBADF")
                    .hasMessageContaining("reading end; write to a Fifo opened with openForWriting");
            assertThatThrownBy(() -> writer.read(ByteBuffer.allocate(1)))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("read(FIFO write end " + path)
                    .hasMessageContaining("EBADF")
                    .hasMessageContaining("writing end; read from a Fifo opened with openForReading");
        }
    }

    @Test
    void capacityIsTheFifosAndCanBeRaised() throws Exception {
        Path path = dir.resolve("f");
        Fifo.create(path);
        try (Fifo reader = Fifo.openForReading(path); Fifo writer = Fifo.openForWriting(path)) {
            assertThat(reader.capacity()).isEqualTo(65536);
            assertThat(writer.setCapacity(200_000)).isGreaterThanOrEqualTo(200_000);
            assertThat(reader.capacity()).as("both ends share one pipe").isEqualTo(writer.capacity());
            long written = 0;
            int n;
            ByteBuffer chunk = ByteBuffer.allocate(4096);
            while ((n = writer.write(chunk.clear())) > 0) {
                written += n;
            }
            assertThat(written).isEqualTo(writer.capacity());
            assertThatThrownBy(() -> reader.setCapacity(-1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @FunctionalInterface
    private interface ThrowingOpen {
        Fifo apply(Path path) throws Exception;
    }
}

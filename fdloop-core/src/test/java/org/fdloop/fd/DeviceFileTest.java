package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fdloop.internal.linux.Constants.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.Structs;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.fdloop.testing.Reads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NoFdLeaks.class)
class DeviceFileTest {
    @TempDir
    Path dir;

    @Test
    void regularFileIsRefusedBeforeOpeningSayingWhatToUseInstead() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "x");
        assertThatThrownBy(() -> DeviceFile.open(file, DeviceFile.Access.READ))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(file + " is a regular file: ")
                .hasMessageContaining("epoll cannot wait on it")
                .hasMessageContaining("always ready")
                .hasMessageContaining("java.nio.file.Files")
                .hasMessageContaining("FileChannel")
                .hasMessageContaining("Inotify");
    }

    @Test
    void directoryIsRefusedBeforeOpening() {
        assertThatThrownBy(() -> DeviceFile.open(dir, DeviceFile.Access.READ))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(dir + " is a directory: ")
                .hasMessageContaining("always ready")
                .hasMessageContaining("Inotify");
    }

    @Test
    void blockDeviceIsRefusedBeforeOpening() throws Exception {
        Optional<Path> block;
        try (Stream<Path> dev = Files.list(Path.of("/dev"))) {
            block = dev.filter(p -> modeOf(p) != -1 && (modeOf(p) & S_IFMT) == S_IFBLK).findFirst();
        }
        assumeTrue(block.isPresent(), "no block device in /dev");
        // refused before open(2): the test needs no permission on the device
        assertThatThrownBy(() -> DeviceFile.open(block.get(), DeviceFile.Access.READ))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(block.get() + " is a block device: ")
                .hasMessageContaining("FileChannel");
    }

    @Test
    void socketFileIsRefusedPointingToSocketChannel() throws Exception {
        Path socket = dir.resolve("s");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThatThrownBy(() -> DeviceFile.open(socket, DeviceFile.Access.READ_WRITE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(socket + " is a socket: ")
                .hasMessageContaining("SocketChannel");
    }

    @Test
    void missingPathFailsWithEnoentNamingThePath() {
        Path missing = dir.resolve("ttyNothing");
        assertThatThrownBy(() -> DeviceFile.open(missing, DeviceFile.Access.READ))
                .isInstanceOf(LinuxException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("ENOENT")
                .satisfies(e -> assertThat(((LinuxException) e).errno()).isEqualTo(ENOENT));
    }

    @Test
    void nullArgumentsAreRefused() {
        assertThatThrownBy(() -> DeviceFile.open(null, DeviceFile.Access.READ))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("path");
        assertThatThrownBy(() -> DeviceFile.open(Path.of("/dev/null"), null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("access");
    }

    @Test
    void devZeroFillsTheBufferWithZeros() throws Exception {
        try (DeviceFile zero = DeviceFile.open(Path.of("/dev/zero"), DeviceFile.Access.READ)) {
            ByteBuffer in = ByteBuffer.allocate(10_000);
            for (int i = 0; i < in.capacity(); i++) {
                in.put(i, (byte) 0x5a);
            }
            assertThat(zero.read(in)).isEqualTo(10_000);
            assertThat(IntStream.range(0, in.capacity()).allMatch(i -> in.get(i) == 0)).isTrue();
        }
    }

    @Test
    void devNullTakesEverythingAndReadsEndOfStream() throws Exception {
        try (DeviceFile nul = DeviceFile.open(Path.of("/dev/null"), DeviceFile.Access.READ_WRITE)) {
            ByteBuffer direct = ByteBuffer.allocateDirect(1 << 20);
            assertThat(nul.write(direct)).as("all of it in one write").isEqualTo(1 << 20);
            ByteBuffer heap = ByteBuffer.allocate(1 << 20);
            while (heap.hasRemaining()) {
                assertThat(nul.write(heap)).as("a heap buffer goes through in pieces, never refused").isPositive();
            }
            assertThat(nul.read(ByteBuffer.allocate(8))).isEqualTo(-1);
        }
    }

    @Test
    void ptySlaveOpenedByPathReadsWhatTheMasterWrites() throws Exception {
        try (Pty pty = Pty.open();
                DeviceFile slave = DeviceFile.open(pty.slavePath(), DeviceFile.Access.READ_WRITE)) {
            assertThat(slave.kind()).isEqualTo("character device " + pty.slavePath());
            pty.setMode(Pty.Mode.RAW);
            pty.write(Reads.bytes("key"));
            assertThat(Reads.text(slave, 3)).isEqualTo("key");
        }
    }

    @Test
    void readOnlyDeviceRefusesAWriteWithEbadf() throws Exception {
        try (DeviceFile nul = DeviceFile.open(Path.of("/dev/null"), DeviceFile.Access.READ)) {
            assertThat(nul.access()).isEqualTo(DeviceFile.Access.READ);
            assertThatThrownBy(() -> nul.write(Reads.bytes("x")))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("write(character device /dev/null")
                    .hasMessageContaining("EBADF")
                    .hasMessageContaining("opened for reading only (Access.READ)")
                    .satisfies(e -> assertThat(((LinuxException) e).errno()).isEqualTo(EBADF));
        }
    }

    @Test
    void writeOnlyDeviceRefusesAReadWithEbadf() throws Exception {
        try (DeviceFile nul = DeviceFile.open(Path.of("/dev/null"), DeviceFile.Access.WRITE)) {
            assertThat(nul.write(Reads.bytes("x"))).isEqualTo(1);
            assertThatThrownBy(() -> nul.read(ByteBuffer.allocate(1)))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("read(character device /dev/null")
                    .hasMessageContaining("EBADF")
                    .hasMessageContaining("opened for writing only (Access.WRITE)");
        }
    }

    @Test
    void fileTypeNamesWhatWasOpened() throws Exception {
        Path fifo = dir.resolve("f");
        Fifo.create(fifo);
        try (DeviceFile nul = DeviceFile.open(Path.of("/dev/null"), DeviceFile.Access.READ);
                DeviceFile reader = DeviceFile.open(fifo, DeviceFile.Access.READ);
                DeviceFile ptmx = DeviceFile.open(Path.of("/dev/ptmx"), DeviceFile.Access.READ_WRITE)) {
            assertThat(nul.fileType()).isEqualTo("character device");
            assertThat(nul.path()).isEqualTo(Path.of("/dev/null"));
            assertThat(reader.fileType()).isEqualTo("FIFO");
            assertThat(reader.kind()).isEqualTo("FIFO " + fifo);
            assertThat(ptmx.fileType()).isEqualTo("character device");
        }
    }

    @Test
    void fifoOpenedForWritingWithoutAReaderFailsWithEnxio() throws Exception {
        Path fifo = dir.resolve("f");
        Fifo.create(fifo);
        assertThatThrownBy(() -> DeviceFile.open(fifo, DeviceFile.Access.WRITE))
                .isInstanceOf(LinuxException.class)
                .hasMessageContaining("open(" + fifo + ", O_WRONLY)")
                .hasMessageContaining("ENXIO")
                .hasMessageContaining("open the reading end first");
    }

    @Test
    void deviceNumberWithoutADriverFailsWithEnxioSayingSo() throws Exception {
        Path node = dir.resolve("nodriver");
        int major = unusedCharacterMajor();
        Process mknod = new ProcessBuilder("mknod", node.toString(), "c", Integer.toString(major), "0")
                .redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            assumeTrue(mknod.waitFor(10, TimeUnit.SECONDS) && mknod.exitValue() == 0, "mknod needs CAP_MKNOD");
        } finally {
            mknod.destroy();
            mknod.waitFor();
        }
        try {
            DeviceFile.open(node, DeviceFile.Access.READ_WRITE).close();
        } catch (LinuxException e) {
            assumeTrue(e.errno() != EACCES, "device nodes are not allowed on this file system (nodev)");
            assertThat(e.errno()).isEqualTo(ENXIO);
            assertThat(e).hasMessageContaining("open(" + node + ", O_RDWR): ENXIO")
                    .hasMessageContaining("no driver has a device at this device number")
                    .hasMessageNotContaining("FIFO");
            return;
        }
        throw new AssertionError("a device with the unused major " + major + " was opened");
    }

    @Test
    void devNullIsAlwaysReadyAndEpollRefusesItWhileAPtySlaveIsAccepted() throws Exception {
        // the kernel's rule the event loop meets: it depends on the driver, not on the file type
        try (DeviceFile nul = DeviceFile.open(Path.of("/dev/null"), DeviceFile.Access.READ);
                Pty pty = Pty.open();
                DeviceFile slave = pty.openSlave()) {
            assertThat(Ready.poll(nul, POLLIN, Duration.ZERO) & POLLIN).as("poll: always ready").isEqualTo(POLLIN);
            int epoll = IoCalls.epollCreate1(EPOLL_CLOEXEC);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment event = arena.allocate(Structs.EPOLL_EVENT);
                event.set(ValueLayout.JAVA_INT, Structs.EPOLL_EVENT_EVENTS, EPOLLIN);
                assertThat(IoCalls.epollCtl(epoll, EPOLL_CTL_ADD, nul.number(), event)).as("epoll_ctl(/dev/null)").isEqualTo(-EPERM);
                assertThat(IoCalls.epollCtl(epoll, EPOLL_CTL_ADD, slave.number(), event)).as("epoll_ctl(pty slave)").isZero();
            } finally {
                IoCalls.close(epoll);
            }
        }
    }

    /** A character device major number that /proc/devices does not list. */
    private static int unusedCharacterMajor() throws Exception {
        Set<Integer> used = new HashSet<>();
        boolean character = false;
        for (String line : Files.readAllLines(Path.of("/proc/devices"))) {
            if (line.startsWith("Character devices:")) {
                character = true;
            } else if (line.startsWith("Block devices:")) {
                character = false;
            } else if (character && !line.isBlank()) {
                used.add(Integer.parseInt(line.trim().split("\\s+")[0]));
            }
        }
        for (int major = 400; major < 4095; major++) {
            if (!used.contains(major)) {
                return major;
            }
        }
        throw new AssertionError("every character major is in use");
    }

    private static int modeOf(Path path) {
        int mode = FileCalls.statxMode(path.toString());
        return mode < 0 ? -1 : mode;
    }

    @Test
    void ioctlOnlyOpenReadsTerminalSettingsButNeitherReadsNorWrites() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile ioctls = DeviceFile.open(pty.slavePath(), DeviceFile.Access.IOCTL_ONLY)) {
            assertThat(FileCalls.fcntl(ioctls.number(), F_GETFL, 0) & O_ACCMODE).as("access mode 3").isEqualTo(3);
            assertThat(ioctls.access()).isEqualTo(DeviceFile.Access.IOCTL_ONLY);
            pty.tty().apply(SerialSettings.of(57600).stopBits(2));
            assertThat(ioctls.tty().settings()).as("TCGETS2 through the ioctl-only descriptor")
                    .isEqualTo(SerialSettings.of(57600).stopBits(2));
            ioctls.tty().apply(SerialSettings.of(9600));
            assertThat(pty.tty().settings().baud()).as("TCSETS2 through it too").isEqualTo(9600);
            assertThatThrownBy(() -> ioctls.read(ByteBuffer.allocate(4)))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("EBADF")
                    .hasMessageContaining("ioctls only (Access.IOCTL_ONLY)");
            assertThatThrownBy(() -> ioctls.write(ByteBuffer.wrap(new byte[] {1})))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("EBADF")
                    .hasMessageContaining("ioctls only (Access.IOCTL_ONLY)");
        }
    }
}

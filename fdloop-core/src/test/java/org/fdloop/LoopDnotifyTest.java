package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fdloop.testing.Loops.runIdle;
import static org.fdloop.testing.Loops.runUntil;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.fdloop.fd.AsyncOwner;
import org.fdloop.fd.Dnotify;
import org.fdloop.fd.LinuxException;
import org.fdloop.fd.Signal;
import org.fdloop.internal.linux.Constants;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * dnotify through the loop: F_NOTIFY with a realtime signal to the process, taken by fdloop's
 * native handler (the onAsyncIo route to a process), dispatched by si_fd.
 */
@ExtendWith(NoFdLeaks.class)
class LoopDnotifyTest {
    private static final Signal RT = Signal.realtime(8);

    @TempDir
    Path dir;

    @Test
    void eachKindOfChangeInTheDirectoryIsDispatchedWithTheDirectoryAndPollMsg() throws Exception {
        try (EventLoop loop = EventLoop.open(); Dnotify watched = Dnotify.open(dir)) {
            List<String> seen = new ArrayList<>();
            AsyncIoSource source = loop.onDnotify(watched, EnumSet.allOf(Dnotify.Kind.class), RT,
                    (s, band) -> seen.add((s.fd() == watched) + " " + AsyncIoSource.describeBand(band)));
            assertThat(source.owner()).isEqualTo(AsyncOwner.Kind.PROCESS);
            assertThat(watched.asyncSignal()).isEqualTo(RT);
            assertThat(watched.kinds()).containsExactlyInAnyOrder(Dnotify.Kind.values());
            assertThat(runIdle(loop)).as("a directory polls ready always: nothing is dispatched before a change").isZero();

            Path file = dir.resolve("a");
            List<ThrowingStep> steps = List.of(
                    () -> Files.writeString(file, "created"),                               // CREATE, MODIFY
                    () -> Files.writeString(file, "more", java.nio.file.StandardOpenOption.APPEND),  // MODIFY
                    () -> Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------")),  // ATTRIB
                    () -> Files.move(file, dir.resolve("b")),                               // RENAME
                    () -> Files.delete(dir.resolve("b")));                                  // DELETE
            for (ThrowingStep step : steps) {
                int before = seen.size();
                step.run();
                runUntil(loop, () -> seen.size() > before);
            }
            assertThat(seen).allMatch(s -> s.equals("true POLLIN|POLLRDNORM|POLLMSG"));
        }
    }

    @Test
    void twoDirectoriesOnOneSignalAreToldApartBySiFd(@TempDir Path other) throws Exception {
        try (EventLoop loop = EventLoop.open(); Dnotify a = Dnotify.open(dir); Dnotify b = Dnotify.open(other)) {
            int[] calls = new int[2];
            loop.onDnotify(a, EnumSet.of(Dnotify.Kind.CREATE), RT, (s, band) -> calls[0]++);
            loop.onDnotify(b, EnumSet.of(Dnotify.Kind.CREATE), RT, (s, band) -> calls[1]++);
            Files.createFile(dir.resolve("in-a"));
            runUntil(loop, () -> calls[0] > 0);
            assertThat(calls[1]).isZero();
            int inA = calls[0];
            Files.createFile(other.resolve("in-b"));
            runUntil(loop, () -> calls[1] > 0);
            assertThat(calls[0]).as("nothing changed in a since").isEqualTo(inA);
        }
    }

    @Test
    void closingTheSourceStopsTheNotifications() throws Exception {
        try (EventLoop loop = EventLoop.open(); Dnotify watched = Dnotify.open(dir)) {
            int[] calls = {0};
            AsyncIoSource source = loop.onDnotify(watched, EnumSet.of(Dnotify.Kind.CREATE), RT, (s, band) -> calls[0]++);
            source.close();
            assertThat(watched.kinds()).as("F_NOTIFY 0 on close").isEmpty();
            assertThat(watched.isAsync()).isFalse();
            Files.createFile(dir.resolve("after"));
            assertThat(runIdle(loop)).isZero();
            assertThat(calls[0]).isZero();
        }
    }

    @Test
    void aFileIsRefusedAndStartWithoutAHandlerIsRefused() throws Exception {
        Path file = Files.createFile(dir.resolve("plain"));
        assertThatThrownBy(() -> Dnotify.open(file)).isInstanceOf(LinuxException.class)
                .hasMessageContaining("ENOTDIR").hasMessageContaining("watch a file with Inotify");
        try (Dnotify watched = Dnotify.open(dir)) {
            // F_SETSIG to a signal nothing handles: asking would end the JVM on the first change
            org.fdloop.internal.linux.FileCalls.fcntl(watched.number(), Constants.F_SETSIG, Signal.realtime(12).number());
            assertThatThrownBy(() -> watched.start(EnumSet.of(Dnotify.Kind.CREATE))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("dnotify sends SIGRTMIN+12").hasMessageContaining("no handler is installed for it").hasMessageContaining("loop.onDnotify");
        }
    }

    @FunctionalInterface
    private interface ThrowingStep {
        void run() throws Exception;
    }
}

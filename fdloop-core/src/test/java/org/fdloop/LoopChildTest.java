package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fdloop.testing.Loops.runUntil;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.fdloop.fd.Child;
import org.fdloop.fd.ExitStatus;
import org.fdloop.fd.LinuxException;
import org.fdloop.fd.Signal;
import org.fdloop.fd.Spawn;
import org.fdloop.fd.StreamFd;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Children as loop sources: {@link EventLoop#spawn}, {@link ChildSource}; any process's exit: {@link ProcessExitSource}. */
@ExtendWith(NoFdLeaks.class)
class LoopChildTest {

    /** The pids of this JVM's children, zombies included. */
    static Set<Long> children() throws IOException {
        Set<Long> pids = new TreeSet<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    for (String pid : Files.readAllLines(task.resolve("children")).stream()
                            .flatMap(l -> Stream.of(l.trim().split("\\s+"))).filter(p -> !p.isEmpty()).toList()) {
                        pids.add(Long.parseLong(pid));
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // the thread ended since the listing
                }
            }
        }
        return pids;
    }

    static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).collect(Collectors.toSet());
    }

    /** Collects what a pipe yields through the loop, until its end; closes the source then. */
    static final class Collector {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean ended;

        IoSource register(EventLoop loop, StreamFd fd) throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            return loop.onReadable(fd, (source, events) -> {
                for (int n; (n = fd.read(buffer.clear())) != 0; ) {
                    if (n < 0) {
                        ended = true;
                        source.close();
                        return;
                    }
                    bytes.write(buffer.array(), 0, n);
                }
            });
        }

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void exitIsObservedWithItsStatusAndOutputThroughTheLoop() throws Exception {
        Set<String> threadsBefore = threadNames();
        try (EventLoop loop = EventLoop.open()) {
            List<String> seen = new ArrayList<>();
            ChildSource source = loop.spawn(Spawn.of("sh", "-c", "echo one; echo two; exit 5").stdout(Spawn.Stdio.pipe()),
                    (s, child, status) -> seen.add(status.toString()));
            Collector out = new Collector();
            out.register(loop, source.child().stdout());
            runUntil(loop, () -> !seen.isEmpty() && out.ended);
            assertThat(seen).containsExactly("exited with code 5");
            assertThat(out.text()).isEqualTo("one\ntwo\n");
            assertThat(source.isClosed()).isTrue();
            assertThat(source.child().status()).isEqualTo(ExitStatus.exited(5));
            assertThat(children()).doesNotContain(source.child().pid());
            assertThat(threadNames()).as("no reaper thread").isSubsetOf(threadsBefore);
            source.child().close();
        }
    }

    @Test
    void theLoopSleepsUntilTheExitWithoutPolling() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            List<ExitStatus> seen = new ArrayList<>();
            ChildSource source = loop.spawn(Spawn.of("sleep", "1000"), (s, child, status) -> seen.add(status));
            long iterations = loop.stats().iterations();
            assertThat(loop.runOnce(Duration.ofMillis(300))).as("nothing to report while it runs").isZero();
            source.child().signal(Signal.INT);
            loop.runOnce(Duration.ofSeconds(10)); // one wait, ended by the pidfd
            assertThat(seen).containsExactly(ExitStatus.killed(Signal.INT, false));
            assertThat(loop.stats().iterations() - iterations).as("two waits: the idle one and the one the exit ended").isEqualTo(2);
            source.child().close();
        }
    }

    @Test
    void aThousandChildrenAreSpawnedAndReapedLeavingNothing() throws Exception {
        Set<Long> before = children();
        try (EventLoop loop = EventLoop.open()) {
            int total = 1000;
            int[] started = {0};
            int[] reaped = {0};
            List<String> failures = new ArrayList<>();
            ChildHandler[] next = new ChildHandler[1];
            next[0] = (source, child, status) -> {
                reaped[0]++;
                if (!status.succeeded()) {
                    failures.add(child + ": " + status);
                }
                child.close();
                if (started[0] < total) {
                    started[0]++;
                    loop.spawn(Spawn.of("/bin/true").stdin(Spawn.Stdio.devNull()), next[0]);
                }
            };
            for (int i = 0; i < 8; i++) { // eight at a time
                started[0]++;
                loop.spawn(Spawn.of("/bin/true").stdin(Spawn.Stdio.devNull()), next[0]);
            }
            runUntil(loop, Duration.ofMinutes(2), () -> reaped[0] == total);
            assertThat(failures).isEmpty();
            assertThat(started[0]).isEqualTo(total);
        }
        assertThat(children()).as("no zombie").isEqualTo(before);
    }

    /** Closing the loop kills and reaps a running child and its group, and leaves no zombie. */
    @Test
    void closingTheLoopKillsAndReapsRunningChildren() throws Exception {
        Child child;
        ProcessHandle grandchild;
        try (EventLoop loop = EventLoop.open()) {
            ChildSource source = loop.spawn(Spawn.of("sh", "-c", "sleep 1000 & echo $!; wait").newProcessGroup()
                    .stdout(Spawn.Stdio.pipe()), (s, c, status) -> { });
            child = source.child();
            grandchild = ProcessHandle.of(Long.parseLong(readLine(loop, child.stdout()))).orElseThrow();
        }
        assertThat(child.status()).isEqualTo(ExitStatus.killed(Signal.KILL, false));
        assertThat(child.isClosed()).isTrue();
        assertThat(children()).doesNotContain(child.pid());
        grandchild.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(grandchild.isAlive()).as("the group was killed with it").isFalse();
    }

    /** A supervisor's shutdown: SIGTERM to the child's group ends a grandchild, whose exit a pidfd reports (not our child). */
    @Test
    void aGroupKillEndsAGrandchildAndItsExitIsReported() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            List<String> seen = new ArrayList<>();
            ChildSource source = loop.spawn(Spawn.of("sh", "-c", "sleep 1000 & echo $!; wait").newProcessGroup()
                    .stdout(Spawn.Stdio.pipe()), (s, c, status) -> seen.add("child " + status));
            Child child = source.child();
            ProcessHandle grandchild = ProcessHandle.of(Long.parseLong(readLine(loop, child.stdout()))).orElseThrow();
            assertThat(children()).as("not our child").doesNotContain(grandchild.pid());
            ProcessExitSource watch = loop.onExit(grandchild, (s, process) -> seen.add("grandchild " + process.pid()));
            assertThat(watch.process()).isSameAs(grandchild);
            child.signalGroup(Signal.TERM);
            runUntil(loop, () -> seen.size() == 2);
            assertThat(seen).containsExactlyInAnyOrder("child killed by SIGTERM", "grandchild " + grandchild.pid());
            child.close();
        }
    }

    @Test
    void anyProcessExitIsReportedAlsoWhenGoneAlready() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            List<Long> seen = new ArrayList<>();
            // a JDK child's handle: the JDK reaps it, the pidfd only wakes the loop
            Process jdk = new ProcessBuilder("sleep", "1000").start();
            loop.onExit(jdk.toHandle(), (s, process) -> seen.add(process.pid()));
            jdk.destroy();
            runUntil(loop, () -> seen.size() == 1);
            assertThat(jdk.waitFor()).as("the JDK still has the status").isEqualTo(143);
            // gone before the registration: reported on the next iteration
            ProcessExitSource late = loop.onExit(jdk.toHandle(), (s, process) -> seen.add(-process.pid()));
            runUntil(loop, () -> seen.size() == 2);
            assertThat(seen).containsExactly(jdk.pid(), -jdk.pid());
            assertThat(late.isClosed()).isTrue();
            // by pid
            Process other = new ProcessBuilder("sleep", "1000").start();
            loop.onExit(other.pid(), (s, process) -> seen.add(process.pid()));
            other.destroy();
            runUntil(loop, () -> seen.size() == 3);
            other.waitFor();
        }
    }

    @Test
    void anUnknownPidIsRefusedAndAClosedWatchReportsNothing() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            assertThatThrownBy(() -> loop.onExit(Integer.MAX_VALUE, (s, p) -> { }))
                    .isInstanceOf(LinuxException.class).hasMessageContaining("ESRCH").hasMessageContaining("no process has id");
            List<Long> seen = new ArrayList<>();
            Process jdk = new ProcessBuilder("sleep", "1000").start();
            ProcessExitSource source = loop.onExit(jdk.toHandle(), (s, process) -> seen.add(process.pid()));
            source.close();
            jdk.destroy();
            jdk.waitFor();
            assertThat(loop.runOnce(Duration.ofMillis(100))).isZero();
            assertThat(seen).isEmpty();
        }
    }

    @Test
    void closingTheSourceBeforeTheExitKillsTheChild() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            List<ExitStatus> seen = new ArrayList<>();
            ChildSource source = loop.spawn(Spawn.of("sleep", "1000"), (s, child, status) -> seen.add(status));
            source.close();
            assertThat(source.child().status()).isEqualTo(ExitStatus.killed(Signal.KILL, false));
            assertThat(children()).doesNotContain(source.child().pid());
            assertThat(loop.runOnce(Duration.ofMillis(100))).isZero();
            assertThat(seen).as("a closed source reports nothing").isEmpty();
        }
    }

    @Test
    void spawnFailureLeavesNoSource() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            assertThatThrownBy(() -> loop.spawn(Spawn.of("/no/such/program"), (s, c, st) -> { }))
                    .isInstanceOf(LinuxException.class).hasMessageContaining("/no/such/program");
            assertThat(loop.runOnce(Duration.ZERO)).isZero();
        }
    }

    /** One line from {@code fd}, read through the loop. */
    static String readLine(EventLoop loop, StreamFd fd) throws Exception {
        StringBuilder line = new StringBuilder();
        boolean[] done = {false};
        ByteBuffer one = ByteBuffer.allocate(1);
        IoSource source = loop.onReadable(fd, (s, events) -> {
            while (!done[0] && fd.read(one.clear()) > 0) {
                char c = (char) one.get(0);
                if (c == '\n') {
                    done[0] = true;
                } else {
                    line.append(c);
                }
            }
        });
        try {
            runUntil(loop, () -> done[0]);
        } finally {
            source.close();
        }
        return line.toString();
    }
}

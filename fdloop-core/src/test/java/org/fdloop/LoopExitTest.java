package org.fdloop;

import static org.fdloop.testing.Ready.PATIENCE;
import static org.fdloop.testing.Loops.runUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link EventLoop#onExit}: a child's exit through a pidfd, its status from the JDK. */
@ExtendWith(NoFdLeaks.class)
class LoopExitTest {

    static Process start(String... command) throws Exception {
        return new ProcessBuilder(command)
                .redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    static void stop(Process... processes) throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void childThatExitsLaterIsReportedWithItsStatus() throws Exception {
        Process child = start("sleep", "30");
        try (EventLoop loop = EventLoop.open()) {
            List<String> seen = new ArrayList<>();
            ExitSource source = loop.onExit(child, (s, process, status) -> seen.add(process.pid() + " " + status));
            assertThat(source.process()).isSameAs(child);
            assertThat(loop.runOnce(Duration.ofMillis(50))).as("still running").isZero();
            child.destroy(); // SIGTERM
            runUntil(loop, () -> !seen.isEmpty());
            assertThat(seen).containsExactly(child.pid() + " 143");
            assertThat(source.isClosed()).as("reported once, then closed").isTrue();
            assertThat(child.waitFor()).as("the JDK reaped the child and kept its status").isEqualTo(143);
        } finally {
            stop(child);
        }
    }

    @Test
    void childReapedBeforeTheRegistrationIsStillReported() throws Exception {
        Process child = start("sh", "-c", "exit 7");
        try (EventLoop loop = EventLoop.open()) {
            assertThat(child.waitFor()).isEqualTo(7); // gone: pidfd_open fails with ESRCH
            List<Integer> statuses = new ArrayList<>();
            loop.onExit(child, (s, process, status) -> statuses.add(status));
            runUntil(loop, () -> !statuses.isEmpty());
            assertThat(statuses).containsExactly(7);
        } finally {
            stop(child);
        }
    }

    /**
     * Exits known at registration (processes reaped before their pidfd could be opened) reach the
     * handlers through the loop's task queue and the pending list, by the priority their sources
     * have when dispatched: the second registered, left at 0, comes before the first, given 1
     * after its registration. Dispatched at registration instead, the first came first.
     */
    @Test
    void exitsKnownAtRegistrationGoByPriorityAndNoneIsLost() throws Exception {
        Process first = start("true");
        Process second = start("true");
        Process third = start("sh", "-c", "exit 4");
        try (EventLoop loop = EventLoop.open()) {
            assertThat(first.waitFor() + second.waitFor() + third.waitFor()).isEqualTo(4); // all reaped: ESRCH for pidfd_open
            List<String> order = new ArrayList<>();
            ProcessExitSource a = loop.onExit(first.toHandle(), (s, process) -> order.add("first"));
            loop.onExit(second.toHandle(), (s, process) -> order.add("second"));
            ExitSource c = loop.onExit(third, (s, process, status) -> order.add("third " + status));
            a.setPriority(1);
            c.setPriority(-1);
            runUntil(loop, () -> order.size() == 3);
            assertThat(order).containsExactly("third 4", "second", "first");
        } finally {
            stop(first, second, third);
        }
    }

    /**
     * A child whose status reaches Java late, as when the loop sees the pidfd turn readable before
     * the JDK's reaper has stored the status: alive to Java until {@link #collect()}.
     */
    private static final class LateStatus extends Process {
        private final Process child;
        private final CompletableFuture<Process> exit = new CompletableFuture<>();
        private volatile boolean collected;

        LateStatus(Process child) {
            this.child = child;
        }

        void collect() throws InterruptedException {
            child.waitFor();
            collected = true;
            exit.complete(this);
        }

        @Override public boolean isAlive() { return !collected; }
        @Override public int exitValue() {
            if (!collected) {
                throw new IllegalThreadStateException("not collected yet");
            }
            return child.exitValue();
        }
        @Override public CompletableFuture<Process> onExit() { return exit; }
        @Override public ProcessHandle toHandle() { return child.toHandle(); }
        @Override public int waitFor() throws InterruptedException { return exit.join().exitValue(); }
        @Override public void destroy() { child.destroy(); }
        @Override public OutputStream getOutputStream() { return child.getOutputStream(); }
        @Override public InputStream getInputStream() { return child.getInputStream(); }
        @Override public InputStream getErrorStream() { return child.getErrorStream(); }
    }

    @Test
    void exitSeenBeforeTheJdkHasTheStatusIsReportedOnceItHasIt() throws Exception {
        Process child = start("sleep", "30");
        LateStatus late = new LateStatus(child);
        List<Throwable> errors = new ArrayList<>();
        try (EventLoop loop = EventLoop.builder().errorHandler((s, e) -> errors.add(e)).build()) {
            List<Integer> statuses = new ArrayList<>();
            loop.onExit(late, (s, process, status) -> statuses.add(status));
            child.destroy();
            child.waitFor(); // exited: the pidfd is readable, but to Java the process is still alive
            loop.runOnce(PATIENCE);
            assertThat(loop.runOnce(Duration.ofMillis(50))).as("the pidfd is out of the poller: no spinning").isZero();
            assertThat(statuses).isEmpty();
            late.collect();
            runUntil(loop, () -> !statuses.isEmpty());
            assertThat(statuses).containsExactly(143);
            assertThat(errors).isEmpty();
        } finally {
            stop(child);
        }
    }

    @Test
    void everyChildIsReportedOnceWithItsOwnStatus() throws Exception {
        List<Process> children = new ArrayList<>();
        try (EventLoop loop = EventLoop.open()) {
            Map<Long, Integer> statuses = new TreeMap<>();
            Map<Long, Integer> expected = new TreeMap<>();
            List<Integer> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Process child = start("sh", "-c", "exit " + i);
                children.add(child);
                expected.put(child.pid(), i);
                loop.onExit(child, (s, process, status) -> {
                    calls.add(status);
                    statuses.put(process.pid(), status);
                });
            }
            runUntil(loop, () -> calls.size() == 20);
            assertThat(statuses).isEqualTo(expected);
            assertThat(calls).hasSize(20);
        } finally {
            stop(children.toArray(Process[]::new));
        }
    }

    @Test
    void closingTheSourceCancelsTheReport() throws Exception {
        Process child = start("sleep", "30");
        try (EventLoop loop = EventLoop.open()) {
            List<Integer> statuses = new ArrayList<>();
            loop.onExit(child, (s, process, status) -> statuses.add(status)).close();
            child.destroy();
            child.waitFor();
            assertThat(loop.runOnce(Duration.ofMillis(50))).isZero();
            assertThat(statuses).isEmpty();
        } finally {
            stop(child);
        }
    }

    @Test
    void disabledSourceReportsTheExitWhenEnabled() throws Exception {
        Process child = start("sh", "-c", "exit 3");
        try (EventLoop loop = EventLoop.open()) {
            List<Integer> statuses = new ArrayList<>();
            ExitSource source = loop.onExit(child, (s, process, status) -> statuses.add(status));
            source.disable();
            child.waitFor();
            assertThat(loop.runOnce(Duration.ofMillis(50))).isZero();
            source.enable();
            runUntil(loop, () -> !statuses.isEmpty());
            assertThat(statuses).containsExactly(3);
        } finally {
            stop(child);
        }
    }

    @Test
    void badArgumentsAreRefused() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            assertThatThrownBy(() -> loop.onExit(null, (s, p, status) -> {}))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("process");
            Process child = start("true");
            try {
                assertThatThrownBy(() -> loop.onExit(child, null))
                        .isInstanceOf(NullPointerException.class).hasMessageContaining("handler");
            } finally {
                stop(child);
            }
        }
    }
}

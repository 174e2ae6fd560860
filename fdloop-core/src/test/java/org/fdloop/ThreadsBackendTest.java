package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.fdloop.backend.Backend;
import org.fdloop.fd.EventFd;
import org.fdloop.fd.OsPipe;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What is particular to {@link Backend#THREADS}: its threads. The loop's behaviours are in {@link BackendConformanceTest}. */
@ExtendWith(NoFdLeaks.class)
class ThreadsBackendTest {

    private static List<Thread> workers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("fdloop-threads fd ") && t.isAlive())
                .toList();
    }

    @Test
    void eachFdHasADaemonThreadNamedForItThatEndsWhenTheFdIsRemoved() throws Exception {
        List<Thread> before = workers();
        try (EventLoop loop = EventLoop.builder().backend(Backend.THREADS).build(); OsPipe pipe = OsPipe.open()) {
            List<Thread> loopOwn = workers(); // the loop's wake-up eventfd has one
            assertThat(loopOwn).hasSize(before.size() + 1);
            IoSource source = loop.onReadable(pipe.readEnd(), (s, ev) -> {});
            Thread worker = workers().stream().filter(t -> t.getName().equals("fdloop-threads fd " + pipe.readEnd().number()))
                    .findFirst().orElseThrow();
            assertThat(worker.isDaemon()).isTrue();
            assertThat(worker.isVirtual()).isFalse();
            source.close();
            assertThat(worker.isAlive()).as("removing the fd joined its thread: nothing polls the number any more").isFalse();
            assertThat(workers()).containsExactlyInAnyOrderElementsOf(loopOwn);
        }
        assertThat(workers()).as("closing the loop ends every thread it started").containsExactlyInAnyOrderElementsOf(before);
    }

    @Test
    void disabledSourceHasNoThreadAndEnablingStartsOne() throws Exception {
        try (EventLoop loop = EventLoop.builder().backend(Backend.THREADS).build(); EventFd e = EventFd.open()) {
            IoSource source = loop.onReadable(e, (s, ev) -> e.read());
            String name = "fdloop-threads fd " + e.number();
            source.disable();
            assertThat(workers()).extracting(Thread::getName).doesNotContain(name);
            source.enable();
            assertThat(workers()).extracting(Thread::getName).contains(name);
        }
    }
}

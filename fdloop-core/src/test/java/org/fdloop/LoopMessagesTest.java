package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.fdloop.backend.Backend;
import org.fdloop.fd.EventFd;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Issue 12 §4: the loop's messages say what went wrong and what to do. */
@ExtendWith(NoFdLeaks.class)
class LoopMessagesTest {

    @Test
    void selectRefusingTheLoopsOwnWakeFdSaysSoAndWhatToDo() throws Exception {
        List<EventFd> held = new ArrayList<>();
        try {
            // hold descriptors until the next one opens above select(2)'s 1023
            while (true) {
                EventFd fd = EventFd.open();
                held.add(fd);
                if (fd.number() >= 1023) {
                    break;
                }
            }
            assertThatThrownBy(() -> EventLoop.builder().backend(Backend.SELECT).build())
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("the SELECT backend cannot wait on the loop's wake-up eventfd, fd 10")
                    .hasMessageContaining("the loop's own")
                    .hasMessageContaining("below 1024")
                    .hasMessageContaining("Open the loop with Backend.EPOLL or POLL");
        } finally {
            held.forEach(EventFd::close);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void registeringAnFdTwiceNamesTheSourceThatHasIt(Backend backend) throws Exception {
        try (EventLoop loop = EventLoop.builder().backend(backend).build(); EventFd e = EventFd.open()) {
            loop.onReadable(e, (s, ev) -> {}).named("the reader");
            assertThatThrownBy(() -> loop.onIo(e, IoSource.WRITABLE, (s, ev) -> {}))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage(e + " is registered with this loop already, by the reader: use that source "
                            + "(setEvents changes what it waits for), or close it first");
            loop.runOnce(Duration.ZERO); // the failed registration left nothing behind
        }
    }

    @Test
    void statsWithoutTimingSayNotTimed() throws Exception {
        try (EventLoop untimed = EventLoop.open(); EventLoop timed = EventLoop.builder().timing(true).build()) {
            for (EventLoop loop : List.of(untimed, timed)) {
                loop.execute(() -> {});
                loop.runOnce(Duration.ZERO);
            }
            assertThat(untimed.stats().timed()).isFalse();
            assertThat(untimed.stats().toString()).isEqualTo("1 iterations, 1 events, 0 wake-ups, not timed "
                    + "(EventLoop.builder().timing(true) measures the time in handlers and waiting)");
            assertThat(timed.stats().timed()).isTrue();
            assertThat(timed.stats().toString()).startsWith("1 iterations, 1 events, 0 wake-ups, ").contains("ms in handlers")
                    .contains("slowest task");
        }
    }
}

package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoFdLeaks.class)
class EventFdTest {

    @Test
    void eventfdAccumulatesWritesUntilRead() throws Exception {
        try (EventFd e = EventFd.open()) {
            e.write(1);
            e.write(1);
            e.write(1);
            assertThat(e.read()).isEqualTo(3);
            assertThat(e.read()).as("the read reset the counter to 0").isZero();
        }
    }

    @Test
    void readResetsCounterAndClearsReadiness() throws Exception {
        try (EventFd e = EventFd.open()) {
            assertThat(Ready.readableNow(e)).isFalse();
            e.write(5);
            assertThat(Ready.readableNow(e)).isTrue();
            assertThat(e.read()).isEqualTo(5);
            assertThat(Ready.readableNow(e)).isFalse();
        }
    }

    @Test
    void emptyReadReportsNothingReadyInsteadOfThrowing() throws Exception {
        try (EventFd e = EventFd.open()) {
            assertThat(e.read()).isZero();
        }
    }

    @Test
    void initialValueIsReadFirst() throws Exception {
        try (EventFd e = EventFd.open(7, false)) {
            assertThat(e.read()).isEqualTo(7);
        }
    }

    @Test
    void semaphoreModeReadsOneAtATimeAndDecrements() throws Exception {
        try (EventFd e = EventFd.openSemaphore(0)) {
            assertThat(e.isSemaphore()).isTrue();
            e.write(3);
            assertThat(e.read()).isEqualTo(1);
            assertThat(e.read()).isEqualTo(1);
            assertThat(e.read()).isEqualTo(1);
            assertThat(e.read()).isZero();
        }
    }

    @Test
    void writeThatWouldPassTheMaximumReportsWouldBlock() throws Exception {
        try (EventFd e = EventFd.open()) {
            assertThat(e.write(EventFd.MAX_VALUE - 1)).isTrue();
            assertThat(e.write(1)).as("reaches exactly 0xfffffffffffffffe").isTrue();
            assertThat(e.write(1)).as("would pass the maximum").isFalse();
            assertThat(Long.toUnsignedString(e.read())).isEqualTo(Long.toUnsignedString(EventFd.MAX_VALUE));
            assertThat(e.write(1)).as("after the read there is room again").isTrue();
        }
    }

    @Test
    void writingAllOnesIsRefusedWithClearError() throws Exception {
        try (EventFd e = EventFd.open()) {
            assertThatThrownBy(() -> e.write(0xffffffffffffffffL))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("0xffffffffffffffff")
                    .hasMessageContaining("0xfffffffffffffffe");
            assertThat(e.read()).as("nothing was added").isZero();
        }
    }

    @Test
    void badInitialValueIsRefused() {
        assertThatThrownBy(() -> EventFd.open(-1, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unsigned int");
        assertThatThrownBy(() -> EventFd.open(1L << 32, false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void awaitReadableReturnsWhenWrittenAndTimesOutWhenNot() throws Exception {
        try (EventFd e = EventFd.open()) {
            assertThat(e.awaitReadable(java.time.Duration.ofMillis(20))).as("nothing written").isFalse();
            assertThat(e.awaitWritable(java.time.Duration.ZERO)).as("a zero counter has room").isTrue();
            e.write(1);
            assertThat(e.awaitReadable(Ready.PATIENCE)).isTrue();
            assertThatThrownBy(() -> e.awaitReadable(java.time.Duration.ofSeconds(-1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zero or more");
        }
    }

    @Test
    void createdNonBlockingAndCloseOnExec() throws Exception {
        try (EventFd e = EventFd.open()) {
            assertThat(e.isNonBlocking()).isTrue();
            assertThat(e.isCloseOnExec()).isTrue();
        }
    }

    @Test
    void anotherThreadWakesAWaiter() throws Exception {
        try (EventFd e = EventFd.open()) {
            CountDownLatch started = new CountDownLatch(1);
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    started.await();
                    e.write(42);
                } catch (Exception ex) {
                    throw new RuntimeException(ex);
                }
            });
            started.countDown();
            assertThat(Ready.awaitReadable(e)).isTrue();
            assertThat(e.read()).isEqualTo(42);
            writer.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseIsAClearError() throws Exception {
        EventFd e = EventFd.open();
        int number = e.number();
        e.close();
        e.close();
        assertThat(e.isOpen()).isFalse();
        assertThatThrownBy(e::read).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("fd " + number).hasMessageContaining("closed");
        assertThatThrownBy(() -> e.write(1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(e::number).isInstanceOf(IllegalStateException.class);
        assertThat(e.toString()).contains("closed");
    }

    @Test
    void useAfterCloseNeverTouchesAReusedNumber() throws Exception {
        EventFd first = EventFd.open();
        int number = first.number();
        first.close();
        try (EventFd second = EventFd.open()) {
            assertThat(second.number()).as("the kernel reuses the lowest free number").isEqualTo(number);
            second.write(9);
            assertThatThrownBy(first::read).isInstanceOf(IllegalStateException.class);
            assertThat(second.read()).as("the closed object did not read the new eventfd").isEqualTo(9);
        }
    }

    @Test
    void concurrentClosesCloseExactlyOnce() throws Exception {
        for (int round = 0; round < 200; round++) {
            EventFd e = EventFd.open();
            CountDownLatch go = new CountDownLatch(1);
            Thread[] closers = new Thread[4];
            for (int i = 0; i < closers.length; i++) {
                closers[i] = Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                    e.close();
                });
            }
            go.countDown();
            for (Thread t : closers) {
                t.join();
            }
            assertThat(e.isOpen()).isFalse();
        }
        // a double close(2) would have closed a number in use by now; NoFdLeaks and the JVM would notice
    }
}

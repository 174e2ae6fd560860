package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.fdloop.EventLoop;
import org.junit.jupiter.api.Test;

class LoopDriverTest {
    @Test
    void aFailingDriverStopsTheLoopAndItsFailureIsRethrownAfterwards() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            AtomicBoolean patienceRanOut = new AtomicBoolean();
            // something to wait for, so that run() ends early only by the driver's stop()
            loop.schedule(Duration.ofSeconds(30), t -> patienceRanOut.set(true));
            IOException boom = new IOException("the device went away");
            LoopDriver driver = LoopDriver.start("failing-driver", running -> {
                throw boom;
            });
            driver.go(loop);
            loop.run();
            driver.stop();
            assertThat(patienceRanOut).as("run() ended by the driver's stop, not by the timer").isFalse();
            assertThatThrownBy(driver::rethrowFailure).isSameAs(boom);
        }
    }

    @Test
    void whatFailsOnceStopHasBegunIsNoFailure() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            LoopDriver driver = LoopDriver.start("stopped-driver", running -> {
                while (running.getAsBoolean()) {
                    Thread.onSpinWait();
                }
                throw new IOException("a write cut short by the interrupt");
            });
            driver.go(loop);
            driver.stop();
            assertThatNoException().isThrownBy(driver::rethrowFailure);
        }
    }

    @Test
    void aDriverStoppedBeforeGoNeverRunsItsWork() throws Exception {
        AtomicBoolean ran = new AtomicBoolean();
        LoopDriver driver = LoopDriver.start("unused-driver", running -> ran.set(true));
        driver.stop();
        assertThat(ran).isFalse();
        assertThatNoException().isThrownBy(driver::rethrowFailure);
    }
}

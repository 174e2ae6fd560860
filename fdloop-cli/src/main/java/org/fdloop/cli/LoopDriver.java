package org.fdloop.cli;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.fdloop.EventLoop;

/**
 * The thread beside a command's loop that makes the events the loop shows (key presses, file
 * changes, signals). Start it before the loop blocks its signals in the calling thread, so that it
 * keeps the JVM's mask; its work begins at {@link #go}. When the work fails, the driver stops the
 * loop and keeps the failure for {@link #rethrowFailure}; what fails after {@link #stop} began (an
 * interrupted file write) is not a failure.
 */
final class LoopDriver {
    /** The driver's work: it runs while {@code running} says so; an interrupt ends it too. */
    interface Work {
        void run(BooleanSupplier running) throws IOException, InterruptedException;
    }

    private final CountDownLatch go = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;
    /** The loop to stop when the work fails; set by {@link #go}. */
    private volatile EventLoop loop;
    /** Why the work ended before its time, or null. */
    private volatile IOException failure;

    private LoopDriver(String name, Work work) {
        thread = Thread.ofPlatform().name(name).unstarted(() -> drive(work));
    }

    /** Starts the thread {@code name}; its work waits for {@link #go}. */
    static LoopDriver start(String name, Work work) {
        LoopDriver driver = new LoopDriver(name, work);
        driver.thread.start();
        return driver;
    }

    /** Lets the work begin; a failure from now on stops {@code loop}. */
    void go(EventLoop loop) {
        this.loop = loop;
        go.countDown();
    }

    /** Ends the work and waits until the thread has ended; again is harmless. */
    void stop() throws InterruptedException {
        running = false;
        go.countDown();
        thread.interrupt();
        thread.join();
    }

    /** Throws what ended the work before its time, if anything did. */
    void rethrowFailure() throws IOException {
        IOException e = failure;
        if (e != null) {
            throw e;
        }
    }

    private void drive(Work work) {
        try {
            go.await();
            if (running) {
                work.run(() -> running);
            }
        } catch (InterruptedException e) {
            // stopped: Ctrl-C, or the loop ended first, ignoring
        } catch (IOException e) {
            if (!running) {
                return; // stop() interrupted an operation (a file write throws ClosedByInterruptException), ignoring
            }
            failure = e;
            EventLoop l = loop;
            if (l != null) {
                l.stop();
            }
        }
    }
}

package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.fdloop.fd.Fifo;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 virtual threads, each parked on a pipe (a FIFO) of its own, with the default scheduler: all
 * woken and finished, and JFR sees no virtual thread pinned to its carrier meanwhile.
 */
@ExtendWith(NoFdLeaks.class)
class VirtualThreadScaleTest {
    private static final int THREADS = 10_000;

    @TempDir
    Path dir;

    @Test
    void tenThousandVirtualThreadsParkOnTheirOwnPipesAndAllFinishUnpinned() throws Exception {
        List<RecordedEvent> pinned = recordPinning(this::wakeTenThousand);
        assertThat(pinned).as("jdk.VirtualThreadPinned events while the threads parked and woke").isEmpty();
    }

    /**
     * Each thread waits on a FIFO of its own, a named pipe: one descriptor each, where an anonymous
     * pipe takes two and 10,000 of them would need more than this machine's RLIMIT_NOFILE of 20,000
     * (a hard limit that a process without CAP_SYS_RESOURCE cannot raise). A FIFO that no writer
     * has opened yet is not readable, so each thread parks until the test opens it for writing,
     * writes its byte and closes it again.
     */
    private void wakeTenThousand() throws Exception {
        List<Fifo> fifos = new ArrayList<>(THREADS);
        List<Thread> threads = new ArrayList<>(THREADS);
        AtomicIntegerArray read = new AtomicIntegerArray(THREADS);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try {
            for (int i = 0; i < THREADS; i++) {
                Path path = dir.resolve("fifo-" + i);
                Fifo.create(path);
                fifos.add(Fifo.openForReading(path));
            }
            for (int i = 0; i < THREADS; i++) {
                int index = i;
                Fifo fifo = fifos.get(i);
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        fifo.awaitReadable(Duration.ofDays(1));
                        read.set(index, fifo.inputStream().read());
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }));
            }
            long deadline = System.nanoTime() + 6 * Ready.PATIENCE.toNanos();
            for (Thread t : threads) {
                while (t.getState() != Thread.State.TIMED_WAITING) {
                    assertThat(System.nanoTime() - deadline).as("every thread parks; %s is %s", t, t.getState()).isNegative();
                    Thread.sleep(1);
                }
            }
            for (int i = 0; i < THREADS; i++) {
                try (Fifo writer = Fifo.openForWriting(fifos.get(i).path())) {
                    assertThat(writer.write(ByteBuffer.wrap(new byte[] {(byte) (i % 251)}))).isEqualTo(1);
                }
            }
            for (Thread t : threads) {
                assertThat(t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))).as("%s finished", t).isTrue();
            }
            assertThat(failure.get()).isNull();
            for (int i = 0; i < THREADS; i++) {
                assertThat(read.get(i)).as("thread %d read its own byte", i).isEqualTo(i % 251);
            }
        } finally {
            fifos.forEach(Fifo::close);
        }
    }

    @Test
    void theRecordingSeesAVirtualThreadThatParksPinned() throws Exception {
        // the check above is worth something only if JFR reports a pin here: a virtual thread that
        // parks inside a class initializer cannot leave its carrier
        List<RecordedEvent> pinned = recordPinning(() -> {
            Thread t = Thread.ofVirtual().start(() -> assertThat(ParksInItsInitializer.DONE).isTrue());
            assertThat(t.join(Ready.PATIENCE)).isTrue();
        });
        assertThat(pinned).isNotEmpty();
    }

    static final class ParksInItsInitializer {
        static final boolean DONE;

        static {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            DONE = true;
        }
    }

    interface Run {
        void run() throws Exception;
    }

    /** The jdk.VirtualThreadPinned events (threshold 0) recorded while {@code run} ran. */
    private List<RecordedEvent> recordPinning(Run run) throws Exception {
        Path file = dir.resolve("pinning.jfr");
        try (Recording recording = new Recording()) {
            recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
            recording.start();
            run.run();
            recording.stop();
            recording.dump(file);
        }
        try {
            return RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("jdk.VirtualThreadPinned"))
                    .toList();
        } finally {
            Files.deleteIfExists(file);
        }
    }

}

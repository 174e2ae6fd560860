package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fdloop.FileEvent.Kind.*;
import static org.fdloop.testing.Loops.runUntil;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.fdloop.internal.linux.Sysctl;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the loop reads its inotify: a few reads per iteration, each handed to the handlers before
 * the next, the queue settled even when the last read emptied it, and the rescan an overflow asks
 * for run once the queue is read empty, never while the loop is stopping.
 */
@ExtendWith(NoFdLeaks.class)
class FileWatchReadTest {
    private static final String MAX_QUEUED_EVENTS = "fs.inotify.max_queued_events";

    @TempDir
    Path dir;

    /**
     * Exactly {@link Watches#MAX_READS} full reads queued, the last event a MOVED_FROM out of the
     * tree: the iteration's reads end with it, no event follows to make the fd readable again, and
     * the move out must still be told (settled when the fd is found not readable any more).
     */
    @Test
    void aMoveOutThatEndsTheLastReadOfAnIterationIsStillReported() throws Exception {
        Path watched = Files.createDirectory(dir.resolve("watched"));
        Path outside = Files.createDirectory(dir.resolve("outside"));
        // names of 8 bytes: each event is 16 bytes of header and 16 of name, 2,048 to a read of 64 KiB
        int perRead = 64 * 1024 / 32;
        int events = perRead * Watches.MAX_READS;
        Path leaving = Files.createDirectory(watched.resolve("leaving0"));
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            loop.watch(watched, WatchSource.CHANGES, false, (s, e) -> seen.add(e));
            for (int i = 1; i < events; i++) {
                Files.createDirectory(watched.resolve(String.format("d%07d", i))); // one CREATE,ISDIR each
            }
            Files.move(leaving, outside.resolve("leaving0")); // the last event queued: MOVED_FROM
            runUntil(loop, () -> seen.size() >= events);
            assertThat(seen).hasSize(events);
            assertThat(seen.getLast().toString()).isEqualTo("MOVED_FROM,ISDIR " + leaving);
        }
    }

    /**
     * An overflow read while the loop is stopping reports OVERFLOW, and leaves its rescan (a
     * listing of the whole tree, long on a large one) to the next read that finds the queue empty
     * while the loop runs: before, every overflow of an iteration's reads listed the tree again at
     * once, and a loop stopped in a storm of overflows went on listing before it could return.
     */
    @Test
    void theRescanOfAnOverflowWaitsWhileTheLoopIsStoppingAndRunsOnceAfter() throws Exception {
        assertThat(Files.isWritable(Sysctl.path(MAX_QUEUED_EVENTS)))
                .as("this test lowers %s, which needs root: run the suite as root (CI does)", MAX_QUEUED_EVENTS).isTrue();
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            long old = Sysctl.read(MAX_QUEUED_EVENTS);
            WatchSource watch;
            try {
                Sysctl.write(MAX_QUEUED_EVENTS, 16); // taken when the loop's inotify is made, by the first watch
                watch = loop.watch(dir, WatchSource.CHANGES, true, (s, e) -> seen.add(e));
            } finally {
                Sysctl.write(MAX_QUEUED_EVENTS, old);
            }
            assertThat(Sysctl.read(MAX_QUEUED_EVENTS)).as("restored").isEqualTo(old);
            watch.setRescanOnOverflow(true);
            for (int i = 0; i < 40; i++) {
                Files.createDirectory(dir.resolve("d" + i)); // 40 CREATEs: the queue of 16 overflows
            }
            loop.stop();
            loop.runOnce(Duration.ZERO);
            assertThat(seen).as("the overflow is told").anyMatch(e -> e.kind() == OVERFLOW);
            assertThat(seen).as("nothing listed while stopping").noneMatch(FileEvent::scanned);
            assertThat(watch.watches.rescans).isZero();
            loop.run(); // returns at once, the stop taken

            // the next read that empties the queue runs the rescan
            Path marker = Files.createDirectory(dir.resolve("marker"));
            runUntil(loop, () -> seen.stream().filter(e -> e.kind() == CREATE).count() == 41);
            assertThat(watch.watches.rescans).as("one rescan for the overflow").isEqualTo(1);
            assertThat(seen.stream().filter(e -> e.kind() == CREATE).map(FileEvent::path).distinct().count()).isEqualTo(41);
            assertThat(seen).filteredOn(e -> e.kind() == CREATE && !e.scanned()).extracting(FileEvent::path).contains(marker);
        }
    }
}

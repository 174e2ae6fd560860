package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.fdloop.FileEvent.Kind.*;
import static org.fdloop.testing.Loops.runUntil;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.fdloop.fd.EventFd;
import org.fdloop.fd.LinuxException;
import org.fdloop.internal.linux.Constants;
import org.fdloop.internal.linux.LibC;
import org.fdloop.internal.linux.Sysctl;
import org.fdloop.testing.ChildProcess;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Recursive watches on real trees (issue 13): quiet trees stay quiet, before and after an
 * overflow; no path outside the tree, or no longer the tree's, is ever reported; an unreadable
 * directory is skipped. Quiet is checked with a marker: the tree's own inotify reports events in
 * the order the kernel queued them, so once a file made after everything else is reported, every
 * event queued before it has been read.
 */
@ExtendWith(NoFdLeaks.class)
class FileWatchTreeTest {
    private static final String MAX_QUEUED_EVENTS = "fs.inotify.max_queued_events";
    private static final int DIRECTORIES = 6000;

    @TempDir
    Path dir;

    /** Every kind that can be asked for: with OPEN, ACCESS and CLOSE_NOWRITE, which listing a directory causes. */
    private static final Set<FileEvent.Kind> EVERYTHING = EnumSet.copyOf(
            Stream.of(FileEvent.Kind.values()).filter(FileEvent.Kind::isWatchable).toList());

    @ParameterizedTest(name = "asking for {0}")
    @ValueSource(strings = {"changes", "everything"})
    void quietTreeOf6000DirectoriesReportsNothing(String asked) throws Exception {
        Path tree = quietTree();
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            WatchSource watch = loop.watch(tree, asked.equals("changes") ? WatchSource.CHANGES : EVERYTHING, true, (s, e) -> seen.add(e));
            watch.setRescanOnOverflow(true);
            assertThat(watch.watchCount()).isEqualTo(DIRECTORIES + 1);
            for (int round = 1; round <= 3; round++) { // a feedback loop would go on after the first round's marker
                Path marker = tree.resolve("marker" + round);
                Files.createDirectory(marker);
                runUntil(loop, () -> has(seen, CREATE, marker));
                assertThat(seen).as("round %d: nothing but the markers", round)
                        .allSatisfy(e -> assertThat(e.path().getFileName().toString()).startsWith("marker"));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() - deadline < 0) {
                loop.runOnce(Duration.ofMillis(100));
            }
            assertThat(seen).extracting(FileEvent::toString).as("the markers' directories only")
                    .containsExactly("CREATE,ISDIR " + tree.resolve("marker1"), "CREATE,ISDIR " + tree.resolve("marker2"),
                            "CREATE,ISDIR " + tree.resolve("marker3"));
        }
    }

    @Test
    void quietTreeStaysQuietAfterAnOverflowAndTheRescanReportsEachChangedFileOnce() throws Exception {
        assumeRoot();
        Path tree = quietTree();
        Path noise = Files.createDirectory(tree.resolve("noise"));
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            WatchSource watch = lowQueueWatch(loop, tree, WatchSource.CHANGES, seen);
            // the loop reads nothing meanwhile: the kernel's queue of 16 overflows
            List<Path> files = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                files.add(Files.createFile(noise.resolve(String.format("f%03d", i))));
            }
            runUntil(loop, () -> has(seen, OVERFLOW, tree));
            Path marker = Files.createDirectory(tree.resolve("marker"));
            runUntil(loop, () -> has(seen, CREATE, marker));

            int overflow = indexOf(seen, OVERFLOW);
            assertThat(seen.subList(0, overflow)).as("what the kernel's queue held").hasSizeLessThanOrEqualTo(16)
                    .allSatisfy(e -> assertThat(e.scanned()).isFalse());
            List<FileEvent> rescan = seen.subList(overflow + 1, seen.size() - 1);
            assertThat(rescan).as("the rescan: scanned events about the noise files only, one per file")
                    .allSatisfy(e -> {
                        assertThat(e.scanned()).isTrue();
                        assertThat(e.path().getParent()).isEqualTo(noise);
                    })
                    .extracting(FileEvent::path).doesNotHaveDuplicates();
            List<FileEvent> reported = seen.subList(0, seen.size() - 1).stream().filter(e -> e.kind() == CREATE).toList();
            assertThat(reported).extracting(FileEvent::path).as("every file created, each once by the kernel or the rescan")
                    .containsExactlyInAnyOrderElementsOf(files);
            assertThat(seen.getLast().toString()).isEqualTo("CREATE,ISDIR " + marker);

            for (int round = 1; round <= 2; round++) {
                int before = seen.size();
                Path next = Files.createDirectory(tree.resolve("after" + round));
                runUntil(loop, () -> has(seen, CREATE, next));
                assertThat(seen.subList(before, seen.size())).extracting(FileEvent::toString).containsExactly("CREATE,ISDIR " + next);
            }
            assertThat(watch.watchCount()).isEqualTo(DIRECTORIES + 5);
        }
    }

    @Test
    void rescanReportsWhatWasDeletedChangedAndCreatedMeanwhileButNotWhatStayedTheSame() throws Exception {
        assumeRoot();
        Path same = Files.writeString(dir.resolve("same"), "1");
        Path changed = Files.writeString(dir.resolve("changed"), "1");
        Path gone = Files.writeString(dir.resolve("gone"), "1");
        Thread.sleep(300); // the files' times are then surely older than the watch's first read (margin 50 ms, a clock tick)
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            lowQueueWatch(loop, dir, WatchSource.CHANGES, seen);
            for (int i = 0; i < 20; i++) {
                Files.createFile(dir.resolve("noise" + i)); // CREATE and CLOSE_WRITE each: the queue of 16 is full
            }
            Files.writeString(changed, "2", StandardOpenOption.APPEND);
            Files.delete(gone);
            Path fresh = Files.createFile(dir.resolve("fresh"));
            runUntil(loop, () -> has(seen, OVERFLOW, dir));
            Path marker = Files.createDirectory(dir.resolve("marker"));
            runUntil(loop, () -> has(seen, CREATE, marker));

            List<String> rescan = seen.subList(indexOf(seen, OVERFLOW) + 1, seen.size()).stream()
                    .filter(e -> !e.path().getFileName().toString().startsWith("noise")).map(FileEvent::toString).toList();
            assertThat(rescan).containsExactly(
                    "MODIFY " + changed + " (scanned)", "CREATE " + fresh + " (scanned)", "DELETE " + gone + " (scanned)",
                    "CREATE,ISDIR " + marker);
            assertThat(seen).noneMatch(e -> e.path().equals(same));
        }
    }

    @Test
    void directoryMovedOutOfTheTreeReportsNothingMadeInItAfter() throws Exception {
        Path tree = Files.createDirectory(dir.resolve("tree"));
        Path sub = Files.createDirectories(tree.resolve("sub/deeper"));
        Path outside = Files.createDirectory(dir.resolve("outside"));
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            WatchSource watch = loop.watch(tree, WatchSource.CHANGES, true, (s, e) -> seen.add(e));
            // both before the loop reads: the file's CREATE comes in the same read as the MOVED_FROM
            Files.move(tree.resolve("sub"), outside.resolve("sub"));
            Files.writeString(outside.resolve("sub/deeper/made-after"), "x");
            Files.writeString(outside.resolve("sub/made-after"), "x");
            Path marker = Files.createFile(tree.resolve("marker"));
            runUntil(loop, () -> has(seen, CREATE, marker));
            assertThat(seen).extracting(FileEvent::toString).containsExactly(
                    "MOVED_FROM,ISDIR " + tree.resolve("sub"), "CREATE " + marker, "CLOSE_WRITE " + marker);
            assertThat(watch.watchCount()).isEqualTo(1);
            assertThat(sub).doesNotExist();
        }
    }

    @Test
    void rootRenamedEndsTheWatchAndADirectoryThatAppearsAtItsOldPathIsNeverReported() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root/sub")).getParent();
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            List<FileEvent> markers = new ArrayList<>();
            WatchSource watch = loop.watch(root, WatchSource.CHANGES, true, (s, e) -> seen.add(e));
            loop.watch(dir, EnumSet.of(CREATE), false, (s, e) -> markers.add(e));
            Path renamed = dir.resolve("renamed");
            Files.move(root, renamed);
            Files.createFile(renamed.resolve("sub/in-the-moved-tree"));
            Files.createDirectories(root.resolve("sub"));
            Files.createFile(root.resolve("sub/stranger"));
            Files.createFile(root.resolve("stranger"));
            Path marker = Files.createFile(dir.resolve("marker"));
            runUntil(loop, () -> has(markers, CREATE, marker));
            assertThat(seen).extracting(FileEvent::toString).containsExactly("MOVE_SELF " + root, "IGNORED " + root);
            assertThat(watch.hasEnded()).isTrue();
            assertThat(watch.watchCount()).isZero();
        }
    }

    @Test
    void directoryAboveTheRootRenamedEndsTheWatchWithoutAStalePath() throws Exception {
        Path root = Files.createDirectories(dir.resolve("above/root"));
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            List<FileEvent> markers = new ArrayList<>();
            WatchSource watch = loop.watch(root, WatchSource.CHANGES, true, (s, e) -> seen.add(e));
            loop.watch(dir, EnumSet.of(CREATE), false, (s, e) -> markers.add(e));
            Files.move(dir.resolve("above"), dir.resolve("moved"));
            Files.createFile(dir.resolve("moved/root/made-after")); // the kernel reports it; its path is not root/made-after
            Files.createDirectories(root);
            Files.createFile(root.resolve("stranger"));
            Path marker = Files.createFile(dir.resolve("marker"));
            runUntil(loop, () -> has(markers, CREATE, marker) && watch.hasEnded());
            assertThat(seen).extracting(FileEvent::toString).containsExactly("MOVE_SELF " + root, "IGNORED " + root);
        }
    }

    @Test
    void rootDeletedWithEverythingInItReportsEachDeletionThenTheEnd() throws Exception {
        Path root = Files.createDirectory(dir.resolve("root"));
        Path file = Files.createFile(root.resolve("file"));
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            WatchSource watch = loop.watch(root, WatchSource.CHANGES, true, (s, e) -> seen.add(e));
            Files.delete(file);
            Files.delete(root);
            runUntil(loop, watch::hasEnded);
            assertThat(seen).extracting(FileEvent::toString).containsExactly(
                    "DELETE " + file, "DELETE_SELF " + root, "IGNORED " + root);
        }
    }

    @Test
    void theWatchsOwnListingsAreNotReportedWhenReadEventsAreAskedFor() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree/a/b")).getParent().getParent();
        try (EventLoop loop = EventLoop.open()) {
            List<String> seen = new ArrayList<>();
            loop.watch(tree, EnumSet.of(CREATE, OPEN, ACCESS, CLOSE_NOWRITE), true, (s, e) -> seen.add(e.toString()));
            Files.createDirectories(tree.resolve("new/inner"));
            Path marker = Files.createDirectory(tree.resolve("marker"));
            runUntil(loop, () -> seen.contains("CREATE,ISDIR " + marker));
            try (Stream<Path> listing = Files.list(tree.resolve("a"))) {
                assertThat(listing.count()).isEqualTo(1); // the user's own listing: reported
            }
            runUntil(loop, () -> seen.contains("CLOSE_NOWRITE,ISDIR " + tree.resolve("a")));
            assertThat(seen.stream().distinct()).as("one ACCESS per getdents call").containsExactly(
                    "CREATE,ISDIR " + tree.resolve("new"), "CREATE,ISDIR " + tree.resolve("new/inner") + " (scanned)",
                    "CREATE,ISDIR " + marker, "OPEN,ISDIR " + tree.resolve("a"), "ACCESS,ISDIR " + tree.resolve("a"),
                    "CLOSE_NOWRITE,ISDIR " + tree.resolve("a"));
        }
    }

    @Test
    void unreadableDirectoriesAreSkippedOnceEachAndTheRestOfTheTreeIsWatched() throws Exception {
        Path output = dir.resolve("probe-output");
        Files.createDirectory(output);
        List<String> command = new ArrayList<>(List.of("setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"));
        command.addAll(ChildProcess.java(List.of(), UnreadableTreeProbe.class, dir.resolve("work").toString()));
        ChildProcess.Result result = ChildProcess.run(command, output, Ready.PATIENCE.multipliedBy(2)).succeeded();
        List<String> lines = result.output().lines().filter(l -> l.startsWith("probe: ")).map(l -> l.substring(7)).toList();
        Path tree = dir.resolve("work/tree");
        assertThat(lines).as("the child's report:\n%s", result.output()).containsExactly(
                "cannot list " + tree.resolve("locked") + ": capabilities dropped",
                "watching " + tree + ": 3 watches",
                "SKIPPED,ISDIR " + tree.resolve("locked") + " (inotify_add_watch(EACCES))",
                "CREATE " + tree.resolve("open/a/file"),
                "CLOSE_WRITE " + tree.resolve("open/a/file"),
                "MOVED_TO,ISDIR " + tree.resolve("later"),
                "SKIPPED,ISDIR " + tree.resolve("later") + " (inotify_add_watch(EACCES))",
                "CREATE " + tree.resolve("marker"),
                "CLOSE_WRITE " + tree.resolve("marker"),
                "watching " + tree + ": 3 watches");
    }

    @Test
    void recursiveWatchOutOfDescriptorsFailsWithTheErrno() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree/a")).getParent();
        long[] before = LibC.getrlimit(Constants.RLIMIT_NOFILE);
        try (EventLoop loop = EventLoop.open()) {
            loop.watch(dir, EnumSet.of(CREATE), true, (s, e) -> {}).close(); // everything the watch needs is loaded
            loop.watch(dir, EnumSet.of(CREATE), false, (s, e) -> {}); // and the loop's inotify is open
            // and the classes of a failure (loading a class takes a descriptor too)
            assertThat(catchThrowable(() -> LibC.open(dir.resolve("missing").toString(), Constants.O_RDONLY, 0, "open")))
                    .isInstanceOf(LinuxException.class).hasMessageContaining("ENOENT");
            long lowestFree;
            try (EventFd probe = EventFd.open()) {
                lowestFree = probe.number();
            }
            Throwable failure;
            LibC.setrlimit(Constants.RLIMIT_NOFILE, lowestFree, before[1]); // not one more descriptor
            try {
                failure = catchThrowable(() -> loop.watch(tree, EnumSet.of(CREATE), true, (s, e) -> {}));
            } finally {
                LibC.setrlimit(Constants.RLIMIT_NOFILE, before[0], before[1]);
            }
            assertThat(failure).isInstanceOfSatisfying(LinuxException.class, e -> {
                assertThat(e.errnoName()).isEqualTo("EMFILE");
                assertThat(e.getMessage()).startsWith("open(" + tree + ", O_RDONLY): EMFILE (Too many open files)");
            });
        } finally {
            LibC.setrlimit(Constants.RLIMIT_NOFILE, before[0], before[1]);
        }
        assertThat(LibC.getrlimit(Constants.RLIMIT_NOFILE)).as("restored").containsExactly(before);
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** A tree of {@link #DIRECTORIES} directories: 60 with 99 below each. */
    private Path quietTree() throws Exception {
        Path tree = Files.createDirectory(dir.resolve("tree"));
        for (int i = 0; i < 60; i++) {
            Path top = Files.createDirectory(tree.resolve("d" + i));
            for (int j = 0; j < DIRECTORIES / 60 - 1; j++) {
                Files.createDirectory(top.resolve("e" + j));
            }
        }
        return tree;
    }

    /** A watch on a new loop's inotify, whose queue holds 16 events; the sysctl is restored at once. */
    private static WatchSource lowQueueWatch(EventLoop loop, Path root, Set<FileEvent.Kind> kinds, List<FileEvent> seen) throws Exception {
        long old = Sysctl.read(MAX_QUEUED_EVENTS);
        WatchSource watch;
        try {
            Sysctl.write(MAX_QUEUED_EVENTS, 16); // taken when the loop's inotify is made, by the first watch
            watch = loop.watch(root, kinds, true, (s, e) -> seen.add(e));
        } finally {
            Sysctl.write(MAX_QUEUED_EVENTS, old);
        }
        assertThat(Sysctl.read(MAX_QUEUED_EVENTS)).as("restored").isEqualTo(old);
        watch.setRescanOnOverflow(true);
        return watch;
    }

    private static boolean has(List<FileEvent> events, FileEvent.Kind kind, Path path) {
        return events.stream().anyMatch(e -> e.kind() == kind && e.path().equals(path));
    }

    private static int indexOf(List<FileEvent> events, FileEvent.Kind kind) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).kind() == kind) {
                return i;
            }
        }
        throw new AssertionError("no " + kind + " in " + events.stream().map(FileEvent::toString).collect(Collectors.joining("\n")));
    }

    private static void assumeRoot() {
        assertThat(Files.isWritable(Sysctl.path(MAX_QUEUED_EVENTS)))
                .as("this test lowers %s, which needs root: run the suite as root (CI does)", MAX_QUEUED_EVENTS).isTrue();
    }
}

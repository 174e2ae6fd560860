package org.fdloop;

import static org.fdloop.testing.Ready.PATIENCE;
import static org.fdloop.testing.Loops.runUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fdloop.FileEvent.Kind.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.fdloop.fd.Inotify;
import org.fdloop.fd.LinuxException;
import org.fdloop.internal.linux.Sysctl;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NoFdLeaks.class)
class FileWatchTest {
    private static final String MAX_USER_WATCHES = "fs.inotify.max_user_watches";
    private static final String MAX_QUEUED_EVENTS = "fs.inotify.max_queued_events";
    private static final Set<FileEvent.Kind> TREE = EnumSet.of(CREATE, DELETE, MOVE);

    @TempDir
    Path dir;

    // ---- what is reported ---------------------------------------------------------------------

    @Test
    void fileCreatedWrittenClosedAndDeletedIsReportedWithItsFullPath() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            loop.watch(dir, EnumSet.of(CREATE, MODIFY, CLOSE_WRITE, DELETE), false, (s, e) -> seen.add(e));
            Path file = dir.resolve("notes.txt");
            Files.writeString(file, "hello");
            Files.delete(file);
            runUntil(loop, () -> has(seen, DELETE, file));
            assertThat(seen).extracting(FileEvent::toString).containsExactly(
                    "CREATE " + file, "MODIFY " + file, "CLOSE_WRITE " + file, "DELETE " + file);
            assertThat(seen).allSatisfy(e -> {
                assertThat(e.directory()).isFalse();
                assertThat(e.scanned()).isFalse();
                assertThat(e.cookie()).isZero();
                assertThat(e.from()).isNull();
            });
        }
    }

    @Test
    void eachWatchHandlerIsCountedAndTimedOnceAndTheInotifyCarrierNot() throws Exception {
        try (EventLoop loop = EventLoop.builder().timing(true).build()) {
            List<FileEvent> seen = new ArrayList<>();
            // before the carrier stopped recording, its time held the watch handler's and it was the slowest
            loop.watch(dir, EnumSet.of(CREATE), false, (s, e) -> seen.add(e)).named("slow watch");
            long before = loop.stats().eventsDispatched();
            Files.writeString(dir.resolve("one"), "1");
            runUntil(loop, () -> seen.size() == 1);
            LoopStats stats = loop.stats();
            assertThat(stats.eventsDispatched() - before).as("one handler ran: the watch's, not also its carrier").isEqualTo(1);
            assertThat(java.util.Arrays.stream(stats.handlerHistogram()).sum()).as("one handler timed").isEqualTo(1);
            assertThat(stats.slowestHandlerSource()).isEqualTo("slow watch");
        }
    }

    @Test
    void watchesAreDispatchedFromThePendingListByPriorityNotInTheKernelsOrder() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        try (EventLoop loop = EventLoop.open()) {
            List<String> order = new ArrayList<>();
            loop.watch(a, EnumSet.of(CREATE), false, (s, e) -> order.add("a " + e.path().getFileName())).setPriority(5);
            loop.watch(b, EnumSet.of(CREATE), false, (s, e) -> order.add("b " + e.path().getFileName())).setPriority(-5);
            IoSource other = loop.onReadable(org.fdloop.fd.EventFd.open(), (s, events) -> {
                ((org.fdloop.fd.EventFd) s.fd()).read();
                order.add("eventfd");
            });
            ((org.fdloop.fd.EventFd) other.fd()).write(1);
            Files.createFile(a.resolve("1")); // queued by the kernel before b's
            Files.createFile(a.resolve("2"));
            Files.createFile(b.resolve("3"));
            runUntil(loop, () -> order.size() == 4);
            assertThat(order).as("one iteration: b (-5), the eventfd (0), a (5); each watch's events in the kernel's order")
                    .containsExactly("b 3", "eventfd", "a 1", "a 2");
            other.close();
            other.fd().close();
        }
    }

    @Test
    void watchOfAFileReportsChangesToTheFileItself() throws Exception {
        Path file = Files.writeString(dir.resolve("config"), "a=1");
        try (EventLoop loop = EventLoop.open()) {
            List<String> seen = new ArrayList<>();
            WatchSource watch = loop.watch(file, EnumSet.of(MODIFY, ATTRIB, DELETE_SELF), false, (s, e) -> seen.add(e.toString()));
            Files.writeString(file, "a=2", StandardOpenOption.APPEND);
            Files.delete(file);
            runUntil(loop, watch::hasEnded);
            assertThat(seen).containsExactly("MODIFY " + file, "ATTRIB " + file, "DELETE_SELF " + file, "IGNORED " + file);
            assertThat(watch.watchCount()).as("the kernel removed the watch").isZero();
        }
    }

    @Test
    void nonRecursiveWatchDoesNotSeeGrandchildren() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            WatchSource watch = loop.watch(dir, EnumSet.of(CREATE), false, (s, e) -> seen.add(e));
            Files.createFile(sub.resolve("grandchild"));
            Files.createDirectory(dir.resolve("child"));
            Files.createFile(dir.resolve("child").resolve("grandchild"));
            Path marker = Files.createFile(dir.resolve("marker"));
            runUntil(loop, () -> has(seen, CREATE, marker));
            assertThat(seen).extracting(FileEvent::toString)
                    .containsExactly("CREATE,ISDIR " + dir.resolve("child"), "CREATE " + marker);
            assertThat(watch.watchCount()).isEqualTo(1);
        }
    }

    @Test
    void recursiveWatchWatchesADirectoryCreatedLaterAndReportsWhatWasCreatedInItBeforeItsWatch() throws Exception {
        Files.createDirectories(dir.resolve("old/deep"));
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            WatchSource watch = loop.watch(dir, TREE, true, (s, e) -> seen.add(e));
            assertThat(watch.watchCount()).as("the root and the two directories below it").isEqualTo(3);
            // all of this happens before the loop reads the CREATE of "new": its watch cannot exist yet
            Path nested = Files.createDirectories(dir.resolve("new/a/b"));
            Files.createFile(dir.resolve("new/first"));
            Files.createFile(nested.resolve("second"));
            Files.createFile(dir.resolve("old/deep/third"));
            runUntil(loop, () -> has(seen, CREATE, nested.resolve("second")));
            assertThat(watch.watchCount()).isEqualTo(6);

            Path late = Files.createFile(nested.resolve("late"));
            runUntil(loop, () -> has(seen, CREATE, late));
            assertThat(seen).extracting(FileEvent::toString).containsExactly(
                    "CREATE,ISDIR " + dir.resolve("new"),
                    "CREATE,ISDIR " + dir.resolve("new/a") + " (scanned)",
                    "CREATE " + dir.resolve("new/first") + " (scanned)",
                    "CREATE,ISDIR " + nested + " (scanned)",
                    "CREATE " + nested.resolve("second") + " (scanned)",
                    "CREATE " + dir.resolve("old/deep/third"),
                    "CREATE " + late);
        }
    }

    @Test
    void filesCreatedRightAfterTheirDirectoryAreReportedExactlyOnce() throws Exception {
        int directories = 30;
        int files = 40;
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            loop.watch(dir, EnumSet.of(CREATE), true, (s, e) -> seen.add(e));
            // A writer races the loop: each file lands before its directory's watch exists (found by
            // the listing), between the watch and the listing (both: reported once), or after (the watch).
            AtomicBoolean done = new AtomicBoolean();
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    for (int d = 0; d < directories; d++) {
                        Path sub = Files.createDirectories(dir.resolve("d" + d).resolve("inner"));
                        for (int f = 0; f < files; f++) {
                            Files.createFile(sub.resolve("f" + f));
                            Files.createFile(sub.getParent().resolve("g" + f));
                        }
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                } finally {
                    done.set(true);
                }
            });
            try {
                runUntil(loop, done::get);
            } finally {
                writer.join();
            }
            Path marker = Files.createFile(dir.resolve("marker"));
            runUntil(loop, () -> has(seen, CREATE, marker));

            List<Path> expected = new ArrayList<>();
            for (int d = 0; d < directories; d++) {
                expected.add(dir.resolve("d" + d));
                expected.add(dir.resolve("d" + d).resolve("inner"));
                for (int f = 0; f < files; f++) {
                    expected.add(dir.resolve("d" + d).resolve("inner").resolve("f" + f));
                    expected.add(dir.resolve("d" + d).resolve("g" + f));
                }
            }
            expected.add(marker);
            assertThat(seen).extracting(FileEvent::path).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    @Test
    void nestedTreeMovedInIsWatchedAndWhatIsInItIsReported() throws Exception {
        Path watched = Files.createDirectory(dir.resolve("watched"));
        Path outside = Files.createDirectories(dir.resolve("outside/tree/a/b"));
        Files.createFile(outside.resolve("file"));
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            WatchSource watch = loop.watch(watched, TREE, true, (s, e) -> seen.add(e));
            Path tree = watched.resolve("tree");
            Files.move(dir.resolve("outside/tree"), tree);
            runUntil(loop, () -> has(seen, CREATE, tree.resolve("a/b/file")));
            assertThat(watch.watchCount()).as("the root, tree, a and b").isEqualTo(4);

            Path inside = Files.createFile(tree.resolve("a/b/inside"));
            runUntil(loop, () -> has(seen, CREATE, inside));
            assertThat(seen).extracting(FileEvent::toString).containsExactly(
                    "MOVED_TO,ISDIR " + tree,
                    "CREATE,ISDIR " + tree.resolve("a") + " (scanned)",
                    "CREATE,ISDIR " + tree.resolve("a/b") + " (scanned)",
                    "CREATE " + tree.resolve("a/b/file") + " (scanned)",
                    "CREATE " + inside);
            assertThat(seen.get(0).cookie()).as("a rename's cookie, though its other half was outside").isNotZero();
        }
    }

    @Test
    void renameInsideTheTreeIsOneEventWithBothPaths() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        Path file = Files.createFile(a.resolve("old.txt"));
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            loop.watch(dir, EnumSet.of(MOVE), true, (s, e) -> seen.add(e));
            Path moved = b.resolve("new.txt");
            Files.move(file, moved);
            runUntil(loop, () -> !seen.isEmpty());
            Files.move(moved, b.resolve("renamed.txt")); // within one directory
            runUntil(loop, () -> seen.size() == 2);
            assertThat(seen).extracting(FileEvent::toString).containsExactly(
                    "MOVE " + file + " -> " + moved,
                    "MOVE " + moved + " -> " + b.resolve("renamed.txt"));
            assertThat(seen.get(0).kind()).isEqualTo(MOVE);
            assertThat(seen.get(0).from()).isEqualTo(file);
            assertThat(seen.get(0).path()).isEqualTo(moved);
            assertThat(seen.get(0).cookie()).isNotZero();
        }
    }

    @Test
    void directoryRenamedInsideTheTreeIsFollowedUnderItsNewPath() throws Exception {
        Files.createDirectories(dir.resolve("a/inner"));
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            WatchSource watch = loop.watch(dir, TREE, true, (s, e) -> seen.add(e));
            Files.createDirectory(dir.resolve("b"));
            runUntil(loop, () -> watch.watchCount() == 4); // b is watched before the rename goes into it
            Files.move(dir.resolve("a"), dir.resolve("b/c"));
            Path file = Files.createFile(dir.resolve("b/c/inner/file"));
            runUntil(loop, () -> seen.size() == 3);
            assertThat(seen).extracting(FileEvent::toString).containsExactly(
                    "CREATE,ISDIR " + dir.resolve("b"),
                    "MOVE,ISDIR " + dir.resolve("a") + " -> " + dir.resolve("b/c"),
                    "CREATE " + file);
            assertThat(watch.watchCount()).as("the root, b, b/c and b/c/inner").isEqualTo(4);
        }
    }

    @Test
    void askingForOneHalfOfARenameGetsTheWholeRename() throws Exception {
        Path tmp = Files.createFile(dir.resolve("upload.tmp"));
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            loop.watch(dir, EnumSet.of(MOVED_TO), false, (s, e) -> seen.add(e));
            Files.move(tmp, dir.resolve("upload.pdf"));
            runUntil(loop, () -> !seen.isEmpty());
            assertThat(seen).extracting(FileEvent::toString).containsExactly("MOVE " + tmp + " -> " + dir.resolve("upload.pdf"));
        }
    }

    @Test
    void renameOutOfTheTreeIsReportedAndAMovedOutDirectoryIsDropped() throws Exception {
        Path watched = Files.createDirectory(dir.resolve("watched"));
        Path outside = Files.createDirectory(dir.resolve("outside"));
        Path file = Files.createFile(watched.resolve("file"));
        Path sub = Files.createDirectories(watched.resolve("sub/deeper"));
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            WatchSource watch = loop.watch(watched, TREE, true, (s, e) -> seen.add(e));
            assertThat(watch.watchCount()).isEqualTo(3);
            Files.move(file, outside.resolve("file"));
            Files.move(watched.resolve("sub"), outside.resolve("sub"));
            runUntil(loop, () -> seen.size() == 2);
            assertThat(watch.watchCount()).as("sub and sub/deeper are no longer watched").isEqualTo(1);

            Files.createFile(outside.resolve("sub/deeper/gone")); // no longer in the tree
            Path marker = Files.createFile(watched.resolve("marker"));
            runUntil(loop, () -> has(seen, CREATE, marker));
            assertThat(seen).extracting(FileEvent::toString).containsExactly(
                    "MOVED_FROM " + file, "MOVED_FROM,ISDIR " + watched.resolve("sub"), "CREATE " + marker);
            assertThat(seen.get(0).cookie()).isNotZero();
            assertThat(sub).doesNotExist();
        }
    }

    @Test
    void deletedDirectoryIsDroppedAndDeletedRootEndsTheWatch() throws Exception {
        Path root = Files.createDirectory(dir.resolve("root"));
        Path sub = Files.createDirectory(root.resolve("sub"));
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            WatchSource watch = loop.watch(root, EnumSet.of(DELETE, DELETE_SELF), true, (s, e) -> seen.add(e));
            Files.delete(sub);
            runUntil(loop, () -> watch.watchCount() == 1);
            Files.delete(root);
            runUntil(loop, watch::hasEnded);
            assertThat(seen).extracting(FileEvent::toString).containsExactly(
                    "DELETE,ISDIR " + sub, "DELETE_SELF " + root, "IGNORED " + root);
            assertThat(watch.watchCount()).isZero();
            assertThat(watch.isClosed()).as("ended, but closing it is the user's choice").isFalse();
        }
    }

    @Test
    void twoWatchesOfTheSameDirectoryShareItsWatchAndEachGetsWhatItAskedFor() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            List<String> creates = new ArrayList<>();
            List<String> deletes = new ArrayList<>();
            WatchSource first = loop.watch(dir, EnumSet.of(CREATE), false, (s, e) -> creates.add(e.toString()));
            WatchSource second = loop.watch(dir, EnumSet.of(DELETE), true, (s, e) -> deletes.add(e.toString()));
            assertThat(watchDescriptors(loop)).as("one inode, one watch").hasSize(1);
            Path file = Files.createFile(dir.resolve("f"));
            Files.delete(file);
            runUntil(loop, () -> !deletes.isEmpty());
            assertThat(creates).containsExactly("CREATE " + file);
            assertThat(deletes).containsExactly("DELETE " + file);

            first.close();
            assertThat(watchDescriptors(loop)).as("the other watch still needs it").hasSize(1);
            Files.createFile(file);
            Files.delete(file);
            runUntil(loop, () -> deletes.size() == 2);
            assertThat(creates).as("closed: nothing more").hasSize(1);
            second.close();
        }
    }

    @Test
    void closingAWatchRemovesItsWatchesAndTheLastOneClosesTheInotify() throws Exception {
        Path one = Files.createDirectories(dir.resolve("one/a/b"));
        Path two = Files.createDirectory(dir.resolve("two"));
        try (EventLoop loop = EventLoop.open()) {
            assertThat(loop.watchInotify()).as("opened with the first watch").isNull();
            List<FileEvent> seenOne = new ArrayList<>();
            List<FileEvent> seenTwo = new ArrayList<>();
            WatchSource first = loop.watch(dir.resolve("one"), EnumSet.of(CREATE), true, (s, e) -> seenOne.add(e));
            WatchSource second = loop.watch(two, EnumSet.of(CREATE), false, (s, e) -> seenTwo.add(e));
            Inotify inotify = loop.watchInotify();
            assertThat(watchDescriptors(loop)).hasSize(4);
            first.close();
            assertThat(first.watchCount()).isZero();
            assertThat(watchDescriptors(loop)).as("only the second watch's").hasSize(1);

            Files.createFile(one.resolve("after-close"));
            Path marker = Files.createFile(two.resolve("marker"));
            runUntil(loop, () -> !seenTwo.isEmpty());
            assertThat(seenOne).isEmpty();
            assertThat(seenTwo).extracting(FileEvent::path).containsExactly(marker);

            second.close();
            assertThat(inotify.isOpen()).as("closed with the last watch").isFalse();
            assertThat(loop.watchInotify()).isNull();
            assertThat(inotifyFds()).isZero();
            assertThat(loop.runOnce(Duration.ZERO)).isZero();
        }
    }

    @Test
    void closingTheLoopClosesItsWatchesAndTheInotify() throws Exception {
        WatchSource watch;
        try (EventLoop loop = EventLoop.open()) {
            watch = loop.watch(dir, EnumSet.of(CREATE), true, (s, e) -> {});
            assertThat(inotifyFds()).isEqualTo(1);
        }
        assertThat(watch.isClosed()).isTrue();
        assertThat(inotifyFds()).isZero();
    }

    @Test
    void runReturnsOnceNoWatchIsEnabled() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            loop.watch(dir, EnumSet.of(CREATE), false, (s, e) -> {
                seen.add(e);
                s.close();
            });
            loop.watch(dir, EnumSet.of(DELETE), false, (s, e) -> {}).disable(); // keeps the inotify open, not the loop
            Files.createFile(dir.resolve("one"));
            Files.createFile(dir.resolve("two"));
            AtomicBoolean watchdogFired = new AtomicBoolean();
            Thread watchdog = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(PATIENCE);
                    watchdogFired.set(true);
                    loop.stop();
                } catch (InterruptedException e) {
                    // the loop returned by itself
                }
            });
            try {
                loop.run(); // the shared inotify does not keep it going
            } finally {
                watchdog.interrupt();
                watchdog.join();
            }
            assertThat(watchdogFired).as("run() returned by itself").isFalse();
            assertThat(seen).extracting(FileEvent::path).as("closed after the first").containsExactly(dir.resolve("one"));
        }
    }

    @Test
    void disabledWatchDropsEventsButKeepsFollowingItsTree() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            WatchSource watch = loop.watch(dir, EnumSet.of(CREATE), true, (s, e) -> seen.add(e));
            watch.disable();
            Path sub = Files.createDirectory(dir.resolve("sub"));
            runUntil(loop, () -> watch.watchCount() == 2);
            watch.enable();
            Path file = Files.createFile(sub.resolve("file"));
            runUntil(loop, () -> !seen.isEmpty());
            assertThat(seen).extracting(FileEvent::path).containsExactly(file);
        }
    }

    @Test
    void handlerThatThrowsIsDisabledAndToldOnceAndEnableResumesIt() throws Exception {
        List<String> errors = new ArrayList<>();
        try (EventLoop loop = EventLoop.builder().errorHandler((s, e) -> errors.add(s.name() + ": " + e.getMessage())).build()) {
            List<Path> seen = new ArrayList<>();
            WatchSource watch = loop.watch(dir, EnumSet.of(CREATE), false, (s, e) -> {
                seen.add(e.path());
                if (seen.size() == 1) {
                    throw new IllegalStateException("boom");
                }
            });
            Files.createFile(dir.resolve("a"));
            runUntil(loop, () -> seen.size() == 1);
            assertThat(errors).containsExactly("watch " + dir + ": boom");
            assertThat(watch.isEnabled()).as("a failing source is disabled (ErrorHandler's policy)").isFalse();
            watch.enable();
            Path b = Files.createFile(dir.resolve("b"));
            runUntil(loop, () -> seen.size() == 2);
            assertThat(seen.get(1)).isEqualTo(b);
            assertThat(errors).hasSize(1);
        }
    }

    // ---- overflow -----------------------------------------------------------------------------

    @Test
    void overflowReachesEveryWatchAndARescanReportsTheFilesItDidNotKnow() throws Exception {
        assumeRoot(MAX_QUEUED_EVENTS);
        Path busy = Files.createDirectory(dir.resolve("busy"));
        Path quiet = Files.createDirectory(dir.resolve("quiet"));
        try (EventLoop loop = EventLoop.open()) {
            Map<String, List<FileEvent>> seen = new HashMap<>(Map.of("busy", new ArrayList<>(), "quiet", new ArrayList<>()));
            long old = Sysctl.read(MAX_QUEUED_EVENTS);
            WatchSource busyWatch;
            try {
                Sysctl.write(MAX_QUEUED_EVENTS, 16);
                // the first watch opens the loop's inotify, which takes the queue length now
                busyWatch = loop.watch(busy, EnumSet.of(CREATE), true, (s, e) -> seen.get("busy").add(e));
            } finally {
                Sysctl.write(MAX_QUEUED_EVENTS, old);
            }
            assertThat(Sysctl.read(MAX_QUEUED_EVENTS)).as("restored").isEqualTo(old);
            busyWatch.setRescanOnOverflow(true);
            loop.watch(quiet, EnumSet.of(CREATE), false, (s, e) -> seen.get("quiet").add(e));

            List<String> names = IntStream.range(0, 100).mapToObj(i -> "f" + i).toList();
            for (String name : names) {
                Files.createFile(busy.resolve(name));
            }
            runUntil(loop, () -> has(seen.get("quiet"), OVERFLOW, quiet) && seen.get("busy").size() == 16 + 1 + 84);

            List<FileEvent> events = seen.get("busy");
            assertThat(events.subList(0, 16)).as("what the queue held")
                    .extracting(FileEvent::toString).containsExactlyElementsOf(names.subList(0, 16).stream().map(n -> "CREATE " + busy.resolve(n)).toList());
            assertThat(events.get(16).toString()).isEqualTo("OVERFLOW " + busy);
            assertThat(events.subList(17, events.size())).as("the rescan: every file the watch did not know, once, in name order")
                    .extracting(FileEvent::toString)
                    .containsExactlyElementsOf(names.subList(16, 100).stream().sorted().map(n -> "CREATE " + busy.resolve(n) + " (scanned)").toList());
            assertThat(seen.get("quiet")).extracting(FileEvent::toString).containsExactly("OVERFLOW " + quiet);

            Path after = Files.createFile(busy.resolve("after"));
            runUntil(loop, () -> has(seen.get("busy"), CREATE, after));
            assertThat(events).hasSize(16 + 1 + 84 + 1);
        }
    }

    // ---- limits and errors --------------------------------------------------------------------

    @Test
    void watchOfAMissingPathIsAClearErrorAndLeavesNothingOpen() throws Exception {
        Path missing = dir.resolve("missing");
        try (EventLoop loop = EventLoop.open()) {
            for (boolean recursive : new boolean[] {false, true}) {
                assertThatThrownBy(() -> loop.watch(missing, EnumSet.of(CREATE), recursive, (s, e) -> {}))
                        .isInstanceOf(LinuxException.class)
                        .hasMessageContaining("inotify_add_watch(")
                        .hasMessageContaining(missing.toString())
                        .hasMessageContaining("ENOENT (No such file or directory)");
                assertThat(loop.watchInotify()).as("no watch: the inotify is closed again").isNull();
            }
        }
    }

    @Test
    void recursiveWatchThatHitsTheWatchLimitHalfwayTakesBackItsWatchesAndThrows() throws Exception {
        assumeRoot(MAX_USER_WATCHES);
        Path other = Files.createDirectory(dir.resolve("other"));
        Path tree = Files.createDirectory(dir.resolve("tree"));
        for (int i = 0; i < 20; i++) {
            Files.createDirectory(tree.resolve("d" + i));
        }
        try (EventLoop loop = EventLoop.open()) {
            WatchSource kept = loop.watch(other, EnumSet.of(CREATE), false, (s, e) -> {});
            assertThat(watchDescriptors(loop)).containsExactly(1);
            long old = Sysctl.read(MAX_USER_WATCHES);
            LinuxException failure = null;
            try {
                Sysctl.write(MAX_USER_WATCHES, watchesOfAllProcesses() + 5);
                loop.watch(tree, EnumSet.of(CREATE), true, (s, e) -> {});
            } catch (LinuxException e) {
                failure = e;
            } finally {
                Sysctl.write(MAX_USER_WATCHES, old);
            }
            assertThat(Sysctl.read(MAX_USER_WATCHES)).as("restored").isEqualTo(old);
            assertThat(failure).isNotNull();
            assertThat(failure.errnoName()).isEqualTo("ENOSPC");
            assertThat(failure.getMessage()).contains("inotify_add_watch(").contains(tree.toString())
                    .contains(": ENOSPC (No space left on device): the user's inotify watch limit is reached; "
                            + "raise fs.inotify.max_user_watches (now ");
            assertThat(watchDescriptors(loop)).as("every watch of the failed tree was taken back").containsExactly(1);
            assertThat(kept.watchCount()).isEqualTo(1);

            // the kernel numbers watches in sequence: the next one shows how many were added and taken back
            WatchSource probe = loop.watch(tree, EnumSet.of(CREATE), false, (s, e) -> {});
            assertThat(watchDescriptors(loop)).hasSize(2);
            assertThat(watchDescriptors(loop).get(1) - 2).as("watches added before the limit was hit").isBetween(1, 20);
            probe.close();
        }
    }

    @Test
    void directoryThatCannotBeWatchedForTheLimitIsSkippedOnceAndTheWatchGoesOn() throws Exception {
        assumeRoot(MAX_USER_WATCHES);
        List<Throwable> errors = new ArrayList<>();
        try (EventLoop loop = EventLoop.builder().errorHandler((s, e) -> errors.add(e)).build()) {
            List<FileEvent> seen = new ArrayList<>();
            WatchSource watch = loop.watch(dir, EnumSet.of(CREATE), true, (s, e) -> seen.add(e));
            Path sub;
            long old = Sysctl.read(MAX_USER_WATCHES);
            try {
                Sysctl.write(MAX_USER_WATCHES, 1); // below what exists: no new watch
                sub = Files.createDirectory(dir.resolve("sub"));
                runUntil(loop, () -> has(seen, SKIPPED, sub));
            } finally {
                Sysctl.write(MAX_USER_WATCHES, old);
            }
            assertThat(seen).extracting(FileEvent::kind).containsExactly(CREATE, SKIPPED);
            assertThat(seen.get(1).problem()).isInstanceOfSatisfying(LinuxException.class, e -> {
                assertThat(e.errnoName()).isEqualTo("ENOSPC");
                assertThat(e.getMessage()).contains(sub.toString()).contains("raise fs.inotify.max_user_watches (now 1)");
            });
            assertThat(seen.get(1).directory()).isTrue();
            assertThat(errors).as("a skipped directory is an event, not a failure of the watch").isEmpty();
            assertThat(watch.watchCount()).as("sub is not watched").isEqualTo(1);

            Path after = Files.createFile(dir.resolve("after"));
            runUntil(loop, () -> has(seen, CREATE, after));
        }
    }

    // ---- guards -------------------------------------------------------------------------------

    @Test
    void badArgumentsAreRefusedAtTheDoor() throws Exception {
        Path file = Files.createFile(dir.resolve("file"));
        try (EventLoop loop = EventLoop.open()) {
            WatchHandler none = (s, e) -> {};
            assertThatThrownBy(() -> loop.watch(null, EnumSet.of(CREATE), false, none)).isInstanceOf(NullPointerException.class).hasMessageContaining("root");
            assertThatThrownBy(() -> loop.watch(dir, null, false, none)).isInstanceOf(NullPointerException.class).hasMessageContaining("events");
            assertThatThrownBy(() -> loop.watch(dir, EnumSet.of(CREATE), false, null)).isInstanceOf(NullPointerException.class).hasMessageContaining("handler");
            assertThatThrownBy(() -> loop.watch(dir, EnumSet.noneOf(FileEvent.Kind.class), false, none))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one kind of event");
            for (FileEvent.Kind reported : List.of(OVERFLOW, IGNORED, UNMOUNT, SKIPPED)) {
                assertThatThrownBy(() -> loop.watch(dir, EnumSet.of(CREATE, reported), false, none))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(reported + " cannot be asked for");
            }
            assertThatThrownBy(() -> loop.watch(file, EnumSet.of(CREATE), true, none))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("a recursive watch follows a directory tree, and " + file + " is not a directory: watch it with recursive = false");
            assertThat(loop.watchInotify()).as("no refused watch opened the loop's inotify").isNull();
            WatchSource watch = loop.watch(dir, EnumSet.of(DELETE), false, none);
            assertThatThrownBy(() -> watch.setRescanOnOverflow(true))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("add FileEvent.Kind.CREATE");
            assertThat(watchDescriptors(loop)).as("nothing refused added a watch: the one accepted only").hasSize(1);
        }
    }

    @Test
    void watchFromAnotherThreadFailsClearly() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            Throwable[] failure = new Throwable[1];
            Thread other = Thread.ofPlatform().start(() -> {
                try {
                    loop.watch(dir, EnumSet.of(CREATE), false, (s, e) -> {});
                } catch (Throwable t) {
                    failure[0] = t;
                }
            });
            other.join();
            assertThat(failure[0]).isInstanceOf(IllegalStateException.class).hasMessageContaining("watch() was called from thread");
        }
    }

    @Test
    void kindsNameTheirInotifyEvents() {
        assertThat(MOVE.inotifyEvents()).containsExactly(Inotify.Event.MOVED_FROM, Inotify.Event.MOVED_TO);
        assertThat(OVERFLOW.inotifyEvents()).containsExactly(Inotify.Event.Q_OVERFLOW);
        assertThat(SKIPPED.inotifyEvents()).as("the watch's own report").isEmpty();
        assertThat(EnumSet.allOf(FileEvent.Kind.class)).filteredOn(k -> k != MOVE && k != OVERFLOW && k != SKIPPED)
                .allSatisfy(k -> assertThat(k.inotifyEvents()).extracting(Enum::name).containsExactly(k.name()));
        assertThat(new FileEvent(MOVE, Path.of("/b"), Path.of("/a"), true, 7, false)).hasToString("MOVE,ISDIR /a -> /b");
        assertThatThrownBy(() -> new FileEvent(CREATE, Path.of("/b"), Path.of("/a"), false, 0, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FileEvent(SKIPPED, Path.of("/b"), null, true, 0, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a SKIPPED has a problem");
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static boolean has(List<FileEvent> events, FileEvent.Kind kind, Path path) {
        return events.stream().anyMatch(e -> e.kind() == kind && e.path().equals(path));
    }

    /** The watch descriptors of the loop's inotify, as /proc/self/fdinfo lists them. */
    private static List<Integer> watchDescriptors(EventLoop loop) throws IOException {
        return watchLines(Path.of("/proc/self/fdinfo", Integer.toString(loop.watchInotify().number())))
                .map(line -> Integer.parseInt(line.substring("inotify wd:".length(), line.indexOf(' ', "inotify wd:".length()))))
                .sorted()
                .toList();
    }

    /** The inotify watches of every process this one can see. */
    private static long watchesOfAllProcesses() throws IOException {
        long count = 0;
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : (Iterable<Path>) processes.filter(p -> p.getFileName().toString().matches("\\d+"))::iterator) {
                try (Stream<Path> fds = Files.list(process.resolve("fdinfo"))) {
                    for (Path fd : (Iterable<Path>) fds::iterator) {
                        count += watchLines(fd).count();
                    }
                } catch (IOException e) {
                    // the process ended, or its fds cannot be read: not counted
                }
            }
        }
        return count;
    }

    private static Stream<String> watchLines(Path fdinfo) {
        try {
            return Files.readAllLines(fdinfo).stream().filter(line -> line.startsWith("inotify wd:"));
        } catch (IOException e) {
            return Stream.empty(); // closed since it was listed
        }
    }

    /** How many inotify instances this process has open. */
    private static long inotifyFds() throws IOException {
        return NoFdLeaks.openFds().values().stream().filter(target -> target.equals("anon_inode:inotify")).count();
    }

    private static void assumeRoot(String sysctl) {
        assumeTrue(Files.isWritable(Sysctl.path(sysctl)), "needs root: the test lowers " + sysctl);
    }
}

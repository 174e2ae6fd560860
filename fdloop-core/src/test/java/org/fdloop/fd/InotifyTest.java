package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.fdloop.fd.Inotify.Event.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.fdloop.fd.Inotify.Event;
import org.fdloop.fd.Inotify.WatchFlag;
import org.fdloop.internal.linux.Sysctl;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NoFdLeaks.class)
class InotifyTest {
    private static final String MAX_USER_WATCHES = "fs.inotify.max_user_watches";
    private static final String MAX_USER_INSTANCES = "fs.inotify.max_user_instances";
    private static final String MAX_QUEUED_EVENTS = "fs.inotify.max_queued_events";

    @TempDir
    Path dir;

    // ---- what is reported -------------------------------------------------------------------

    /**
     * read(EventSink) hands over the same fields as read() without making the events; a sink may
     * read another inotify meanwhile (the nested read decodes into a buffer of its own, and the
     * outer read's names stay right).
     */
    @Test
    void readIntoASinkGivesEachEventsFieldsAndASinkMayReadAnotherInotify() throws Exception {
        try (Inotify outer = Inotify.open(); Inotify inner = Inotify.open()) {
            Path a = Files.createDirectory(dir.resolve("a"));
            Path b = Files.createDirectory(dir.resolve("b"));
            int wd = outer.addWatch(a, EnumSet.of(CREATE));
            int innerWd = inner.addWatch(b, EnumSet.of(CREATE));
            for (int i = 0; i < 100; i++) {
                Files.createFile(a.resolve("outer-" + i));
                Files.createFile(b.resolve("in-" + i));
            }
            assertThat(Ready.awaitReadable(outer)).isTrue();
            assertThat(Ready.awaitReadable(inner)).isTrue();
            List<String> seen = new ArrayList<>();
            List<InotifyEvent> nested = new ArrayList<>();
            int count = outer.read((w, mask, cookie, name) -> {
                seen.add(new InotifyEvent(w, mask, cookie, name).toString());
                if (nested.isEmpty()) {
                    nested.addAll(inner.read());
                }
            });
            assertThat(count).isEqualTo(100);
            assertThat(seen).isEqualTo(IntStream.range(0, 100).mapToObj(i -> "wd=" + wd + " CREATE name=outer-" + i).toList());
            assertThat(nested).extracting(InotifyEvent::toString)
                    .isEqualTo(IntStream.range(0, 100).mapToObj(i -> "wd=" + innerWd + " CREATE name=in-" + i).toList());
            assertThat(outer.read((w, mask, cookie, name) -> seen.add("more"))).as("nothing queued: 0, and no call").isZero();
            assertThat(seen).hasSize(100);
        }
    }

    @Test
    void fileLifecycleReportsCreateModifyCloseWriteDeleteWithTheName() throws Exception {
        try (Inotify in = Inotify.open()) {
            int wd = in.addWatch(dir, EnumSet.of(CREATE, MODIFY, CLOSE_WRITE, DELETE));
            Path file = dir.resolve("notes.txt");
            Files.writeString(file, "hello");
            Files.delete(file);
            List<InotifyEvent> events = readUntil(in, seen -> has(seen, DELETE, "notes.txt"));
            assertThat(events).extracting(InotifyEvent::toString).containsExactly(
                    "wd=" + wd + " CREATE name=notes.txt",
                    "wd=" + wd + " MODIFY name=notes.txt",
                    "wd=" + wd + " CLOSE_WRITE name=notes.txt",
                    "wd=" + wd + " DELETE name=notes.txt");
            assertThat(events).allSatisfy(e -> assertThat(e.cookie()).isZero());
        }
    }

    @Test
    void directoryCreatedInsideIsReportedWithIsdir() throws Exception {
        try (Inotify in = Inotify.open()) {
            int wd = in.addWatch(dir, EnumSet.of(CREATE));
            assertThat(wd).as("the first watch of an instance").isEqualTo(1);
            Files.createDirectory(dir.resolve("sub"));
            Files.createFile(dir.resolve("plain"));
            List<InotifyEvent> events = readUntil(in, seen -> seen.size() >= 2);
            assertThat(events).extracting(InotifyEvent::toString)
                    .containsExactly("wd=1 CREATE,ISDIR name=sub", "wd=1 CREATE name=plain");
            assertThat(events.get(0).isDirectory()).isTrue();
            assertThat(events.get(0).events()).containsExactly(CREATE, ISDIR);
            assertThat(events.get(1).isDirectory()).isFalse();
        }
    }

    @Test
    void renameGivesMovedFromAndMovedToWithTheSameCookie() throws Exception {
        Files.createFile(dir.resolve("old"));
        try (Inotify in = Inotify.open()) {
            int wd = in.addWatch(dir, EnumSet.of(MOVED_FROM, MOVED_TO));
            Files.move(dir.resolve("old"), dir.resolve("new"));
            List<InotifyEvent> events = readUntil(in, seen -> seen.size() >= 2);
            assertThat(events).hasSize(2);
            InotifyEvent from = events.get(0);
            InotifyEvent to = events.get(1);
            assertThat(from.events()).containsExactly(MOVED_FROM);
            assertThat(from.name()).isEqualTo("old");
            assertThat(to.events()).containsExactly(MOVED_TO);
            assertThat(to.name()).isEqualTo("new");
            assertThat(from.cookie()).isNotZero().isEqualTo(to.cookie());
            assertThat(from.wd()).isEqualTo(wd).isEqualTo(to.wd());
            assertThat(from.toString()).isEqualTo("wd=" + wd + " MOVED_FROM cookie=" + Integer.toUnsignedString(from.cookie()) + " name=old");
        }
    }

    @Test
    void deletingTheWatchedDirectoryGivesDeleteSelfThenIgnored() throws Exception {
        Path watched = Files.createDirectory(dir.resolve("watched"));
        try (Inotify in = Inotify.open()) {
            int wd = in.addWatch(watched, EnumSet.of(DELETE_SELF));
            Files.delete(watched);
            List<InotifyEvent> events = readUntil(in, seen -> seen.stream().anyMatch(InotifyEvent::isIgnored));
            assertThat(events).extracting(InotifyEvent::toString)
                    .containsExactly("wd=" + wd + " DELETE_SELF", "wd=" + wd + " IGNORED");
            assertThat(events).extracting(InotifyEvent::name).containsOnly("");
        }
    }

    @Test
    void removeWatchQueuesIgnoredAndReportsNothingMore() throws Exception {
        try (Inotify in = Inotify.open()) {
            int wd = in.addWatch(dir, EnumSet.of(CREATE));
            in.removeWatch(wd);
            Files.createFile(dir.resolve("after"));
            List<InotifyEvent> events = readUntil(in, seen -> !seen.isEmpty());
            events.addAll(in.read());
            assertThat(events).extracting(InotifyEvent::toString).containsExactly("wd=" + wd + " IGNORED");
            assertThat(events.get(0).isIgnored()).isTrue();
        }
    }

    @Test
    void plainReAddReplacesTheMaskWhileMaskAddExtendsIt() throws Exception {
        try (Inotify in = Inotify.open()) {
            int wd = in.addWatch(dir, EnumSet.of(CREATE));
            assertThat(in.addWatch(dir, EnumSet.of(DELETE))).as("same inode, same watch").isEqualTo(wd);
            Files.createFile(dir.resolve("a"));
            Files.delete(dir.resolve("a"));
            assertThat(readUntil(in, seen -> has(seen, DELETE, "a"))).extracting(InotifyEvent::toString)
                    .as("CREATE was replaced by DELETE").containsExactly("wd=" + wd + " DELETE name=a");

            assertThat(in.addWatch(dir, EnumSet.of(CREATE), EnumSet.of(WatchFlag.MASK_ADD))).isEqualTo(wd);
            Files.createFile(dir.resolve("b"));
            Files.delete(dir.resolve("b"));
            assertThat(readUntil(in, seen -> has(seen, DELETE, "b"))).extracting(InotifyEvent::toString)
                    .as("CREATE was added to DELETE")
                    .containsExactly("wd=" + wd + " CREATE name=b", "wd=" + wd + " DELETE name=b");
        }
    }

    @Test
    void oneshotDeliversOneEventThenIgnored() throws Exception {
        try (Inotify in = Inotify.open()) {
            int wd = in.addWatch(dir, EnumSet.of(CREATE), EnumSet.of(WatchFlag.ONESHOT));
            Files.createFile(dir.resolve("first"));
            Files.createFile(dir.resolve("second"));
            List<InotifyEvent> events = readUntil(in, seen -> seen.stream().anyMatch(InotifyEvent::isIgnored));
            events.addAll(in.read());
            assertThat(events).extracting(InotifyEvent::toString)
                    .containsExactly("wd=" + wd + " CREATE name=first", "wd=" + wd + " IGNORED");
        }
    }

    @Test
    void exclUnlinkStopsEventsForAnUnlinkedFileThatIsStillOpen() throws Exception {
        Path victim = Files.createFile(dir.resolve("victim"));
        Set<Event> events = EnumSet.of(CREATE, DELETE, MODIFY, CLOSE_WRITE);
        try (Inotify plain = Inotify.open(); Inotify excl = Inotify.open()) {
            plain.addWatch(dir, events);
            excl.addWatch(dir, events, EnumSet.of(WatchFlag.EXCL_UNLINK));
            try (FileChannel open = FileChannel.open(victim, StandardOpenOption.WRITE)) {
                Files.delete(victim);
                open.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            }
            Files.createDirectory(dir.resolve("marker")); // a directory: no CLOSE_WRITE of its own
            // the events of the unlinked file were queued (or not) before the marker's CREATE
            assertThat(readUntil(plain, seen -> has(seen, CREATE, "marker")))
                    .extracting(e -> e.events() + " " + e.name())
                    .as("without EXCL_UNLINK the unlinked file is still reported, under its old name")
                    .containsExactly("[DELETE] victim", "[MODIFY] victim", "[CLOSE_WRITE] victim", "[CREATE, ISDIR] marker");
            assertThat(readUntil(excl, seen -> has(seen, CREATE, "marker")))
                    .extracting(e -> e.events() + " " + e.name())
                    .as("with EXCL_UNLINK nothing after the unlink")
                    .containsExactly("[DELETE] victim", "[CREATE, ISDIR] marker");
        }
    }

    @Test
    void dontFollowWatchesTheSymlinkItself() throws Exception {
        Path target = Files.writeString(dir.resolve("target"), "x");
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        try (Inotify in = Inotify.open()) {
            int targetWd = in.addWatch(target, EnumSet.of(MODIFY));
            assertThat(in.addWatch(link, EnumSet.of(MODIFY))).as("the link is followed to the target's inode").isEqualTo(targetWd);
            int linkWd = in.addWatch(link, EnumSet.of(MODIFY, DELETE_SELF), EnumSet.of(WatchFlag.DONT_FOLLOW));
            assertThat(linkWd).as("the link's own inode").isNotEqualTo(targetWd);

            Files.writeString(target, "changed", StandardOpenOption.APPEND);
            Files.delete(link);
            List<InotifyEvent> events = readUntil(in, seen -> seen.stream().anyMatch(e -> e.isIgnored() && e.wd() == linkWd));
            assertThat(events).filteredOn(e -> e.is(MODIFY)).isNotEmpty().allSatisfy(e -> assertThat(e.wd()).isEqualTo(targetWd));
            assertThat(events).filteredOn(e -> e.wd() == linkWd).extracting(InotifyEvent::toString)
                    .as("deleting the link deletes the watched inode; the target lives on")
                    .containsExactly("wd=" + linkWd + " DELETE_SELF", "wd=" + linkWd + " IGNORED");
            assertThat(target).exists();
        }
    }

    @Test
    void fdIsReadableWhileEventsAreQueued() throws Exception {
        try (Inotify in = Inotify.open()) {
            in.addWatch(dir, EnumSet.of(CREATE));
            assertThat(Ready.readableNow(in)).isFalse();
            assertThat(in.read()).as("nothing ready: an empty list, no exception").isEmpty();
            Files.createFile(dir.resolve("x"));
            assertThat(Ready.awaitReadable(in)).isTrue();
            assertThat(in.read()).extracting(InotifyEvent::name).containsExactly("x");
            assertThat(Ready.readableNow(in)).as("the queue is drained").isFalse();
        }
    }

    @Test
    void eventsBeyondOneReadArriveOverSeveralReadsInOrder() throws Exception {
        int files = 1000;
        assumeThat(Inotify.limits().maxQueuedEvents()).as("the queue holds %d events", files).isGreaterThan(files);
        String padding = "x".repeat(200);
        try (Inotify in = Inotify.open()) {
            in.addWatch(dir, EnumSet.of(CREATE));
            for (int i = 0; i < files; i++) {
                Files.createFile(dir.resolve(i + padding));
            }
            List<Integer> sizes = new ArrayList<>();
            List<InotifyEvent> events = new ArrayList<>();
            long deadline = System.nanoTime() + Ready.PATIENCE.toNanos();
            while (events.size() < files && System.nanoTime() - deadline < 0 && Ready.awaitReadable(in)) {
                List<InotifyEvent> batch = in.read();
                sizes.add(batch.size());
                events.addAll(batch);
            }
            // each event is 16 bytes plus the name padded to 208: at most 292 fit in 64 KiB
            assertThat(sizes).as("events per read").hasSizeGreaterThan(1).allSatisfy(n -> assertThat(n).isBetween(1, 292));
            assertThat(events).extracting(InotifyEvent::name)
                    .containsExactlyElementsOf(IntStream.range(0, files).mapToObj(i -> i + padding).toList());
        }
    }

    @Test
    void nameThatIsNotUtf8IsDecodedWithReplacementCharacters() throws Exception {
        try (Inotify in = Inotify.open()) {
            in.addWatch(dir, EnumSet.of(CREATE));
            run("touch \"$(printf 'a\\377b')\"");
            List<InotifyEvent> events = readUntil(in, seen -> !seen.isEmpty());
            assertThat(events).extracting(InotifyEvent::name).containsExactly("a\uFFFDb");
        } finally {
            run("rm -f \"$(printf 'a\\377b')\"");
        }
    }

    @Test
    void createdNonBlockingAndCloseOnExec() throws Exception {
        try (Inotify in = Inotify.open()) {
            assertThat(in.isNonBlocking()).isTrue();
            assertThat(in.isCloseOnExec()).isTrue();
            assertThat(in.kind()).isEqualTo("inotify");
        }
    }

    @Test
    void useAfterCloseIsAClearError() throws Exception {
        Inotify in = Inotify.open();
        in.close();
        assertThatThrownBy(in::read).isInstanceOf(IllegalStateException.class).hasMessageContaining("inotify").hasMessageContaining("closed");
        assertThatThrownBy(() -> in.addWatch(dir, EnumSet.of(CREATE))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> in.removeWatch(1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void eventEnumsCarryTheKernelBits() {
        assertThat(CREATE.bit()).isEqualTo(0x100);
        assertThat(Q_OVERFLOW.bit()).isEqualTo(0x4000);
        assertThat(WatchFlag.ONESHOT.bit()).isEqualTo(0x80000000);
        assertThat(EnumSet.allOf(Event.class)).filteredOn(e -> !e.isWatchable())
                .containsExactly(UNMOUNT, Q_OVERFLOW, IGNORED, ISDIR);
        InotifyEvent e = new InotifyEvent(3, CREATE.bit() | ISDIR.bit(), 0, "sub");
        assertThat(e.is(CREATE)).isTrue();
        assertThat(e.is(DELETE)).isFalse();
    }

    // ---- guards -------------------------------------------------------------------------------

    @Test
    void nullOrEmptyEventsAreRefused() throws Exception {
        try (Inotify in = Inotify.open()) {
            assertThatThrownBy(() -> in.addWatch(dir, null)).isInstanceOf(NullPointerException.class).hasMessageContaining("events");
            assertThatThrownBy(() -> in.addWatch(null, EnumSet.of(CREATE))).isInstanceOf(NullPointerException.class).hasMessageContaining("path");
            assertThatThrownBy(() -> in.addWatch(dir, EnumSet.of(CREATE), null)).isInstanceOf(NullPointerException.class).hasMessageContaining("flags");
            assertThatThrownBy(() -> in.addWatch(dir, EnumSet.noneOf(Event.class)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one event");
            Set<Event> withNull = new HashSet<>();
            withNull.add(null);
            assertThatThrownBy(() -> in.addWatch(dir, withNull)).isInstanceOf(NullPointerException.class).hasMessageContaining("null");
        }
    }

    @Test
    void eventThatIsOnlyReportedIsRefusedByName() throws Exception {
        try (Inotify in = Inotify.open()) {
            for (Event reported : List.of(Q_OVERFLOW, IGNORED, UNMOUNT, ISDIR)) {
                assertThatThrownBy(() -> in.addWatch(dir, EnumSet.of(CREATE, reported)))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(reported.name())
                        .hasMessageContaining("cannot be watched for");
            }
        }
    }

    @Test
    void maskAddWithMaskCreateIsRefused() throws Exception {
        try (Inotify in = Inotify.open()) {
            assertThatThrownBy(() -> in.addWatch(dir, EnumSet.of(CREATE), EnumSet.of(WatchFlag.MASK_ADD, WatchFlag.MASK_CREATE)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("MASK_ADD").hasMessageContaining("MASK_CREATE");
        }
    }

    // ---- errors -------------------------------------------------------------------------------

    @Test
    void missingPathFailsWithEnoentNamingThePathAndTheEvents() throws Exception {
        Path missing = dir.resolve("missing");
        try (Inotify in = Inotify.open()) {
            assertThatThrownBy(() -> in.addWatch(missing, EnumSet.of(DELETE, CREATE)))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageStartingWith("inotify_add_watch(inotify " + in.number() + ", " + missing + ", CREATE|DELETE)")
                    .hasMessageContaining("ENOENT")
                    .satisfies(e -> assertThat(((LinuxException) e).errnoName()).isEqualTo("ENOENT"));
        }
    }

    @Test
    void onlydirOnARegularFileFailsWithEnotdir() throws Exception {
        Path file = Files.createFile(dir.resolve("file"));
        try (Inotify in = Inotify.open()) {
            assertThatThrownBy(() -> in.addWatch(file, EnumSet.of(MODIFY), EnumSet.of(WatchFlag.ONLYDIR)))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining(file + ", MODIFY, ONLYDIR)")
                    .hasMessageContaining("ENOTDIR")
                    .hasMessageContaining("ONLYDIR was given and the path is not a directory");
            assertThat(in.addWatch(dir, EnumSet.of(MODIFY), EnumSet.of(WatchFlag.ONLYDIR))).as("a directory passes").isPositive();
        }
    }

    @Test
    void maskCreateOnAWatchedInodeFailsWithEexist() throws Exception {
        try (Inotify in = Inotify.open()) {
            in.addWatch(dir, EnumSet.of(CREATE), EnumSet.of(WatchFlag.MASK_CREATE));
            assertThatThrownBy(() -> in.addWatch(dir, EnumSet.of(DELETE), EnumSet.of(WatchFlag.MASK_CREATE)))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("EEXIST")
                    .hasMessageContaining("watched already");
        }
    }

    @Test
    void removingAnUnknownWatchFailsWithEinval() throws Exception {
        try (Inotify in = Inotify.open()) {
            int wd = in.addWatch(dir, EnumSet.of(CREATE));
            in.removeWatch(wd);
            for (int bad : new int[] {wd, 4711, -1}) {
                assertThatThrownBy(() -> in.removeWatch(bad))
                        .isInstanceOf(LinuxException.class)
                        .hasMessageStartingWith("inotify_rm_watch(inotify " + in.number() + ", wd " + bad + "): EINVAL")
                        .hasMessageContaining("wd " + bad + " is not a watch of this inotify instance")
                        .satisfies(e -> assertThat(((LinuxException) e).errno()).isEqualTo(22));
            }
        }
    }

    @Test
    void watchLimitFailsWithEnospcNamingTheSysctl() throws Exception {
        assumeRoot(MAX_USER_WATCHES);
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            dirs.add(Files.createDirectory(dir.resolve("d" + i)));
        }
        long old = Sysctl.read(MAX_USER_WATCHES);
        LinuxException failure = null;
        int added = 0;
        int number;
        try (Inotify in = Inotify.open()) {
            number = in.number();
            Sysctl.write(MAX_USER_WATCHES, 16);
            try {
                for (Path d : dirs) {
                    in.addWatch(d, EnumSet.of(CREATE));
                    added++;
                }
            } catch (LinuxException e) {
                failure = e;
            }
        } finally {
            Sysctl.write(MAX_USER_WATCHES, old);
        }
        assertThat(Sysctl.read(MAX_USER_WATCHES)).as("restored").isEqualTo(old);
        assertThat(added).as("at most the limit's worth of watches").isLessThanOrEqualTo(16);
        assertThat(failure).isNotNull();
        assertThat(failure.errnoName()).isEqualTo("ENOSPC");
        assertThat(failure.getMessage()).isEqualTo("inotify_add_watch(inotify " + number + ", " + dirs.get(added) + ", CREATE)"
                + ": ENOSPC (No space left on device): the user's inotify watch limit is reached; "
                + "raise fs.inotify.max_user_watches (now 16)");
    }

    @Test
    void instanceLimitFailsWithEmfileNamingTheSysctl() throws Exception {
        assumeRoot(MAX_USER_INSTANCES);
        long old = Sysctl.read(MAX_USER_INSTANCES);
        List<Inotify> opened = new ArrayList<>();
        LinuxException failure = null;
        try {
            Sysctl.write(MAX_USER_INSTANCES, 4);
            try {
                for (int i = 0; i < 40; i++) {
                    opened.add(Inotify.open());
                }
            } catch (LinuxException e) {
                failure = e;
            }
        } finally {
            Sysctl.write(MAX_USER_INSTANCES, old);
            opened.forEach(Inotify::close);
        }
        assertThat(Sysctl.read(MAX_USER_INSTANCES)).as("restored").isEqualTo(old);
        assertThat(opened).as("at most the limit's worth of instances").hasSizeLessThanOrEqualTo(4);
        assertThat(failure).isNotNull();
        assertThat(failure.errnoName()).isEqualTo("EMFILE");
        assertThat(failure.getMessage())
                .startsWith("inotify_init1(")
                .contains("EMFILE")
                .contains("the user's inotify instance limit is reached (fs.inotify.max_user_instances is now 4)");
    }

    @Test
    void fullQueueDropsEventsAndReportsOverflow() throws Exception {
        assumeRoot(MAX_QUEUED_EVENTS);
        long old = Sysctl.read(MAX_QUEUED_EVENTS);
        Inotify in;
        try {
            Sysctl.write(MAX_QUEUED_EVENTS, 16);
            in = Inotify.open(); // takes the queue length now
        } finally {
            Sysctl.write(MAX_QUEUED_EVENTS, old);
        }
        assertThat(Sysctl.read(MAX_QUEUED_EVENTS)).as("restored").isEqualTo(old);
        try (in) {
            in.addWatch(dir, EnumSet.of(CREATE));
            for (int i = 0; i < 100; i++) {
                Files.createFile(dir.resolve("f" + i));
            }
            List<InotifyEvent> events = readUntil(in, seen -> seen.stream().anyMatch(InotifyEvent::isOverflow));
            events.addAll(in.read());
            // the kernel queues events while fewer than 16 are queued, then the overflow event in place of the rest
            assertThat(events).as("16 queued events, then the overflow").hasSize(17);
            InotifyEvent overflow = events.getLast();
            assertThat(overflow.isOverflow()).isTrue();
            assertThat(overflow.wd()).isEqualTo(-1);
            assertThat(overflow.name()).isEmpty();
            assertThat(overflow.toString()).isEqualTo("wd=-1 Q_OVERFLOW");
            List<String> created = events.subList(0, events.size() - 1).stream().map(InotifyEvent::name).toList();
            assertThat(created).as("the first files, the rest dropped")
                    .isEqualTo(IntStream.range(0, created.size()).mapToObj(i -> "f" + i).toList());
        }
    }

    @Test
    void limitsAreTheSysctlValues() throws Exception {
        Inotify.Limits limits = Inotify.limits();
        assertThat(limits.maxUserWatches()).isEqualTo(procSys("fs/inotify/max_user_watches"));
        assertThat(limits.maxUserInstances()).isEqualTo(procSys("fs/inotify/max_user_instances"));
        assertThat(limits.maxQueuedEvents()).isEqualTo(procSys("fs/inotify/max_queued_events"));
        assertThat(limits.toString()).isEqualTo("fs.inotify.max_user_watches=" + limits.maxUserWatches()
                + ", fs.inotify.max_user_instances=" + limits.maxUserInstances()
                + ", fs.inotify.max_queued_events=" + limits.maxQueuedEvents());
    }

    @Test
    void limitsFollowAChangedSysctl() throws Exception {
        assumeRoot(MAX_QUEUED_EVENTS);
        long old = Sysctl.read(MAX_QUEUED_EVENTS);
        try {
            Sysctl.write(MAX_QUEUED_EVENTS, old + 7);
            assertThat(Inotify.limits().maxQueuedEvents()).isEqualTo(old + 7);
        } finally {
            Sysctl.write(MAX_QUEUED_EVENTS, old);
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** Reads events until {@code done} holds for all read so far, or the patience runs out. */
    private static List<InotifyEvent> readUntil(Inotify in, Predicate<List<InotifyEvent>> done) throws IOException {
        List<InotifyEvent> seen = new ArrayList<>();
        long deadline = System.nanoTime() + Ready.PATIENCE.toNanos();
        while (!done.test(seen) && System.nanoTime() - deadline < 0) {
            if (Ready.awaitReadable(in)) {
                seen.addAll(in.read());
            }
        }
        return seen;
    }

    private static boolean has(List<InotifyEvent> events, Event event, String name) {
        return events.stream().anyMatch(e -> e.is(event) && e.name().equals(name));
    }

    /** A /proc/sys value read as cat reads it, in one read(2): a read from any other offset than 0 is empty. */
    private static long procSys(String path) throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("/proc/sys", path))) {
            byte[] buffer = new byte[4096];
            int n = in.read(buffer);
            return Long.parseLong(new String(buffer, 0, n, StandardCharsets.US_ASCII).trim());
        }
    }

    private static void assumeRoot(String sysctl) {
        assumeTrue(Files.isWritable(Sysctl.path(sysctl)), "needs root: the test lowers " + sysctl);
    }

    /** Runs a shell command in the test directory, for file names Java cannot make. */
    private void run(String command) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", command).directory(dir.toFile())
                .redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            assertThat(p.waitFor()).as("exit status of %s", command).isZero();
        } finally {
            p.destroy();
            p.waitFor();
        }
    }
}

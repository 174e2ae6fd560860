package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.TreeSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NoFdLeaks.class)
class WatchCommandIT {
    @TempDir
    Path dir;

    /** The event line without its time, which differs from run to run. */
    private static String untimed(String jsonLine) {
        return jsonLine.replaceFirst("^\\{\"time\":\"[0-9T:.\\-]+Z\",", "{");
    }

    @Test
    void recursiveWatchReportsScriptedOperationsFieldByField() throws Exception {
        Path outside = Files.createDirectory(dir.resolve("outside"));
        Path tree = Files.createDirectory(dir.resolve("tree"));
        try (Cli cli = Cli.start("watch", "-r", "--json", "-e", "create,close_write,move,delete", tree.toString())) {
            cli.awaitErr("watching 1 path \\(1 inotify watch\\), recursively");
            Files.createDirectory(tree.resolve("sub"));
            String created = cli.awaitOut("\"events\":\\[\"CREATE\",\"ISDIR\"\\]").group();
            Files.writeString(tree.resolve("sub/a.txt"), "hello");
            cli.awaitOut("CLOSE_WRITE");
            Files.move(tree.resolve("sub/a.txt"), tree.resolve("b.txt"));
            cli.awaitOut("MOVED_TO");
            Files.move(tree.resolve("b.txt"), outside.resolve("b.txt"));
            cli.awaitOut("MOVED_FROM");
            Files.move(outside.resolve("b.txt"), tree.resolve("c.txt"));
            cli.awaitOut("MOVED_TO");
            Files.delete(tree.resolve("c.txt"));
            cli.awaitOut("\"DELETE\"");
            cli.kill("TERM");

            assertThat(cli.exitCode()).as("%s", cli).isZero();
            assertThat(created).isNotEmpty();
            List<String> lines = cli.outLines();
            assertThat(lines).allMatch(l -> l.matches("^\\{\"time\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z\",.*\\}$"));
            List<String> untimed = lines.stream().map(WatchCommandIT::untimed)
                    .map(l -> l.replaceAll("\"cookie\":[1-9]\\d*", "\"cookie\":C")).toList();
            String t = tree.toString();
            assertThat(untimed).containsExactly(
                    "{\"path\":\"" + t + "/sub\",\"events\":[\"CREATE\",\"ISDIR\"],\"cookie\":0}",
                    "{\"path\":\"" + t + "/sub/a.txt\",\"events\":[\"CREATE\"],\"cookie\":0}",
                    "{\"path\":\"" + t + "/sub/a.txt\",\"events\":[\"CLOSE_WRITE\"],\"cookie\":0}",
                    "{\"path\":\"" + t + "/b.txt\",\"events\":[\"MOVED_TO\"],\"cookie\":C,\"from\":\"" + t + "/sub/a.txt\"}",
                    "{\"path\":\"" + t + "/b.txt\",\"events\":[\"MOVED_FROM\"],\"cookie\":C}",
                    "{\"path\":\"" + t + "/c.txt\",\"events\":[\"MOVED_TO\"],\"cookie\":C}",
                    "{\"path\":\"" + t + "/c.txt\",\"events\":[\"DELETE\"],\"cookie\":0}");
            assertThat(cli.errLines()).last().asString().matches("fdloop watch: 7 events in \\d+\\.\\d s \\(SIGTERM\\)");
        }
    }

    @Test
    void textLinesNameTheEventsAndPathsAsGiven() throws Exception {
        try (Cli cli = Cli.start("watch", "-e", "create,move", dir.toString())) {
            cli.awaitErr("watching 1 path");
            Files.createDirectory(dir.resolve("d"));
            Files.move(dir.resolve("d"), dir.resolve("e"));
            cli.awaitOut("MOVED_TO");
            cli.kill("TERM");
            assertThat(cli.exitCode()).isZero();
            assertThat(cli.outLines()).satisfiesExactly(
                    l -> assertThat(l).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} CREATE,ISDIR " + dir + "/d"),
                    l -> assertThat(l).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} MOVED_TO,ISDIR " + dir + "/e \\(from " + dir + "/d\\)"));
        }
    }

    @Test
    void byDefaultTheChangesArePrintedAndNoReadOnlyEvent() throws Exception {
        try (Cli cli = Cli.start("watch", "-r", dir.toString())) {
            cli.awaitErr("watching 1 path");
            Files.createDirectory(dir.resolve("d"));
            cli.awaitOut("CREATE,ISDIR");
            Files.writeString(dir.resolve("d/f"), "x");
            cli.awaitOut("CLOSE_WRITE " + dir + "/d/f$");
            Files.readString(dir.resolve("d/f")); // OPEN, ACCESS, CLOSE_NOWRITE: not asked for
            Files.setLastModifiedTime(dir.resolve("d/f"), java.nio.file.attribute.FileTime.fromMillis(0));
            cli.awaitOut("ATTRIB " + dir + "/d/f$");
            cli.kill("TERM");
            assertThat(cli.exitCode()).isZero();
            assertThat(cli.outLines()).map(l -> l.substring(13)).containsExactly(
                    "CREATE,ISDIR " + dir + "/d", "CREATE " + dir + "/d/f", "MODIFY " + dir + "/d/f",
                    "CLOSE_WRITE " + dir + "/d/f", "ATTRIB " + dir + "/d/f");
        }
    }

    @Test
    void reportsEveryEventInotifywaitReportsOnScriptedOperations() throws Exception {
        Path tree = Files.createDirectory(dir.resolve("tree"));
        Path outside = Files.createDirectory(dir.resolve("outside"));
        Files.createDirectories(outside.resolve("incoming/inner"));
        Files.writeString(outside.resolve("incoming/inner/file"), "x");
        Files.writeString(outside.resolve("arriving"), "x");
        assertThat(Path.of("/usr/bin/inotifywait")).as("inotifywait (Debian: apt-get install inotify-tools; .ci/run installs it)")
                .exists();
        try (Cli inotifywait = Cli.startProgram("inotifywait", "-r", "-m", "--format", "%e %w%f", tree.toString());
                Cli fdloop = Cli.start("watch", "-r", tree.toString())) {
            inotifywait.awaitErr("Watches established");
            fdloop.awaitErr("watching 1 path");
            // each step waits until both reported it: a recursive watch adds a new directory's watch when it
            // reads its CREATE, and what happens in the directory before that is a listing's to find
            String t = tree.toString();
            Files.createDirectory(tree.resolve("a"));
            both(inotifywait, fdloop, "CREATE,ISDIR " + t + "/a$");
            Files.createDirectory(tree.resolve("a/b"));
            both(inotifywait, fdloop, "CREATE,ISDIR " + t + "/a/b$");
            Files.writeString(tree.resolve("a/b/one"), "1");
            both(inotifywait, fdloop, "CLOSE_WRITE(,CLOSE)? " + t + "/a/b/one$");
            Files.writeString(tree.resolve("a/b/one"), "2", java.nio.file.StandardOpenOption.APPEND);
            both(inotifywait, fdloop, "CLOSE_WRITE(,CLOSE)? " + t + "/a/b/one$");
            Files.move(tree.resolve("a/b/one"), tree.resolve("a/two"));
            both(inotifywait, fdloop, "MOVED_TO " + t + "/a/two");
            Files.createDirectory(tree.resolve("c"));
            both(inotifywait, fdloop, "CREATE,ISDIR " + t + "/c$");
            Files.writeString(tree.resolve("c/three"), "3");
            both(inotifywait, fdloop, "CLOSE_WRITE(,CLOSE)? " + t + "/c/three$");
            Files.move(tree.resolve("c"), tree.resolve("a/c"));
            both(inotifywait, fdloop, "MOVED_TO,ISDIR " + t + "/a/c");
            Files.writeString(tree.resolve("a/c/four"), "4");
            both(inotifywait, fdloop, "CLOSE_WRITE(,CLOSE)? " + t + "/a/c/four$");
            Files.move(outside.resolve("incoming"), tree.resolve("incoming"));
            both(inotifywait, fdloop, "MOVED_TO,ISDIR " + t + "/incoming$");
            Files.writeString(tree.resolve("incoming/inner/new"), "5");
            both(inotifywait, fdloop, "CLOSE_WRITE(,CLOSE)? " + t + "/incoming/inner/new$");
            Files.move(outside.resolve("arriving"), tree.resolve("arrived"));
            both(inotifywait, fdloop, "MOVED_TO " + t + "/arrived$");
            Files.move(tree.resolve("a/two"), outside.resolve("two"));
            both(inotifywait, fdloop, "MOVED_FROM " + t + "/a/two$");
            Files.setPosixFilePermissions(tree.resolve("arrived"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            both(inotifywait, fdloop, "ATTRIB " + t + "/arrived$");
            Files.delete(tree.resolve("arrived"));
            Files.delete(tree.resolve("a/c/three"));
            Files.delete(tree.resolve("a/c/four"));
            Files.delete(tree.resolve("a/c"));
            both(inotifywait, fdloop, "DELETE,ISDIR " + t + "/a/c$");
            Files.createFile(tree.resolve("marker"));
            both(inotifywait, fdloop, "CLOSE_WRITE(,CLOSE)? " + t + "/marker$");
            inotifywait.kill("TERM");
            fdloop.kill("TERM");
            assertThat(fdloop.exitCode()).isZero();

            Set<String> changes = Set.of("CREATE", "DELETE", "MODIFY", "CLOSE_WRITE", "ATTRIB", "MOVED_FROM", "MOVED_TO");
            Set<String> theirs = new TreeSet<>();
            for (String line : inotifywait.outLines()) {
                String[] parts = line.split(" ", 2);
                for (String event : parts[0].split(",")) {
                    if (changes.contains(event)) {
                        theirs.add(event + " " + parts[1]);
                    }
                }
            }
            Set<String> ours = new TreeSet<>();
            Pattern line = Pattern.compile("^\\S+ ([A-Z_]+)(?:,ISDIR)? (\\S+)(?: \\(from (\\S+)\\))?");
            for (String l : fdloop.outLines()) {
                Matcher m = line.matcher(l);
                assertThat(m.find()).as("an event line: %s", l).isTrue();
                ours.add(m.group(1) + " " + m.group(2));
                if (m.group(3) != null) {
                    ours.add("MOVED_FROM " + m.group(3)); // a rename inside the tree is one line, inotifywait's two
                }
            }
            assertThat(theirs).as("inotifywait saw some of it").contains("CREATE " + tree + "/a", "MOVED_TO " + tree + "/incoming");
            assertThat(ours).as("%s\n--- inotifywait:\n%s", fdloop, String.join("\n", inotifywait.outLines())).containsAll(theirs);
        }
    }

    /** Waits until inotifywait and fdloop both printed a line matching {@code event} ({@code EVENTS path}). */
    private static void both(Cli inotifywait, Cli fdloop, String event) throws InterruptedException {
        inotifywait.awaitOut("^" + event);
        fdloop.awaitOut("^\\S+ " + event);
    }

    @Test
    void anUnreadableDirectoryIsSkippedWithOneWarningAndTheRestIsWatched() throws Exception {
        Path tree = Files.createDirectory(dir.resolve("tree"));
        Path locked = Files.createDirectories(tree.resolve("locked/inner")).getParent();
        Files.setPosixFilePermissions(locked, java.nio.file.attribute.PosixFilePermissions.fromString("---------"));
        Files.createDirectory(tree.resolve("open"));
        // root reads any directory: the watcher runs without the capabilities that let it
        List<String> unprivileged = List.of("setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--");
        try (Cli cli = Cli.startAs(unprivileged, "watch", "-r", "--json", tree.toString())) {
            cli.awaitErr("watching 1 path \\(2 inotify watches\\)");
            Files.createFile(tree.resolve("open/file"));
            cli.awaitOut("\"path\":\"" + tree + "/open/file\",\"events\":\\[\"CLOSE_WRITE\"\\]");
            cli.kill("TERM");
            assertThat(cli.exitCode()).as("%s", cli).isZero();
            List<String> lines = cli.outLines().stream().map(WatchCommandIT::untimed).toList();
            assertThat(lines).hasSize(3);
            assertThat(lines.get(0)).startsWith("{\"warning\":\"not watched: inotify_add_watch(inotify ")
                    .contains(", " + locked + ", ").contains("): EACCES (Permission denied)")
                    .endsWith("\",\"path\":\"" + locked + "\"}");
            assertThat(lines.subList(1, 3)).containsExactly(
                    "{\"path\":\"" + tree + "/open/file\",\"events\":[\"CREATE\"],\"cookie\":0}",
                    "{\"path\":\"" + tree + "/open/file\",\"events\":[\"CLOSE_WRITE\"],\"cookie\":0}");
            assertThat(cli.errLines()).filteredOn(l -> l.contains("warning")).singleElement().asString()
                    .startsWith("fdloop watch: warning: " + locked + " is not watched (inotify_add_watch(")
                    .contains("EACCES (Permission denied)").endsWith("); the rest of the tree is");
            assertThat(cli.errLines()).last().asString().matches("fdloop watch: 2 events in \\d+\\.\\d s, 1 directory skipped \\(SIGTERM\\)");
        }
    }

    @Test
    void renamingTheWatchedDirectoryEndsItsWatchAndNothingAtTheOldPathIsReported() throws Exception {
        Path root = Files.createDirectory(dir.resolve("root"));
        try (Cli cli = Cli.start("watch", "-r", root.toString())) {
            cli.awaitErr("watching 1 path");
            Files.move(root, dir.resolve("renamed"));
            assertThat(cli.exitCode()).as("%s", cli).isZero();
            Files.createDirectory(root);
            assertThat(cli.outLines()).map(l -> l.substring(13)).containsExactly("MOVE_SELF " + root, "IGNORED " + root);
            assertThat(cli.errLines()).contains("fdloop watch: " + root + " was renamed or moved: its watch ends"
                    + " (watch does not follow a path to its new name)");
            assertThat(cli.errLines()).last().asString().endsWith("(every watched path is gone)");
        }
    }

    @Test
    void strangeNamesAreEscapedAndNonUtf8BytesShownAsReplacementCharacters() throws Exception {
        try (Cli cli = Cli.start("watch", "--json", "-e", "create", dir.toString())) {
            cli.awaitErr("watching 1 path");
            Files.createFile(dir.resolve("q\"b\\s\nl"));
            cli.awaitOut("CREATE");
            // a name that is not UTF-8: only a shell can make one (Java encodes every name it writes)
            Process sh = new ProcessBuilder("sh", "-c", "touch \"$(printf 'bad\\377name')\"").directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            assertThat(sh.waitFor()).isZero();
            cli.awaitOut("bad");
            cli.kill("TERM");
            assertThat(cli.exitCode()).isZero();
            assertThat(cli.outLines()).map(WatchCommandIT::untimed).containsExactly(
                    "{\"path\":\"" + dir + "/q\\\"b\\\\s\\nl\",\"events\":[\"CREATE\"],\"cookie\":0}",
                    "{\"path\":\"" + dir + "/bad\uFFFDname\",\"events\":[\"CREATE\"],\"cookie\":0}");
        }
    }

    @Test
    void aMissingPathIsOneLineOnStderrAndExitCode1() throws Exception {
        Cli cli = Cli.run("watch", dir.resolve("nowhere").toString());
        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.errLines()).containsExactly("fdloop watch: " + dir.resolve("nowhere") + ": no such file or directory");
        assertThat(cli.outLines()).isEmpty();
    }

    @Test
    void theWatchLimitIsOneLineNamingTheSysctlToRaise() throws Exception {
        Path limit = Path.of("/proc/sys/fs/inotify/max_user_watches");
        assertThat(Files.isWritable(limit)).as("lowering fs.inotify.max_user_watches needs root: run the suite as root (CI does)").isTrue();
        Path tree = Files.createDirectory(dir.resolve("tree"));
        for (int i = 0; i < 40; i++) {
            Files.createDirectories(tree.resolve("d" + i).resolve("e"));
        }
        String old = Files.readAllLines(limit).get(0).strip(); // not readString: it reads one byte of a /proc file (size 0)
        Cli cli;
        try {
            Files.writeString(limit, "8"); // per user, machine-wide: restored below whatever happens
            cli = Cli.run("watch", "-r", tree.toString());
        } finally {
            Files.writeString(limit, old);
        }
        assertThat(Files.readAllLines(limit).get(0).strip()).as("restored").isEqualTo(old);
        assertThat(cli.exitCode()).as("%s", cli).isEqualTo(1);
        assertThat(cli.errLines()).hasSize(1);
        assertThat(cli.errLines().get(0)).startsWith("fdloop watch: inotify_add_watch(")
                .endsWith("ENOSPC (No space left on device): the user's inotify watch limit is reached; "
                        + "raise fs.inotify.max_user_watches (now 8)");
        assertThat(cli.outLines()).isEmpty();
    }

    private static final Pattern CREATE =
            Pattern.compile("\"path\":\"([^\"]+)\",\"events\":\\[\"CREATE\"\\],\"cookie\":0(,\"scanned\":true)?");

    @Test
    void aFullKernelQueueIsReportedAndFollowedByARescanThatReportsEachFileOnce() throws Exception {
        Path limit = Path.of("/proc/sys/fs/inotify/max_queued_events");
        assertThat(Files.isWritable(limit)).as("lowering fs.inotify.max_queued_events needs root: run the suite as root (CI does)").isTrue();
        Path tree = Files.createDirectory(dir.resolve("tree"));
        String old = Files.readAllLines(limit).get(0).strip();
        Cli cli;
        try {
            // the queue's size is taken when the inotify instance is made: restored as soon as the watch is up
            Files.writeString(limit, "16");
            cli = Cli.start("watch", "--json", "-e", "create", tree.toString());
            cli.awaitErr("watching 1 path");
        } finally {
            Files.writeString(limit, old);
        }
        assertThat(Files.readAllLines(limit).get(0).strip()).as("restored").isEqualTo(old);
        try (cli) {
            cli.kill("STOP"); // the watcher reads nothing while stopped: the kernel's queue of 16 fills
            for (int i = 0; i < 60; i++) {
                Files.createFile(tree.resolve("f" + i));
            }
            cli.kill("CONT");
            cli.awaitOut("\\[\"Q_OVERFLOW\"\\]");
            Files.createDirectory(tree.resolve("marker"));
            cli.awaitOut("\"path\":\"" + tree + "/marker\"");
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                expected.add(tree.resolve("f" + i).toString());
            }
            List<String> created = new ArrayList<>();
            int scanned = 0;
            for (String line : cli.outLines()) {
                Matcher m = CREATE.matcher(line);
                if (m.find()) {
                    created.add(m.group(1));
                    scanned += m.group(2) != null ? 1 : 0;
                }
            }
            assertThat(created).as("every file, once: by the kernel before the overflow or by the rescan, %s", cli)
                    .containsExactlyInAnyOrderElementsOf(expected);
            assertThat(scanned).as("found by the rescan").isPositive();
            cli.kill("TERM");
            assertThat(cli.exitCode()).as("%s", cli).isZero();
        }
    }

    @Test
    void anUnknownBackendNamesTheValidOnesAndExitsWith2() throws Exception {
        Cli cli = Cli.run("watch", "--backend", "kqueue", dir.toString());
        assertThat(cli.exitCode()).isEqualTo(2);
        assertThat(cli.errLines()).hasSize(2);
        assertThat(cli.errLines().get(0)).startsWith("fdloop watch: ").endsWith("unknown backend 'kqueue': use one of " + java.util.Arrays.stream(org.fdloop.backend.Backend.values())
                .map(b -> b.name().toLowerCase(java.util.Locale.ROOT)).collect(java.util.stream.Collectors.joining(", ")));
        assertThat(cli.errLines().get(1)).isEqualTo("Try 'fdloop watch --help' for usage.");
    }

    @Test
    void backendNamesAreCaseInsensitive() throws Exception {
        try (Cli cli = Cli.start("watch", "--backend", "EpOlL", dir.toString())) {
            cli.awaitErr("watching 1 path");
            cli.kill("TERM");
            assertThat(cli.exitCode()).isZero();
        }
    }

    @Test
    void anUnknownEventIsAUsageError() throws Exception {
        Cli cli = Cli.run("watch", "-e", "create,explode", dir.toString());
        assertThat(cli.exitCode()).isEqualTo(2);
        assertThat(cli.errLines().get(0)).isEqualTo("fdloop watch: unknown event 'explode': use access, modify, attrib, "
                + "close_write, close_nowrite, close, open, moved_to, moved_from, move, move_self, create, delete, delete_self");
    }

    @Test
    void ctrlCEndsTheWatchWithItsSummary() throws Exception {
        SignalsCommandIT.assumeInterruptNotIgnored();
        try (Cli cli = Cli.start("watch", dir.toString())) {
            cli.awaitErr("watching 1 path");
            cli.kill("INT");
            assertThat(cli.exitCode()).isZero();
            assertThat(cli.errLines()).last().asString().matches("fdloop watch: 0 events in \\d+\\.\\d s \\(SIGINT\\)");
        }
    }

    @Test
    void deletingTheWatchedDirectoryEndsTheWatch() throws Exception {
        Path gone = Files.createDirectory(dir.resolve("gone"));
        try (Cli cli = Cli.start("watch", "--json", gone.toString())) {
            cli.awaitErr("watching 1 path");
            Files.delete(gone);
            assertThat(cli.exitCode()).as("%s", cli).isZero();
            assertThat(cli.outLines()).map(WatchCommandIT::untimed).endsWith(
                    "{\"path\":\"" + gone + "\",\"events\":[\"DELETE_SELF\"],\"cookie\":0}",
                    "{\"path\":\"" + gone + "\",\"events\":[\"IGNORED\"],\"cookie\":0}");
            assertThat(cli.errLines()).last().asString().endsWith("(every watched path is gone)");
        }
    }
}

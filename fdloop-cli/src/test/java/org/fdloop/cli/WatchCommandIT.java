package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.TreeSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Assumptions;
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
    void byDefaultEveryEventButTheWatchsOwnDirectoryListingIsPrinted() throws Exception {
        try (Cli cli = Cli.start("watch", "-r", dir.toString())) {
            cli.awaitErr("watching 1 path");
            Files.createDirectory(dir.resolve("d"));
            cli.awaitOut("CREATE,ISDIR");
            Files.writeString(dir.resolve("d/f"), "x");
            cli.awaitOut("CLOSE_WRITE " + dir + "/d/f$");
            cli.kill("TERM");
            assertThat(cli.exitCode()).isZero();
            assertThat(cli.outLines()).map(l -> l.substring(13)).containsExactly(
                    "CREATE,ISDIR " + dir + "/d", "CREATE " + dir + "/d/f", "OPEN " + dir + "/d/f", "MODIFY " + dir + "/d/f",
                    "CLOSE_WRITE " + dir + "/d/f");
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
        Assumptions.assumeTrue(Files.isWritable(limit), "lowering fs.inotify.max_user_watches needs root; skipped");
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

    private static final Pattern SCANNED_CREATE =
            Pattern.compile("\"path\":\"([^\"]+)\",\"events\":\\[\"CREATE\"\\],\"cookie\":0,\"scanned\":true");

    @Test
    void aFullKernelQueueIsReportedAndFollowedByARescanThatFindsEveryFile() throws Exception {
        Path limit = Path.of("/proc/sys/fs/inotify/max_queued_events");
        Assumptions.assumeTrue(Files.isWritable(limit), "lowering fs.inotify.max_queued_events needs root; skipped");
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
            Set<String> expected = new TreeSet<>();
            for (int i = 0; i < 60; i++) {
                expected.add(tree.resolve("f" + i).toString());
            }
            long deadline = System.nanoTime() + Cli.PATIENCE.toNanos();
            Set<String> scanned = new TreeSet<>();
            while (!scanned.containsAll(expected) && System.nanoTime() < deadline) {
                Thread.sleep(50); // the listing's lines come in directory order, not by name
                scanned.clear();
                for (String line : cli.outLines()) {
                    Matcher m = SCANNED_CREATE.matcher(line);
                    if (m.find()) {
                        scanned.add(m.group(1));
                    }
                }
            }
            assertThat(scanned).as("files the rescan found, %s", cli).containsAll(expected);
            cli.kill("TERM");
            assertThat(cli.exitCode()).as("%s", cli).isZero();
        }
    }

    @Test
    void anUnknownBackendNamesTheValidOnesAndExitsWith2() throws Exception {
        Cli cli = Cli.run("watch", "--backend", "kqueue", dir.toString());
        assertThat(cli.exitCode()).isEqualTo(2);
        assertThat(cli.errLines()).singleElement().isEqualTo("fdloop watch: --backend: unknown backend 'kqueue': use one of "
                + java.util.Arrays.stream(org.fdloop.backend.Backend.values()).map(b -> b.name().toLowerCase(java.util.Locale.ROOT))
                        .collect(java.util.stream.Collectors.joining(", ")) + "; see 'fdloop watch --help'");
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
                + "close_write, close_nowrite, close, open, moved_to, moved_from, move, move_self, create, delete, delete_self;"
                + " see 'fdloop watch --help'");
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

package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import org.fdloop.fd.Fifo;
import org.fdloop.fd.Signal;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fdloop ... | head -1}: when the reader of the output goes away, the command ends at
 * once, quietly (no summary, no error), with exit 0, while its events keep coming. The JVM
 * ignores SIGPIPE: without fdloop checking its writes, each of these would run on until the
 * test's patience ran out.
 */
@ExtendWith(NoFdLeaks.class)
class ClosedReaderIT {
    @TempDir
    Path dir;

    /** Files created and deleted in {@code dir} as fast as can be. */
    private Storm fileStorm(Path in) {
        return Storm.start("files", i -> {
            Path f = in.resolve("f" + i % 50);
            Files.deleteIfExists(f);
            Files.createFile(f);
        });
    }

    @Test
    void recursiveWatch() throws Exception {
        Files.createDirectories(dir.resolve("a/b"));
        try (Cli cli = Cli.startPiped("head -n 1", "watch", "-r", dir.toString()); Storm storm = fileStorm(dir.resolve("a/b"))) {
            assertThat(cli.exitCode()).as("%s", cli).isZero();
            assertThat(cli.outLines()).as("%s", cli).singleElement().asString().contains(" " + dir.resolve("a/b/f"));
            assertThat(cli.errLines()).as("nothing after the start line, %s", cli).singleElement().asString()
                    .startsWith("fdloop watch: watching 1 path");
        }
    }

    @Test
    void watch() throws Exception {
        try (Cli cli = Cli.startPiped("head -n 1", "watch", "--json", dir.toString()); Storm storm = fileStorm(dir)) {
            assertThat(cli.exitCode()).as("%s", cli).isZero();
            assertThat(cli.outLines()).as("%s", cli).singleElement().asString().startsWith("{\"time\":");
            assertThat(cli.errLines()).as("%s", cli).singleElement().asString().startsWith("fdloop watch: watching 1 path");
        }
    }

    /**
     * One event, then none: the reader takes its line and goes, and watch ends then, without
     * waiting for a write that fails (before, it ran on until an event came, here never).
     */
    @Test
    void idleWatchEndsWhenItsReaderGoes() throws Exception {
        try (Cli cli = Cli.startPiped("head -n 1", "watch", dir.toString())) {
            cli.awaitErr("watching 1 path");
            Path file = Files.createDirectory(dir.resolve("only"));
            assertThat(cli.exitCode()).as("%s", cli).isZero();
            assertThat(cli.outLines()).as("%s", cli).singleElement().asString().endsWith(" CREATE,ISDIR " + file);
            assertThat(cli.errLines()).as("%s", cli).singleElement().asString().startsWith("fdloop watch: watching 1 path");
        }
    }

    @Test
    void signals() throws Exception {
        try (Cli cli = Cli.startPiped("head -n 1", "signals", "USR1")) {
            long pid = Long.parseLong(cli.awaitOut("^fdloop signals: pid (\\d+), waiting for SIGUSR1$").group(1));
            try (Storm storm = Storm.start("USR1", i -> Signal.USR1.sendToProcess(pid))) {
                assertThat(cli.exitCode()).as("%s", cli).isZero();
            }
            assertThat(cli.errLines()).as("%s", cli).singleElement().asString().startsWith("fdloop signals: try kill -USR1 " + pid);
        }
    }

    @Test
    void monitor() throws Exception {
        Path fifo = dir.resolve("in");
        Fifo.create(fifo);
        try (Cli cli = Cli.startPiped("head -n 1", "monitor", fifo.toString())) {
            cli.awaitErr("waiting on 1 path");
            try (OutputStream writer = new FileOutputStream(fifo.toFile());
                    Storm storm = Storm.start("writes", i -> writer.write(("line " + i + "\n").getBytes(StandardCharsets.UTF_8)))) {
                assertThat(cli.exitCode()).as("%s", cli).isZero();
            }
            assertThat(cli.outLines()).as("%s", cli).singleElement().asString().contains("line 0");
            assertThat(cli.errLines()).as("%s", cli).singleElement().asString().startsWith("fdloop monitor: waiting on 1 path");
        }
    }

    @Test
    void device() throws Exception {
        try (Cli cli = Cli.startPiped("head -n 1", "device", "--presses", "1000000", "--interval", "1ms")) {
            assertThat(cli.exitCode()).as("%s", cli).isZero();
            assertThat(cli.outLines()).as("%s", cli).singleElement().asString().startsWith("fdloop device: ");
            assertThat(cli.errLines()).as("%s", cli).isEmpty();
        }
    }

    /** The tour ends early too, and still leaves no temporary directory or child behind. */
    @Test
    void tour() throws Exception {
        try (Cli cli = Cli.startPiped("head -n 1", "tour", "--duration", "120s")) {
            assertThat(cli.exitCode()).as("%s", cli).isZero();
            Matcher header = java.util.regex.Pattern.compile("child (\\d+) feeds the pipe .* files change in (\\S+)$")
                    .matcher(cli.outLines().getFirst());
            assertThat(header.find()).as("%s", cli).isTrue();
            assertThat(Path.of(header.group(2))).as("the tour's temporary directory").doesNotExist();
            assertThat(ProcessHandle.of(Long.parseLong(header.group(1))).filter(ProcessHandle::isAlive)).as("the tour's child").isEmpty();
            assertThat(cli.errLines()).as("%s", cli).isEmpty();
        }
    }
}

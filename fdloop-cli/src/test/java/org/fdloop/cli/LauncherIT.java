package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fdloop.fd.Fifo;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ./fdloop launcher, run from a directory outside the checkout: it builds in the checkout
 * (here the build is done: mvn verify packaged it) but runs the command where it was called, so
 * that relative paths name the caller's files.
 */
@ExtendWith(NoFdLeaks.class)
class LauncherIT {
    @TempDir
    Path dir;

    /** The launcher at the top of the checkout; the tests run in fdloop-cli. */
    private static List<String> launcher(String... args) {
        Path launcher = Path.of("").toAbsolutePath().getParent().resolve("fdloop");
        assertThat(launcher).as("the launcher beside fdloop-cli").isExecutable();
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        return command;
    }

    @Test
    void watchDotWatchesTheCallersDirectory() throws Exception {
        assertThat(dir.toAbsolutePath().startsWith(Path.of("").toAbsolutePath().getParent())).as("outside the checkout").isFalse();
        try (Cli cli = Cli.startCommandIn(dir, launcher("watch", "-e", "create", "."))) {
            cli.awaitErr("watching 1 path");
            Files.createFile(dir.resolve("here.txt"));
            cli.awaitOut(" CREATE \\./here\\.txt$");
            cli.kill("TERM");
            assertThat(cli.exitCode()).as("%s", cli).isZero();
            assertThat(cli.errLines()).as("no build in the test, %s", cli).noneMatch(l -> l.contains("build"));
        }
    }

    @Test
    void aRelativeFifoIsTheCallersOne() throws Exception {
        Path fifo = dir.resolve("sock");
        Fifo.create(fifo);
        try (Cli cli = Cli.startCommandIn(dir, launcher("monitor", "sock"))) {
            cli.awaitErr("waiting on 1 path");
            try (OutputStream out = new FileOutputStream(fifo.toFile())) {
                out.write("hi".getBytes(StandardCharsets.UTF_8));
            }
            cli.awaitOut(" sock: \"hi\" \\(2 bytes\\)$");
            cli.kill("TERM");
            assertThat(cli.exitCode()).as("%s", cli).isZero();
        }
    }

    @Test
    void anEmptyPathIsRefusedNotTakenForTheCurrentDirectory() throws Exception {
        Cli cli = Cli.runCommandIn(dir, launcher("watch", ""));
        assertThat(cli.exitCode()).as("%s", cli).isEqualTo(2);
        assertThat(cli.errLines()).containsExactly("fdloop watch: PATH: the path is empty: give a file or directory"
                + " ('.' for the current directory); see 'fdloop watch --help'");
    }

    @Test
    void aStartUpCacheThisJdkCannotUseIsIgnoredQuietly() throws Exception {
        Path target = Path.of("target").toAbsolutePath();
        Path cache = target.resolve("fdloop.aot");
        Path kept = target.resolve("fdloop.aot.kept-by-test");
        boolean had = Files.exists(cache);
        if (had) {
            Files.move(cache, kept);
        }
        try {
            // a real cache, recorded with a setting the launcher's JVM does not have: the JVM refuses it, and says so
            List<String> record = new ArrayList<>(Cli.command("--version"));
            record.addAll(1, List.of("-XX:-UseCompressedOops", "-XX:AOTCacheOutput=" + cache));
            Process recording = new ProcessBuilder(record).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertThat(recording.waitFor()).as("recording %s", record).isZero();
            assertThat(cache).as("recorded").isNotEmptyFile();
            assertThat(Files.getLastModifiedTime(cache)).as("newer than the jar, so the launcher passes it to the JVM")
                    .isGreaterThan(Files.getLastModifiedTime(target.resolve("fdloop-cli.jar")));
            Cli cli = Cli.runCommandIn(dir, launcher("watch", ""));
            assertThat(cli.exitCode()).as("%s", cli).isEqualTo(2);
            assertThat(cli.outLines()).as("the JVM's complaint about the cache (on stdout) is not shown").isEmpty();
            assertThat(cli.errLines()).containsExactly(
                    "fdloop watch: PATH: the path is empty: give a file or directory ('.' for the current directory);"
                            + " see 'fdloop watch --help'");
        } finally {
            Files.deleteIfExists(cache);
            if (had) {
                Files.move(kept, cache);
            }
        }
    }
}

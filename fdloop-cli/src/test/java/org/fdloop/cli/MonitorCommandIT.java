package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fdloop.fd.Fifo;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NoFdLeaks.class)
class MonitorCommandIT {
    @TempDir
    Path dir;

    private static void write(Path fifo, String text) throws Exception {
        try (OutputStream out = new FileOutputStream(fifo.toFile())) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void printsWhatEachWriterOfAFifoWrites() throws Exception {
        Path fifo = dir.resolve("in");
        Fifo.create(fifo);
        try (Cli cli = Cli.start("monitor", fifo.toString())) {
            cli.awaitErr("waiting on 1 path; Ctrl-C ends");
            write(fifo, "hello\n");
            cli.awaitOut(" " + fifo + ": \"hello\\\\n\" \\(6 bytes\\)$");
            cli.awaitErr(fifo + ": the last writer closed it; waiting for the next");
            write(fifo, "again");
            cli.awaitOut(" " + fifo + ": \"again\" \\(5 bytes\\)$");
            cli.kill("TERM");
            assertThat(cli.exitCode()).isZero();
            assertThat(cli.errLines()).last().asString().matches("fdloop monitor: 11 bytes in \\d+\\.\\d s \\(SIGTERM\\)");
        }
    }

    /** An anonymous pipe has no name a next writer could open: its end of file ends the monitor of it, once. */
    @Test
    void anAnonymousPipesEndOfFileEndsTheMonitor() throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("bash", "-c", "printf 'hello\\n' | \"$@\" /dev/stdin", "bash"));
        command.addAll(Cli.command("monitor"));
        Cli cli = Cli.runCommandIn(dir, command);
        assertThat(cli.exitCode()).as("%s", cli).isZero();
        assertThat(cli.outLines()).as("%s", cli).singleElement().asString().endsWith(" /dev/stdin: \"hello\\n\" (6 bytes)");
        assertThat(cli.errLines()).as("%s", cli).containsExactly("fdloop monitor: waiting on 1 path; Ctrl-C ends",
                "fdloop monitor: /dev/stdin: end of file", cli.errLines().getLast());
        assertThat(cli.errLines().getLast()).matches("fdloop monitor: 6 bytes in \\d+\\.\\d s");
    }

    /** A named FIFO waits for its next writer once per writer, without spinning on the end of file. */
    @Test
    void aNamedFifoWaitsForTheNextWriterOncePerWriter() throws Exception {
        Path fifo = dir.resolve("in");
        Fifo.create(fifo);
        try (Cli cli = Cli.start("monitor", fifo.toString())) {
            cli.awaitErr("waiting on 1 path");
            for (int i = 0; i < 3; i++) {
                write(fifo, "w" + i);
                cli.awaitOut(": \"w" + i + "\" ");
                cli.awaitErr("the last writer closed it; waiting for the next");
            }
            cli.kill("TERM");
            assertThat(cli.exitCode()).isZero();
            assertThat(cli.errLines()).as("%s", cli).filteredOn(l -> l.contains("waiting for the next")).hasSize(3);
        }
    }

    @Test
    void asyncJsonCarriesTheSignalsPollBand() throws Exception {
        Path fifo = dir.resolve("in");
        Fifo.create(fifo);
        try (Cli cli = Cli.start("monitor", "--async", "--json", "--hex", fifo.toString())) {
            cli.awaitErr("waiting on 1 path, signal-driven \\(O_ASYNC\\)");
            write(fifo, "hi");
            String line = cli.awaitOut("\"bytes\"").group();
            assertThat(line).isNotNull();
            cli.kill("TERM");
            assertThat(cli.exitCode()).isZero();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                    "\\{\"time\":\"[0-9T:.\\-]+Z\",\"path\":\"" + fifo + "\",\"bytes\":2,\"hex\":\"6869\",\"band\":\"0x([0-9a-f]+)\"\\}")
                    .matcher(cli.outLines().get(0));
            assertThat(m.matches()).as(cli.outLines().get(0)).isTrue();
            // POLLIN|POLLRDNORM; with POLLHUP too when the writer closed before the loop read the signal
            assertThat(Integer.parseInt(m.group(1), 16) & ~0x10).isEqualTo(0x41);
        }
    }

    @Test
    void aRegularFileIsRefusedWithWhatToUseInstead() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "text");
        Cli cli = Cli.run("monitor", file.toString());
        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.errLines()).singleElement().asString()
                .startsWith("fdloop monitor: " + file + " is a regular file: epoll cannot wait on it")
                .endsWith("'fdloop watch' reports changes to files and directories");
    }

    @Test
    void aMissingPathIsOneLineAndExitCode1() throws Exception {
        Cli cli = Cli.run("monitor", dir.resolve("nothing").toString());
        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.errLines()).containsExactly("fdloop monitor: " + dir.resolve("nothing") + ": no such file or directory");
    }

    @Test
    void anAlwaysReadyDeviceIsReadOnceAndSaidSo() throws Exception {
        Cli cli = Cli.run("monitor", "--hex", "/dev/zero");
        assertThat(cli.exitCode()).isZero();
        assertThat(cli.outLines()).singleElement().asString()
                .endsWith(" /dev/zero: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 (16 bytes)");
        assertThat(cli.errLines()).first().asString().isEqualTo("fdloop monitor: /dev/zero: always ready (its driver has no poll "
                + "method, and epoll refuses it with EPERM), so there is nothing to wait for: read 16 bytes once, not watched");
    }
}

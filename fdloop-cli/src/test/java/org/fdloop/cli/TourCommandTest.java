package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TourCommandTest {

    @Test
    void tourShowsEverySourceReadyAndRead() throws Exception {
        long toursBefore = tourDirectories();
        StringWriter text = new StringWriter();
        StringWriter errors = new StringWriter();
        int exit = new CommandLine(new Main()).setOut(new PrintWriter(text)).setErr(new PrintWriter(errors)).execute("tour");
        String out = text.toString();

        assertThat(exit).as("exit code; output:%n%s%s", out, errors).isZero();
        assertThat(out).doesNotContain("FAILED");
        assertThat(out).contains("read 7 (a counter, not a queue)");
        assertThat(out).containsPattern("timerfd .* -> \\d+ expirations in one read");
        assertThat(out).containsPattern("signalfd .*SIGUSR1 from pid \\d+ uid \\d+, code SI_TKILL");
        assertThat(out).containsPattern("signalfd .*SIGRTMIN\\+1 from pid \\d+ uid \\d+, code SI_QUEUE, value 42");
        assertThat(out).containsPattern("SIGIO .*SIGRTMIN\\+2 with fd \\d+, band 0x41 \\(POLL_IN\\)");
        assertThat(out).contains("[CREATE] a.txt", "[CLOSE_WRITE] a.txt", "[MOVED_FROM] a.txt", "[MOVED_TO] b.txt", "[DELETE] b.txt");
        assertThat(out).contains("read \"through the pipe\"", "read \"through the FIFO\"");
        assertThat(out).contains("read \"typed a line\" at the newline", "master reads what the slave wrote: \"answer\"");
        assertThat(out).containsPattern("device .*/dev/urandom \\(character device\\): read [0-9a-f]{16}");
        assertThat(out).contains("a regular file is refused: \"is a regular file: epoll cannot wait on it");
        assertThat(out).containsPattern("pidfd .*readable before\\? false; SIGTERM -> readable, exit 143");
        assertThat(tourDirectories()).as("the tour removed its temporary directory").isEqualTo(toursBefore);
    }

    private static long tourDirectories() throws Exception {
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(p -> p.getFileName().toString().startsWith("fdloop-tour-")).count();
        }
    }
}

package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;
import org.fdloop.backend.Backend;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NoFdLeaks.class)
class BenchCommandIT {
    @TempDir
    Path dir;

    static boolean onPath(String program) {
        return Arrays.stream(System.getenv("PATH").split(File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, program)));
    }

    @Test
    void quickRunComparesEveryBackendAndWritesTheReportAndCharts() throws Exception {
        Path out = dir.resolve("report");
        Cli cli = Cli.run("bench", "--quick", "--out", out.toString());   // the C baselines fdloop carries
        assertThat(cli.exitCode()).as("%s", cli).isZero();
        String tables = String.join("\n", cli.outLines());
        for (Backend b : Backend.values()) {
            String name = b.name().toLowerCase(Locale.ROOT);
            assertThat(tables).containsPattern("\\| " + name + " +\\| +[\\d,]+ \\| +\\d+\\.\\d\\dx \\|");
            assertThat(tables).containsPattern("\\| +N \\|.* " + name + " \\|");
        }
        assertThat(tables).containsPattern("\\| +10 \\|( +[\\d,]+ \\|)+");
        assertThat(tables).containsPattern("\\| +100 \\|( +[\\d,]+ \\|)+");
        assertThat(onPath("gcc")).as("gcc on PATH: this test checks the C rows, which need it").isTrue();
        assertThat(tables).containsPattern("\\| C epoll +\\| +[\\d,]+ \\|");
        assertThat(tables).contains("C select |", "C poll |", "C epoll |");
        assertThat(out.resolve("c/eventfd_pingpong.c")).as("the C source it built").exists();
        // the progress bar, one line per step when stderr is not a terminal
        assertThat(cli.errLines().getFirst()).matches("fdloop bench: \\[1/(\\d+)\\] round 1: epoll, wake-up round trip");
        assertThat(cli.errLines()).hasSize(Integer.parseInt(cli.errLines().getFirst().replaceAll(".*\\[1/(\\d+)\\].*", "$1")) + 1);
        assertThat(cli.errLines().getLast()).startsWith("fdloop bench: report in " + out.resolve("report.md"));

        String report = Files.readString(out.resolve("report.md"));
        assertThat(report).startsWith("# fdloop bench\n\nProduced by `fdloop bench --quick --out " + out + "`");
        assertThat(report).contains("![wake-up round trip](wakeup.png)", "![idle-fd scaling](idle-fds.png)");
        assertThat(report).contains(cli.outLines().get(2)); // the first table row
        for (String chart : new String[] {"wakeup", "idle-fds"}) {
            byte[] png = Files.readAllBytes(out.resolve(chart + ".png"));
            assertThat(HexFormat.of().formatHex(png, 0, 8)).as(chart + ".png").isEqualTo("89504e470d0a1a0a");
            assertThat(Files.readString(out.resolve(chart + ".svg"))).as(chart + ".svg").contains("<svg");
        }
    }

    @Test
    void anOutDirectoryThatCannotBeCreatedIsOneLineNamingThePathAndWhy() throws Exception {
        // mkdir fails before the first measurement: ENOENT in /proc (EACCES when not root)
        Cli cli = Cli.run("bench", "--quick", "--out", "/proc/nope");
        assertThat(cli.exitCode()).as("%s", cli).isEqualTo(1);
        assertThat(cli.errLines()).as("%s", cli).hasSize(1);
        assertThat(cli.errLines().getFirst()).matches("fdloop bench: /proc/nope: (no such file or directory|permission denied)");

        Path file = Files.writeString(dir.resolve("file"), "a regular file");
        cli = Cli.run("bench", "--quick", "--out", file.resolve("report").toString());
        assertThat(cli.exitCode()).as("%s", cli).isEqualTo(1);
        assertThat(cli.errLines()).as("%s", cli).hasSize(1);
        assertThat(cli.errLines().getFirst()).matches("(?i)fdloop bench: " + Pattern.quote(file.resolve("report").toString()) + ": not a directory");
    }

    @Test
    void withoutTheCSourcesTheReportSaysSo() throws Exception {
        Path out = dir.resolve("report");
        Cli cli = Cli.run("bench", "--quick", "--out", out.toString(), "--c-baselines", dir.resolve("none").toString());
        assertThat(cli.exitCode()).as("%s", cli).isZero();
        assertThat(cli.outLines()).noneMatch(l -> l.contains("C epoll"));
        assertThat(cli.outLines()).anyMatch(l -> l.matches("- (gcc is not on PATH|no C baseline sources in .*none): no C baselines.*"));
    }
}

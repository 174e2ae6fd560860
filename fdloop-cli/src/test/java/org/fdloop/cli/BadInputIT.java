package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad input gets one line on stderr that names the input and says what to do, nothing on
 * stdout, and the documented exit code: 2 for a command line fdloop cannot use, 1 for a failure.
 * "Not found" is worded one way by every command: "PATH: no such file or directory".
 */
@ExtendWith(NoFdLeaks.class)
class BadInputIT {
    private static Path dir;
    private static String file;
    private static String missing;
    private static String dangling;

    @BeforeAll
    static void files() throws Exception {
        dir = Files.createTempDirectory("fdloop-bad-input-");
        file = Files.writeString(dir.resolve("notes.txt"), "text").toString();
        missing = dir.resolve("nowhere").toString();
        dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("gone")).toString();
    }

    @AfterAll
    static void clean() throws Exception {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static final String NOT_FOUND = ": no such file or directory";
    private static final String EVENTS = "access, modify, attrib, close_write, close_nowrite, close, open, moved_to, moved_from,"
            + " move, move_self, create, delete, delete_self";

    /**
     * One row: the exit code, the text the line contains (quoted as is), how the command is run
     * ({@code plain}, {@code setsid} for no controlling terminal, {@code closed-stdin},
     * {@code ulimit-20}), and the arguments.
     */
    private static Arguments row(int code, String contains, String how, String... args) {
        return Arguments.of(code, contains, how, List.of(args));
    }

    static Stream<Arguments> badInputs() {
        String d = dir.toString();
        return Stream.of(
                // fdloop itself
                row(2, "fdloop: no command given: use one of tour, watch, monitor, signals, device, serial, input, gpio, race,"
                        + " mq, dnotify, bench, help,", "plain"),
                row(2, "fdloop: unknown command 'frobnicate': the commands are tour, watch,", "plain", "frobnicate"),
                row(2, "fdloop: unknown option '--bogus'", "plain", "--bogus"),
                row(2, "fdloop help: unknown option '--json'", "plain", "help", "--json"),
                row(2, "fdloop help: unexpected argument 'extra'", "plain", "help", "watch", "extra"),
                row(2, "fdloop help: unknown command 'nope': the commands are", "plain", "help", "nope"),
                row(2, "fdloop generate-completion: unknown option '--bogus'", "plain", "generate-completion", "--bogus"),
                row(2, "fdloop generate-completion: unexpected argument 'extra'", "plain", "generate-completion", "extra"),
                // watch
                row(2, "fdloop watch: Missing required parameter: 'PATH'", "plain", "watch"),
                row(2, "fdloop watch: PATH: the path is empty: give a file or directory ('.' for the current directory)", "plain", "watch", ""),
                row(2, "fdloop watch: -e ',' names no event: use " + EVENTS + ", or leave -e out", "plain", "watch", "-e", ",", d),
                row(2, "fdloop watch: unknown event '': use " + EVENTS, "plain", "watch", "-e", "", d),
                row(2, "fdloop watch: unknown event '': use " + EVENTS, "plain", "watch", "-e", "create,,delete", d),
                row(2, "fdloop watch: unknown event 'explode'", "plain", "watch", "-e", "explode", d),
                row(2, "fdloop watch: --backend: unknown backend 'kqueue': use one of", "plain", "watch", "--backend", "kqueue", d),
                row(2, "fdloop watch: --backend: unknown backend ' epoll': use one of", "plain", "watch", "--backend", " epoll", d),
                row(2, "fdloop watch: --backend: unknown backend '': use one of", "plain", "watch", "--backend", "", d),
                row(2, "fdloop watch: unknown option '--bogus'", "plain", "watch", "--bogus", d),
                row(2, "fdloop watch: unknown option '-x'", "plain", "watch", "-x", d),
                row(1, "fdloop watch: " + missing + NOT_FOUND, "plain", "watch", missing),
                row(1, "fdloop watch: " + d + "/a\\nb" + NOT_FOUND, "plain", "watch", d + "/a\nb"),
                row(1, "fdloop watch: " + dangling + ": a symbolic link to nothing", "plain", "watch", dangling),
                row(1, "fdloop watch: " + file + ": not a directory, so -r cannot watch below it; drop -r", "plain", "watch", "-r", file),
                // monitor
                row(2, "fdloop monitor: Missing required parameter: 'PATH'", "plain", "monitor"),
                row(2, "fdloop monitor: PATH: the path is empty", "plain", "monitor", ""),
                row(2, "fdloop monitor: --hex, --text are mutually exclusive (specify only one)", "plain", "monitor", "--hex", "--text", "/dev/null"),
                row(1, "fdloop monitor: " + missing + NOT_FOUND, "plain", "monitor", missing),
                row(1, "fdloop monitor: " + d + "/a\\nb" + NOT_FOUND, "plain", "monitor", d + "/a\nb"),
                row(1, "fdloop monitor: " + file + " is a regular file: epoll cannot wait on it", "plain", "monitor", file),
                row(1, "fdloop monitor: " + d + " is a directory", "plain", "monitor", d),
                row(1, "fdloop monitor: /dev/tty: this process has no controlling terminal (ENXIO): run monitor from a terminal",
                        "setsid", "monitor", "/dev/tty"),
                row(1, "fdloop monitor: /dev/stdin: the standard input is closed", "closed-stdin", "monitor", "/dev/stdin"),
                // signals
                row(2, "fdloop signals: Missing required parameter: 'SIGNAL'", "plain", "signals"),
                row(2, "fdloop signals: SIGNAL: signal ' USR1' has spaces around it: write USR1", "plain", "signals", " USR1"),
                row(2, "fdloop signals: SIGNAL: signal 'USR1 ' has spaces around it: write USR1", "plain", "signals", "USR1 "),
                row(2, "fdloop signals: SIGNAL: unknown signal '': use a name such as USR1", "plain", "signals", ""),
                row(2, "fdloop signals: SIGNAL: unknown signal 'NOPE'", "plain", "signals", "NOPE"),
                row(2, "fdloop signals: SIGNAL: unknown signal '99999999999999999999'", "plain", "signals", "99999999999999999999"),
                row(2, "fdloop signals: cannot take SIGSEGV", "plain", "signals", "SEGV"),
                row(2, "fdloop signals: cannot take SIGKILL", "plain", "signals", "KILL"),
                row(2, "fdloop signals: --count is a number of signals, 1 or more; not 0", "plain", "signals", "--count", "0", "USR1"),
                row(2, "fdloop signals: --count: '99999999999999999999' is not a long", "plain", "signals", "-n", "99999999999999999999", "USR1"),
                // tour
                row(2, "fdloop tour: --duration: '0' is not a duration above zero", "plain", "tour", "--duration", "0"),
                row(2, "fdloop tour: --duration: '-1s' is not a duration", "plain", "tour", "--duration", "-1s"),
                row(2, "fdloop tour: --duration: '99999999999999999999' is too long: at most 365 days", "plain", "tour", "--duration",
                        "99999999999999999999"),
                row(2, "fdloop tour: --duration: '99999999999999999999 s' is too long", "plain", "tour", "--duration", "99999999999999999999 s"),
                row(2, "fdloop tour: --duration: 'PT99999999999999999999S' is not a duration", "plain", "tour", "--duration",
                        "PT99999999999999999999S"),
                row(2, "fdloop tour: --duration: '1e3' is not a duration: write 10s, 500ms, 2m or 1.5s", "plain", "tour", "--duration", "1e3"),
                row(2, "fdloop tour: --duration: ' 1s' has spaces around it", "plain", "tour", "--duration", " 1s"),
                row(2, "fdloop tour: --duration: '' is not a duration", "plain", "tour", "--duration", ""),
                row(2, "fdloop tour: unexpected argument 'extra'", "plain", "tour", "extra"),
                row(1, "fdloop tour: ", "ulimit-20", "tour", "--duration", "1s"),
                // device
                row(2, "fdloop device: --presses is 1 or more, not 0", "plain", "device", "--presses", "0"),
                row(2, "fdloop device: --interval: '0ms' is not a duration above zero", "plain", "device", "--interval", "0ms"),
                row(2, "fdloop device: --interval: '99999999999999999999' is too long", "plain", "device", "--interval", "99999999999999999999"),
                // serial, input, gpio
                row(2, "fdloop serial: Missing required parameter: 'PATH'", "plain", "serial"),
                row(2, "fdloop serial: PATH: the path is empty", "plain", "serial", ""),
                row(2, "fdloop serial: --format: '9X1' is not a character format: data bits 5-8", "plain", "serial", "-f", "9X1", "/dev/null"),
                row(2, "fdloop serial: --baud: baud 0: a rate is a positive number", "plain", "serial", "-b", "0", "/dev/null"),
                row(1, "fdloop serial: " + missing + ": no such serial port or tty", "plain", "serial", missing),
                row(1, "fdloop serial: " + file + " is a regular file", "plain", "serial", file),
                row(1, "TCGETS2): ENOTTY (Inappropriate ioctl for device): it is not a terminal", "plain", "serial", "/dev/null"),
                row(2, "fdloop input: PATH: the path is empty", "plain", "input", ""),
                row(1, "fdloop input: statx(" + missing + "): ENOENT (No such file or directory): there is no input device at this path",
                        "plain", "input", missing),
                row(1, "EVIOCGVERSION): ENOTTY (Inappropriate ioctl for device): it is not an input device", "plain", "input", "/dev/null"),
                row(2, "fdloop gpio: Missing required parameters: 'CHIP', 'LINE'", "plain", "gpio"),
                row(2, "fdloop gpio: --edge: unknown value 'up': use one of rising, falling, both", "plain", "gpio", "--edge", "up", "gpiochip0", "1"),
                row(2, "fdloop gpio: --bias: unknown value 'x': use one of as-is, pull-up, pull-down, disabled", "plain", "gpio", "--bias", "x",
                        "gpiochip0", "1"),
                row(1, "fdloop gpio: statx(/dev/gpiochip-none): ENOENT (No such file or directory): there is no GPIO chip at this path",
                        "plain", "gpio", "gpiochip-none", "3"),
                row(1, "GPIO_GET_CHIPINFO_IOCTL): ENOTTY (Inappropriate ioctl for device): it is not a GPIO chip", "plain", "gpio",
                        "/dev/null", "3"),
                // bench
                row(1, "fdloop bench: /etc/hosts: not a directory: give --out a directory", "plain", "bench", "--out", "/etc/hosts"),
                row(2, "fdloop bench: --out: the path is empty", "plain", "bench", "--out", ""),
                row(2, "fdloop bench: --c-baselines: the path is empty", "plain", "bench", "--c-baselines", ""));
    }

    @ParameterizedTest(name = "[{index}] {3}")
    @MethodSource("badInputs")
    void oneLineNamingTheInputAndTheExitCode(int code, String contains, String how, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(switch (how) {
            case "setsid" -> List.of("setsid", "-w");
            case "closed-stdin" -> List.of("bash", "-c", "exec \"$@\" <&-", "bash");
            case "ulimit-20" -> List.of("bash", "-c", "ulimit -n 20 && exec \"$@\"", "bash");
            default -> List.of();
        });
        command.addAll(Cli.command(args.toArray(String[]::new)));
        Cli cli = Cli.runCommandIn(dir, command);
        assertThat(cli.exitCode()).as("%s", cli).isEqualTo(code);
        assertThat(cli.errLines()).as("%s", cli).singleElement().asString().contains(contains)
                .matches(Pattern.quote(args.isEmpty() || args.getFirst().startsWith("-") || code == 2 && args.getFirst().equals("frobnicate")
                        ? "fdloop: " : "fdloop " + args.getFirst() + ": ") + ".*");
        if (code == 2) {
            assertThat(cli.errLines().getFirst()).as("where help is").endsWith("--help'");
        }
        assertThat(cli.outLines()).as("%s", cli).isEmpty();
    }
}

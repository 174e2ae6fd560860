package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fdloop.testing.Ready.PATIENCE;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.fdloop.internal.linux.Constants;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.ProcessCalls;
import org.fdloop.internal.linux.Structs;
import org.fdloop.testing.BlockedSignals;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@link Spawn} and {@link Child} without a loop: stdio, environment, directory, descriptors, signals, status, errors. */
@ExtendWith(NoFdLeaks.class)
class SpawnTest {

    /** Everything {@code fd} yields until its end, waiting for each part. */
    static String readAll(StreamFd fd) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        while (true) {
            int n = fd.read(buffer.clear());
            if (n < 0) {
                return out.toString(StandardCharsets.UTF_8);
            }
            if (n == 0) {
                assertThat(fd.awaitReadable(PATIENCE)).as("more of %s within %s", fd, PATIENCE).isTrue();
            }
            out.write(buffer.array(), 0, n);
        }
    }

    static ExitStatus await(Child child) throws IOException {
        ExitStatus status = child.waitFor(PATIENCE);
        assertThat(status).as("%s exited within %s", child, PATIENCE).isNotNull();
        return status;
    }

    /** The pids of this JVM's children, zombies included (every thread's /proc children list). */
    static Set<Long> children() throws IOException {
        Set<Long> pids = new TreeSet<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    for (String line : Files.readAllLines(task.resolve("children"))) {
                        for (String pid : line.trim().split("\\s+")) {
                            if (!pid.isEmpty()) {
                                pids.add(Long.parseLong(pid));
                            }
                        }
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // the thread ended since the listing
                }
            }
        }
        return pids;
    }

    /**
     * Waits until {@code pid} sleeps (state S in /proc/<pid>/stat): posix_spawn returns once the
     * child has called execve, while the dynamic loader may still hold a library open (as fd 3,
     * say); a program that sleeps has finished starting.
     */
    static void awaitSleeping(long pid) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            String stat = Files.readAllLines(Path.of("/proc/" + pid + "/stat")).get(0);
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            if (state == 'S') {
                return;
            }
            assertThat(System.nanoTime() - deadline).as("pid %d sleeps within %s (state %s)", pid, PATIENCE, state).isNegative();
            Thread.sleep(5);
        }
    }

    /** The named line of /proc/<pid>/status, after its colon and blanks. */
    static String statusLine(Object pid, String name) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        throw new AssertionError("/proc/" + pid + "/status has no " + name);
    }

    @Test
    void pipesCarryStdinToStdoutAndStderrApart() throws Exception {
        try (Child child = Spawn.of("sh", "-c", "cat; echo oops >&2")
                .stdin(Spawn.Stdio.pipe()).stdout(Spawn.Stdio.pipe()).stderr(Spawn.Stdio.pipe()).start()) {
            byte[] sent = new byte[100_000];
            for (int i = 0; i < sent.length; i++) {
                sent[i] = (byte) ('a' + i % 26);
            }
            // write and read in turn: a pipe holds 64 KiB, and cat blocks once stdout is full
            ByteBuffer in = ByteBuffer.wrap(sent);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            boolean outEnded = false;
            while (!outEnded) {
                if (in.hasRemaining()) {
                    child.stdin().write(in);
                    if (!in.hasRemaining()) {
                        child.stdin().close();
                    }
                }
                int n = child.stdout().read(buffer.clear());
                if (n < 0) {
                    outEnded = true;
                } else if (n > 0) {
                    got.write(buffer.array(), 0, n);
                } else if (!in.hasRemaining()) {
                    assertThat(child.stdout().awaitReadable(PATIENCE)).as("more output, or its end").isTrue();
                } else {
                    child.stdout().awaitReadable(java.time.Duration.ofMillis(10)); // or stdin has room again
                }
            }
            assertThat(got.toByteArray()).isEqualTo(sent);
            assertThat(readAll(child.stderr())).isEqualTo("oops\n");
            assertThat(await(child)).isEqualTo(ExitStatus.exited(0));
            assertThat(child.stdin().isOpen()).isFalse();
        }
    }

    @Test
    void ourPipeEndsAreNonBlockingAndTheChildsAreBlocking() throws Exception {
        try (Child child = Spawn.of("sh", "-c", "cat /proc/$$/fdinfo/0 | grep flags; cat")
                .stdin(Spawn.Stdio.pipe()).stdout(Spawn.Stdio.pipe()).start()) {
            assertThat(child.stdout().read(ByteBuffer.allocate(1)) >= 0).isTrue(); // 0 at once or a byte: never blocks
            int ours = FileCalls.fcntl(child.stdin().number(), Constants.F_GETFL, 0);
            assertThat(ours & Constants.O_NONBLOCK).isNotZero();
            child.stdin().close();
            String flags = readAll(child.stdout()).trim();
            int childFlags = Integer.parseInt(flags.substring(flags.lastIndexOf('\t') + 1).trim(), 8);
            assertThat(childFlags & Constants.O_NONBLOCK).as("the child's stdin flags %s", flags).isZero();
            assertThat(await(child).succeeded()).isTrue();
        }
    }

    @Test
    void filesAndAppendAndDevNull(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("in");
        Files.writeString(input, "from a file\n");
        Path output = dir.resolve("out");
        try (Child child = Spawn.of("cat").stdin(Spawn.Stdio.file(input)).stdout(Spawn.Stdio.file(output)).start()) {
            assertThat(await(child).succeeded()).isTrue();
        }
        assertThat(Files.readString(output)).isEqualTo("from a file\n");
        try (Child child = Spawn.of("echo", "more").stdout(Spawn.Stdio.append(output)).start()) {
            assertThat(await(child).succeeded()).isTrue();
        }
        assertThat(Files.readString(output)).isEqualTo("from a file\nmore\n");
        try (Child child = Spawn.of("echo", "new").stdout(Spawn.Stdio.file(output)).start()) {
            assertThat(await(child).succeeded()).isTrue();
        }
        assertThat(Files.readString(output)).as("file truncates").isEqualTo("new\n");
        // /dev/null: stdin ends at once (cat copies nothing), and what stdout is
        try (Child child = Spawn.of("sh", "-c", "cat; echo \"$(readlink /proc/$$/fd/0 /proc/$$/fd/1)\" >&2")
                .stdin(Spawn.Stdio.devNull()).stdout(Spawn.Stdio.devNull()).stderr(Spawn.Stdio.pipe()).start()) {
            assertThat(readAll(child.stderr())).isEqualTo("/dev/null\n/dev/null\n");
            assertThat(await(child).succeeded()).isTrue();
        }
    }

    @Test
    void inheritedStdioIsTheJvmsOwnAndAnFdOfOursCanBeStdout() throws Exception {
        String ourStdout = Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString();
        try (Child child = Spawn.of("sh", "-c", "echo \"$(readlink /proc/$$/fd/1)\" >&2").stderr(Spawn.Stdio.pipe()).start()) {
            assertThat(readAll(child.stderr())).isEqualTo(ourStdout + "\n");
            await(child);
        }
        try (OsPipe pipe = OsPipe.open();
                Child child = Spawn.of("printf", "via %s", "our pipe").stdout(Spawn.Stdio.fd(pipe.writeEnd())).start()) {
            assertThat(await(child).succeeded()).isTrue();
            pipe.writeEnd().close();
            assertThat(readAll(pipe.readEnd())).isEqualTo("via our pipe");
        }
    }

    @Test
    void environmentAndDirectoryReachTheChild(@TempDir Path dir) throws Exception {
        try (Child child = Spawn.of("sh", "-c", "printf '%s|%s|' \"$FDLOOP_TEST\" \"$HOME\"; pwd")
                .env("FDLOOP_TEST", "a value with spaces").directory(dir).stdout(Spawn.Stdio.pipe()).start()) {
            assertThat(readAll(child.stdout()))
                    .isEqualTo("a value with spaces|" + System.getenv("HOME") + "|" + dir.toRealPath() + "\n");
            await(child);
        }
        try (Child child = Spawn.of("/usr/bin/env").environment(Map.of("ONLY", "this")).stdout(Spawn.Stdio.pipe()).start()) {
            assertThat(readAll(child.stdout())).isEqualTo("ONLY=this\n");
            await(child);
        }
        try (Child child = Spawn.of("/bin/sh", "-c", "printf %s \"${HOME-unset}\"").env("HOME", null)
                .stdout(Spawn.Stdio.pipe()).start()) {
            assertThat(readAll(child.stdout())).isEqualTo("unset");
            await(child);
        }
    }

    /**
     * The child has 0, 1, 2 and what was passed, nothing else: not the JVM's descriptors, not
     * even one without close-on-exec, and not the holes below a passed number.
     */
    @Test
    void theChildHasOnlyTheDescriptorsItWasGiven() throws Exception {
        int leaky = Errno.check(FileCalls.open("/dev/null", Constants.O_RDONLY, 0), "open(/dev/null) without O_CLOEXEC");
        try (OsPipe passed = OsPipe.open();
                Child child = Spawn.of("sleep", "1000").stdin(Spawn.Stdio.devNull()).stdout(Spawn.Stdio.pipe())
                        .passFd(passed.readEnd(), 7).passFd(passed.writeEnd(), 4).start()) {
            awaitSleeping(child.pid());
            Set<Integer> fds = new TreeSet<>();
            try (Stream<Path> entries = Files.list(Path.of("/proc/" + child.pid() + "/fd"))) {
                entries.forEach(e -> fds.add(Integer.parseInt(e.getFileName().toString())));
            }
            assertThat(fds).as("the JVM had fd %d open without O_CLOEXEC", leaky).containsExactly(0, 1, 2, 4, 7);
            assertThat(link(child.pid(), 7)).isEqualTo(link(ProcessHandle.current().pid(), passed.readEnd().number()));
            assertThat(link(child.pid(), 4)).isEqualTo(link(ProcessHandle.current().pid(), passed.writeEnd().number()));
            assertThat(link(child.pid(), 1)).isEqualTo(link(ProcessHandle.current().pid(), child.stdout().number()));
            assertThat(link(child.pid(), 0)).isEqualTo("/dev/null");
            child.signal(Signal.KILL);
            assertThat(await(child)).isEqualTo(ExitStatus.killed(Signal.KILL, false));
        } finally {
            IoCalls.close(leaky);
        }
    }

    /**
     * A builder whose children need no descriptor of ours makes posix_spawn's arguments once and
     * reuses them; each setter drops them, so every start runs what the builder says at that time.
     */
    @Test
    void aReusedBuilderStartsWhatItSaysNow(@TempDir Path dir) throws Exception {
        int leaky = Errno.check(FileCalls.open("/dev/null", Constants.O_RDONLY, 0), "open(/dev/null) without O_CLOEXEC");
        try {
            Spawn spawn = Spawn.of("sh", "-c", "exit $CODE").env("CODE", "3").stdin(Spawn.Stdio.devNull());
            for (int i = 0; i < 3; i++) {
                try (Child child = spawn.start()) {
                    assertThat(await(child)).isEqualTo(ExitStatus.exited(3));
                }
            }
            spawn.env("CODE", "4");
            try (Child child = spawn.start()) {
                assertThat(await(child)).isEqualTo(ExitStatus.exited(4));
            }
            spawn = Spawn.of("sleep", "1000").stdin(Spawn.Stdio.devNull()).stdout(Spawn.Stdio.devNull());
            try (Child child = spawn.start()) {
                awaitSleeping(child.pid());
                Set<Integer> fds = new TreeSet<>();
                try (Stream<Path> entries = Files.list(Path.of("/proc/" + child.pid() + "/fd"))) {
                    entries.forEach(e -> fds.add(Integer.parseInt(e.getFileName().toString())));
                }
                assertThat(fds).as("the JVM had fd %d open without O_CLOEXEC", leaky).containsExactly(0, 1, 2);
                assertThat(link(child.pid(), 0)).isEqualTo("/dev/null");
                assertThat(link(child.pid(), 1)).isEqualTo("/dev/null");
                assertThat(statusLine(child.pid(), "SigBlk")).isEqualTo("0000000000000000");
            }
            try (Child child = spawn.directory(dir).newProcessGroup().start()) {
                assertThat(Files.readSymbolicLink(Path.of("/proc/" + child.pid() + "/cwd"))).isEqualTo(dir.toRealPath());
                assertThat(statusLine(child.pid(), "NSpgid")).isEqualTo(String.valueOf(child.pid()));
            }
        } finally {
            IoCalls.close(leaky);
        }
    }

    /** Passed descriptors that sit at each other's target numbers are not overwritten on the way. */
    @Test
    void passedDescriptorsMaySwapNumbers() throws Exception {
        try (OsPipe a = OsPipe.open(); OsPipe b = OsPipe.open()) {
            int an = a.writeEnd().number();
            int bn = b.writeEnd().number();
            // a's write end goes to b's number and b's to a's
            try (Child child = Spawn.of("bash", "-c", "echo A >&" + bn + "; echo B >&" + an)
                    .passFd(a.writeEnd(), bn).passFd(b.writeEnd(), an).start()) {
                assertThat(await(child).succeeded()).isTrue();
            }
            a.writeEnd().close();
            b.writeEnd().close();
            assertThat(readAll(a.readEnd())).isEqualTo("A\n");
            assertThat(readAll(b.readEnd())).isEqualTo("B\n");
        }
    }

    private static String link(long pid, int fd) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/" + fd)).toString();
    }

    @Test
    void theChildStartsWithAnEmptySignalMaskAndDefaultDispositions() throws Exception {
        try (BlockedSignals blocked = BlockedSignals.block(SignalSet.of(Signal.USR1, Signal.USR2, Signal.HUP))) {
            long ours = Long.parseUnsignedLong(statusLine(ProcessHandle.current().pid() + "/task/" + OsThread.currentId(), "SigBlk"), 16);
            assertThat(ours & 0xa01).as("this thread blocks SIGHUP, SIGUSR1, SIGUSR2: %x", ours).isEqualTo(0xa01);
            // sh ignores nothing and blocks nothing of its own while it waits in read
            try (Child child = Spawn.of("sh", "-c", "read x").stdin(Spawn.Stdio.pipe()).start()) {
                awaitSleeping(child.pid());
                assertThat(statusLine(child.pid(), "SigBlk")).isEqualTo("0000000000000000");
                assertThat(statusLine(child.pid(), "SigIgn")).isEqualTo("0000000000000000");
                child.stdin().write(ByteBuffer.wrap("go\n".getBytes(StandardCharsets.US_ASCII)));
                child.stdin().close();
                assertThat(await(child).succeeded()).isTrue();
            }
        }
    }

    /**
     * A signal the JVM ignores (SIG_IGN survives execve) has its default disposition in the child.
     * SIGURG is ignored by default anyway, so ignoring it in this JVM for a moment changes nothing
     * else; its old action is put back.
     */
    @Test
    void aSignalTheJvmIgnoresIsNotIgnoredInTheChild() throws Exception {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment ignore = arena.allocate(Structs.SIGACTION);
            ignore.set(java.lang.foreign.ValueLayout.JAVA_LONG, Structs.SA_HANDLER, 1L); // SIG_IGN
            java.lang.foreign.MemorySegment old = arena.allocate(Structs.SIGACTION);
            Errno.check(ProcessCalls.sigaction(Constants.SIGURG, ignore, old), "sigaction(SIGURG, SIG_IGN)");
            try {
                long ours = Long.parseUnsignedLong(statusLine(ProcessHandle.current().pid(), "SigIgn"), 16);
                assertThat(ours & (1L << (Constants.SIGURG - 1))).as("this JVM ignores SIGURG now").isNotZero();
                for (Spawn spawn : List.of(Spawn.of("sh", "-c", "read x").stdin(Spawn.Stdio.pipe()),   // per start
                        Spawn.of("sleep", "1000"))) {                                                 // reused arguments
                    try (Child child = spawn.start()) {
                        awaitSleeping(child.pid());
                        assertThat(statusLine(child.pid(), "SigIgn")).isEqualTo("0000000000000000");
                    }
                }
            } finally {
                Errno.check(ProcessCalls.sigaction(Constants.SIGURG, old, java.lang.foreign.MemorySegment.NULL),
                        "sigaction(SIGURG) back");
            }
        }
    }

    @Test
    void exitCodeAndKillAreReported() throws Exception {
        try (Child child = Spawn.of("sh", "-c", "exit 3").start()) {
            ExitStatus status = await(child);
            assertThat(status).isEqualTo(ExitStatus.exited(3));
            assertThat(status.exited()).isTrue();
            assertThat(status.shellValue()).isEqualTo(3);
            assertThat(child.tryReap()).as("the same status again").isSameAs(status);
            assertThat(child.toString()).contains("exited with code 3");
        }
        try (Child child = Spawn.of("sleep", "1000").start()) {
            assertThat(child.tryReap()).as("running").isNull();
            child.signal(Signal.TERM);
            ExitStatus status = await(child);
            assertThat(status).isEqualTo(ExitStatus.killed(Signal.TERM, false));
            assertThat(status.shellValue()).isEqualTo(143);
            assertThat(status).hasToString("killed by SIGTERM");
            assertThatThrownBy(() -> child.signal(Signal.TERM)).isInstanceOf(LinuxException.class)
                    .hasMessageContaining("ESRCH");
        }
    }

    /**
     * A core dump is reported as such. The child raises its own RLIMIT_CORE (nothing of this JVM
     * changes) and dumps into the test's directory; core_pattern must write a file or pipe to a
     * program that exists.
     */
    @Test
    void coreDumpIsReported(@TempDir Path dir) throws Exception {
        String pattern = Files.readAllLines(Path.of("/proc/sys/kernel/core_pattern")).get(0).trim();
        if (pattern.startsWith("|")) {
            String program = pattern.substring(1).trim().split("\\s+")[0];
            assertThat(Files.isExecutable(Path.of(program)))
                    .as("kernel.core_pattern pipes cores to %s, which is missing: no core can be dumped here", program).isTrue();
        }
        try (Child child = Spawn.of("sh", "-c", "ulimit -c unlimited && kill -SEGV $$").directory(dir).start()) {
            ExitStatus status = await(child);
            assertThat(status).isEqualTo(ExitStatus.killed(Signal.SEGV, true));
            assertThat(status).hasToString("killed by SIGSEGV (core dumped)");
        }
        try (Child child = Spawn.of("sh", "-c", "ulimit -c 0 && kill -SEGV $$").directory(dir).start()) {
            assertThat(await(child)).as("no core with RLIMIT_CORE 0").isEqualTo(ExitStatus.killed(Signal.SEGV, false));
        }
    }

    @Test
    void closingARunningChildKillsAndReapsIt() throws Exception {
        Child child = Spawn.of("sleep", "1000").start();
        long pid = child.pid();
        assertThat(children()).contains(pid);
        child.close();
        assertThat(child.status()).isEqualTo(ExitStatus.killed(Signal.KILL, false));
        assertThat(children()).as("reaped, no zombie").doesNotContain(pid);
        assertThat(child.pidFd().isOpen()).isFalse();
        assertThat(child.tryReap()).as("the status stays").isEqualTo(child.status());
    }

    @Test
    void signalGroupReachesAGrandchildAndRefusesTheJvmsGroup() throws Exception {
        try (Child child = Spawn.of("sh", "-c", "sleep 1000 & echo $!; wait").newProcessGroup().stdout(Spawn.Stdio.pipe()).start()) {
            assertThat(child.leadsGroup()).isTrue();
            String line = readLine(child.stdout());
            ProcessHandle grandchild = ProcessHandle.of(Long.parseLong(line)).orElseThrow();
            assertThat(statusLine(grandchild.pid(), "NSpgid")).isEqualTo(String.valueOf(child.pid()));
            child.signalGroup(Signal.TERM);
            assertThat(await(child)).isEqualTo(ExitStatus.killed(Signal.TERM, false));
            assertThat(grandchild.onExit().get(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).isAlive()).isFalse();
        }
        try (Child child = Spawn.of("sleep", "1000").start()) {
            assertThatThrownBy(() -> child.signalGroup(Signal.TERM)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("newProcessGroup");
        }
    }

    @Test
    void newSessionLeadsASessionWithoutTerminal() throws Exception {
        try (Child child = Spawn.of("sleep", "1000").newSession().start()) {
            awaitSleeping(child.pid());
            assertThat(statusLine(child.pid(), "NSsid")).isEqualTo(String.valueOf(child.pid()));
            assertThat(statusLine(child.pid(), "NSpgid")).isEqualTo(String.valueOf(child.pid()));
            assertThat(child.leadsGroup()).isTrue();
        }
    }

    static String readLine(StreamFd fd) throws IOException {
        StringBuilder line = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            int n = fd.read(one.clear());
            if (n < 0) {
                throw new AssertionError("end of stream after '" + line + "'");
            }
            if (n == 0) {
                assertThat(fd.awaitReadable(PATIENCE)).isTrue();
                continue;
            }
            char c = (char) one.get(0);
            if (c == '\n') {
                return line.toString();
            }
            line.append(c);
        }
    }

    @Test
    void aMissingProgramIsNamedAndLeavesNothing(@TempDir Path dir) throws Exception {
        Set<Long> before = children();
        Map<Integer, String> fds = NoFdLeaks.openFds();
        assertThatThrownBy(() -> Spawn.of("/no/such/program", "x").stdout(Spawn.Stdio.pipe()).stdin(Spawn.Stdio.devNull()).start())
                .isInstanceOf(LinuxException.class)
                .hasMessageContaining("posix_spawn(/no/such/program)").hasMessageContaining("ENOENT")
                .hasMessageContaining("no program at /no/such/program");
        assertThatThrownBy(() -> Spawn.of("fdloop-no-such-command").start())
                .isInstanceOf(LinuxException.class).hasMessageContaining("ENOENT")
                .hasMessageContaining("no program fdloop-no-such-command in PATH");
        Path notExecutable = Files.writeString(dir.resolve("plain"), "text");
        assertThatThrownBy(() -> Spawn.of(notExecutable.toString()).start())
                .isInstanceOf(LinuxException.class).hasMessageContaining("EACCES").hasMessageContaining("not executable");
        assertThat(NoFdLeaks.openFds()).isEqualTo(fds);
        assertThat(children()).isEqualTo(before);
    }

    @Test
    void aBadDirectoryIsNamedAndLeavesNothing(@TempDir Path dir) throws Exception {
        Set<Long> before = children();
        Map<Integer, String> fds = NoFdLeaks.openFds();
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> Spawn.of("true").directory(missing).stdout(Spawn.Stdio.pipe()).start())
                .isInstanceOf(LinuxException.class)
                .hasMessageContaining("posix_spawn(true, in directory " + missing + ")")
                .hasMessageContaining("ENOENT")
                .hasMessageContaining("the working directory " + missing + " does not exist");
        Path file = Files.writeString(dir.resolve("file"), "");
        assertThatThrownBy(() -> Spawn.of("true").directory(file).start())
                .isInstanceOf(LinuxException.class).hasMessageContaining("ENOTDIR")
                .hasMessageContaining("the working directory " + file);
        assertThat(NoFdLeaks.openFds()).isEqualTo(fds);
        assertThat(children()).isEqualTo(before);
    }

    @Test
    void badArgumentsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> Spawn.of(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Spawn.of("a\0b")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> Spawn.of("x").env("A=B", "c")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'='");
        assertThatThrownBy(() -> Spawn.of("x").passFd(null, 3)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Spawn.of("x").stdin(Spawn.Stdio.append(Path.of("f")))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aClosedFdIsRefusedBeforeAnythingStarts() throws Exception {
        Set<Long> before = children();
        OsPipe pipe = OsPipe.open();
        pipe.close();
        assertThatThrownBy(() -> Spawn.of("true").stdout(Spawn.Stdio.fd(pipe.writeEnd())).start())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(children()).isEqualTo(before);
    }
}

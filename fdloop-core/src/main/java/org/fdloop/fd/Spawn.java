package org.fdloop.fd;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.fdloop.internal.linux.SpawnCalls;

/**
 * Starts a child process with glibc's {@code posix_spawn(3)}: no fork of the JVM (glibc clones
 * with {@code CLONE_VM|CLONE_VFORK}, so nothing of the JVM's memory is copied) and no helper
 * process. The child gets:
 * <ul>
 * <li>stdin, stdout and stderr as set here ({@link Stdio}): inherited, /dev/null, a file, an
 *     {@link Fd} of the caller's, or a pipe whose other end the {@link Child} holds, non-blocking,
 *     for an event loop to wait on;</li>
 * <li>the descriptors passed with {@link #passFd}, at the numbers asked for, and no other: every
 *     descriptor above those is closed in the child
 *     ({@code posix_spawn_file_actions_addclosefrom_np}, glibc 2.34; before it, each descriptor
 *     open in this process at the call is closed one by one), whether or not it is close-on-exec;</li>
 * <li>an empty signal mask and every signal's default disposition
 *     ({@code POSIX_SPAWN_SETSIGMASK}, {@code POSIX_SPAWN_SETSIGDEF}): a loop thread that blocks
 *     signals, or a signal fdloop or the JVM ignores, is not passed on;</li>
 * <li>optionally a process group or session of its own ({@link #newProcessGroup()},
 *     {@link #newSession()}), so that {@link Child#signalGroup} reaches its descendants.</li>
 * </ul>
 *
 * <pre>{@code
 * try (Child child = Spawn.of("ls", "-l").directory(Path.of("/tmp")).stdout(Spawn.Stdio.devNull()).start()) {
 *     ExitStatus status = child.waitFor(Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * <p>A program name without a slash is searched for in this process's PATH, as
 * {@code posix_spawnp} does; a relative path with a slash is taken from the child's
 * {@link #directory}. A program that cannot be run or a directory that cannot be entered makes
 * {@link #start()} throw a {@link LinuxException} that names it, with no child, zombie or
 * descriptor left behind (glibc reaps a child whose exec failed before posix_spawn returns).
 *
 * <p>A builder is not thread-safe; {@link #start()} may be called again for another child. A
 * builder whose child needs no descriptor of this process (stdio inherited or /dev/null, nothing
 * passed) makes posix_spawn's arguments at its first start and reuses them, so that each later
 * start is one posix_spawn and one pidfd_open; changing the builder makes them anew.
 */
public final class Spawn {
    /** What one of the child's stdin, stdout and stderr is. */
    public static final class Stdio {
        enum Kind {
            INHERIT, NULL, PIPE, FILE, APPEND, FD;

            /** Whether the child's file actions for it are the same at every start: no descriptor of ours is involved. */
            boolean reusable() {
                return this == INHERIT || this == NULL;
            }
        }

        private static final Stdio INHERIT = new Stdio(Kind.INHERIT, null, null);
        private static final Stdio NULL = new Stdio(Kind.NULL, null, null);
        private static final Stdio PIPE = new Stdio(Kind.PIPE, null, null);

        final Kind kind;
        final Path path;
        final Fd fd;

        private Stdio(Kind kind, Path path, Fd fd) {
            this.kind = kind;
            this.path = path;
            this.fd = fd;
        }

        /** {@return the JVM's own descriptor of the same number (the default)} */
        public static Stdio inherit() {
            return INHERIT;
        }

        /** {@return /dev/null: stdin reads end of file at once, output is thrown away} */
        public static Stdio devNull() {
            return NULL;
        }

        /**
         * {@return a pipe: the child's end is blocking, as programs expect; this process's end,
         * {@link Child#stdin()}, {@link Child#stdout()} or {@link Child#stderr()}, is non-blocking
         * for an event loop}
         */
        public static Stdio pipe() {
            return PIPE;
        }

        /**
         * {@return a file: stdin reads it; stdout and stderr create it or truncate it (mode 0666 less the
         * umask)} Opened in this process before the spawn, so that an error names the file.
         *
         * @param path the file
         */
        public static Stdio file(Path path) {
            return new Stdio(Kind.FILE, Objects.requireNonNull(path, "path"), null);
        }

        /**
         * {@return a file that stdout or stderr appends to, created if missing}
         *
         * @param path the file
         */
        public static Stdio append(Path path) {
            return new Stdio(Kind.APPEND, Objects.requireNonNull(path, "path"), null);
        }

        /**
         * {@return an open descriptor of the caller's, which stays the caller's (the child gets a duplicate)}
         *
         * @param fd the descriptor
         */
        public static Stdio fd(Fd fd) {
            return new Stdio(Kind.FD, null, Objects.requireNonNull(fd, "fd"));
        }

        @Override
        public String toString() {
            return switch (kind) {
                case INHERIT -> "inherit";
                case NULL -> "/dev/null";
                case PIPE -> "pipe";
                case FILE -> "file " + path;
                case APPEND -> "append to " + path;
                case FD -> fd.toString();
            };
        }
    }

    final List<String> command;
    /** The environment given, or null for this process's own. */
    Map<String, String> environment;
    Path directory;
    final Stdio[] stdio = {Stdio.INHERIT, Stdio.INHERIT, Stdio.INHERIT};
    /** The caller's descriptors by the number the child gets. */
    final TreeMap<Integer, Fd> passed = new TreeMap<>();
    boolean newGroup;
    boolean newSession;
    /** What posix_spawn is given, made at the first start that can reuse it; every setter drops it. */
    private SpawnCall.Prepared prepared;

    private Spawn(List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("a command needs at least the program");
        }
        for (String word : command) {
            Objects.requireNonNull(word, "a command's words cannot be null");
            if (word.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("a command's word cannot hold a NUL character: " + word.replace("\0", "\\0"));
            }
        }
        if (command.get(0).isEmpty()) {
            throw new IllegalArgumentException("the program's name is empty");
        }
        this.command = List.copyOf(command);
    }

    /**
     * {@return a child running {@code program} (a path, or a name looked up in PATH) with {@code arguments}}
     *
     * @param program the program: a path, or a name looked up in PATH
     * @param arguments its arguments
     */
    public static Spawn of(String program, String... arguments) {
        List<String> command = new ArrayList<>(arguments.length + 1);
        command.add(Objects.requireNonNull(program, "program"));
        command.addAll(List.of(arguments));
        return new Spawn(command);
    }

    /**
     * {@return a child running {@code command}: the program, then its arguments}
     *
     * @param command the program, then its arguments
     */
    public static Spawn of(List<String> command) {
        return new Spawn(Objects.requireNonNull(command, "command"));
    }

    /** {@return the program and its arguments} */
    public List<String> command() {
        return command;
    }

    /**
     * Gives the child exactly {@code environment} instead of this process's environment.
     *
     * @param environment the variables, by name
     * @return this builder
     */
    public Spawn environment(Map<String, String> environment) {
        Map<String, String> copy = new LinkedHashMap<>();
        environment.forEach((name, value) -> copy.put(checkName(name), checkValue(name, value)));
        this.environment = copy;
        prepared = null;
        return this;
    }

    /**
     * Sets one variable of the child's environment (starting from this process's), or removes it when {@code value} is null.
     *
     * @param name the variable's name
     * @param value its value, or null to remove it
     * @return this builder
     */
    public Spawn env(String name, String value) {
        if (environment == null) {
            environment = new LinkedHashMap<>(System.getenv());
        }
        if (value == null) {
            environment.remove(checkName(name));
        } else {
            environment.put(checkName(name), checkValue(name, value));
        }
        prepared = null;
        return this;
    }

    private static String checkName(String name) {
        Objects.requireNonNull(name, "an environment variable's name cannot be null");
        if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("an environment variable's name is not empty and has no '=' or NUL: '" + name + "'");
        }
        return name;
    }

    private static String checkValue(String name, String value) {
        Objects.requireNonNull(value, () -> "the value of " + name + " cannot be null");
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("the value of " + name + " cannot hold a NUL character");
        }
        return value;
    }

    /**
     * The child's working directory (this process's by default).
     *
     * @param directory the directory
     * @return this builder
     */
    public Spawn directory(Path directory) {
        if (!SpawnCalls.hasChdir()) {
            throw new UnsupportedOperationException("this glibc has no posix_spawn_file_actions_addchdir_np (glibc 2.29)");
        }
        this.directory = Objects.requireNonNull(directory, "directory");
        prepared = null;
        return this;
    }

    /**
     * The child's stdin.
     *
     * @param stdin where it reads from
     * @return this builder
     */
    public Spawn stdin(Stdio stdin) {
        if (stdin.kind == Stdio.Kind.APPEND) {
            throw new IllegalArgumentException("stdin cannot append: use Stdio.file(" + stdin.path + ") to read the file");
        }
        stdio[0] = stdin;
        prepared = null;
        return this;
    }

    /**
     * The child's stdout.
     *
     * @param stdout where it writes to
     * @return this builder
     */
    public Spawn stdout(Stdio stdout) {
        stdio[1] = Objects.requireNonNull(stdout, "stdout");
        prepared = null;
        return this;
    }

    /**
     * The child's stderr.
     *
     * @param stderr where it writes to
     * @return this builder
     */
    public Spawn stderr(Stdio stderr) {
        stdio[2] = Objects.requireNonNull(stderr, "stderr");
        prepared = null;
        return this;
    }

    /**
     * Gives the child a duplicate of {@code fd} as descriptor {@code childNumber} (3 or more; use
     * {@link #stdin} and friends for 0 to 2). The Fd stays the caller's, and must be open when
     * {@link #start()} is called.
     *
     * @param fd the descriptor to pass
     * @param childNumber its number in the child, 3 or more
     * @return this builder
     */
    public Spawn passFd(Fd fd, int childNumber) {
        Objects.requireNonNull(fd, "fd");
        if (childNumber < 3) {
            throw new IllegalArgumentException("descriptors 0, 1 and 2 are set with stdin, stdout and stderr, not passFd ("
                    + childNumber + ")");
        }
        if (childNumber > 65535) {
            throw new IllegalArgumentException("pass descriptors at small numbers, not " + childNumber
                    + ": the child gets every number up to the highest one passed closed");
        }
        passed.put(childNumber, fd);
        prepared = null;
        return this;
    }

    /**
     * Starts the child in a new process group, which it leads (its pgid is its pid;
     * {@code POSIX_SPAWN_SETPGROUP}); its descendants stay in it unless they move.
     *
     * @return this builder
     */
    public Spawn newProcessGroup() {
        newGroup = true;
        prepared = null;
        newSession = false;
        return this;
    }

    /**
     * Starts the child in a new session, which it leads along with a new process group
     * ({@code POSIX_SPAWN_SETSID}, setsid(2)): it has no controlling terminal, so that no
     * terminal's signals (Ctrl-C's SIGINT, a hang-up's SIGHUP) reach it.
     *
     * @return this builder
     */
    public Spawn newSession() {
        newSession = true;
        prepared = null;
        newGroup = false;
        return this;
    }

    /**
     * Starts the child.
     *
     * @return the running child, which its caller closes (or a loop's source does)
     * @throws LinuxException when it cannot be started, naming the program or the directory at
     *     fault; no descriptor or process is left behind
     * @throws IllegalStateException when an {@link Fd} given for stdio or {@link #passFd} is closed
     */
    public Child start() throws IOException {
        if (SpawnCall.canPrepare(this)) {
            if (prepared == null) {
                prepared = SpawnCall.prepare(this);
            }
            return SpawnCall.startPrepared(this, prepared);
        }
        return SpawnCall.start(this);
    }

    @Override
    public String toString() {
        return "Spawn" + command + (directory == null ? "" : " in " + directory)
                + " stdin " + stdio[0] + ", stdout " + stdio[1] + ", stderr " + stdio[2]
                + (passed.isEmpty() ? "" : ", passing " + passed.keySet())
                + (newSession ? ", new session" : newGroup ? ", new process group" : "");
    }
}

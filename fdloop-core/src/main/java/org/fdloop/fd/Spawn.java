package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.fdloop.internal.linux.Constants.*;
import static org.fdloop.internal.linux.SpawnCalls.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.IoCalls;
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

    private static final String[] STREAM_NAMES = {"stdin", "stdout", "stderr"};

    private final List<String> command;
    /** The environment given, or null for this process's own. */
    private Map<String, String> environment;
    private Path directory;
    private final Stdio[] stdio = {Stdio.INHERIT, Stdio.INHERIT, Stdio.INHERIT};
    /** The caller's descriptors by the number the child gets. */
    private final TreeMap<Integer, Fd> passed = new TreeMap<>();
    private boolean newGroup;
    private boolean newSession;
    /** What posix_spawn is given, made at the first start that can reuse it; every setter drops it. */
    private Prepared prepared;

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
        if (SpawnCalls.hasCloseFrom() && passed.isEmpty()
                && stdio[0].kind.reusable() && stdio[1].kind.reusable() && stdio[2].kind.reusable()) {
            return startPrepared();
        }
        String program = command.get(0);
        boolean searchPath = program.indexOf('/') < 0;
        int highest = passed.isEmpty() ? 2 : passed.lastKey();
        List<Fd> pinned = new ArrayList<>(); // the caller's Fds, acquired for the call
        List<Integer> transient_ = new ArrayList<>(); // this process's descriptors only for the call
        StreamFd[] ends = new StreamFd[3];
        boolean started = false;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment actions = arena.allocate(FILE_ACTIONS_BYTES, 8);
            MemorySegment attr = arena.allocate(ATTR_BYTES, 8);
            check(actionsInit(actions), "posix_spawn_file_actions_init()");
            try {
                check(attrInit(attr), "posix_spawnattr_init()");
                try {
                    int devNull = -1;
                    for (int target = 0; target < 3; target++) {
                        Stdio s = stdio[target];
                        int source = switch (s.kind) {
                            case INHERIT -> -1;
                            case NULL -> {
                                if (devNull < 0) {
                                    devNull = Errno.check(FileCalls.open("/dev/null", O_RDWR | O_CLOEXEC, 0), "open(/dev/null, O_RDWR)");
                                    transient_.add(devNull);
                                }
                                yield devNull;
                            }
                            case PIPE -> {
                                MemorySegment pipe = arena.allocate(JAVA_INT, 2);
                                Errno.check(FileCalls.pipe2(pipe, O_CLOEXEC), "pipe2() for the child's " + STREAM_NAMES[target]);
                                int childEnd = pipe.getAtIndex(JAVA_INT, target == 0 ? 0 : 1);
                                int ourEnd = pipe.getAtIndex(JAVA_INT, target == 0 ? 1 : 0);
                                transient_.add(childEnd);
                                ends[target] = new StreamFd(ourEnd, STREAM_NAMES[target] + " pipe of " + program);
                                Errno.check(FileCalls.fcntl(ourEnd, F_SETFL, O_NONBLOCK),
                                        "fcntl(" + ends[target].describe() + ", F_SETFL, O_NONBLOCK)");
                                yield childEnd;
                            }
                            case FILE, APPEND -> {
                                int flags = target == 0 ? O_RDONLY
                                        : O_WRONLY | O_CREAT | (s.kind == Stdio.Kind.APPEND ? O_APPEND : O_TRUNC);
                                int fd = Errno.check(FileCalls.open(s.path.toString(), flags | O_CLOEXEC, 0666),
                                        "open(" + s.path + " for the child's " + STREAM_NAMES[target] + ")");
                                transient_.add(fd);
                                yield fd;
                            }
                            case FD -> {
                                int fd = s.fd.acquire();
                                pinned.add(s.fd);
                                yield fd;
                            }
                        };
                        if (source >= 0) {
                            addDup(actions, source, target, highest, transient_);
                        }
                    }
                    for (Map.Entry<Integer, Fd> e : passed.entrySet()) {
                        int fd = e.getValue().acquire();
                        pinned.add(e.getValue());
                        addDup(actions, fd, e.getKey(), highest, transient_);
                    }
                    for (int n = 3; n < highest; n++) {
                        if (!passed.containsKey(n)) {
                            check(addClose(actions, n), "posix_spawn_file_actions_addclose(" + n + ")");
                        }
                    }
                    closeAbove(actions, highest);
                    if (directory != null) {
                        check(addChdir(actions, arena.allocateFrom(directory.toString())),
                                "posix_spawn_file_actions_addchdir_np(" + directory + ")");
                    }
                    setAttributes(attr, arena);
                    MemorySegment pid = arena.allocate(JAVA_INT);
                    int r = spawn(searchPath, pid, arena.allocateFrom(program), actions, attr, strings(arena, command),
                            environment == null ? environ() : environment(arena));
                    if (r < 0) {
                        throw spawnFailed(-r);
                    }
                    Child child = Child.started(pid.get(JAVA_INT, 0), newGroup || newSession, ends, program);
                    started = true;
                    return child;
                } finally {
                    attrDestroy(attr);
                }
            } finally {
                actionsDestroy(actions);
            }
        } finally {
            for (int fd : transient_) {
                IoCalls.close(fd);
            }
            for (Fd fd : pinned) {
                fd.release();
            }
            if (!started) {
                for (StreamFd end : ends) {
                    if (end != null) {
                        end.close();
                    }
                }
            }
        }
    }

    /** The attributes every child gets: empty mask, default dispositions, and the group or session asked for. */
    private void setAttributes(MemorySegment attr, Arena arena) throws LinuxException {
        short flags = (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
                | (newGroup ? POSIX_SPAWN_SETPGROUP : 0) | (newSession ? POSIX_SPAWN_SETSID : 0));
        check(attrSetFlags(attr, flags), "posix_spawnattr_setflags()");
        MemorySegment none = arena.allocate(SIGSET_BYTES, 8);
        check(attrSetSigmask(attr, none), "posix_spawnattr_setsigmask()");
        MemorySegment all = arena.allocate(SIGSET_BYTES, 8).fill((byte) 0xff);
        check(attrSetSigdefault(attr, all), "posix_spawnattr_setsigdefault()");
        if (newGroup) {
            check(attrSetPgroup(attr, 0), "posix_spawnattr_setpgroup()");
        }
    }

    /**
     * The arguments of posix_spawn made once and given to every start, for a child whose stdio is
     * inherited or /dev/null and who is passed no descriptor: the file actions (the child opens
     * /dev/null itself, then closes every descriptor above 2), the attributes, argv and the
     * environment. posix_spawn only reads them, so they can serve any number of starts, from
     * any number of threads. Freed when no Spawn holds them any more.
     */
    private record Prepared(MemorySegment path, MemorySegment actions, MemorySegment attr, MemorySegment argv,
            MemorySegment envp) {
        private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();
    }

    private Prepared prepare() throws LinuxException {
        Arena arena = Arena.ofShared();
        MemorySegment actions = arena.allocate(FILE_ACTIONS_BYTES, 8);
        MemorySegment attr = arena.allocate(ATTR_BYTES, 8);
        boolean actionsMade = false;
        boolean attrMade = false;
        try {
            check(actionsInit(actions), "posix_spawn_file_actions_init()");
            actionsMade = true;
            check(attrInit(attr), "posix_spawnattr_init()");
            attrMade = true;
            MemorySegment devNull = arena.allocateFrom("/dev/null");
            for (int target = 0; target < 3; target++) {
                if (stdio[target].kind == Stdio.Kind.NULL) {
                    check(addOpen(actions, target, devNull, O_RDWR, 0), "posix_spawn_file_actions_addopen(" + target + ", /dev/null)");
                }
            }
            check(addCloseFrom(actions, 3), "posix_spawn_file_actions_addclosefrom_np(3)");
            if (directory != null) {
                check(addChdir(actions, arena.allocateFrom(directory.toString())),
                        "posix_spawn_file_actions_addchdir_np(" + directory + ")");
            }
            setAttributes(attr, arena);
            Prepared made = new Prepared(arena.allocateFrom(command.get(0)), actions, attr, strings(arena, command),
                    environment == null ? null : environment(arena));
            Prepared.CLEANER.register(made, () -> {
                actionsDestroy(actions);
                attrDestroy(attr);
                arena.close();
            });
            return made;
        } catch (LinuxException | RuntimeException e) {
            if (actionsMade) {
                actionsDestroy(actions);
            }
            if (attrMade) {
                attrDestroy(attr);
            }
            arena.close();
            throw e;
        }
    }

    /** {@link #start()} with the {@link Prepared} arguments: one posix_spawn and one pidfd_open. */
    private Child startPrepared() throws IOException {
        Prepared p = prepared;
        if (p == null) {
            prepared = p = prepare();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pid = arena.allocate(JAVA_INT);
            int r = spawn(command.get(0).indexOf('/') < 0, pid, p.path(), p.actions(), p.attr(), p.argv(),
                    p.envp() == null ? environ() : p.envp());
            if (r < 0) {
                throw spawnFailed(-r);
            }
            return Child.started(pid.get(JAVA_INT, 0), newGroup || newSession, new StreamFd[3], command.get(0));
        } finally {
            java.lang.ref.Reference.reachabilityFence(p);
        }
    }

    /**
     * Has the child get {@code source} as {@code target}. A source at or below the highest target
     * could be overwritten by an earlier dup2 (or closed by the closing of the gaps), so the child
     * gets it from a close-on-exec duplicate above every target.
     */
    private static void addDup(MemorySegment actions, int source, int target, int highest, List<Integer> transient_)
            throws LinuxException {
        int from = source;
        if (source <= highest) {
            from = Errno.check(FileCalls.fcntl(source, F_DUPFD_CLOEXEC, highest + 1),
                    "fcntl(" + source + ", F_DUPFD_CLOEXEC, " + (highest + 1) + ")");
            transient_.add(from);
        }
        check(addDup2(actions, from, target), "posix_spawn_file_actions_adddup2(" + from + ", " + target + ")");
    }

    /** Has the child close every descriptor above {@code highest}. */
    private static void closeAbove(MemorySegment actions, int highest) throws IOException {
        if (SpawnCalls.hasCloseFrom()) {
            check(addCloseFrom(actions, highest + 1), "posix_spawn_file_actions_addclosefrom_np(" + (highest + 1) + ")");
            return;
        }
        // before glibc 2.34: each descriptor open now; one opened by another thread meanwhile is
        // passed on only if it is not close-on-exec
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                int n = Integer.parseInt(entry.getFileName().toString());
                if (n > highest) {
                    check(addClose(actions, n), "posix_spawn_file_actions_addclose(" + n + ")");
                }
            }
        }
    }

    private LinuxException spawnFailed(int errno) {
        String program = command.get(0);
        String call = "posix_spawn(" + program + (directory == null ? "" : ", in directory " + directory) + ")";
        if (directory != null && (errno == ENOENT || errno == ENOTDIR || errno == EACCES) && !Files.isDirectory(directory)) {
            return Errno.exception(call, errno, "the working directory " + directory + " does not exist or is not a directory");
        }
        if (directory != null && errno == EACCES && !Files.isExecutable(directory)) {
            return Errno.exception(call, errno, "the working directory " + directory + " cannot be entered (no search permission)");
        }
        String hint = switch (errno) {
            case ENOENT -> program.indexOf('/') < 0
                    ? "no program " + program + " in PATH (" + System.getenv("PATH") + ")"
                    : "no program at " + program + (program.startsWith("/") || directory == null ? "" : " (relative to " + directory + ")");
            case EACCES -> "the program " + program + " is not executable, or a directory on its path cannot be searched";
            case ENOEXEC -> "the program " + program + " is not in an executable format (a script needs a #! line)";
            case ENOTDIR -> "a component of the program's path " + program + " is not a directory";
            default -> null;
        };
        return hint == null ? Errno.exception(call, errno) : Errno.exception(call, errno, hint);
    }

    private static void check(int answer, String call) throws LinuxException {
        Errno.check(answer, call);
    }

    private static MemorySegment strings(Arena arena, List<String> words) {
        MemorySegment array = arena.allocate(ADDRESS, words.size() + 1);
        for (int i = 0; i < words.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(words.get(i)));
        }
        array.setAtIndex(ADDRESS, words.size(), MemorySegment.NULL);
        return array;
    }

    private MemorySegment environment(Arena arena) {
        List<String> entries = new ArrayList<>(environment.size());
        environment.forEach((name, value) -> entries.add(name + "=" + value));
        return strings(arena, entries);
    }

    @Override
    public String toString() {
        return "Spawn" + command + (directory == null ? "" : " in " + directory)
                + " stdin " + stdio[0] + ", stdout " + stdio[1] + ", stderr " + stdio[2]
                + (passed.isEmpty() ? "" : ", passing " + passed.keySet())
                + (newSession ? ", new session" : newGroup ? ", new process group" : "");
    }
}

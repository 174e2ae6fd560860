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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.SpawnCalls;

/**
 * How a {@link Spawn}'s settings become one {@code posix_spawn(3)} call: the file actions that
 * give the child its stdio and passed descriptors and close the rest, the attributes (mask,
 * dispositions, group or session), argv and the environment, and the error that names what was
 * at fault when the call fails. {@link Spawn} is the builder; this is the encoding.
 */
final class SpawnCall {
    private static final String[] STREAM_NAMES = {"stdin", "stdout", "stderr"};

    private SpawnCall() {}

    /** Whether {@code spawn}'s arguments can be made once and reused ({@link Prepared}). */
    static boolean canPrepare(Spawn spawn) {
        Spawn.Stdio[] stdio = spawn.stdio;
        return SpawnCalls.hasCloseFrom() && spawn.passed.isEmpty()
                && stdio[0].kind.reusable() && stdio[1].kind.reusable() && stdio[2].kind.reusable();
    }

    /** Starts {@code spawn}'s child with file actions made for this start: {@link Spawn#start()}. */
    static Child start(Spawn spawn) throws IOException {
        List<String> command = spawn.command;
        Spawn.Stdio[] stdio = spawn.stdio;
        TreeMap<Integer, Fd> passed = spawn.passed;
        Path directory = spawn.directory;
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
                        Spawn.Stdio s = stdio[target];
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
                                        : O_WRONLY | O_CREAT | (s.kind == Spawn.Stdio.Kind.APPEND ? O_APPEND : O_TRUNC);
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
                    setAttributes(spawn, attr, arena);
                    MemorySegment pid = arena.allocate(JAVA_INT);
                    int r = spawn(searchPath, pid, arena.allocateFrom(program), actions, attr, strings(arena, command),
                            spawn.environment == null ? environ() : environment(spawn, arena));
                    if (r < 0) {
                        throw spawnFailed(spawn, -r);
                    }
                    Child child = Child.started(pid.get(JAVA_INT, 0), spawn.newGroup || spawn.newSession, ends, program);
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
    private static void setAttributes(Spawn spawn, MemorySegment attr, Arena arena) throws LinuxException {
        boolean newGroup = spawn.newGroup;
        boolean newSession = spawn.newSession;
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
    record Prepared(MemorySegment path, MemorySegment actions, MemorySegment attr, MemorySegment argv,
            MemorySegment envp) {
        private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();
    }

    static Prepared prepare(Spawn spawn) throws LinuxException {
        List<String> command = spawn.command;
        Spawn.Stdio[] stdio = spawn.stdio;
        Path directory = spawn.directory;
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
                if (stdio[target].kind == Spawn.Stdio.Kind.NULL) {
                    check(addOpen(actions, target, devNull, O_RDWR, 0), "posix_spawn_file_actions_addopen(" + target + ", /dev/null)");
                }
            }
            check(addCloseFrom(actions, 3), "posix_spawn_file_actions_addclosefrom_np(3)");
            if (directory != null) {
                check(addChdir(actions, arena.allocateFrom(directory.toString())),
                        "posix_spawn_file_actions_addchdir_np(" + directory + ")");
            }
            setAttributes(spawn, attr, arena);
            Prepared made = new Prepared(arena.allocateFrom(command.get(0)), actions, attr, strings(arena, command),
                    spawn.environment == null ? null : environment(spawn, arena));
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
    static Child startPrepared(Spawn spawn, Prepared p) throws IOException {
        List<String> command = spawn.command;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pid = arena.allocate(JAVA_INT);
            int r = spawn(command.get(0).indexOf('/') < 0, pid, p.path(), p.actions(), p.attr(), p.argv(),
                    p.envp() == null ? environ() : p.envp());
            if (r < 0) {
                throw spawnFailed(spawn, -r);
            }
            return Child.started(pid.get(JAVA_INT, 0), spawn.newGroup || spawn.newSession, new StreamFd[3], command.get(0));
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

    private static LinuxException spawnFailed(Spawn spawn, int errno) {
        Path directory = spawn.directory;
        String program = spawn.command.get(0);
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

    private static MemorySegment environment(Spawn spawn, Arena arena) {
        List<String> entries = new ArrayList<>(spawn.environment.size());
        spawn.environment.forEach((name, value) -> entries.add(name + "=" + value));
        return strings(arena, entries);
    }
}

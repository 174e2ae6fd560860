package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The calls that start and reap child processes: glibc's {@code posix_spawn} family, and
 * {@code waitid(2)} as a system call (glibc's waitid has no P_PIDFD before 2.36 and it is a
 * cancellation point).
 *
 * <p>Every wrapper answers in {@link LibC}'s convention: its result, or {@code -errno}; the
 * caller, which knows what the call was for, makes the {@link org.fdloop.fd.LinuxException}.
 * The posix_spawn functions return their error number instead of setting errno
 * ({@link LibC#bindReturningError}).
 */
public final class SpawnCalls {
    private SpawnCalls() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();

    /** glibc's posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336 on x86_64 and aarch64; room to spare. */
    public static final long FILE_ACTIONS_BYTES = 128;
    public static final long ATTR_BYTES = 512;
    /** glibc's sigset_t: 1024 bits. */
    public static final long SIGSET_BYTES = 128;
    /** siginfo_t as waitid fills it. */
    public static final long SIGINFO_BYTES = 128;
    public static final long SIGINFO_SIGNO = 0;
    public static final long SIGINFO_CODE = 8;
    public static final long SIGINFO_PID = 16;
    public static final long SIGINFO_STATUS = 24;

    // open(2) flags and errno values only the spawning uses (O_CREAT is in Constants)
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int ENOEXEC = 8;
    public static final int ECHILD = 10;

    // posix_spawnattr_setflags
    public static final short POSIX_SPAWN_SETPGROUP = 0x02;
    public static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    public static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    public static final short POSIX_SPAWN_SETSID = 0x80;

    // waitid
    public static final int P_PID = 1;
    public static final int P_PIDFD = 3;
    public static final int WNOHANG = 1;
    public static final int WEXITED = 4;
    // si_code: Constants.CLD_EXITED, CLD_KILLED, CLD_DUMPED
    /** pidfd_open's flag for an O_NONBLOCK pidfd (Linux 5.10). */
    public static final int PIDFD_NONBLOCK = Constants.O_NONBLOCK;

    // each answers 0 or -error (LibC.bindReturningError)
    private static final class Spawn { static final MethodHandle HANDLE = LibC.bindReturningError("posix_spawn", ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS); }
    private static final class Spawnp { static final MethodHandle HANDLE = LibC.bindReturningError("posix_spawnp", ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS); }
    private static final class ActionsInit { static final MethodHandle HANDLE = LibC.bindReturningError("posix_spawn_file_actions_init", ADDRESS); }
    private static final class ActionsDestroy { static final MethodHandle HANDLE = LibC.bindReturningError("posix_spawn_file_actions_destroy", ADDRESS); }
    private static final class AddDup2 { static final MethodHandle HANDLE = LibC.bindReturningError("posix_spawn_file_actions_adddup2", ADDRESS, JAVA_INT, JAVA_INT); }
    private static final class AddOpen { static final MethodHandle HANDLE = LibC.bindReturningError("posix_spawn_file_actions_addopen", ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT); }
    private static final class AddClose { static final MethodHandle HANDLE = LibC.bindReturningError("posix_spawn_file_actions_addclose", ADDRESS, JAVA_INT); }
    /** glibc 2.34; null where it is older. */
    private static final class AddClosefrom { static final MethodHandle HANDLE = optional("posix_spawn_file_actions_addclosefrom_np", ADDRESS, JAVA_INT); }
    /** glibc 2.29; null where it is older. */
    private static final class AddChdir { static final MethodHandle HANDLE = optional("posix_spawn_file_actions_addchdir_np", ADDRESS, ADDRESS); }
    private static final class AttrInit { static final MethodHandle HANDLE = LibC.bindReturningError("posix_spawnattr_init", ADDRESS); }
    private static final class AttrDestroy { static final MethodHandle HANDLE = LibC.bindReturningError("posix_spawnattr_destroy", ADDRESS); }
    private static final class AttrSetflags { static final MethodHandle HANDLE = LibC.bindReturningError("posix_spawnattr_setflags", ADDRESS, JAVA_SHORT); }
    private static final class AttrSetsigmask { static final MethodHandle HANDLE = LibC.bindReturningError("posix_spawnattr_setsigmask", ADDRESS, ADDRESS); }
    private static final class AttrSetsigdefault { static final MethodHandle HANDLE = LibC.bindReturningError("posix_spawnattr_setsigdefault", ADDRESS, ADDRESS); }
    private static final class AttrSetpgroup { static final MethodHandle HANDLE = LibC.bindReturningError("posix_spawnattr_setpgroup", ADDRESS, JAVA_INT); }
    /** The address of libc's {@code environ} variable. */
    private static final MemorySegment ENVIRON = LOOKUP.find("environ")
            .orElseThrow(() -> new UnsatisfiedLinkError("libc has no environ"))
            .reinterpret(ADDRESS.byteSize());

    /** waitid, in a class of its own so that the stub is made at first use only. */
    private static final class Wait {
        static final MethodHandle WAITID = Syscalls.handle(JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS);
        static final long SYS_WAITID = Arch.CURRENT == Arch.X86_64 ? 247 : 95;
    }

    /** Whether this glibc can close every descriptor above a number in the child (posix_spawn_file_actions_addclosefrom_np, glibc 2.34). */
    public static boolean hasCloseFrom() {
        return AddClosefrom.HANDLE != null;
    }

    /** Whether this glibc can change the child's directory (posix_spawn_file_actions_addchdir_np, glibc 2.29). */
    public static boolean hasChdir() {
        return AddChdir.HANDLE != null;
    }

    /** posix_spawn(3), or posix_spawnp(3) when {@code searchPath}: 0, or -error; the pid goes to {@code pid}. */
    public static int spawn(boolean searchPath, MemorySegment pid, MemorySegment path, MemorySegment actions,
            MemorySegment attr, MemorySegment argv, MemorySegment envp) {
        try {
            int r = searchPath
                    ? (int) Spawnp.HANDLE.invokeExact(pid, path, actions, attr, argv, envp)
                    : (int) Spawn.HANDLE.invokeExact(pid, path, actions, attr, argv, envp);
            return r;
        } catch (Throwable t) {
            throw LibC.unexpected("posix_spawn", t);
        }
    }

    public static int actionsInit(MemorySegment actions) {
        return call(ActionsInit.HANDLE, actions, "posix_spawn_file_actions_init");
    }

    public static int actionsDestroy(MemorySegment actions) {
        return call(ActionsDestroy.HANDLE, actions, "posix_spawn_file_actions_destroy");
    }

    public static int addDup2(MemorySegment actions, int fd, int target) {
        try {
            return (int) AddDup2.HANDLE.invokeExact(actions, fd, target);
        } catch (Throwable t) {
            throw LibC.unexpected("posix_spawn_file_actions_adddup2", t);
        }
    }

    /** Opens {@code path} (glibc copies it) as descriptor {@code fd} in the child. */
    public static int addOpen(MemorySegment actions, int fd, MemorySegment path, int flags, int mode) {
        try {
            return (int) AddOpen.HANDLE.invokeExact(actions, fd, path, flags, mode);
        } catch (Throwable t) {
            throw LibC.unexpected("posix_spawn_file_actions_addopen", t);
        }
    }

    public static int addClose(MemorySegment actions, int fd) {
        try {
            return (int) AddClose.HANDLE.invokeExact(actions, fd);
        } catch (Throwable t) {
            throw LibC.unexpected("posix_spawn_file_actions_addclose", t);
        }
    }

    /** Closes every descriptor from {@code lowest} up in the child; only where {@link #hasCloseFrom()}. */
    public static int addCloseFrom(MemorySegment actions, int lowest) {
        try {
            return (int) AddClosefrom.HANDLE.invokeExact(actions, lowest);
        } catch (Throwable t) {
            throw LibC.unexpected("posix_spawn_file_actions_addclosefrom_np", t);
        }
    }

    /** Changes the child's directory; only where {@link #hasChdir()}. */
    public static int addChdir(MemorySegment actions, MemorySegment path) {
        try {
            return (int) AddChdir.HANDLE.invokeExact(actions, path);
        } catch (Throwable t) {
            throw LibC.unexpected("posix_spawn_file_actions_addchdir_np", t);
        }
    }

    public static int attrInit(MemorySegment attr) {
        return call(AttrInit.HANDLE, attr, "posix_spawnattr_init");
    }

    public static int attrDestroy(MemorySegment attr) {
        return call(AttrDestroy.HANDLE, attr, "posix_spawnattr_destroy");
    }

    public static int attrSetFlags(MemorySegment attr, short flags) {
        try {
            return (int) AttrSetflags.HANDLE.invokeExact(attr, flags);
        } catch (Throwable t) {
            throw LibC.unexpected("posix_spawnattr_setflags", t);
        }
    }

    public static int attrSetSigmask(MemorySegment attr, MemorySegment set) {
        try {
            return (int) AttrSetsigmask.HANDLE.invokeExact(attr, set);
        } catch (Throwable t) {
            throw LibC.unexpected("posix_spawnattr_setsigmask", t);
        }
    }

    public static int attrSetSigdefault(MemorySegment attr, MemorySegment set) {
        try {
            return (int) AttrSetsigdefault.HANDLE.invokeExact(attr, set);
        } catch (Throwable t) {
            throw LibC.unexpected("posix_spawnattr_setsigdefault", t);
        }
    }

    public static int attrSetPgroup(MemorySegment attr, int pgroup) {
        try {
            return (int) AttrSetpgroup.HANDLE.invokeExact(attr, pgroup);
        } catch (Throwable t) {
            throw LibC.unexpected("posix_spawnattr_setpgroup", t);
        }
    }

    /** This process's environment as libc holds it ({@code environ}): a NULL-terminated array of "KEY=value". */
    public static MemorySegment environ() {
        return ENVIRON.get(ADDRESS, 0);
    }

    /**
     * waitid(2): 0 (with {@code info}'s si_pid 0 when WNOHANG found nothing to report), or
     * -errno. EINTR is retried.
     */
    public static int waitid(int idType, long id, MemorySegment info, int options) {
        try {
            while (true) {
                long r = (long) Wait.WAITID.invokeExact(Wait.SYS_WAITID, (long) idType, id, info, (long) options,
                        MemorySegment.NULL);
                if (r != -Constants.EINTR) {
                    return (int) r;
                }
            }
        } catch (Throwable t) {
            throw LibC.unexpected("waitid", t);
        }
    }

    private static int call(MethodHandle handle, MemorySegment argument, String name) {
        try {
            return (int) handle.invokeExact(argument);
        } catch (Throwable t) {
            throw LibC.unexpected(name, t);
        }
    }

    /** {@link LibC#bindReturningError} for a function this glibc may not have; null if it has not. */
    private static MethodHandle optional(String name, MemoryLayout... arguments) {
        return LOOKUP.find(name).isPresent() ? LibC.bindReturningError(name, arguments) : null;
    }
}

package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.fdloop.internal.linux.Constants.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import org.fdloop.fd.LinuxException;

/**
 * Turns an errno into a {@link LinuxException} that says what failed, what errno means,
 * and what the user can do about it.
 */
public final class Errno {
    private Errno() {}

    // glibc 2.32+; absent on older or other libcs, where the message falls back to the number
    private static final MethodHandle STRERRORNAME_NP = LibC.optional("strerrorname_np");
    private static final MethodHandle STRERRORDESC_NP = LibC.optional("strerrordesc_np");

    static {
        // the limits a message names are read from /proc/sys, which takes a descriptor: hold one in reserve
        // from the first call on, for the messages of EMFILE and ENFILE
        Sysctl.holdReserve();
    }

    /** The symbolic name of an errno value, {@code "EAGAIN"}, or {@code "errno 11"} where libc cannot say. */
    public static String name(int errno) {
        String name = libcString(STRERRORNAME_NP, errno);
        return name == null ? "errno " + errno : name;
    }

    /** What libc says an errno value means, {@code "Resource temporarily unavailable"}. */
    public static String meaning(int errno) {
        String meaning = libcString(STRERRORDESC_NP, errno);
        return meaning == null ? "unknown error" : meaning;
    }

    /**
     * A wrapper's answer (see {@link LibC}) checked: the result when it is not negative, else the
     * exception for {@code call}, which names the call with its key arguments. For calls whose
     * description costs nothing to make, or that run once; elsewhere test the answer and call
     * {@link #exception(String, int)} only when it is negative.
     */
    public static int check(int answer, String call) throws LinuxException {
        if (answer < 0) {
            throw exception(call, -answer);
        }
        return answer;
    }

    /** The exception for {@code call} (with its key arguments, {@code "open(/dev/x, O_RDWR)"}) failing with errno. */
    public static LinuxException exception(String call, int errno) {
        return new LinuxException(call, errno, name(errno), meaning(errno), hint(call, errno));
    }

    /** The exception for {@code call} failing with errno, with a hint that only the caller can give. */
    public static LinuxException exception(String call, int errno, String hint) {
        return new LinuxException(call, errno, name(errno), meaning(errno), hint);
    }

    private static String hint(String call, int errno) {
        String function = call.indexOf('(') < 0 ? call : call.substring(0, call.indexOf('('));
        return switch (errno) {
            case EMFILE -> function.equals("inotify_init1")
                    ? "the user's inotify instance limit is reached (fs.inotify.max_user_instances is now "
                            + Sysctl.read("fs.inotify.max_user_instances") + "): close instances this user holds, or raise "
                            + "the sysctl; or the process is out of descriptors (" + openFileLimit() + "): close some, or "
                            + "raise the limit with ulimit -n"
                    : "the process is out of file descriptors (" + openFileLimit() + "); close some, or raise the limit with ulimit -n";
            case ENFILE -> "the system-wide file limit is reached; raise fs.file-max (now " + Sysctl.read("fs.file-max") + ")";
            case ENOSPC -> function.equals("inotify_add_watch")
                    ? "the user's inotify watch limit is reached; raise fs.inotify.max_user_watches (now "
                            + Sysctl.read("fs.inotify.max_user_watches") + ")"
                    : null;
            case EPERM -> function.equals("epoll_ctl")
                    ? "epoll cannot wait on this file: regular files and directories are always ready (read them directly, "
                            + "or watch them with Inotify), and so are devices without a poll method such as /dev/null, "
                            + "/dev/zero, /dev/urandom and block devices"
                    : signals(function)
                            ? "no permission to signal that process: a process signals only those of its own user, unless "
                                    + "it has CAP_KILL"
                            : null;
            case ESRCH -> function.startsWith("pidfd") ? "the process has exited and been reaped"
                    : signals(function) ? "no process or thread has that id: it has exited, or the id is wrong"
                    : "no such process";
            case ENXIO -> function.equals("open") ? "no process has this FIFO open for reading yet; open the reading end first" : null;
            case EBADF -> "the descriptor is not open: was it closed by other code?";
            case ENOENT -> "check the path";
            case EACCES -> "permission denied: check the file's mode and owner";
            case ENOSYS -> "this kernel does not have " + function + " (kernel " + kernelRelease() + ")";
            case EPIPE -> "the reading end is closed";
            case EISDIR -> "a directory cannot be opened for writing";
            default -> null;
        };
    }

    /** Whether {@code function} sends a signal. */
    private static boolean signals(String function) {
        return switch (function) {
            case "kill", "tgkill", "sigqueue", "pthread_sigqueue", "pidfd_send_signal" -> true;
            default -> false;
        };
    }

    private static String openFileLimit() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment limit = arena.allocate(Structs.RLIMIT);
            return FileCalls.getrlimit(RLIMIT_NOFILE, limit) < 0 ? "RLIMIT_NOFILE unknown"
                    : "RLIMIT_NOFILE is " + limit.get(JAVA_LONG, Structs.RLIMIT_CUR) + ", hard limit "
                            + limit.get(JAVA_LONG, Structs.RLIMIT_MAX);
        }
    }

    private static String kernelRelease() {
        String release = Sysctl.text("kernel.osrelease");
        return release == null ? "unknown" : release;
    }

    private static String libcString(MethodHandle function, int errno) {
        if (function == null) {
            return null;
        }
        try {
            MemorySegment s = (MemorySegment) function.invokeExact(errno);
            return s.equals(MemorySegment.NULL) ? null : s.reinterpret(Integer.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw LibC.unexpected("strerrorname_np", t);
        }
    }
}

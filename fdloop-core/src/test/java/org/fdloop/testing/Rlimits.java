package org.fdloop.testing;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.fdloop.fd.LinuxException;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.Structs;

/** getrlimit and setrlimit for tests that lower a limit and put it back. */
public final class Rlimits {
    private Rlimits() {}

    /** {soft, hard}; RLIM_INFINITY is -1. */
    public static long[] get(int resource) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment limit = arena.allocate(Structs.RLIMIT);
            Errno.check(FileCalls.getrlimit(resource, limit), "getrlimit(" + resource + ")");
            return new long[] {limit.get(JAVA_LONG, Structs.RLIMIT_CUR), limit.get(JAVA_LONG, Structs.RLIMIT_MAX)};
        }
    }

    public static void set(int resource, long soft, long hard) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment limit = arena.allocate(Structs.RLIMIT);
            limit.set(JAVA_LONG, Structs.RLIMIT_CUR, soft);
            limit.set(JAVA_LONG, Structs.RLIMIT_MAX, hard);
            Errno.check(FileCalls.setrlimit(resource, limit), "setrlimit(" + resource + ", " + soft + ", " + hard + ")");
        }
    }
}

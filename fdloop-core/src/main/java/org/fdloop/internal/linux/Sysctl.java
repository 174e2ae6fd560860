package org.fdloop.internal.linux;

import static org.fdloop.internal.linux.Constants.EMFILE;
import static org.fdloop.internal.linux.Constants.ENFILE;
import static org.fdloop.internal.linux.Constants.O_CLOEXEC;
import static org.fdloop.internal.linux.Constants.O_RDONLY;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Kernel tunables read from /proc/sys, for limits and the hints in error messages.
 *
 * <p>The hints are needed most when the process or the system is out of descriptors (EMFILE,
 * ENFILE), and reading a sysctl takes a descriptor. So, as libuv does for accept at EMFILE,
 * one descriptor is held in reserve from the first error message on (see {@link Errno}): a read
 * that meets EMFILE or ENFILE closes it, reads, and opens it again.
 */
public final class Sysctl {
    private Sysctl() {}

    private static final Object RESERVE_LOCK = new Object();
    /** /dev/null, held so that a read at EMFILE or ENFILE can free a descriptor; -1 when it could not be held. */
    private static int reserve = openReserve();

    /** Makes sure the reserve descriptor is held (a class initialization; it opens it once). */
    static void holdReserve() {
        assert RESERVE_LOCK != null;
    }

    /** The path of a sysctl: {@code fs.inotify.max_user_watches} is /proc/sys/fs/inotify/max_user_watches. */
    public static Path path(String name) {
        return Path.of("/proc/sys", name.replace('.', '/'));
    }

    /** The value of a numeric sysctl, or -1 where it cannot be read. */
    public static long read(String name) {
        String text = text(name);
        try {
            return text == null ? -1 : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The first line of a sysctl ({@code kernel.osrelease}), or null where it cannot be read. */
    public static String text(String name) {
        String path = path(name).toString();
        int fd = FileCalls.open(path, O_RDONLY | O_CLOEXEC, 0);
        if (fd == -EMFILE || fd == -ENFILE) {
            synchronized (RESERVE_LOCK) {
                if (reserve >= 0) {
                    IoCalls.close(reserve);
                    fd = FileCalls.open(path, O_RDONLY | O_CLOEXEC, 0);
                    reserve = openReserve(); // taken again at once; another thread may have taken the slot, then -1
                }
            }
        }
        if (fd < 0) {
            return null;
        }
        try {
            // One read(2) with room for the whole value: a /proc/sys file reads as empty from any offset
            // but 0, and Files.readString of a file whose size is 0 reads 1 byte first (16384 became 1).
            MemorySegment buffer = ThreadScratch.get().buffer(4096);
            long n = IoCalls.read(fd, buffer, buffer.byteSize());
            if (n <= 0) {
                return null;
            }
            String text = new String(buffer.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII);
            int end = text.indexOf('\n');
            return (end < 0 ? text : text.substring(0, end)).trim();
        } finally {
            IoCalls.close(fd);
        }
    }

    /** Sets a numeric sysctl (needs root). */
    public static void write(String name, long value) throws IOException {
        Files.writeString(path(name), Long.toString(value));
    }

    private static int openReserve() {
        int fd = FileCalls.open("/dev/null", O_RDONLY | O_CLOEXEC, 0);
        return fd < 0 ? -1 : fd;
    }
}

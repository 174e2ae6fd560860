package org.fdloop;

import static org.fdloop.internal.linux.Constants.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fdloop.fd.LinuxException;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.Structs;

/**
 * Lists directories for {@link TreeWalk} through getdents64(2), and reads a file's identity and
 * times through statx(2), without a Java object per call but the results.
 *
 * <p>getdents64 gives each entry's type with its name (d_type), so that listing a directory costs
 * an open and a read or two, not the stat per entry that {@code Files.newDirectoryStream} with
 * {@code Files.isDirectory} costs: a tree of 50,000 entries is listed with some 5,000 opens instead
 * of 55,000 system calls more. A file system that does not fill in d_type (DT_UNKNOWN) costs a
 * statx for that entry. The buffers are allocated once; one reader per loop, on its thread.
 */
final class DirectoryReader {
    /** An entry of a directory; its times (ms, from statx) only when asked for, else -1. */
    record Child(String name, boolean directory, long modified, long changed) {}

    /** What a path named when it was read: the device and inode of the file. */
    record Identity(long device, long inode) {}

    private static final int BUFFER = 32 * 1024;

    private final Arena arena = Arena.ofAuto();
    private final MemorySegment buffer = arena.allocate(BUFFER, 8);
    private final MemorySegment stat = arena.allocate(Structs.STATX);
    private final byte[] name = new byte[256];
    /** How many entries came without their type (DT_UNKNOWN) and took a statx to learn it, for tests. */
    int typeLookups;

    /**
     * The entries of {@code dir} but "." and "..", in the order the kernel gives them, with their
     * times when {@code times} (for an entry gone before its statx: not a directory, no times).
     *
     * @throws LinuxException from open or getdents64: ENOENT (gone), ENOTDIR (not a directory), EACCES, EMFILE...
     */
    List<Child> list(Path dir, boolean times) throws LinuxException {
        // no O_DIRECTORY: its value differs between x86_64 and aarch64, and getdents64 says ENOTDIR as well
        int fd = Errno.check(FileCalls.open(dir.toString(), O_RDONLY | O_CLOEXEC, 0), "open(" + dir + ", O_RDONLY)");
        try {
            List<Child> children = new ArrayList<>();
            for (long n; (n = FileCalls.getdents64(fd, buffer, BUFFER)) != 0; ) {
                if (n < 0) {
                    throw Errno.exception("getdents64(" + dir + ")", (int) -n);
                }
                for (long at = 0; at < n; at += Short.toUnsignedInt(buffer.get(ValueLayout.JAVA_SHORT, at + Structs.DIRENT64_RECLEN))) {
                    add(children, fd, at, times);
                }
            }
            return children;
        } finally {
            IoCalls.close(fd);
        }
    }

    private void add(List<Child> children, int dirfd, long at, boolean times) {
        long start = at + Structs.DIRENT64_NAME;
        int length = 0;
        while (length < name.length && (name[length] = buffer.get(ValueLayout.JAVA_BYTE, start + length)) != 0) {
            length++;
        }
        if (length == 1 && name[0] == '.' || length == 2 && name[0] == '.' && name[1] == '.') {
            return;
        }
        String entry = new String(name, 0, length, StandardCharsets.UTF_8);
        int type = Byte.toUnsignedInt(buffer.get(ValueLayout.JAVA_BYTE, at + Structs.DIRENT64_TYPE));
        boolean directory = type == DT_DIR;
        if (type != DT_UNKNOWN && (directory || !times)) {
            children.add(new Child(entry, directory, -1, -1));
            return;
        }
        if (type == DT_UNKNOWN) {
            typeLookups++;
        }
        int mask = STATX_TYPE | (times ? STATX_MTIME | STATX_CTIME : 0);
        if (FileCalls.statx(dirfd, buffer.asSlice(start), AT_SYMLINK_NOFOLLOW, mask, stat) < 0) {
            children.add(new Child(entry, false, -1, -1)); // deleted since it was listed: its DELETE is queued
            return;
        }
        directory = (Short.toUnsignedInt(stat.get(ValueLayout.JAVA_SHORT, Structs.STATX_MODE)) & S_IFMT) == S_IFDIR;
        children.add(times
                ? new Child(entry, directory, millis(Structs.STATX_MTIME_SEC), millis(Structs.STATX_CTIME_SEC))
                : new Child(entry, directory, -1, -1));
    }

    private long millis(long secondsAt) {
        return stat.get(ValueLayout.JAVA_LONG, secondsAt) * 1000
                + Integer.toUnsignedLong(stat.get(ValueLayout.JAVA_INT, secondsAt + 8)) / 1_000_000;
    }

    /**
     * The identity of what {@code path} (a NUL-terminated string) names, following a symbolic
     * link; null when it cannot be read (gone, unreadable).
     */
    Identity identify(MemorySegment path) {
        return statIdentity(path) ? new Identity(device(), inode()) : null;
    }

    /** Whether {@code path} still names the file {@code identity} was read from: one statx, nothing allocated. */
    boolean stillNames(MemorySegment path, Identity identity) {
        return statIdentity(path) && device() == identity.device() && inode() == identity.inode();
    }

    private boolean statIdentity(MemorySegment path) {
        return FileCalls.statx(AT_FDCWD, path, 0, STATX_INO, stat) >= 0;
    }

    private long device() {
        return (long) stat.get(ValueLayout.JAVA_INT, Structs.STATX_DEV_MAJOR) << 32
                | Integer.toUnsignedLong(stat.get(ValueLayout.JAVA_INT, Structs.STATX_DEV_MINOR));
    }

    private long inode() {
        return stat.get(ValueLayout.JAVA_LONG, Structs.STATX_INO);
    }
}

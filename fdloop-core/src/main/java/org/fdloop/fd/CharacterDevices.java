package org.fdloop.fd;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.fdloop.internal.linux.DeviceCalls;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.IoCalls;

/** Opening a character device of a known kind (an input device, a GPIO chip) and its ioctls, with errors that say what is missing. */
final class CharacterDevices {
    private CharacterDevices() {}

    /**
     * Opens {@code path} (O_NONBLOCK|O_CLOEXEC|O_NOCTTY and {@code access}), a character device of
     * the kind {@code what} names; {@code absent} says where such devices come from, for ENOENT.
     */
    static int open(Path path, int access, String what, String absent) throws IOException {
        String name = path.toString();
        int mode = FileCalls.statxMode(name);
        if (mode == -ENOENT) {
            throw Errno.exception("statx(" + name + ")", ENOENT, "there is no " + what + " at this path: " + absent);
        }
        Errno.check(mode, "statx(" + name + ")");
        if ((mode & S_IFMT) != S_IFCHR) {
            throw new IllegalArgumentException(path + " is a " + DeviceFile.fileType(mode) + ", not " + ("aeiou".indexOf(what.charAt(0)) >= 0 ? "an " : "a ") + what
                    + " (a character device): " + absent);
        }
        int fd = FileCalls.open(name, access | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
        if (fd == -EACCES) {
            throw Errno.exception("open(" + name + ")", EACCES, "this user may not open it: " + what
                    + "s usually belong to a group (input, gpio, dialout); join it, or run as root");
        }
        return Errno.check(fd, "open(" + name + ")");
    }

    /** Closes {@code fd} after a failure, and rethrows. */
    static IOException closing(int fd, IOException e) {
        IoCalls.close(fd);
        return e;
    }

    /** ioctl(2) on {@code fd} with a struct; {@code call} names it in the message, {@code notThis} is the hint for ENOTTY. */
    static void ioctl(Fd fd, int request, MemorySegment argument, String call, String notThis) throws IOException {
        int number = fd.acquire();
        try {
            int r = DeviceCalls.ioctl(number, request, argument);
            if (r == -ENOTTY) {
                throw Errno.exception("ioctl(" + fd.describe() + ", " + call + ")", ENOTTY, notThis);
            }
            Errno.check(r, "ioctl(" + fd.describe() + ", " + call + ")");
        } finally {
            fd.release();
        }
    }

    /** A NUL-terminated string from {@code bytes} of {@code segment} at {@code offset}. */
    static String string(MemorySegment segment, long offset, long bytes) {
        MemorySegment field = segment.asSlice(offset, bytes);
        long end = 0;
        while (end < bytes && field.get(java.lang.foreign.ValueLayout.JAVA_BYTE, end) != 0) {
            end++;
        }
        return new String(field.asSlice(0, end).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A confined arena, for one call's structs. */
    static Arena arena() {
        return Arena.ofConfined();
    }
}

package org.fdloop.internal.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Kernel tunables read from /proc/sys, for limits and the hints in error messages. */
public final class Sysctl {
    private Sysctl() {}

    /** The path of a sysctl: {@code fs.inotify.max_user_watches} is /proc/sys/fs/inotify/max_user_watches. */
    public static Path path(String name) {
        return Path.of("/proc/sys", name.replace('.', '/'));
    }

    /** The value of a numeric sysctl, or -1 where it cannot be read. */
    public static long read(String name) {
        try {
            return Long.parseLong(Files.readString(path(name)).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** Sets a numeric sysctl (needs root). */
    public static void write(String name, long value) throws IOException {
        Files.writeString(path(name), Long.toString(value));
    }
}

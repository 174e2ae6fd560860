package org.fdloop.internal.linux;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
        // One read(2) with room for the whole value: a /proc/sys file reads as empty from any offset
        // but 0, and Files.readString of a file whose size is 0 reads 1 byte first (16384 became 1).
        try (InputStream in = Files.newInputStream(path(name))) {
            byte[] value = new byte[4096];
            int n = in.read(value);
            return n <= 0 ? -1 : Long.parseLong(new String(value, 0, n, StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** Sets a numeric sysctl (needs root). */
    public static void write(String name, long value) throws IOException {
        Files.writeString(path(name), Long.toString(value));
    }
}

package org.fdloop.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SysctlTest {

    @Test
    void readReturnsTheWholeValueNotItsFirstDigit() throws Exception {
        // fs.file-max has many digits on every machine; a read from offset 1 of a /proc/sys file is empty
        long expected = Long.parseLong(catOnce(Path.of("/proc/sys/fs/file-max")));
        assertThat(expected).isGreaterThan(9);
        assertThat(Sysctl.read("fs.file-max")).isEqualTo(expected);
    }

    @Test
    void unreadableSysctlIsMinusOne() {
        assertThat(Sysctl.read("fs.no_such_sysctl")).isEqualTo(-1);
    }

    @Test
    void textIsTheFirstLineOfATextualSysctl() throws Exception {
        assertThat(Sysctl.text("kernel.osrelease")).isEqualTo(catOnce(Path.of("/proc/sys/kernel/osrelease"))).isNotEmpty();
        assertThat(Sysctl.text("fs.no_such_sysctl")).isNull();
    }

    @Test
    void pathMapsDotsToDirectories() {
        assertThat(Sysctl.path("fs.inotify.max_user_watches")).isEqualTo(Path.of("/proc/sys/fs/inotify/max_user_watches"));
    }

    /** One read(2) of the whole file, as cat does. */
    private static String catOnce(Path path) throws Exception {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] buffer = new byte[4096];
            int n = in.read(buffer);
            return new String(buffer, 0, n, StandardCharsets.US_ASCII).trim();
        }
    }
}

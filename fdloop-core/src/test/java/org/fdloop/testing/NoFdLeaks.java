package org.fdloop.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves more entries in /proc/self/fd than it found.
 *
 * <p>Descriptors of .jar files are left out: the JVM opens a library's jar when it loads the
 * first class from it, which can happen during any test class. SecureRandom's, which the JDK
 * opens on first use and keeps, are opened before the first count.
 */
public final class NoFdLeaks implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NoFdLeaks.class);

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        // SecureRandom (used by @TempDir) opens /dev/random and /dev/urandom once and keeps them for the JVM's life
        new SecureRandom().nextBytes(new byte[1]);
        context.getStore(NS).put("before", openFds());
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        @SuppressWarnings("unchecked")
        Map<Integer, String> before = context.getStore(NS).get("before", Map.class);
        Map<Integer, String> leaked = new TreeMap<>(openFds());
        leaked.keySet().removeAll(before.keySet());
        assertThat(leaked).as("descriptors %s opened and did not close", context.getDisplayName()).isEmpty();
    }

    /** The open descriptors of this process and what they point to, jar files left out. */
    public static Map<Integer, String> openFds() throws IOException {
        Map<Integer, String> fds = new TreeMap<>();
        String ownListing = "/proc/" + ProcessHandle.current().pid() + "/fd";
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String target;
                try {
                    target = Files.readSymbolicLink(entry).toString();
                } catch (IOException e) {
                    continue; // the directory stream's own fd, already closed
                }
                // the listing's own descriptors (the JDK opens the directory twice) get whatever numbers are free
                if (!target.endsWith(".jar") && !target.equals(ownListing)) {
                    fds.put(Integer.parseInt(entry.getFileName().toString()), target);
                }
            }
        }
        return fds;
    }
}

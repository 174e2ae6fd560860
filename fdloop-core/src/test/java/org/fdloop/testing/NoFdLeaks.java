package org.fdloop.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.fdloop.internal.VThreadPoller;
import org.fdloop.internal.linux.Errno;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves more entries in /proc/self/fd than it found.
 *
 * <p>Descriptors of .jar files are left out: the JVM opens a library's jar when it loads the
 * first class from it, which can happen during any test class. The JDK's other descriptors that
 * live as long as the JVM are opened before the first snapshot (see {@link #openJdkDescriptors}), and so are the one
 * that fdloop holds in reserve for its error messages and the epoll fds of its virtual-thread pollers.
 */
public final class NoFdLeaks implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NoFdLeaks.class);

    static {
        openJdkDescriptors();
    }

    /**
     * The JDK opens some descriptors lazily, once, and keeps them for the JVM's life: SecureRandom's
     * /dev/random and /dev/urandom (NativePRNG; @TempDir and Files.createTempFile use it) and NIO's
     * pre-close socket (at the first close of a socket channel). Opening them here keeps them out of
     * the leaks of whichever test class would happen to open them first.
     */
    private static void openJdkDescriptors() {
        new SecureRandom().nextLong();
        try {
            SocketChannel.open().close();
            // fdloop's own: the descriptor Sysctl holds in reserve for the messages of EMFILE and ENFILE
            Errno.check(0, "nothing");
            // the epoll fds of the pollers that park virtual threads, made on first use, kept for the JVM's life
            VThreadPoller.start();
        } catch (IOException e) {
            throw new UncheckedIOException("opening the JDK's own descriptors", e);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
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
        String listing = "/proc/" + ProcessHandle.current().pid() + "/fd"; // this listing's own descriptors
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String target;
                try {
                    target = Files.readSymbolicLink(entry).toString();
                } catch (IOException e) {
                    continue; // closed since it was listed
                }
                if (!target.endsWith(".jar") && !target.equals(listing)) {
                    fds.put(Integer.parseInt(entry.getFileName().toString()), target);
                }
            }
        }
        return fds;
    }
}

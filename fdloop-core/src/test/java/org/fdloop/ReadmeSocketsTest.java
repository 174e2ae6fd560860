package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.fdloop.fd.DatagramFd;
import org.fdloop.fd.ListeningSocket;
import org.fdloop.fd.StreamSocket;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples of docs/SOCKETS.md, compiled and run. Each block between the
 * {@code // README} markers is the code of docs/SOCKETS.md, unchanged but for its indentation (there it
 * is inside {@code main}): keep them the same.
 */
@ExtendWith(NoFdLeaks.class)
class ReadmeSocketsTest {

    /** Runs {@code example} with standard output captured, and returns what it printed. */
    private static String printed(ThrowingRunnable example) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            example.run();
        } finally {
            System.setOut(original);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theEchoServerAndClientExampleRuns() throws Exception {
        String output = printed(() -> {
            // README: echo
            try (EventLoop loop = EventLoop.open();
                 ListeningSocket server = ListeningSocket.listenOn(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                 StreamSocket client = StreamSocket.connectTo(server.localAddress())) {   // TCP: the connect is in progress

                IoSource accepting = loop.onIo(server, IoSource.READABLE, (source, events) -> {
                    for (StreamSocket c; (c = server.accept()) != null; ) {               // null: none pending any more
                        loop.onStream(c, (stream, data) -> stream.write(data));           // what the kernel does not take is queued
                    }                                                                      // at the peer's end: flushed, then closed
                });

                ByteBuffer reply = ByteBuffer.allocate(64);
                loop.onIo(client, IoSource.WRITABLE, (source, events) -> {
                    if (client.isConnectionPending()) {
                        if (client.finishConnect()) {                                      // SO_ERROR: throws ECONNREFUSED and the like
                            client.write(ByteBuffer.wrap("hello".getBytes()));
                            source.setEvents(IoSource.READABLE);
                        }
                    } else if (client.read(reply) > 0 && reply.position() == 5) {
                        System.out.println("echoed: " + new String(reply.array(), 0, 5));
                        source.close();
                        client.shutdownOutput();                                           // the server reads -1 and closes its end
                        accepting.close();                                                 // no source left: run() returns
                    }
                });
                loop.run();
            }
            // README: end
        });
        assertThat(output).isEqualTo("echoed: hello" + System.lineSeparator());
    }

    @Test
    void theDatagramAndUnixExampleRuns(@TempDir Path dir) throws Exception {
        String output = printed(() -> {
            // README: datagrams
            InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
            try (DatagramFd server = DatagramFd.bindTo(loopback);
                 DatagramFd client = DatagramFd.open(StandardProtocolFamily.INET)) {
                client.send(ByteBuffer.wrap("ping".getBytes()), server.localAddress());   // one datagram
                server.awaitReadable(Duration.ofSeconds(10));                              // or: loop.onIo(server, READABLE, ...)
                ByteBuffer in = ByteBuffer.allocate(1500);
                SocketAddress sender = server.receive(in);                                  // null: none queued
                server.send(in.flip(), sender);                                             // the answer goes back
                System.out.println("from " + sender + ": " + new String(in.array(), 0, in.limit()));
            }

            UnixDomainSocketAddress path = UnixDomainSocketAddress.of(dir.resolve("app.sock"));
            try (ListeningSocket server = ListeningSocket.listenOn(path);                  // creates the socket file
                 StreamSocket client = StreamSocket.connectTo(path)) {                    // a Unix connect completes at once
                System.out.println(client.isConnectionPending() + " " + server.localAddress());
            } finally {
                Files.deleteIfExists(path.getPath());                                       // the file outlives the socket
            }
            // README: end
        });
        assertThat(output).matches("from /127\\.0\\.0\\.1:\\d+: ping\\R"
                + "false " + java.util.regex.Pattern.quote(dir.resolve("app.sock").toString()) + "\\R");
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void theReadmeShowsTheseExamplesUnchanged() throws Exception {
        Path readme = Path.of(System.getProperty("user.dir")).resolveSibling("docs").resolve("SOCKETS.md");
        String text = Files.readString(readme);
        String source = Files.readString(Path.of(System.getProperty("user.dir"),
                "src/test/java/org/fdloop/ReadmeSocketsTest.java"));
        for (String name : new String[] {"echo", "datagrams"}) {
            int start = source.indexOf("// README: " + name + "\n");
            int end = source.indexOf("// README: end", start);
            String block = source.substring(source.indexOf('\n', start) + 1, end);
            String unindented = block.lines().map(line -> line.length() >= 8 ? line.substring(8) : line.strip())
                    .reduce("", (a, b) -> a + b + "\n");
            assertThat(text).as("docs/SOCKETS.md holds the %s example as this test runs it", name).contains(unindented.strip());
        }
    }
}

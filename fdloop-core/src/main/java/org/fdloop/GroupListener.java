package org.fdloop;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.fdloop.fd.ListeningSocket;
import org.fdloop.fd.StreamSocket;
import org.fdloop.fd.UnixAbstractAddress;

/**
 * A listening socket spread over an {@link EventLoopGroup}: one socket per loop with SO_REUSEPORT
 * ({@link EventLoopGroup#listen}), or one acceptor handing connections round-robin
 * ({@link EventLoopGroup#listenWithAcceptor}). Thread-safe.
 */
public final class GroupListener implements AutoCloseable {
    /** How many connections the kernel queues for each socket (capped at net.core.somaxconn). */
    private static final int BACKLOG = 4096;

    /** One socket and the loop that accepts on it; {@code source} is set on that loop's thread. */
    private static final class Entry {
        final EventLoop loop;
        final ListeningSocket socket;
        IoSource source;

        Entry(EventLoop loop, ListeningSocket socket) {
            this.loop = loop;
            this.socket = socket;
        }
    }

    private final EventLoopGroup group;
    private final List<Entry> entries;
    private final SocketAddress localAddress;
    private final boolean reusePort;

    private GroupListener(EventLoopGroup group, List<Entry> entries, boolean reusePort) throws IOException {
        this.group = group;
        this.entries = entries;
        this.reusePort = reusePort;
        this.localAddress = entries.getFirst().socket.localAddress();
    }

    static GroupListener open(EventLoopGroup group, SocketAddress address, EventLoopGroup.AcceptHandler handler,
            boolean reusePort) throws IOException {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(handler, "handler");
        if (group.isShuttingDown()) {
            throw new RejectedExecutionException("listen(): the group is shutting down; nothing new is taken");
        }
        List<Entry> entries = new ArrayList<>();
        try {
            if (reusePort) {
                if (address instanceof UnixDomainSocketAddress || address instanceof UnixAbstractAddress) {
                    throw new IllegalArgumentException("SO_REUSEPORT spreads TCP connections over sockets, not Unix-domain ones ("
                            + address + "): use listenWithAcceptor, which hands each connection to the next loop");
                }
                SocketAddress bind = address;
                for (EventLoop loop : group.loops()) {
                    ListeningSocket socket = ListeningSocket.open(family(address));
                    entries.add(new Entry(loop, socket));
                    socket.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    socket.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                    socket.bind(bind);
                    socket.listen(BACKLOG);
                    bind = socket.localAddress(); // port 0 chose a port: the others take the same
                }
            } else {
                entries.add(new Entry(group.next(), ListeningSocket.listenOn(address, BACKLOG)));
            }
        } catch (IOException | RuntimeException e) {
            for (Entry entry : entries) {
                entry.socket.close();
            }
            throw e;
        }
        GroupListener listener = new GroupListener(group, List.copyOf(entries), reusePort);
        try {
            group.added(listener);
        } catch (RuntimeException e) {
            for (Entry entry : entries) {
                entry.socket.close(); // the shutdown began meanwhile: none of them was registered
            }
            throw e;
        }
        try {
            for (Entry entry : entries) {
                listener.register(entry, handler);
            }
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
        return listener;
    }

    private static StandardProtocolFamily family(SocketAddress address) {
        return address instanceof InetSocketAddress inet && inet.getAddress() instanceof Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    }

    /** Registers {@code entry}'s socket with its loop, on the loop's thread, and waits until it is. */
    private void register(Entry entry, EventLoopGroup.AcceptHandler handler) throws IOException {
        EventLoop loop = entry.loop;
        IoHandler accept = (source, events) -> {
            for (StreamSocket connection; (connection = entry.socket.accept()) != null; ) {
                handOff(loop, connection, handler);
            }
        };
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable work = () -> {
            try {
                if (entry.socket.isOpen()) { // closed meanwhile: the listener was closed before it was registered
                    entry.source = loop.onIo(entry.socket, IoSource.READABLE, accept);
                    entry.source.named("group listener " + entry.socket);
                }
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        };
        if (loop.inLoopThread()) {
            work.run();
        } else {
            loop.execute(work);
        }
        try {
            done.join();
        } catch (CompletionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case RuntimeException r -> throw r;
                case Error err -> throw err;
                default -> throw e;
            }
        }
    }

    private void handOff(EventLoop from, StreamSocket connection, EventLoopGroup.AcceptHandler handler) {
        if (reusePort) {
            group.deliver(from, connection, handler);
            return;
        }
        EventLoop to = group.next();
        if (to == from) {
            group.deliver(to, connection, handler);
            return;
        }
        try {
            to.execute(() -> group.deliver(to, connection, handler));
        } catch (RejectedExecutionException e) {
            connection.close(); // that loop has ended: the group is shutting down, and nothing was promised for it
        }
    }

    /** {@return the address the listener listens on (with the port that port 0 chose)} */
    public SocketAddress localAddress() {
        return localAddress;
    }

    /** {@return how many listening sockets: the group's size with SO_REUSEPORT, else 1} */
    public int sockets() {
        return entries.size();
    }

    /** Closes the listener's socket on {@code loop}, if it has one there; on that loop's thread. */
    void closeOn(EventLoop loop) {
        for (Entry entry : entries) {
            if (entry.loop == loop) {
                if (entry.source != null) {
                    entry.source.close();
                }
                entry.socket.close();
            }
        }
    }

    /**
     * Stops listening: each socket is closed on its loop's thread (connections the kernel had
     * queued and no loop accepted yet are reset). Connections accepted before go on.
     */
    @Override
    public void close() {
        group.removed(this);
        for (Entry entry : entries) {
            try {
                if (entry.loop.inLoopThread()) {
                    closeOn(entry.loop);
                } else {
                    entry.loop.execute(() -> closeOn(entry.loop));
                }
            } catch (RejectedExecutionException e) {
                entry.socket.close(); // the loop has ended; its close() closes the registration
            }
        }
    }

    @Override
    public String toString() {
        return "group listener on " + localAddress + " (" + (reusePort ? entries.size() + " sockets, SO_REUSEPORT" : "one acceptor") + ")";
    }
}

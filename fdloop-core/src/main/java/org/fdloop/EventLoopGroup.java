package org.fdloop;

import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.fdloop.backend.Backend;
import org.fdloop.fd.StreamSocket;

/**
 * N event loops on N platform threads, one per core by default: Netty's {@code EventLoopGroup},
 * libuv's one loop per thread. {@link #next()} picks a loop round-robin; {@link #listen} spreads a
 * listening socket over every loop with SO_REUSEPORT, {@link #listenWithAcceptor} has one loop
 * accept and hand each connection to the next loop. {@link #shutdownGracefully} stops accepting,
 * lets queued tasks and queued writes finish, closes every loop, and says what it had to cut.
 *
 * <pre>{@code
 * try (EventLoopGroup group = EventLoopGroup.open()) {
 *     group.listen(new InetSocketAddress(8080), (loop, connection) ->
 *             loop.onStream(connection, (stream, data) -> stream.write(data)));   // echo, on every core
 *     ...
 * }
 * }</pre>
 *
 * <p>Each loop runs on its own thread from the start ({@link EventLoop#start()}); reach it with
 * {@link EventLoop#execute}, or from the handlers that run on it. Everything here is thread-safe.
 */
public final class EventLoopGroup implements Executor, AutoCloseable {
    /** How long {@link #close()} lets queued work and writes finish. */
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final List<EventLoop> loops;
    /** The thread of each loop, as its start() returned it. */
    private final List<Thread> threads;
    private final AtomicInteger nextIndex = new AtomicInteger();
    private final List<GroupListener> listeners = new CopyOnWriteArrayList<>();
    private final Object shutdownLock = new Object();
    /** Set as shutdown begins: execute, next's users through execute, and new listeners are refused. */
    private volatile boolean shuttingDown;
    /** The shutdown's outcome; the first caller of shutdownGracefully completes it. */
    private final CompletableFuture<ShutdownReport> shutdown = new CompletableFuture<>();

    /**
     * What a graceful shutdown did not finish: nothing, when it ended in time.
     *
     * @param inTime whether every loop ended within the timeout, with nothing cut
     * @param streamsCut the {@link StreamSource}s closed with writes still queued
     * @param writesCut the queued writes that failed (each callback was told)
     * @param bytesCut the bytes of those writes the kernel never took
     */
    public record ShutdownReport(boolean inTime, int streamsCut, long writesCut, long bytesCut) {
        /** {@return whether nothing was cut} */
        public boolean complete() {
            return inTime && streamsCut == 0;
        }
    }

    /** Runs on the loop that owns {@code connection}, once per accepted connection. */
    @FunctionalInterface
    public interface AcceptHandler {
        /**
         * A connection was accepted for {@code loop}: register it there ({@link EventLoop#onStream}).
         *
         * @param loop the loop the connection belongs to; this runs on its thread
         * @param connection the connection, non-blocking; if this throws, it is closed
         * @throws Exception to have the connection closed and the loop's {@link ErrorHandler} told
         */
        void accepted(EventLoop loop, StreamSocket connection) throws Exception;
    }

    private EventLoopGroup(Builder builder) throws IOException {
        List<EventLoop> opened = new ArrayList<>(builder.loops);
        List<Thread> started = new ArrayList<>(builder.loops);
        try {
            for (int i = 0; i < builder.loops; i++) {
                EventLoop loop = EventLoop.builder().backend(builder.backend).errorHandler(builder.errorHandler)
                        .threadName(builder.threadName + "-" + i).build();
                opened.add(loop);
                started.add(loop.start());
            }
        } catch (IOException | RuntimeException e) {
            for (EventLoop loop : opened) {
                loop.close();
            }
            throw e;
        }
        this.loops = List.copyOf(opened);
        this.threads = List.copyOf(started);
    }

    /**
     * {@return a group of one loop per available processor, with the defaults}
     *
     * @throws IOException if a loop cannot be opened: the {@link org.fdloop.fd.LinuxException} names the call
     */
    public static EventLoopGroup open() throws IOException {
        return builder().build();
    }

    /**
     * {@return a group of {@code loops} loops, with the defaults}
     *
     * @param loops how many loops, and threads: 1 or more
     * @throws IOException if a loop cannot be opened: the {@link org.fdloop.fd.LinuxException} names the call
     */
    public static EventLoopGroup open(int loops) throws IOException {
        return builder().loops(loops).build();
    }

    /** {@return a builder with the defaults: one loop per available processor, epoll, errors printed} */
    public static Builder builder() {
        return new Builder();
    }

    /** Options for a new group. */
    public static final class Builder {
        private int loops = Runtime.getRuntime().availableProcessors();
        private Backend backend = Backend.EPOLL;
        private ErrorHandler errorHandler = ErrorHandler.PRINT;
        private String threadName = "fdloop-group";

        private Builder() {}

        /**
         * How many loops (default: {@link Runtime#availableProcessors()}).
         *
         * @param loops 1 or more
         * @return this builder
         */
        public Builder loops(int loops) {
            if (loops < 1) {
                throw new IllegalArgumentException("a group has 1 loop or more, not " + loops);
            }
            this.loops = loops;
            return this;
        }

        /**
         * The backend of every loop (default {@link Backend#EPOLL}).
         *
         * @param backend the backend
         * @return this builder
         */
        public Builder backend(Backend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /**
         * Where the handlers' failures go, on every loop (default: printed to standard error).
         *
         * @param errorHandler the error handler
         * @return this builder
         */
        public Builder errorHandler(ErrorHandler errorHandler) {
            this.errorHandler = Objects.requireNonNull(errorHandler, "errorHandler");
            return this;
        }

        /**
         * The threads' names: this, a dash and the loop's index (default "fdloop-group").
         *
         * @param threadName the prefix
         * @return this builder
         */
        public Builder threadName(String threadName) {
            this.threadName = Objects.requireNonNull(threadName, "threadName");
            return this;
        }

        /**
         * Opens the loops and starts their threads.
         *
         * @return the group
         * @throws IOException if a loop cannot be opened (the ones opened before are closed)
         */
        public EventLoopGroup build() throws IOException {
            return new EventLoopGroup(this);
        }
    }

    /** {@return how many loops the group has} */
    public int size() {
        return loops.size();
    }

    /** {@return the loops, in order} */
    public List<EventLoop> loops() {
        return loops;
    }

    /**
     * {@return loop {@code index}}
     *
     * @param index from 0 to {@link #size()} - 1
     */
    public EventLoop loop(int index) {
        Objects.checkIndex(index, loops.size());
        return loops.get(index);
    }

    /** {@return the next loop, round-robin} */
    public EventLoop next() {
        return loops.get(Math.floorMod(nextIndex.getAndIncrement(), loops.size()));
    }

    /**
     * Runs {@code task} on the {@link #next()} loop. A task accepted is never dropped: it runs
     * before the shutdown closes its loop.
     *
     * @param task what to run
     * @throws RejectedExecutionException once {@link #shutdownGracefully} has begun
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        rejectIfShuttingDown("execute");
        next().execute(task);
    }

    /** {@return whether {@link #shutdownGracefully} (or {@link #close()}) has begun} */
    public boolean isShuttingDown() {
        return shuttingDown;
    }

    private void rejectIfShuttingDown(String method) {
        if (shuttingDown) {
            throw new RejectedExecutionException(method + "(): the group is shutting down; nothing new is taken");
        }
    }

    // ---- listening --------------------------------------------------------------------------------

    /**
     * Listens on {@code address} with one listening socket per loop, each with SO_REUSEPORT: the
     * kernel spreads incoming connections over them by a hash of their addresses and ports, and
     * each loop accepts its own, with no hand-off between threads. Port 0 picks a free port for
     * all ({@link GroupListener#localAddress()}). TCP only: Linux does not spread Unix-domain
     * connections so; use {@link #listenWithAcceptor} for them.
     *
     * @param address the address to listen on
     * @param handler runs on each connection's loop, for each connection
     * @return the listener, which {@link GroupListener#close()} closes on every loop
     * @throws IllegalArgumentException for a Unix-domain address
     * @throws RejectedExecutionException once the group is shutting down
     * @throws IOException if socket, bind or listen fails (every socket opened is closed again)
     */
    public GroupListener listen(SocketAddress address, AcceptHandler handler) throws IOException {
        return GroupListener.open(this, address, handler, true);
    }

    /**
     * Listens on {@code address} with one listening socket, on the {@link #next()} loop, which
     * accepts each connection and hands it to the {@link #next()} loop (in turn, itself among
     * them): one {@code execute} per connection, where {@link #listen} has none, but an even
     * spread however few the clients, and for Unix-domain sockets too.
     *
     * @param address the address to listen on (TCP or Unix)
     * @param handler runs on the connection's loop, for each connection
     * @return the listener, which {@link GroupListener#close()} closes
     * @throws RejectedExecutionException once the group is shutting down
     * @throws IOException if socket, bind or listen fails
     */
    public GroupListener listenWithAcceptor(SocketAddress address, AcceptHandler handler) throws IOException {
        return GroupListener.open(this, address, handler, false);
    }

    void added(GroupListener listener) {
        rejectIfShuttingDown("listen");
        listeners.add(listener);
        if (shuttingDown && listeners.remove(listener)) {
            listener.close(); // the shutdown began meanwhile, and may have looked at the list before this one came
            rejectIfShuttingDown("listen");
        }
    }

    void removed(GroupListener listener) {
        listeners.remove(listener);
    }

    /** Hands {@code connection} to {@code handler} on {@code loop}'s thread; closes it when the group no longer takes connections. */
    void deliver(EventLoop loop, StreamSocket connection, AcceptHandler handler) {
        if (shuttingDown) {
            connection.close(); // accepted as shutdown began: no handler ran for it, so nothing was promised
            return;
        }
        try {
            handler.accepted(loop, connection);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            connection.close();
            loop.reportError(null, t);
        }
    }

    // ---- shutting down ----------------------------------------------------------------------------

    /**
     * Shuts the group down, in order: no new task or listener is taken ({@link #execute} and
     * {@link #listen} throw), every listener is closed, and every {@link StreamSource} on each loop
     * is closed gracefully ({@link StreamSource#close()}: it flushes what is queued first). A loop
     * ends once its last stream closed, after the tasks it had accepted; then it is closed, which
     * closes its other sources. Whatever is still queued at {@code timeout} is cut: those streams
     * are closed at once, each queued write's callback told so, and the report counts them.
     * Called again, or from another thread meanwhile, it waits for the first call and returns its report.
     * Not from one of the group's loops: it waits for them to end.
     *
     * @param timeout how long queued work and writes may take, 0 or more
     * @return what was cut, if anything
     * @throws IllegalStateException from one of the group's own loop threads
     */
    public ShutdownReport shutdownGracefully(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("a shutdown timeout is 0 or more, not " + timeout);
        }
        if (threads.contains(Thread.currentThread())) {
            throw new IllegalStateException("shutdownGracefully() on " + Thread.currentThread().getName()
                    + ", one of the group's own loop threads: it waits for them to end. Call it from another thread");
        }
        synchronized (shutdownLock) {
            if (shuttingDown) {
                return shutdown.join();
            }
            shuttingDown = true;
        }
        ShutdownReport report = null;
        try {
            report = shutDown(timeout);
        } finally {
            if (report == null) {
                shutdown.completeExceptionally(new IllegalStateException("the shutdown failed: see its caller's exception"));
            } else {
                shutdown.complete(report);
            }
        }
        return report;
    }

    private ShutdownReport shutDown(Duration timeout) {
        long deadline = System.nanoTime() + EventLoop.saturatedNanos(timeout);
        for (EventLoop loop : loops) {
            onLoop(loop, () -> {
                for (GroupListener listener : listeners) {
                    listener.closeOn(loop); // stop accepting first
                }
                for (StreamSource stream : loop.streams.snapshot()) {
                    stream.close(); // gracefully: what is queued is flushed first
                }
                loop.streams.whenAllClosed(loop::stop);
            });
        }
        boolean inTime = true;
        for (Thread thread : threads) {
            inTime &= joinUntil(thread, deadline);
        }
        if (!inTime) {
            for (EventLoop loop : loops) {
                onLoop(loop, () -> {
                    for (StreamSource stream : loop.streams.snapshot()) {
                        stream.cut("the group's shutdown, whose timeout of " + timeout + " was over");
                    }
                    loop.stop();
                });
            }
        }
        int streams = 0;
        long writes = 0;
        long bytes = 0;
        for (EventLoop loop : loops) {
            loop.close(); // waits for the loop's thread, runs what execute() accepted, closes the rest
            streams += loop.streams.cutStreams;
            writes += loop.streams.cutWrites;
            bytes += loop.streams.cutBytes;
        }
        listeners.clear();
        return new ShutdownReport(inTime, streams, writes, bytes);
    }

    /** Runs {@code work} on {@code loop}'s thread; a loop whose thread has ended (stopped by the user) is skipped. */
    private static void onLoop(EventLoop loop, Runnable work) {
        try {
            loop.execute(work);
        } catch (RejectedExecutionException e) {
            // its thread has ended already: its close() closes what it holds, ignoring
        }
    }

    /** Waits for a loop's thread until {@code deadline}; whether it ended. */
    private static boolean joinUntil(Thread thread, long deadline) {
        boolean interrupted = false;
        try {
            while (thread.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    thread.join(Duration.ofNanos(left));
                } catch (InterruptedException e) {
                    interrupted = true; // the shutdown goes on; the flag is set again at the end
                }
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * {@link #shutdownGracefully} with {@link #CLOSE_TIMEOUT}. What it cut, if anything, the callbacks
     * of the writes cut were told; call {@link #shutdownGracefully} to have the report.
     */
    @Override
    public void close() {
        shutdownGracefully(CLOSE_TIMEOUT);
    }

    @Override
    public String toString() {
        return "EventLoopGroup of " + loops.size() + " loops" + (shuttingDown ? ", shut down" : "");
    }
}

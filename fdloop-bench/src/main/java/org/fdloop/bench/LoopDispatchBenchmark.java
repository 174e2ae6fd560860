package org.fdloop.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.fdloop.EventLoop;
import org.fdloop.IoSource;
import org.fdloop.TimerSource;
import org.fdloop.backend.Backend;
import org.fdloop.internal.backend.Poller;
import org.fdloop.internal.backend.Pollers;
import org.fdloop.fd.EventFd;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One loop iteration in steady state, in one thread: what a dispatch costs, and that it
 * allocates nothing (run with {@code -prof gc}: {@code gc.alloc.rate.norm} is bytes per operation).
 *
 * <ul>
 *   <li>{@code eventFdDispatch}: write 1 to an eventfd, then one {@code runOnce}: epoll reports
 *       it, the handler reads it (three system calls: write, epoll_pwait2, read); with the loop's
 *       timing on (the default) and off.
 *   <li>{@code timerDispatch}: one {@code runOnce} that fires a fixed-rate timer whose period
 *       (1 ns) has always passed: the heap, the dispatch and the re-queueing, and a zero-timeout
 *       epoll_pwait2.
 *   <li>{@code pollerFloor}: the same three system calls without the loop: write, a zero-timeout
 *       poll of a {@link Poller} that holds the eventfd, read. {@code eventFdDispatch} minus this
 *       is what the loop adds per dispatch.
 *   <li>{@code idleIteration}: one {@code runOnce} with nothing ready (the epoll_pwait2 alone, plus
 *       the loop's bookkeeping).
 * </ul>
 *
 * <p>Each benchmark has its own loop (one {@code @State} per benchmark method), so that -prof gc
 * attributes allocation to one kind of dispatch only.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp 'fdloop-bench/target/fdloop-bench.jar:fdloop-bench/target/lib/*' \
 *     org.openjdk.jmh.Main LoopDispatchBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LoopDispatchBenchmark {

    /** A loop with one eventfd source whose handler reads the eventfd. */
    @State(Scope.Thread)
    public static class EventFdLoop {
        /** The loop's Builder.timing: with it, two clock readings per dispatch. */
        @Param({"true", "false"})
        boolean timing;

        EventLoop loop;
        EventFd eventFd;
        long reads;

        @Setup(Level.Trial)
        public void open() throws IOException {
            loop = EventLoop.builder().timing(timing).build();
            eventFd = EventFd.open();
            loop.onReadable(eventFd, this::ready);
        }

        private void ready(IoSource source, int events) throws IOException {
            reads += eventFd.read();
        }

        @TearDown(Level.Trial)
        public void close() {
            loop.close();
            eventFd.close();
        }
    }

    /** A loop with one fixed-rate timer that is always due. */
    @State(Scope.Thread)
    public static class TimerLoop {
        EventLoop loop;
        TimerSource timer;
        long fired;

        @Setup(Level.Trial)
        public void open() throws IOException {
            loop = EventLoop.open();
            timer = loop.scheduleAtFixedRate(Duration.ZERO, Duration.ofNanos(1), t -> fired++);
        }

        @TearDown(Level.Trial)
        public void close() {
            loop.close();
        }
    }

    /** A loop with one eventfd source that is never ready. */
    @State(Scope.Thread)
    public static class IdleLoop {
        EventLoop loop;
        EventFd eventFd;

        @Setup(Level.Trial)
        public void open() throws IOException {
            loop = EventLoop.open();
            eventFd = EventFd.open();
            loop.onReadable(eventFd, (source, events) -> { });
        }

        @TearDown(Level.Trial)
        public void close() {
            loop.close();
            eventFd.close();
        }
    }

    /** A poller with one eventfd in it, no loop. */
    @State(Scope.Thread)
    public static class BarePoller {
        Poller poller;
        EventFd eventFd;

        @Setup(Level.Trial)
        public void open() throws IOException {
            poller = Pollers.open(Backend.EPOLL, 256);
            eventFd = EventFd.open();
            poller.add(eventFd.number(), IoSource.READABLE, 0);
        }

        @TearDown(Level.Trial)
        public void close() {
            poller.close();
            eventFd.close();
        }
    }

    @Benchmark
    public long pollerFloor(BarePoller state) throws IOException {
        state.eventFd.write(1);
        int ready = state.poller.poll(0);
        return ready + state.eventFd.read();
    }

    @Benchmark
    public int eventFdDispatch(EventFdLoop state) throws IOException {
        state.eventFd.write(1);
        return state.loop.runOnce(Duration.ZERO);
    }

    @Benchmark
    public int timerDispatch(TimerLoop state) throws IOException {
        return state.loop.runOnce(Duration.ZERO);
    }

    @Benchmark
    public int idleIteration(IdleLoop state) throws IOException {
        return state.loop.runOnce(Duration.ZERO);
    }
}

package org.fdloop.bench;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.fdloop.fd.EventFd;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one eventfd write plus read through fdloop's downcalls (two system calls),
 * in one thread: the floor under every cross-thread wake-up the loop will do.
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED -cp 'fdloop-bench/target/fdloop-bench.jar:fdloop-bench/target/lib/*'
 * org.openjdk.jmh.Main EventFdBenchmark -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class EventFdBenchmark {
    private EventFd eventFd;

    @Setup(Level.Trial)
    public void open() throws IOException {
        eventFd = EventFd.open();
    }

    @TearDown(Level.Trial)
    public void close() {
        eventFd.close();
    }

    @Benchmark
    public long writeThenRead() throws IOException {
        eventFd.write(1);
        return eventFd.read();
    }

    @Benchmark
    public long emptyRead() throws IOException {
        return eventFd.read();
    }
}

package org.fdloop.bench;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.fdloop.EventLoop;

/**
 * {@code execute(Runnable)} from one producer thread into one consumer thread, side by side in
 * one JVM: fdloop's {@link EventLoop#execute}, a single-thread {@link ExecutorService}
 * ({@link Executors#newSingleThreadExecutor()}), Netty's {@link DefaultEventLoop} and a one-thread
 * {@link NioEventLoopGroup}. Rounds alternate the implementations (the order rotates each round);
 * the first round of each is a warm-up and is not counted.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp 'fdloop-bench/target/fdloop-bench.jar:fdloop-bench/target/lib/*' \
 *     org.fdloop.bench.ExecuteComparison [-n tasks] [-r rounds]
 * </pre>
 *
 * The producer (the main thread) calls execute N times (default 1,000,000) with the same
 * Runnable, which counts on the consumer thread. Per round: {@code execute} is the producer's
 * time per call, {@code task} the time from the first call to the last task's end, per task
 * (the throughput: 1e9 / task is tasks per second).
 */
public final class ExecuteComparison {
    private static final List<String> IMPLEMENTATIONS = List.of("fdloop", "ExecutorService", "Netty DefaultEventLoop",
            "Netty NioEventLoop");

    private final int tasks;

    ExecuteComparison(int tasks) {
        this.tasks = tasks;
    }

    public static void main(String[] args) throws Exception {
        int n = 1_000_000;
        int rounds = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-n" -> n = Integer.parseInt(args[++i]);
                case "-r" -> rounds = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: ExecuteComparison [-n tasks] [-r rounds]");
                    System.exit(2);
                }
            }
        }
        if (n < 1 || rounds < 1) {
            System.err.println("tasks and rounds are at least 1");
            System.exit(2);
        }
        System.out.println("# " + SideBySide.describeRuntime());
        System.out.printf(Locale.ROOT, "# tasks=%d rounds=%d (+1 warm-up round, not counted)%n", n, rounds);
        System.out.println(new ExecuteComparison(n).run(rounds).markdown());
    }

    SideBySide run(int rounds) throws Exception {
        SideBySide table = new SideBySide(String.format(Locale.ROOT,
                "execute(): %,d tasks from one producer thread", tasks), "fdloop");
        for (int round = 0; round <= rounds; round++) {
            for (String impl : SideBySide.rotated(IMPLEMENTATIONS, round)) {
                System.gc();
                double[] r = switch (impl) {
                    case "fdloop" -> fdloop();
                    case "ExecutorService" -> executorService();
                    case "Netty DefaultEventLoop" -> netty(new DefaultEventLoop());
                    default -> netty(new NioEventLoopGroup(1));
                };
                System.out.printf(Locale.ROOT, "execute impl=\"%s\" round=%d execute_ns=%.1f task_ns=%.1f tasks_per_s=%.0f%s%n",
                        impl, round, r[0], r[1], 1e9 / r[1], round == 0 ? " (warm-up)" : "");
                if (round > 0) {
                    table.add("execute (producer)", impl, r[0]);
                    table.add("task (first execute to last run)", impl, r[1]);
                }
            }
        }
        return table;
    }

    private double[] fdloop() throws IOException, InterruptedException {
        EventLoop loop = EventLoop.builder().threadName("fdloop-consumer").build();
        loop.schedule(Duration.ofDays(1), t -> { }); // keeps run() going while no task is queued
        Thread consumer = loop.start();
        try {
            return produce(loop::execute);
        } finally {
            loop.stop();
            consumer.join();
            loop.close();
        }
    }

    private double[] executorService() throws InterruptedException {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            return produce(executor);
        } finally {
            executor.shutdown();
            executor.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private double[] netty(EventLoopGroup group) throws InterruptedException {
        try {
            return produce(group.next());
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }

    /** Calls execute N times with one counting task; returns {ns per execute, ns per task}. */
    private double[] produce(Executor executor) throws InterruptedException {
        Counter counter = new Counter(tasks);
        // the consumer thread is up and idle before the clock starts
        CountDownLatch started = new CountDownLatch(1);
        executor.execute(started::countDown);
        if (!started.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the consumer did not run a task within 10 s");
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < tasks; i++) {
            executor.execute(counter);
        }
        long t1 = System.nanoTime();
        long last = counter.awaitLast();
        return new double[] {(double) (t1 - t0) / tasks, (double) (last - t0) / tasks};
    }

    /** The task: counts on the consumer thread and notes when the last one ran. */
    private static final class Counter implements Runnable {
        private final int expected;
        private final CountDownLatch last = new CountDownLatch(1);
        private int count; // on the consumer thread only
        private volatile long lastNanos;

        Counter(int expected) {
            this.expected = expected;
        }

        @Override
        public void run() {
            if (++count == expected) {
                lastNanos = System.nanoTime();
                last.countDown();
            }
        }

        long awaitLast() throws InterruptedException {
            if (!last.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("only " + count + " of " + expected + " tasks ran within 120 s");
            }
            return lastNanos;
        }
    }
}

package org.fdloop.bench;

import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.fdloop.EventLoop;
import org.fdloop.FileEvent;
import org.fdloop.WatchSource;

/**
 * The Java watchers of the file-event storm beside C's {@code inotify_storm} (src/main/c): N files
 * created and then deleted in one directory by {@code inotify_storm produce}, which writes the
 * time of each call into a shared file; the watcher takes each CREATE and DELETE and its lag.
 * <pre>
 * InotifyStorm fdloop|watchservice PRODUCER DIR N TIMES [STORMS]
 * </pre>
 * STORMS (1) storms one after the other in this JVM, each reported on its line (impl=fdloop#2 ...):
 * the later ones show the watcher with its code compiled.
 * fdloop: {@code EventLoop.watch(DIR, {CREATE, DELETE}, false, ...)}, the handler given each
 * {@link FileEvent}; watchservice: java.nio's WatchService with ENTRY_CREATE and ENTRY_DELETE
 * (run it with {@code -Djdk.nio.file.WatchService.maxEventsPerPoll=65536}: the default, 512,
 * overflows at once). Prints the line {@code inotify_storm} prints, with impl=fdloop or
 * impl=watchservice.
 */
public final class InotifyStorm {
    private final int n;
    private final LongBuffer times;
    private final long[] lags;
    private int events;
    private int overflows;
    private long last;
    private boolean done;

    private InotifyStorm(int n, LongBuffer times) {
        this.n = n;
        this.times = times;
        this.lags = new long[2 * n];
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5 && args.length != 6) {
            throw new IllegalArgumentException("InotifyStorm fdloop|watchservice PRODUCER DIR N TIMES [STORMS]");
        }
        int storms = args.length == 6 ? Integer.parseInt(args[5]) : 1;
        String impl = args[0];
        Path dir = Path.of(args[2]);
        int n = Integer.parseInt(args[3]);
        Path timesFile = Path.of(args[4]);
        LongBuffer times;
        try (FileChannel channel = FileChannel.open(timesFile, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            times = channel.map(FileChannel.MapMode.READ_WRITE, 0, 16L * n).order(ByteOrder.nativeOrder()).asLongBuffer();
        }
        ProcessBuilder producer = new ProcessBuilder(args[1], "produce", dir.toString(), Integer.toString(n), timesFile.toString())
                .inheritIO();
        for (int k = 1; k <= storms; k++) {
            InotifyStorm storm = new InotifyStorm(n, times);
            switch (impl) {
                case "fdloop" -> storm.fdloop(dir, producer);
                case "watchservice" -> storm.watchService(dir, producer);
                default -> throw new IllegalArgumentException("fdloop or watchservice, not " + impl);
            }
            storm.report(k == 1 ? impl : impl + "#" + k);
        }
    }

    /** One event of file {@code name} ("f123"), received at {@code received} (System.nanoTime: CLOCK_MONOTONIC). */
    private void took(String name, boolean delete, long received) {
        if (name.isEmpty() || name.charAt(0) != 'f') {
            return;
        }
        int i = Integer.parseInt(name, 1, name.length(), 10);
        lags[events++] = received - times.get(delete ? n + i : i);
        last = received;
        if (delete && i == n - 1) {
            done = true;
        }
    }

    private void fdloop(Path dir, ProcessBuilder producer) throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            loop.watch(dir, EnumSet.of(FileEvent.Kind.CREATE, FileEvent.Kind.DELETE), false, (WatchSource source, FileEvent e) -> {
                switch (e.kind()) {
                    case CREATE, DELETE -> took(e.path().getFileName().toString(), e.kind() == FileEvent.Kind.DELETE, System.nanoTime());
                    case OVERFLOW -> overflows++;
                    default -> {}
                }
                if (done) {
                    loop.stop();
                }
            });
            Process process = producer.start();
            Thread waiter = Thread.ofPlatform().daemon().start(() -> {
                try {
                    process.waitFor();
                    Thread.sleep(1000); // what is still queued is read meanwhile; the rest is lost
                } catch (InterruptedException e) {
                    return;
                }
                loop.execute(loop::stop);
            });
            loop.run();
            waiter.interrupt();
            process.waitFor();
        }
    }

    private void watchService(Path dir, ProcessBuilder producer) throws Exception {
        try (WatchService service = dir.getFileSystem().newWatchService()) {
            dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE);
            Process process = producer.start();
            boolean exited = false;
            while (!done) {
                WatchKey key = service.poll(exited ? 1000 : 100, TimeUnit.MILLISECONDS);
                if (key == null) {
                    if (exited) {
                        break;
                    }
                    exited = !process.isAlive();
                    continue;
                }
                java.util.List<WatchEvent<?>> taken = key.pollEvents();
                long received = System.nanoTime(); // after the poll: an event it took may have come after the key
                for (WatchEvent<?> event : taken) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        overflows++;
                    } else {
                        took(event.context().toString(), event.kind() == StandardWatchEventKinds.ENTRY_DELETE, received);
                    }
                }
                key.reset();
                exited = exited || !process.isAlive();
            }
            process.waitFor();
        }
    }

    private void report(String impl) {
        double seconds = (last - times.get(0)) / 1e9;
        long[] sorted = Arrays.copyOf(lags, events);
        Arrays.sort(sorted);
        System.out.printf("inotify_storm impl=%s files=%d events=%d lost=%d overflows=%d seconds=%.3f events_per_s=%.0f "
                + "lag_p50_us=%.1f lag_p99_us=%.1f%n", impl, n, events, 2L * n - events, overflows, seconds,
                seconds > 0 ? events / seconds : 0, percentile(sorted, 0.5), percentile(sorted, 0.99));
    }

    private static double percentile(long[] sorted, double p) {
        return sorted.length == 0 ? -1 : sorted[(int) (p * (sorted.length - 1) + 0.5)] / 1000.0;
    }
}

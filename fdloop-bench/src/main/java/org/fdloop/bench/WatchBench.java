package org.fdloop.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * The pieces of watch-benchmark.sh that are not a watcher under test:
 * <pre>
 * tree DIR DIRECTORIES FILES_PER_DIRECTORY   make DIR/d0..: directories two levels deep, each with files
 * storm DIR N                                create and write N files in DIR, then delete them; prints the start (ms)
 * count MARKER                               count the events on stdin until a line contains MARKER (a line ending
 *                                            " xN" is N coalesced events, "OVERFLOW" lines are counted apart);
 *                                            prints events, overflows and the time (ms)
 * watchservice ROOT                          java.nio's WatchService on ROOT and every directory below it,
 *                                            printing "KIND path" per event (it cannot recurse on Linux)
 * establish fdloop|watchservice ROOT         the time (ms) one call takes to watch the tree, in this JVM:
 *                                            EventLoop.watch(ROOT, CHANGES, true, ...), or the walk registering
 *                                            every directory with a WatchService
 * </pre>
 */
public final class WatchBench {
    private WatchBench() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "tree" -> tree(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "storm" -> storm(Path.of(args[1]), Integer.parseInt(args[2]));
            case "count" -> count(args[1]);
            case "watchservice" -> watchService(Path.of(args[1]));
            case "establish" -> establish(args[1], Path.of(args[2]));
            default -> throw new IllegalArgumentException("tree, storm, count or watchservice, not " + args[0]);
        }
    }

    /** {@code directories} directories, 50 at the top and the rest below them, each with {@code files} files. */
    private static void tree(Path root, int directories, int files) throws IOException {
        int top = Math.min(50, directories);
        for (int d = 0; d < directories; d++) {
            Path dir = d < top ? root.resolve("d" + d) : root.resolve("d" + (d % top)).resolve("e" + d);
            Files.createDirectories(dir);
            for (int f = 0; f < files; f++) {
                Files.writeString(dir.resolve("f" + f), "x");
            }
        }
    }

    private static void storm(Path dir, int n) throws IOException {
        byte[] data = {'x'};
        System.out.println(System.currentTimeMillis());
        for (int i = 0; i < n; i++) {
            Files.write(dir.resolve("s" + i), data); // CREATE, MODIFY, CLOSE_WRITE
        }
        for (int i = 0; i < n; i++) {
            Files.delete(dir.resolve("s" + i)); // DELETE
        }
    }

    private static void count(String marker) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16);
        long events = 0;
        long overflows = 0;
        for (String line; (line = in.readLine()) != null; ) {
            if (line.contains(marker)) {
                System.out.println(events + " " + overflows + " " + System.currentTimeMillis());
                return;
            }
            if (line.contains("OVERFLOW")) {
                overflows++;
                continue;
            }
            int x = line.lastIndexOf(" x");
            events += x > 0 && line.substring(x + 2).chars().allMatch(Character::isDigit) ? Long.parseLong(line.substring(x + 2)) : 1;
        }
        System.out.println(events + " " + overflows + " -1");
    }

    private static void establish(String how, Path root) throws IOException {
        if (how.equals("fdloop")) {
            try (org.fdloop.EventLoop loop = org.fdloop.EventLoop.open()) {
                long start = System.nanoTime();
                int watches = loop.watch(root, true, (source, event) -> {}).watchCount();
                report(how, watches, start);
            }
        } else {
            try (WatchService service = root.getFileSystem().newWatchService()) {
                long start = System.nanoTime();
                int[] count = {0};
                Files.walkFileTree(root, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                        dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                                StandardWatchEventKinds.ENTRY_MODIFY);
                        count[0]++;
                        return FileVisitResult.CONTINUE;
                    }
                });
                report(how, count[0], start);
            }
        }
    }

    private static void report(String how, int watches, long start) {
        System.out.println(how + " " + watches + " " + (System.nanoTime() - start) / 1_000_000);
    }

    private static void watchService(Path root) throws IOException, InterruptedException {
        WatchService service = root.getFileSystem().newWatchService();
        Map<WatchKey, Path> dirs = new HashMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                dirs.put(dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                        StandardWatchEventKinds.ENTRY_MODIFY), dir);
                return FileVisitResult.CONTINUE;
            }
        });
        System.err.println("watchservice: watching " + dirs.size() + " directories");
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
        while (true) {
            WatchKey key = service.take();
            Path dir = dirs.get(key);
            for (WatchEvent<?> event : key.pollEvents()) {
                w.write(event.kind().name() + " " + (event.context() == null ? dir : dir.resolve((Path) event.context()))
                        + (event.count() > 1 ? " x" + event.count() : ""));
                w.newLine();
            }
            key.reset();
            w.flush();
        }
    }
}

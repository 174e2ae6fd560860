package org.fdloop;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.fdloop.fd.LinuxException;
import org.fdloop.testing.Ready;

/**
 * Run by {@link FileWatchTreeTest} in a JVM without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so
 * that a directory of mode 000 cannot be read even by root: watches a tree with one such directory
 * in it, moves a second one in, and prints what it sees, each line starting with "probe: ".
 */
public final class UnreadableTreeProbe {
    private UnreadableTreeProbe() {}

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        Path tree = Files.createDirectories(work.resolve("tree"));
        Files.createDirectories(tree.resolve("open/a"));
        Path locked = Files.createDirectories(tree.resolve("locked/inner")).getParent();
        Path later = Files.createDirectories(work.resolve("outside/later/inner")).getParent();
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        // write and search but no read: moving a directory to another parent needs write on it (for its "..")
        Files.setPosixFilePermissions(later, PosixFilePermissions.fromString("-wx------"));
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(locked)) {
            say("could list " + locked + ": capabilities NOT dropped");
        } catch (AccessDeniedException e) {
            say("cannot list " + locked + ": capabilities dropped");
        }
        try (EventLoop loop = EventLoop.open()) {
            List<FileEvent> seen = new ArrayList<>();
            WatchSource watch = loop.watch(tree, WatchSource.CHANGES, true, (source, e) -> {
                seen.add(e);
                say(e.kind() == FileEvent.Kind.SKIPPED ? e.kind() + ",ISDIR " + e.path() + " (" + shortly(e.problem()) + ")" : e.toString());
            });
            say("watching " + tree + ": " + watch.watchCount() + " watches");
            Files.createFile(tree.resolve("open/a/file"));
            Files.move(later, tree.resolve("later"));
            Path marker = Files.createFile(tree.resolve("marker"));
            long deadline = System.nanoTime() + Ready.PATIENCE.toNanos();
            while (System.nanoTime() - deadline < 0
                    && seen.stream().noneMatch(e -> e.kind() == FileEvent.Kind.CLOSE_WRITE && e.path().equals(marker))) {
                loop.runOnce(Duration.ofMillis(100));
            }
            say("watching " + tree + ": " + watch.watchCount() + " watches");
        }
    }

    /** {@code inotify_add_watch(EACCES)}: the call's name and the errno, without the arguments. */
    private static String shortly(Exception problem) {
        if (problem instanceof LinuxException e) {
            return e.call().substring(0, e.call().indexOf('(')) + "(" + e.errnoName() + ")";
        }
        return String.valueOf(problem);
    }

    private static void say(String line) {
        System.out.println("probe: " + line);
        System.out.flush();
    }
}

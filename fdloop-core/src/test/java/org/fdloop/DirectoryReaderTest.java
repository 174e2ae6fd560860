package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.fdloop.DirectoryReader.Child;
import org.fdloop.fd.LinuxException;
import org.fdloop.internal.linux.Constants;
import org.fdloop.testing.ChildProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The getdents64 listing that a watch walks its tree with, against what java.nio.file says of the same directory. */
class DirectoryReaderTest {
    @TempDir
    Path dir;

    @Test
    void listsEveryEntryWithItsTypeAcrossManyReads() throws Exception {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 3000; i++) { // some 100 KB of records: several getdents64 calls of 32 KiB
            String name = "entry-with-a-longish-name-" + i;
            if (i % 3 == 0) {
                Files.createDirectory(dir.resolve(name));
            } else {
                Files.writeString(dir.resolve(name), "x");
            }
            expected.add(name);
        }
        Files.createDirectory(dir.resolve("ünïcødé ☃"));
        Files.createSymbolicLink(dir.resolve("link-to-a-directory"), dir.resolve("entry-with-a-longish-name-0"));
        expected.add("ünïcødé ☃");
        expected.add("link-to-a-directory");

        Map<String, Boolean> listed = new TreeMap<>();
        for (Child child : new DirectoryReader().list(dir, false)) {
            assertThat(listed.put(child.name(), child.directory())).as("listed once: " + child.name()).isNull();
            assertThat(child.modified()).isEqualTo(-1);
        }
        assertThat(listed.keySet()).containsExactlyInAnyOrderElementsOf(expected).doesNotContain(".", "..");
        for (var e : listed.entrySet()) { // a symbolic link is not followed: not a directory
            assertThat(e.getValue()).as(e.getKey()).isEqualTo(Files.isDirectory(dir.resolve(e.getKey()), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        }
    }

    @Test
    void timesAreTheFilesOwnInMilliseconds() throws Exception {
        Path file = dir.resolve("f");
        Files.writeString(file, "x");
        Files.setLastModifiedTime(file, FileTime.fromMillis(1_234_567_890_123L));
        Child child = new DirectoryReader().list(dir, true).getFirst();
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        assertThat(child.name()).isEqualTo("f");
        assertThat(child.directory()).isFalse();
        assertThat(child.modified()).isEqualTo(1_234_567_890_123L).isEqualTo(a.lastModifiedTime().toMillis());
        assertThat(child.changed()).isEqualTo(((FileTime) Files.getAttribute(file, "unix:ctime")).toMillis());
    }

    @Test
    void failuresNameTheCallTheErrnoAndThePath() throws Exception {
        Path file = Files.writeString(dir.resolve("plain"), "x");
        DirectoryReader reader = new DirectoryReader();
        assertThatThrownBy(() -> reader.list(dir.resolve("missing"), false)).isInstanceOf(LinuxException.class)
                .satisfies(e -> assertThat(((LinuxException) e).errno()).isEqualTo(Constants.ENOENT))
                .hasMessageContaining("missing");
        assertThatThrownBy(() -> reader.list(file, false)).isInstanceOf(LinuxException.class)
                .satisfies(e -> assertThat(((LinuxException) e).errno()).isEqualTo(Constants.ENOTDIR))
                .hasMessageContaining("getdents64").hasMessageContaining("plain");
    }

    @Test
    void identityIsTheInodeAndChangesWhenThePathNamesAnotherFile() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        DirectoryReader reader = new DirectoryReader();
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var name = arena.allocateFrom(a.toString());
            DirectoryReader.Identity identity = reader.identify(name);
            assertThat(identity).isNotNull();
            assertThat(identity.inode()).isEqualTo(((Number) Files.getAttribute(a, "unix:ino")).longValue());
            assertThat(reader.stillNames(name, identity)).isTrue();
            Files.move(a, dir.resolve("b"));
            assertThat(reader.identify(name)).as("gone").isNull();
            assertThat(reader.stillNames(name, identity)).as("gone").isFalse();
            Files.createDirectory(a);
            DirectoryReader.Identity stranger = reader.identify(name);
            assertThat(stranger.inode()).isNotEqualTo(identity.inode());
            assertThat(stranger.device()).isEqualTo(identity.device());
            assertThat(reader.stillNames(name, identity)).as("another directory at the same path").isFalse();
        }
    }

    /**
     * A file system that does not fill in d_type (ext2 made without its filetype feature, on a loop
     * device: needs root and mkfs.ext2): each entry's type comes from a statx, and is still right.
     */
    @Test
    void entriesWithoutTheirTypeAreLookedUp() throws Exception {
        Optional<Path> mkfs = ChildProcess.onPath("mkfs.ext2");
        Assumptions.assumeTrue(mkfs.isPresent() && ChildProcess.onPath("mount").isPresent(),
                "NOT TESTED on this machine: mkfs.ext2 or mount is missing (e2fsprogs, mount), so a file system without d_type"
                        + " could not be made");
        Path image = dir.resolve("no-filetype.img");
        Path mountPoint = Files.createDirectory(dir.resolve("mnt"));
        try (var file = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            file.truncate(0).write(java.nio.ByteBuffer.wrap(new byte[1]), 8 * 1024 * 1024 - 1);
        }
        ChildProcess.run(List.of(mkfs.get().toString(), "-q", "-F", "-O", "^filetype", image.toString()), dir, Duration.ofSeconds(60))
                .succeeded();
        ChildProcess.Result mounted = ChildProcess.run(List.of("mount", "-o", "loop", image.toString(), mountPoint.toString()), dir,
                Duration.ofSeconds(60));
        Assumptions.assumeTrue(mounted.exitCode() == 0, "NOT TESTED on this machine: mount -o loop failed (root and a loop device"
                + " are needed): " + mounted.output().strip());
        try {
            Files.createDirectory(mountPoint.resolve("sub"));
            Files.writeString(mountPoint.resolve("file"), "x");
            Files.createSymbolicLink(mountPoint.resolve("link"), mountPoint.resolve("sub"));
            DirectoryReader reader = new DirectoryReader();
            Map<String, Boolean> listed = new TreeMap<>();
            for (Child child : reader.list(mountPoint, false)) {
                listed.put(child.name(), child.directory());
            }
            assertThat(listed).containsExactly(Map.entry("file", false), Map.entry("link", false), Map.entry("lost+found", true),
                    Map.entry("sub", true));
            assertThat(reader.typeLookups).as("every entry came as DT_UNKNOWN").isEqualTo(4);
        } finally {
            ChildProcess.run(List.of("umount", mountPoint.toString()), dir, Duration.ofSeconds(60)).succeeded();
        }
    }
}

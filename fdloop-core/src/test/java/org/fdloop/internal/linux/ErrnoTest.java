package org.fdloop.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fdloop.fd.EventFd;
import org.fdloop.fd.Inotify;
import org.fdloop.fd.LinuxException;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Rlimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A failing call says what failed, the errno by name and meaning, and what to do. */
@ExtendWith(NoFdLeaks.class)
class ErrnoTest {

    @Test
    void errnoHasItsNameAndMeaning() {
        assertThat(Errno.name(Constants.EAGAIN)).isEqualTo("EAGAIN");
        assertThat(Errno.meaning(Constants.EAGAIN)).isEqualTo("Resource temporarily unavailable");
        assertThat(Errno.name(Constants.ENOSPC)).isEqualTo("ENOSPC");
    }

    @Test
    void exceptionNamesCallErrnoMeaningAndHint() {
        LinuxException e = Errno.exception("inotify_add_watch(/srv, CREATE)", Constants.ENOSPC);
        assertThat(e.getMessage())
                .startsWith("inotify_add_watch(/srv, CREATE): ENOSPC (No space left on device): ")
                .contains("raise fs.inotify.max_user_watches (now " + Sysctl.read("fs.inotify.max_user_watches") + ")");
        assertThat(e.call()).isEqualTo("inotify_add_watch(/srv, CREATE)");
        assertThat(e.errno()).isEqualTo(Constants.ENOSPC);
        assertThat(e.errnoName()).isEqualTo("ENOSPC");
    }

    @Test
    void badDescriptorIsEbadfWithAHint() {
        assertThatThrownBy(() -> Errno.check(FileCalls.fcntl(1_000_000, Constants.F_GETFL, 0), "fcntl(1000000, F_GETFL)"))
                .isInstanceOf(LinuxException.class)
                .hasMessageStartingWith("fcntl(1000000, F_GETFL): EBADF (Bad file descriptor)")
                .hasMessageContaining("not open");
    }

    @Test
    void missingPathIsEnoentNamingThePath(@TempDir Path dir) {
        String missing = dir.resolve("missing").toString();
        assertThatThrownBy(() -> Errno.check(FileCalls.open(missing, Constants.O_RDONLY, 0), "open(" + missing + ", O_RDONLY)"))
                .isInstanceOf(LinuxException.class)
                .hasMessageContaining(missing)
                .hasMessageContaining("ENOENT");
    }

    @Test
    void epollRefusesRegularFilesWithAnExplanation(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("plain.txt"), "text");
        int epfd = IoCalls.epollCreate1(Constants.EPOLL_CLOEXEC);
        int fd = FileCalls.open(file.toString(), Constants.O_RDONLY | Constants.O_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment event = arena.allocate(Structs.EPOLL_EVENT);
            int r = IoCalls.epollCtl(epfd, Constants.EPOLL_CTL_ADD, fd, event);
            assertThat(r).as("epoll_ctl(ADD, a regular file)").isEqualTo(-Constants.EPERM);
            assertThat(Errno.exception("epoll_ctl(ADD, " + file + ")", -r))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("EPERM")
                    .hasMessageContaining("regular files and directories are always ready")
                    .hasMessageContaining("/dev/urandom");
        } finally {
            IoCalls.close(fd);
            IoCalls.close(epfd);
        }
    }

    @Test
    void outOfDescriptorsGivesTheOpenFileLimit() throws Exception {
        long[] before = Rlimits.get(Constants.RLIMIT_NOFILE);
        List<EventFd> opened = new ArrayList<>();
        LinuxException failure = null;
        try (EventFd probe = EventFd.open()) {
            // room for a few more descriptors only; everything the assertion needs is loaded already
            long low = probe.number() + 4;
            assertThat(LinuxException.class).isNotNull();
            Rlimits.set(Constants.RLIMIT_NOFILE, low, before[1]);
            try {
                for (int i = 0; i < 10; i++) {
                    opened.add(EventFd.open());
                }
            } catch (LinuxException e) {
                failure = e;
            } finally {
                Rlimits.set(Constants.RLIMIT_NOFILE, before[0], before[1]);
            }
            assertThat(failure).as("opening past RLIMIT_NOFILE fails").isNotNull();
            assertThat(failure.errnoName()).isEqualTo("EMFILE");
            assertThat(failure.getMessage())
                    .startsWith("eventfd(0): EMFILE (Too many open files)")
                    .contains("RLIMIT_NOFILE is " + low)
                    .contains("ulimit -n");
        } finally {
            Rlimits.set(Constants.RLIMIT_NOFILE, before[0], before[1]);
            opened.forEach(EventFd::close);
        }
        assertThat(Rlimits.get(Constants.RLIMIT_NOFILE)).as("the limit is restored").containsExactly(before);
    }

    @Test
    void inotifyAtEmfileNamesTheRealLimitsThoughNoDescriptorIsLeftToReadThem() throws Exception {
        long instances = Sysctl.read("fs.inotify.max_user_instances");
        assertThat(instances).as("fs.inotify.max_user_instances is readable here").isPositive();
        // load every class the failure needs while there are descriptors to read them with
        Inotify.open().close();
        assertThat(Errno.exception("inotify_init1()", Constants.EMFILE).getMessage()).contains("max_user_instances");
        long[] before = Rlimits.get(Constants.RLIMIT_NOFILE);
        List<EventFd> opened = new ArrayList<>();
        LinuxException failure = null;
        try (EventFd probe = EventFd.open()) {
            long low = probe.number() + 4;
            Rlimits.set(Constants.RLIMIT_NOFILE, low, before[1]);
            try {
                for (int i = 0; i < 10; i++) {
                    opened.add(EventFd.open()); // until the process has no descriptor left
                }
            } catch (LinuxException e) {
                assertThat(e.errnoName()).isEqualTo("EMFILE");
            }
            try {
                Inotify.open().close();
            } catch (LinuxException e) {
                failure = e;
            } finally {
                Rlimits.set(Constants.RLIMIT_NOFILE, before[0], before[1]);
            }
        } finally {
            Rlimits.set(Constants.RLIMIT_NOFILE, before[0], before[1]);
            opened.forEach(EventFd::close);
        }
        assertThat(failure).as("inotify_init1 with no descriptor left fails").isNotNull();
        assertThat(failure.getMessage())
                .startsWith("inotify_init1(): EMFILE")
                .contains("fs.inotify.max_user_instances is now " + instances + ")")
                .contains("RLIMIT_NOFILE is ");
    }

    @Test
    void unsupportedArchitectureFailsWithAClearMessage() {
        assertThatThrownBy(() -> Arch.detect("Linux", "riscv64"))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("x86_64 and aarch64")
                .hasMessageContaining("riscv64");
        assertThatThrownBy(() -> Arch.detect("Mac OS X", "aarch64"))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("Linux only");
        assertThat(Arch.detect("Linux", "amd64")).isEqualTo(Arch.X86_64);
        assertThat(Arch.detect("Linux", "aarch64")).isEqualTo(Arch.AARCH64);
    }
}

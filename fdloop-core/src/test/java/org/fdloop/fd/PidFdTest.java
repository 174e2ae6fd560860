package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.util.concurrent.TimeUnit;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoFdLeaks.class)
class PidFdTest {
    private Process child;

    private Process start(String... command) throws Exception {
        child = new ProcessBuilder(command)
                .redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        return child;
    }

    @AfterEach
    void stopChild() throws Exception {
        if (child != null) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void becomesReadableWhenTheSignalledProcessExitsAndLeavesTheStatusToTheJdk() throws Exception {
        Process sleep = start("sleep", "30");
        try (PidFd pidFd = PidFd.open(sleep.toHandle())) {
            assertThat(pidFd.pid()).isEqualTo(sleep.pid());
            assertThat(Ready.readableNow(pidFd)).as("the process is running").isFalse();
            pidFd.sendSignal(Signal.TERM);
            assertThat(Ready.awaitReadable(pidFd)).isTrue();
            assertThat(sleep.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(sleep.exitValue()).as("128 + SIGTERM, reaped by the JDK, not by the pidfd").isEqualTo(143);
        }
    }

    @Test
    void becomesReadableWhateverEndsTheProcess() throws Exception {
        Process sleep = start("sleep", "30");
        try (PidFd pidFd = PidFd.open(sleep.toHandle())) {
            sleep.destroyForcibly();
            assertThat(Ready.awaitReadable(pidFd)).isTrue();
            assertThat(sleep.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(sleep.exitValue()).isEqualTo(137);
        }
    }

    @Test
    void processThatWasWaitedForIsAClearError() throws Exception {
        Process done = start("true");
        assertThat(done.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> PidFd.open(done.toHandle()))
                .isInstanceOf(LinuxException.class)
                .hasMessageContaining("pidfd_open(pid " + done.pid() + ")")
                .hasMessageContaining("ESRCH")
                .hasMessageContaining("has exited and been reaped")
                .satisfies(e -> assertThat(((LinuxException) e).errnoName()).isEqualTo("ESRCH"));
    }

    @Test
    void processThatExitedButIsNotReapedYetIsReadableAtOnce() throws Exception {
        // the backgrounded "sleep 0" exits and stays a zombie: its parent exec'd a sleep that never waits
        Process parent = start("sh", "-c", "sleep 0 & exec sleep 30");
        ProcessHandle zombie = null;
        for (long deadline = System.nanoTime() + Ready.PATIENCE.toNanos(); zombie == null && System.nanoTime() < deadline; ) {
            zombie = parent.toHandle().children().findFirst().orElse(null);
            Thread.sleep(10);
        }
        assertThat(zombie).as("the shell's background child").isNotNull();
        try (PidFd pidFd = PidFd.open(zombie)) {
            assertThat(Ready.awaitReadable(pidFd)).isTrue();
            assertThat(zombie.isAlive()).as("not reaped: the pidfd reaps nothing").isTrue();
        }
    }

    @Test
    void signallingAReapedProcessIsAClearError() throws Exception {
        Process sleep = start("sleep", "30");
        try (PidFd pidFd = PidFd.open(sleep.toHandle())) {
            sleep.destroyForcibly();
            assertThat(sleep.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(Ready.readableNow(pidFd)).isTrue();
            assertThatThrownBy(() -> pidFd.sendSignal(Signal.TERM))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("pidfd_send_signal(pidfd (pid " + sleep.pid() + ")")
                    .hasMessageContaining("SIGTERM")
                    .hasMessageContaining("ESRCH")
                    .hasMessageContaining("has exited and been reaped");
        }
    }

    @Test
    void createdNonBlockingAndCloseOnExec() throws Exception {
        Process sleep = start("sleep", "30");
        try (PidFd pidFd = PidFd.open(sleep.toHandle())) {
            assertThat(pidFd.isCloseOnExec()).isTrue();
            assertThat(pidFd.isNonBlocking()).isTrue();
        }
    }

    @Test
    void nullArgumentsAreRefused() throws Exception {
        assertThatThrownBy(() -> PidFd.open(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("process");
        try (PidFd self = PidFd.open(ProcessHandle.current())) {
            assertThat(self.pid()).isEqualTo(ProcessHandle.current().pid());
            assertThatThrownBy(() -> self.sendSignal(null)).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("signal");
        }
    }

    @Test
    void useAfterCloseIsAClearError() throws Exception {
        Process sleep = start("sleep", "30");
        PidFd pidFd = PidFd.open(sleep.toHandle());
        int number = pidFd.number();
        pidFd.close();
        assertThatThrownBy(() -> pidFd.sendSignal(Signal.TERM)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("fd " + number).hasMessageContaining("closed");
        assertThat(sleep.isAlive()).as("no signal was sent").isTrue();
        assertThat(pidFd.pid()).as("what it was stays known").isEqualTo(sleep.pid());
    }
}

package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.fdloop.testing.ChildProcess;
import org.fdloop.testing.ChildProcess.Result;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link EventLoop#onSignal} where only a JVM of its own will do ({@link SignalProbe}): the JVM's
 * shutdown on SIGTERM comes back when the source closes, on both routes; nohup and -Xrs are
 * reported on the JVM route and taken on the native one; without the native handler, loops fall
 * back to the JVM and say so once.
 */
@ExtendWith(NoFdLeaks.class)
class LoopSignalChildJvmTest {
    @TempDir
    Path dir;

    private Result probe(List<String> prefix, List<String> jvmOptions, String... args) throws Exception {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(ChildProcess.java(jvmOptions, SignalProbe.class, args));
        return ChildProcess.run(command, dir, Duration.ofSeconds(30));
    }

    private static List<String> route(SignalRoute route) {
        return List.of("-Dfdloop.test.route=" + route);
    }

    @ParameterizedTest
    @EnumSource(SignalRoute.class)
    void closingTheTermSourceGivesTheJvmItsShutdownBack(SignalRoute route) throws Exception {
        Result result = probe(List.of(), route(route), "term");
        assertThat(result.output()).contains("handled SIGTERM x1").contains("shutdown hook ran").doesNotContain("still alive");
        assertThat(result.exitCode()).as("128 + SIGTERM: the JVM's own handler ran").isEqualTo(143);
    }

    @Test
    void hangupUnderNohupIsRefusedOnTheJvmRouteSayingSo() throws Exception {
        Result result = probe(List.of("nohup"), route(SignalRoute.JVM), "register", "HUP");
        assertThat(result.output()).contains("refused: IllegalStateException: onSignal(SIGHUP)")
                .contains("ignored by this process").contains("nohup");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void hangupUnderNohupIsTakenOnTheNativeRouteAndIgnoredAgainAfterClose() throws Exception {
        Result result = probe(List.of("nohup"), List.of(), "take", "HUP");
        assertThat(result.output()).contains("handled SIGHUP x1 on NATIVE; ignored after close: true");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void interruptIgnoredByTheParentShellIsRefusedOnTheJvmRouteSayingSo() throws Exception {
        Result result = probe(List.of("sh", "-c", "trap '' INT; exec \"$0\" \"$@\""), route(SignalRoute.JVM), "register", "INT");
        assertThat(result.output()).contains("refused: IllegalStateException: onSignal(SIGINT)")
                .contains("ignored by this process");
    }

    @Test
    void reducedSignalUsageIsRefusedOnTheJvmRouteAndTakenOnTheNativeRoute() throws Exception {
        Result result = probe(List.of(), List.of("-Xrs", "-Dfdloop.test.route=JVM"), "register", "USR1");
        assertThat(result.output()).contains("refused: IllegalStateException: onSignal(SIGUSR1)").contains("-Xrs");
        assertThat(probe(List.of(), route(SignalRoute.JVM), "register", "USR1").output()).as("without -Xrs")
                .contains("registered JVM JVM");
        assertThat(probe(List.of(), List.of("-Xrs"), "take", "USR1").output()).as("the native handler needs no JVM handler")
                .contains("handled SIGUSR1 x1 on NATIVE; ignored after close: false");
    }

    @Test
    void withoutTheNativeHandlerLoopsFallBackToTheJvmSayingSoOnce() throws Exception {
        Result result = probe(List.of(), List.of("-Dfdloop.nativeSignalHandler=false"), "register", "USR1");
        assertThat(result.output()).contains("registered JVM JVM");
        assertThat(result.output().split("turned off with -Dfdloop.nativeSignalHandler=false", -1))
                .as("the reason, said once for two loops: " + result.output()).hasSize(2);
        assertThat(result.output()).contains("through the JVM's handler");
        Result forced = probe(List.of(), List.of("-Dfdloop.nativeSignalHandler=false", "-Dfdloop.test.route=NATIVE"),
                "register", "USR1");
        assertThat(forced.output()).contains("refused: IllegalStateException: this loop was built with SignalRoute.NATIVE")
                .contains("turned off");
    }

    @Test
    void aLoopOnTheMainJavaThreadHasTheProcesssMainThreadBlockItsSignalsSoThatTheyWakeTheLoopDirectly() throws Exception {
        assertThat(probe(List.of(), List.of(), "steer", "USR1", "main").output())
                .as("the launcher's thread blocks it from the first it took on, for the rest of the process's life")
                .contains("handled SIGUSR1 x3; main thread blocks it: true; after close: true");
        assertThat(probe(List.of(), List.of(), "steer", "RTMIN+5", "main").output()).as("a realtime signal too")
                .contains("handled SIGRTMIN+5 x3; main thread blocks it: true");
    }

    @Test
    void withThePendingSignalLimitReachedNoSignalIsTakenThatNobodySent() throws Exception {
        // RLIMIT_SIGPENDING 0: the kernel queues no siginfo but that of kill() of a standard
        // signal; any other arrives as a plain SI_USER from pid 0 (a realtime signal from kill()
        // too, so none is used here). fdloop once sent its main thread a signal to have it block
        // the loop's signals, which then came to the loop as SIGUSR1, SIGHUP and SIGTERM from pid 0.
        List<String> noQueue = List.of("bash", "-c", "ulimit -i 0 && exec \"$0\" \"$@\"");
        Result result = probe(noQueue, List.of(), "senders", "USR1", "HUP", "TERM");
        assertThat(result.output()).as("the limit applies").contains("pending signal limit: 0");
        assertThat(result.output()).as("each signal once, from the probe itself")
                .contains("took its own: 3 of 3").doesNotContain("from pid 0");
        assertThat(result.output().lines().filter(l -> l.startsWith("took SIG"))).as(result.output()).hasSize(3);
        assertThat(probe(noQueue, List.of(), "steer", "USR1", "main").output())
                .as("the main thread still blocks the loop's signals, from the first it took")
                .contains("handled SIGUSR1 x3; main thread blocks it: true");
    }

    @Test
    void aLoopOnAnotherThreadLeavesTheMainThreadsMaskAloneAsDoesTurningItOff() throws Exception {
        assertThat(probe(List.of(), List.of(), "steer", "USR1", "own").output()).as("the kernel would not pick that thread next")
                .contains("handled SIGUSR1 x3; main thread blocks it: false; after close: false");
        assertThat(probe(List.of(), List.of("-Dfdloop.steerSignals=false"), "steer", "USR1", "main").output())
                .contains("handled SIGUSR1 x3; main thread blocks it: false; after close: false");
        assertThat(probe(List.of(), route(SignalRoute.JVM), "steer", "USR1", "main").output()).as("the JVM's route")
                .contains("handled SIGUSR1 x3; main thread blocks it: false; after close: false");
    }
}

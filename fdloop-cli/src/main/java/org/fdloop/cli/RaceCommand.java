package org.fdloop.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.fdloop.fd.Signal;
import org.fdloop.internal.race.SelectRace;
import org.fdloop.internal.race.SelectRace.Cure;
import org.fdloop.internal.race.SelectRace.Result;
import org.fdloop.internal.race.SelectRace.Sender;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fdloop race}: seed 004's race between a signal handler's flag and select(2), counted,
 * against its two cures, pselect's atomic mask and the self-pipe trick.
 */
@Command(name = "race", mixinStandardHelpOptions = true,
        description = {"Seed 004's race between a signal handler's flag and select(2), with counts: a thread checks"
                + " the flag the handler sets, then waits in select; a signal whose handler runs between the two is a"
                + " lost wake-up, and select sleeps its whole timeout. The same trials then with pselect(2), whose mask"
                + " unblocks the signal atomically with the wait, and with the self-pipe trick (the handler writes the"
                + " siginfo to a pipe that select waits on). The handler is fdloop's native one: its counter is the"
                + " flag, its write to a pipe the self-pipe.",
            "",
            "By default the window is widened to certainty: the waiting thread sends the signal to itself between"
                + " its check and its wait, so every one lands in the window. With --sender thread another thread sends"
                + " it at a random moment, and the waiter widens the window by spinning --window long.",
            "",
            "With --json, one object per way of waiting with its counts."})
final class RaceCommand implements Callable<Integer> {
    /** The signal the race uses: one fdloop's loops do not use by default. */
    static final Signal SIGNAL = Signal.realtime(14);

    @Spec
    CommandSpec spec;

    @Option(names = {"-n", "--trials"}, paramLabel = "N", defaultValue = "50",
            description = "Signals sent per way of waiting (default 50).")
    int trials;

    @Option(names = "--timeout", paramLabel = "D", converter = DurationConverter.class, defaultValue = "20ms",
            description = "Each wait's timeout: what a lost wake-up costs (default 20ms).")
    Duration timeout;

    @Option(names = "--sender", paramLabel = "WHO", defaultValue = "self",
            description = "self (default): the waiter sends the signal inside the window, every time; thread: another"
                    + " thread sends it at random moments.")
    String sender;

    @Option(names = "--window", paramLabel = "D", converter = DurationConverter.class, defaultValue = "1ms",
            description = "With --sender thread: how long the waiter spins between its check and its wait (default 1ms).")
    Duration window;

    @Option(names = "--json", description = "One JSON object per way of waiting.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Sender who = switch (sender) {
            case "self" -> Sender.SELF;
            case "thread" -> Sender.THREAD;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--sender is self or thread, not '" + sender + "'");
        };
        if (trials < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--trials is 1 or more, not " + trials);
        }
        if (timeout.isZero() || timeout.isNegative()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--timeout must be positive, not " + timeout);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (!json) {
            out.printf("fdloop race: seed 004's select race, %d trial%s per way of waiting, %s sent to the waiting thread"
                    + " (tgkill), each wait's timeout %s%n", trials, trials == 1 ? "" : "s", SIGNAL.name(), Latencies.format(timeout.toNanos()));
            out.println(who == Sender.SELF
                    ? "The window is widened on purpose, to certainty: the waiter sends the signal to itself between its flag check and its wait."
                    : "The window is widened on purpose: the waiter spins " + Latencies.format(window.toNanos()) + " between its flag check and"
                            + " its wait; another thread sends the signal at a random moment within twice that.");
            out.println();
            out.printf("%-34s %7s %14s %14s %6s %15s%n", "way of waiting", "trials", "seen by check", "woke the wait", "lost",
                    "after the wait");
        }
        for (Cure cure : Cure.values()) {
            Result r = SelectRace.run(cure, who, trials, timeout, window, SIGNAL);
            if (json) {
                out.println(Json.object().field("way", name(cure)).field("sender", sender).field("trials", r.trials())
                        .field("seen_by_check", r.seenByCheck()).field("woke_the_wait", r.wokeTheWait()).field("lost", r.lost())
                        .field("after_the_wait", r.afterTheWait()).field("records", r.records()));
            } else {
                out.printf("%-34s %7d %14d %14d %6d %15d%n", describe(cure), r.trials(), r.seenByCheck(), r.wokeTheWait(),
                        r.lost(), r.afterTheWait());
            }
            out.flush();
        }
        if (!json) {
            out.println();
            out.println("lost: the handler ran (the flag was set) before the wait began, and the wait slept its whole timeout.");
        }
        return Main.OK;
    }

    private static String name(Cure cure) {
        return switch (cure) {
            case NONE -> "select";
            case PSELECT -> "pselect";
            case SELF_PIPE -> "self-pipe";
        };
    }

    private static String describe(Cure cure) {
        return switch (cure) {
            case NONE -> "flag, then select";
            case PSELECT -> "pselect's atomic mask";
            case SELF_PIPE -> "self-pipe (handler writes siginfo)";
        };
    }
}

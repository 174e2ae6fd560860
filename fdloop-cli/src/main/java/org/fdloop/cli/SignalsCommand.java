package org.fdloop.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.fdloop.EventLoop;
import org.fdloop.SignalInfoHandler;
import org.fdloop.SignalRoute;
import org.fdloop.SignalSource;
import org.fdloop.fd.SignalInfo;
import org.fdloop.fd.OsThread;
import org.fdloop.fd.Signal;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fdloop signals}: print each signal the process receives. */
@Command(name = "signals", mixinStandardHelpOptions = true,
        description = {"Print this process's pid, then each of the given signals as it arrives: its name and number,"
                + " the sender's pid and uid, and si_code (SI_USER for kill, SI_QUEUE with its value for sigqueue,"
                + " SI_KERNEL for a terminal's Ctrl-C).",
            "",
            "Send them from anywhere: kill -USR1 <pid>, kill -q 42 -RTMIN+3 <pid>. Signals are named with or without SIG"
                + " (USR1, SIGUSR1, usr1, RTMIN+3) or by number (10). fdloop's native signal handler gives each signal's"
                + " siginfo; where it cannot be used, the JVM's handler gives the signal alone, and a line says how many"
                + " arrived before the loop got to them.",
            "Taken: HUP, INT, TERM, USR1, WINCH, CONT, TSTP, ALRM, TTIN, TTOU, URG, VTALRM, PROF, XCPU, PWR, and with"
                + " the native handler the realtime signals. The JVM's own signals (SEGV, QUIT, USR2, PIPE...), KILL and"
                + " STOP, and CHLD are refused with the reason.",
            "",
            "Ends with Ctrl-C, SIGTERM or SIGHUP (those that are not among the SIGNALs), or after --count signals."})
final class SignalsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "One JSON object per line: first {\"pid\":...}, then one per signal"
            + " (time, signal, number, count, and pid, uid, code, value where known).")
    boolean json;

    @Option(names = {"-n", "--count"}, paramLabel = "N", description = "End after N signals.")
    Long count; // null: no limit

    @Mixin
    BackendOption backend;

    @Parameters(arity = "1..*", paramLabel = "SIGNAL", converter = SignalConverter.class,
            description = "Signals to wait for: USR1, SIGHUP, 28 ...")
    List<Signal> signals;

    private long received;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (count != null && count < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--count is a number of signals, 1 or more; not " + count);
        }
        Set<Signal> wanted = new LinkedHashSet<>(signals);
        try (EventLoop loop = backend.open()) {
            // the native handler gives each signal's siginfo; the JVM's, only the signal and a count
            boolean siginfo = loop.signalRoute() == SignalRoute.NATIVE;
            for (Signal signal : wanted) {
                try {
                    if (siginfo) {
                        loop.onSignal(signal, new SignalInfoHandler() {
                            @Override
                            public void received(SignalSource source, SignalInfo info) {
                                print(out, loop, info.signal(), 1, info);
                            }

                            @Override
                            public void overflowed(SignalSource source, long lost) {
                                lostRecords(out, lost);
                            }
                        });
                    } else {
                        loop.onSignal(signal, (source, s, deliveries) -> print(out, loop, s, deliveries, null));
                    }
                } catch (IllegalArgumentException e) {
                    String why = e.getMessage();
                    throw new CommandLine.ParameterException(spec.commandLine(), "cannot take " + signal.name() + ": "
                            + why.substring(why.indexOf("): ") + 3));
                }
            }
            StopSignals stop = StopSignals.install(loop, wanted);
            List<String> names = wanted.stream().map(Signal::name).toList();
            long pid = OsThread.processId();
            if (json) {
                out.println(Json.object().field("pid", pid).field("signals", names));
            } else {
                out.println("fdloop signals: pid " + pid + ", waiting for " + String.join(", ", names));
            }
            out.flush();
            boolean endless = wanted.containsAll(StopSignals.STOP) && count == null;
            err.println("fdloop signals: try kill -" + wanted.iterator().next().name().substring(3) + " " + pid + "; "
                    + (endless ? "SIGINT, SIGTERM and SIGHUP are taken: end it with kill -KILL " + pid : "Ctrl-C ends"));
            err.flush();
            stop.run();
            err.printf("fdloop signals: %d signal%s received%s%n", received, received == 1 ? "" : "s",
                    stop.received() != null ? " (ended by " + stop.received().name() + ")" : "");
            err.flush();
        }
        return Main.OK;
    }

    /** One line for {@code deliveries} of {@code signal}; with its siginfo when the route gives it. */
    private void print(PrintWriter out, EventLoop loop, Signal s, int deliveries, SignalInfo info) {
        received += deliveries;
        Instant now = Instant.now();
        boolean queued = info != null && info.codeName().equals("SI_QUEUE");
        if (json) {
            Json line = Json.object().field("time", now.toString()).field("signal", s.name()).field("number", s.number())
                    .field("count", deliveries);
            if (info != null) {
                line.field("pid", Integer.toUnsignedLong(info.pid())).field("uid", Integer.toUnsignedLong(info.uid()))
                        .field("code", info.codeName());
                if (queued) {
                    line.field("value", info.value());
                }
            }
            out.println(line);
        } else {
            out.println(Json.clock(now) + " " + s.name() + " (" + s.number() + ")"
                    + (info != null ? " from pid " + Integer.toUnsignedLong(info.pid()) + " uid " + Integer.toUnsignedLong(info.uid())
                            + ", " + info.codeName() + (queued ? ", value " + info.value() : "") : "")
                    + (deliveries > 1 ? " x" + deliveries + " (arrived before the loop got to them)" : ""));
        }
        out.flush();
        if (count != null && received >= count) {
            loop.stop();
        }
    }

    /** Signals the native handler counted but whose records did not fit in the loop's pipe. */
    private void lostRecords(PrintWriter out, long lost) {
        if (json) {
            out.println(Json.object().field("time", Instant.now().toString()).field("lost", lost));
        } else {
            out.println(lost + " signal" + (lost == 1 ? "" : "s") + " lost: they came faster than the loop read them,"
                    + " and their records did not fit in its pipe");
        }
        out.flush();
    }

    /** USR1, SIGUSR1, usr1, 10, RTMIN+2: as {@link Signal#parse} takes them. */
    static final class SignalConverter implements CommandLine.ITypeConverter<Signal> {
        @Override
        public Signal convert(String value) {
            if (!value.equals(value.strip())) {
                throw new CommandLine.TypeConversionException("signal '" + value + "' has spaces around it: write "
                        + (value.isBlank() ? "a name such as USR1" : value.strip()));
            }
            try {
                return Signal.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}

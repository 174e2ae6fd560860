package org.fdloop;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.fdloop.fd.Signal;
import org.fdloop.internal.SignalRules;

/**
 * Process-directed signals into event loops through the JVM's own handler: the SIGIO + eventfd
 * bridge, with HotSpot's native handler as the minimal handler. {@code sun.misc.Signal.handle}
 * installs a Java handler that the JVM runs on a thread of its own, outside signal context; it
 * counts the signal in each subscribed source and wakes the source's loop through its task
 * queue ({@link LoopSignals#wake}).
 * The loop dispatches on its own thread.
 *
 * <p>This is the only class that touches {@code sun.misc.Signal}. It is the
 * {@link SignalRoute#JVM} route: the fallback where fdloop's native handler cannot be used, and
 * a loop's explicit choice. The reasons a signal is refused on either route are
 * {@link SignalRules}'.
 *
 * <p>The handler is process-wide, so one per signal serves every loop. It is installed with the
 * first subscription and the previous handler (for HUP, INT and TERM: the JVM's shutdown) is put
 * back when the last one closes.
 */
final class SignalBridge {
    private SignalBridge() {}

    /** What the bridge holds for one signal while it has subscribers. */
    private static final class Installed {
        final sun.misc.SignalHandler previous;
        volatile SignalSource[] subscribers = new SignalSource[0];

        Installed(sun.misc.SignalHandler previous) {
            this.previous = previous;
        }
    }

    /** The installed handlers by signal number; read freely, changed only under {@link #handlerChanges}. */
    private static final Map<Integer, Installed> installed = new ConcurrentHashMap<>();
    /** Held while a handler is installed or put back, so that the JVM's handler and our map agree. */
    private static final Object handlerChanges = new Object();
    private static volatile Boolean javaHandlersRun;

    /** Whether the JVM's handler is installed for {@code signal} by this bridge now. */
    static boolean isInstalled(Signal signal) {
        return installed.containsKey(signal.number());
    }

    /** Counts every delivery of {@code source}'s signal in the source and wakes its loop, until {@link #unsubscribe}. */
    static void subscribe(SignalSource source) throws IOException {
        Signal signal = source.signal();
        synchronized (handlerChanges) {
            Installed entry = installed.get(signal.number());
            if (entry == null) {
                sun.misc.SignalHandler previous;
                try {
                    previous = sun.misc.Signal.handle(new sun.misc.Signal(signal.name().substring(3)), SignalBridge::deliver);
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException("the JVM refuses a handler for " + signal.name() + ": " + e.getMessage(), e);
                }
                entry = new Installed(previous);
                installed.put(signal.number(), entry);
            }
            SignalSource[] now = Arrays.copyOf(entry.subscribers, entry.subscribers.length + 1);
            now[now.length - 1] = source;
            entry.subscribers = now;
        }
    }

    /** Stops counting for {@code source}; the last subscriber of a signal puts the previous handler back. */
    static void unsubscribe(SignalSource source) {
        Signal signal = source.signal();
        synchronized (handlerChanges) {
            Installed entry = installed.get(signal.number());
            if (entry == null) {
                return;
            }
            SignalSource[] now = Arrays.stream(entry.subscribers).filter(s -> s != source).toArray(SignalSource[]::new);
            entry.subscribers = now;
            if (now.length == 0) {
                installed.remove(signal.number());
                sun.misc.Signal.handle(new sun.misc.Signal(signal.name().substring(3)), entry.previous);
            }
        }
    }

    /** Runs on the JVM's signal handler thread. */
    private static void deliver(sun.misc.Signal jvmSignal) {
        Installed entry = installed.get(jvmSignal.getNumber());
        if (entry == null) {
            return; // the last subscriber closed while this delivery was on its way, ignoring
        }
        // count it for every subscriber first, then wake: a loop woken by the first count would
        // otherwise dispatch that source alone, and a handler there that disables another source
        // of the same signal would not see that source's count, which comes after
        SignalSource[] subscribers = entry.subscribers;
        for (SignalSource source : subscribers) {
            source.addCount(1);
        }
        for (SignalSource source : subscribers) {
            source.wakeLoop();
        }
    }

}

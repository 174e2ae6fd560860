package org.fdloop;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.fdloop.internal.SignalRules;

/**
 * A loop's signals on the {@link SignalRoute#JVM} route: its sources subscribed to the JVM's
 * handler ({@link SignalBridge}, process-wide), which counts each delivery in them on its own
 * thread and wakes the loop through its task queue ({@link LoopSignals#wake}); the loop takes
 * the counts here.
 */
final class JvmSignals {
    private final EventLoop loop;
    private final List<SignalSource> bridged = new ArrayList<>();

    JvmSignals(EventLoop loop) {
        this.loop = loop;
    }

    void add(SignalSource source) throws IOException {
        SignalRules.claim(source.signal(), SignalRules.Reader.JVM_HANDLER, "onSignal(" + source.signal().name() + ")");
        bridged.add(source);
        try {
            SignalBridge.subscribe(source);
        } catch (IOException | RuntimeException e) {
            bridged.remove(source);
            SignalRules.release(source.signal(), SignalRules.Reader.JVM_HANDLER);
            throw e;
        }
    }

    void release(SignalSource source) {
        if (bridged.remove(source)) {
            SignalBridge.unsubscribe(source);
            SignalRules.release(source.signal(), SignalRules.Reader.JVM_HANDLER);
        }
    }

    /** Takes the deliveries the JVM's handler counted since the last look. */
    void collect() {
        for (SignalSource source : bridged) {
            if (!source.hasCount()) {
                continue;
            }
            if (source.isEnabled()) {
                loop.addPendingOnce(source); // the dispatch takes the count, with what comes until then
            } else {
                source.clear(); // a disabled source drops what came meanwhile
            }
        }
    }

    /** Closes every source. */
    void close() {
        for (SignalSource source : bridged.toArray(SignalSource[]::new)) {
            source.close();
        }
    }
}

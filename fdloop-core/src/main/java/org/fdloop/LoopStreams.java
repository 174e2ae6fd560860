package org.fdloop;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@link StreamSource}s open on one loop, so that a graceful shutdown ({@link EventLoopGroup})
 * can close each and learn when the last has flushed, and what the loop cut. Loop thread only.
 */
final class LoopStreams {
    private final Set<StreamSource> open = new LinkedHashSet<>();
    private Runnable whenAllClosed;
    /** What closing cut: streams that had writes queued, those writes, their unwritten bytes. */
    int cutStreams;
    long cutWrites;
    long cutBytes;

    void opened(StreamSource stream) {
        open.add(stream);
    }

    void closed(StreamSource stream) {
        if (open.remove(stream) && open.isEmpty() && whenAllClosed != null) {
            Runnable action = whenAllClosed;
            whenAllClosed = null;
            action.run();
        }
    }

    /** Counts what a stream closed with writes still queued lost (by shutdown, the loop's close or abort). */
    void cut(int writes, long bytes) {
        if (writes > 0) {
            cutStreams++;
            cutWrites += writes;
            cutBytes += bytes;
        }
    }

    List<StreamSource> snapshot() {
        return new ArrayList<>(open);
    }

    /** Runs {@code action} once no stream is open: now, or when the last one closes. */
    void whenAllClosed(Runnable action) {
        if (open.isEmpty()) {
            action.run();
        } else {
            whenAllClosed = action;
        }
    }
}

package org.fdloop.internal.backend;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.fdloop.backend.Backend;
import org.fdloop.internal.linux.LibC;
import org.fdloop.internal.linux.PollList;
import org.fdloop.internal.linux.ThreadScratch;

/**
 * The blocking model: one platform thread per fd, blocked in poll(2) on that fd alone, handing
 * readiness to the loop through an eventfd. This is how a program waits without a multiplexer,
 * one thread per source, and the baseline the other backends are measured against.
 *
 * <p>A worker polls its fd and a control eventfd of its own. When the fd is ready it queues a
 * report, writes the loop's eventfd, and then polls only its control eventfd until the loop took
 * the report and the handler ran (the loop's next wait acknowledges it): a level-triggered fd that
 * stays ready is reported once per loop iteration, never in a spin. The control eventfd also
 * carries interest changes and the order to stop. Removing an fd stops its worker and joins it
 * before the loop releases the fd, so no worker ever polls a number the kernel has since given to
 * another file. Workers are daemon threads named {@code fdloop-threads fd N}.
 *
 * <p>A signalfd is the exception: its readiness depends on the thread that polls it (the kernel
 * looks at the pending signals of the caller, measured on 6.18: a worker's poll never sees a signal
 * sent to the loop thread), so the loop thread polls signalfds itself, beside the eventfd.
 */
final class ThreadsPoller extends PollSetPoller {
    private static final String SIGNALFD_LINK = "anon_inode:[signalfd]";

    /** Written by a worker after it queued a report. */
    private final int readyFd;
    private final ConcurrentLinkedQueue<Worker> reports = new ConcurrentLinkedQueue<>();
    /** Parallel to the table; null where the loop thread polls the fd itself (a signalfd). */
    private Worker[] workers = new Worker[16];
    /** The workers reported by the last wait: acknowledged at the start of the next. */
    private List<Worker> taken = new ArrayList<>();
    /** The workers of the wait before, whose fds the loop thread polls again in this one. */
    private List<Worker> rechecked = new ArrayList<>();
    /** The ready events of the rechecked workers still ready, by their place in {@link #rechecked}. */
    private int[] recheckRevents = new int[4];
    /** What the loop thread polls: the ready eventfd, then the signalfds. */
    private final PollList own = new PollList();
    /** The fds of the workers reported last time, polled again by the loop thread. */
    private final PollList recheck = new PollList();
    private int[] ownIndex = new int[4];
    private boolean closed;

    ThreadsPoller(int maxEvents) throws IOException {
        super(maxEvents);
        this.readyFd = LibC.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    }

    @Override
    void added(int i) throws IOException {
        if (workers.length < fds.length) {
            workers = Arrays.copyOf(workers, fds.length);
        }
        workers[i] = isSignalFd(fds[i]) ? null : new Worker(fds[i], i, pollEvents(i));
    }

    @Override
    void modified(int i) {
        Worker w = workers[i];
        if (w != null) {
            w.events = pollEvents(i);
            w.wake();
        }
    }

    @Override
    void disarmed(int i) {
        Worker w = workers[i];
        if (w != null) {
            w.events = 0; // it waits for the acknowledgement now, and then polls only its control eventfd
        }
    }

    @Override
    void removed(int i) {
        Worker w = workers[i];
        workers[i] = null;
        if (w != null) {
            w.stop();
        }
    }

    @Override
    void moved(int from, int to) {
        workers[to] = workers[from];
        workers[from] = null;
        if (workers[to] != null) {
            workers[to].index = to;
        }
    }

    @Override
    void waitFor(long timeoutNanos) throws IOException {
        boolean stillReady = recheckTaken();

        own.clear();
        own.add(readyFd, POLLIN);
        int owned = 0;
        for (int i = 0; i < size; i++) {
            if (workers[i] == null && pollEvents(i) != 0) {
                if (owned == ownIndex.length) {
                    ownIndex = Arrays.copyOf(ownIndex, owned * 2);
                }
                ownIndex[owned++] = i;
                own.add(fds[i], pollEvents(i));
            }
        }
        if (own.ppoll(reports.isEmpty() && !stillReady ? timeoutNanos : 0) > 0) {
            if ((own.revents(0) & POLLIN) != 0) {
                readCounter(readyFd);
            }
            for (int k = 0; k < owned && !full(); k++) {
                int revents = own.revents(k + 1);
                if (revents != 0) {
                    report(ownIndex[k], revents);
                }
            }
        }
        for (Worker w; !full() && (w = reports.poll()) != null; ) {
            if (!w.stopped) {
                report(w.index, w.revents);
                taken.add(w); // acknowledged by the next wait, reported or masked away
            }
        }
        reportStillReady();
    }

    /**
     * The workers the last wait reported: their handlers ran, and the loop thread now looks at
     * their fds itself (one poll of them, not waiting). The workers of those not ready are woken
     * at once to poll again; those still ready are reported again once the new reports are in
     * ({@link #reportStillReady()}), so a level-triggered fd that stays ready is reported in every
     * wait, as the other backends do. Handing them all back to their workers would report it only
     * when its worker's poll beats the loop's wait, which another fd's report can end first (two
     * ready sockets: one of them in about half the iterations). Returns whether any is still
     * ready (then the wait must not block: their workers stay parked).
     */
    private boolean recheckTaken() throws IOException {
        List<Worker> swap = rechecked;
        rechecked = taken;
        taken = swap;
        if (rechecked.isEmpty()) {
            return false;
        }
        recheck.clear();
        for (Worker w : rechecked) {
            int wanted = w.stopped ? 0 : pollEvents(w.index);
            recheck.add(wanted != 0 ? w.fd : -1, wanted); // a negative fd is skipped
        }
        boolean any = recheck.pollNow() > 0;
        if (recheckRevents.length < rechecked.size()) {
            recheckRevents = new int[Math.max(rechecked.size(), recheckRevents.length * 2)];
        }
        int kept = 0;
        for (int k = 0; k < rechecked.size(); k++) {
            Worker w = rechecked.get(k);
            int revents = any ? recheck.revents(k) : 0;
            if (w.stopped) {
                continue;
            }
            if (revents != 0 && (revents & POLLNVAL) == 0) {
                recheckRevents[kept] = revents;
                rechecked.set(kept++, w); // still ready: reported after the new reports
            } else {
                w.reported = false; // not ready now: its worker looks again, before the loop waits
                w.wake();
            }
        }
        rechecked.subList(kept, rechecked.size()).clear();
        return kept > 0;
    }

    /**
     * Reports the rechecked fds that are still ready, after the new reports (which come first, so
     * that fds that stay ready take turns when there are more than a wait reports): those reported
     * stay taken with their workers parked; those that found no room are handed to their workers.
     */
    private void reportStillReady() {
        for (int k = 0; k < rechecked.size(); k++) {
            Worker w = rechecked.get(k);
            if (!w.stopped && report(w.index, recheckRevents[k])) {
                taken.add(w);
            } else if (!w.stopped) {
                w.reported = false;
                w.wake();
            }
        }
        rechecked.clear();
    }

    /** How many reports wait for the loop; for tests. */
    int queuedReports() {
        return reports.size();
    }

    private static boolean isSignalFd(int fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString().equals(SIGNALFD_LINK);
        } catch (IOException e) {
            return false; // no /proc: a worker polls it, which is right for every fd but a signalfd, ignoring
        }
    }

    private static void readCounter(int eventFd) {
        LibC.read(eventFd, ThreadScratch.get().word, 8); // EAGAIN when another read took it first: nothing to do
    }

    private static void addOne(int eventFd) {
        MemorySegment word = ThreadScratch.get().word;
        word.set(ValueLayout.JAVA_LONG, 0, 1L);
        LibC.write(eventFd, word, 8); // EAGAIN only at a counter of 2^64 - 2: the reader is behind by that much, ignoring
    }

    @Override
    public Backend backend() {
        return Backend.THREADS;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i < size; i++) {
            if (workers[i] != null) {
                workers[i].stopping = true;
                workers[i].wake();
            }
        }
        for (int i = 0; i < size; i++) {
            if (workers[i] != null) {
                workers[i].stop();
                workers[i] = null;
            }
        }
        LibC.close(readyFd);
        own.close();
        recheck.close();
    }

    /** One fd's thread. */
    private final class Worker implements Runnable {
        private final int fd;
        private final int control;
        private final PollList polls = new PollList();
        private final Thread thread;
        /** Where the fd's registration is in the table (changes when another entry is removed). Loop thread only. */
        int index;
        /** What to poll the fd for; 0: only the control eventfd. Written by the loop. */
        volatile int events;
        /** Set by the worker when it queued a report; cleared by the loop once the handler ran. */
        volatile boolean reported;
        volatile boolean stopping;
        /** The revents of the queued report (published by the queue). */
        int revents;
        /** Whether the loop joined the thread. Loop thread only. */
        boolean stopped;

        Worker(int fd, int index, int events) throws IOException {
            this.fd = fd;
            this.index = index;
            this.events = events;
            this.control = LibC.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
            polls.add(fd, events);
            polls.add(control, POLLIN);
            this.thread = Thread.ofPlatform().daemon(true).name("fdloop-threads fd " + fd).unstarted(this);
            thread.start();
        }

        @Override
        public void run() {
            try {
                while (!stopping) {
                    int wanted = reported ? 0 : events;
                    polls.set(0, wanted != 0 ? fd : -1, wanted); // a negative fd is skipped
                    polls.set(1, control, POLLIN);
                    polls.ppoll(-1);
                    if ((polls.revents(1) & POLLIN) != 0) {
                        readCounter(control);
                    }
                    int ready = polls.revents(0);
                    if (!stopping && wanted != 0 && ready != 0) {
                        hand(ready);
                    }
                }
            } catch (RuntimeException | IOException e) {
                // poll(2) failed, which it cannot while the loop pins the fd: report an error so the handler learns of it
                if (!stopping) {
                    hand(POLLERR);
                }
            }
        }

        private void hand(int ready) {
            revents = ready;
            reported = true;
            reports.add(this);
            addOne(readyFd); // after the queue: a loop woken by it finds the report
        }

        void wake() {
            addOne(control);
        }

        /** Stops the thread and waits for it: after this, nothing polls the fd. */
        void stop() {
            if (stopped) {
                return;
            }
            stopping = true;
            wake();
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true; // the join is short (the worker is leaving poll): finish it, then restore the flag
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            stopped = true;
            LibC.close(control);
            polls.close();
        }
    }
}

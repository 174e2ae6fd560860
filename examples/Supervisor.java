import java.nio.ByteBuffer;
import java.time.Duration;
import org.fdloop.*;
import org.fdloop.fd.*;

// Three workers, each restarted with backoff when it exits; their output read line by line
// through the loop; SIGHUP restarts them all ("reload") and prints who sent it; SIGTERM stops
// each worker's process group and ends the supervisor once all are gone. To see it end by
// itself, it sends itself SIGHUP after 2 s and SIGTERM after 4 s (with kill, so a sender shows).

final String[] commands = {
        "echo up; while sleep 0.3; do echo tick; done",         // runs until stopped
        "echo up; sleep 0.5; echo failing; exit 1",             // dies, restarted with backoff
        "echo up; sleep 1000 & wait"                            // a grandchild, stopped with its group
};
final ChildSource[] workers = new ChildSource[commands.length];
final int[] restarts = new int[commands.length];
EventLoop loop;
boolean stopping;

void main() throws Exception {
    try (EventLoop opened = EventLoop.open()) {
        loop = opened;
        for (int i = 0; i < commands.length; i++) {
            start(i);
        }
        SignalSource hup = loop.onSignal(Signal.HUP, (source, info) -> {
            System.out.println("SIGHUP from pid " + info.pid() + ": restarting every worker");
            for (ChildSource worker : workers) {
                if (worker != null && !worker.isClosed()) {
                    worker.child().signalGroup(Signal.TERM);   // its exit handler starts it again
                }
            }
        });
        loop.onSignal(Signal.TERM, (source, info) -> {
            System.out.println("SIGTERM from pid " + info.pid() + ": stopping");
            stopping = true;
            source.close();
            hup.close();
            for (ChildSource worker : workers) {
                if (worker != null && !worker.isClosed()) {
                    worker.child().signalGroup(Signal.TERM);
                }
            }
        });
        long self = ProcessHandle.current().pid();
        loop.schedule(Duration.ofSeconds(2), t -> loop.spawn(Spawn.of("kill", "-HUP", "" + self), (s, c, st) -> c.close()));
        loop.schedule(Duration.ofSeconds(4), t -> loop.spawn(Spawn.of("kill", "-TERM", "" + self), (s, c, st) -> c.close()));
        loop.run();   // until no source is left: every worker gone, SIGTERM's source closed
        System.out.println("all workers stopped");
    }
}

void start(int i) throws Exception {
    workers[i] = loop.spawn(Spawn.of("sh", "-c", commands[i]).newProcessGroup()
            .stdin(Spawn.Stdio.devNull()).stdout(Spawn.Stdio.pipe()), (source, child, status) -> {
        System.out.println("worker " + i + " (pid " + child.pid() + ") " + status);
        if (!child.stdout().isOpen()) {                      // its output has ended too
            child.close();
        }
        if (!stopping) {
            long backoff = Math.min(2000, 100L << Math.min(restarts[i]++, 5));   // 100 ms, doubling, at most 2 s
            loop.schedule(Duration.ofMillis(backoff), t -> {
                if (!stopping) {
                    start(i);
                }
            });
        }
    });
    readLines(i, workers[i].child());
}

/**
 * Prints each line of the worker's stdout as it comes. The Child (its pidfd and pipe) is closed
 * once both its exit and the end of its output were seen, by whichever comes last.
 */
void readLines(int i, Child child) throws Exception {
    ByteBuffer buffer = ByteBuffer.allocate(4096);
    StringBuilder line = new StringBuilder();
    loop.onReadable(child.stdout(), (source, events) -> {
        for (int n; (n = child.stdout().read(buffer.clear())) != 0; ) {
            if (n < 0) {                                      // the worker and its descendants closed it
                source.close();
                child.stdout().close();
                if (child.status() != null) {                 // its exit was seen already
                    child.close();
                }
                return;
            }
            for (int k = 0; k < n; k++) {
                char c = (char) buffer.get(k);
                if (c == '\n') {
                    System.out.println("worker " + i + ": " + line);
                    line.setLength(0);
                } else {
                    line.append(c);
                }
            }
        }
    });
}

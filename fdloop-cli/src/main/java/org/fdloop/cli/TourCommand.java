package org.fdloop.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.fdloop.fd.EventFd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code fdloop tour}: every fd event source created, made ready and read, with what it read.
 */
@Command(name = "tour", mixinStandardHelpOptions = true,
        description = "Show every fd event source working: each is created, made ready, and read.")
final class TourCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        out.println("fdloop tour: each Linux event source as a file descriptor");
        out.println();
        eventfd(out);
        out.flush();
        return 0;
    }

    private static void eventfd(PrintWriter out) throws Exception {
        try (EventFd counter = EventFd.open(); EventFd semaphore = EventFd.openSemaphore(0)) {
            out.printf("eventfd     %s: write 3, write 4 -> read %d (the counter sums writes), then read %d (nothing ready)%n",
                    counter, write(counter, 3, 4), counter.read());
            semaphore.write(2);
            out.printf("eventfd     %s: write 2 -> read %d, read %d, read %d%n",
                    semaphore, semaphore.read(), semaphore.read(), semaphore.read());
        }
    }

    private static long write(EventFd fd, long... values) throws Exception {
        for (long v : values) {
            fd.write(v);
        }
        return fd.read();
    }
}

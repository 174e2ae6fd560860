/**
 * fdloop: Linux's fd-based event architecture for the JVM.
 *
 * <p>{@code org.fdloop.fd} holds the event sources (eventfd, timerfd, signalfd, inotify,
 * pipes, FIFOs, ptys, device files, pidfds, TCP, UDP and Unix sockets). Only
 * {@code org.fdloop.internal.linux} touches {@code java.lang.foreign}; it is not exported. Run with
 * {@code --enable-native-access=org.fdloop} (or {@code ALL-UNNAMED} on the class path).
 *
 * <p>{@code jdk.unsupported} gives {@code sun.misc.Signal}: the event loop's fallback route for
 * process-directed signals (SignalRoute.JVM), where its own native signal handler cannot be used.
 */
module org.fdloop {
    requires jdk.unsupported;

    exports org.fdloop;
    exports org.fdloop.fd;
    exports org.fdloop.backend;
    // seed 004's select race, for `fdloop race` only: not an API
    exports org.fdloop.internal.race to org.fdloop.cli;
}

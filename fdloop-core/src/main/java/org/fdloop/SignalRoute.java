package org.fdloop;

/**
 * How a loop takes process-directed signals ({@link EventLoop#onSignal}): chosen per loop with
 * {@link EventLoop.Builder#signalRoute}. A signal has one handler per process, so every loop
 * that takes a given signal must use the same route.
 */
public enum SignalRoute {
    /**
     * fdloop's own signal handler, a few machine instructions written at run time: on whatever
     * thread the kernel delivers the signal to, it writes the signal's {@code siginfo_t} into
     * the loop's pipe with one raw write(2) and returns. Each signal arrives with its sender's
     * pid and uid, its {@code si_code} and its sigqueue value; realtime signals can be taken and
     * queue one record per send. The default where the handler can be used (x86_64 and aarch64,
     * where executable memory may be mapped).
     */
    NATIVE,
    /**
     * The JVM's own handler ({@code sun.misc.Signal}): a Java handler on a thread the JVM starts
     * for each signal counts it and wakes the loop. The signal number and a count only, standard
     * signals only, and tens of microseconds slower. The fallback, and a choice for a program
     * that installs handlers through {@code sun.misc.Signal} itself.
     */
    JVM,
}

/**
 * The event loop and its sources: {@link org.fdloop.EventLoop}, one thread, one poller, every
 * kind of source (fds, timers, tasks from other threads, hooks, signals, child exits, file watches).
 *
 * <h2>How the loop is built</h2>
 * One iteration ({@code EventLoop.iterate}, as libuv's {@code uv_run}): defer hooks, the wait in the
 * {@link org.fdloop.backend.Backend}'s poller, collect, dispatch, tasks, post hooks. Every fd the
 * poller watches is a registration in one slot table ({@code SlotTable}): the user's I/O sources and
 * child exits, and the loop's own fds ({@code InternalSource}: the wake-up eventfd, the signalfd,
 * the native handler's pipe, the inotify of the file watches), each with a handler of its own
 * (sd-event's one wakeup type per registration). Collecting turns what the wait reported into
 * entries of one pending list, by priority; dispatching runs their handlers. Other threads reach
 * the loop through one channel, {@code execute}'s queue.
 *
 * <h2>Signals sent to the process ({@code onSignal})</h2>
 * Inside a JVM a process-directed signal ({@code kill -USR1 <pid>}, Ctrl-C, a service manager's
 * SIGTERM) lands on whichever thread the kernel picks. On the {@link org.fdloop.SignalRoute#NATIVE}
 * route (the default where it can be used: see {@link org.fdloop.EventLoop.Builder#signalRoute})
 * fdloop's own handler, a few machine instructions, writes the signal's siginfo into the loop's pipe
 * from that thread; on the {@link org.fdloop.SignalRoute#JVM} route the JVM's handler
 * ({@code sun.misc.Signal}) counts it on a thread of its own and wakes the loop through its task queue.
 *
 * <p>The handler is process-wide: the first source for a signal replaces the action the signal
 * had, every loop's sources for it share the new one, and when the last one closes the previous
 * action is put back. For SIGHUP, SIGINT and SIGTERM that is the JVM's shutdown (it runs the
 * shutdown hooks and exits): while a source is open, those signals no longer end the JVM. Call
 * {@code System.exit} from the handler to end it, or close the source and the next one will.
 *
 * <p>Signals taken: SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGWINCH, SIGCONT, SIGTSTP, SIGALRM, SIGTTIN,
 * SIGTTOU, SIGURG, SIGVTALRM, SIGPROF, SIGXCPU, SIGPWR; on the native route also the realtime
 * signals (all but the JDK's SIGRTMAX-2), one call per signal queued. Refused, each with the reason:
 * the JVM's own (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGQUIT, SIGUSR2, SIGPIPE, SIGXFSZ), glibc's (32,
 * 33), the JDK's (SIGRTMAX-2), SIGKILL and SIGSTOP, SIGCHLD (use {@code onExit}), SIGIO (use
 * {@code onAsyncIo}), and on the JVM route the realtime signals (use {@code onThreadSignal}). Also
 * refused: a signal another reader takes in this process (a loop on the other route, or a loop
 * thread's signalfd: {@code onThreadSignal}, {@code onAsyncIo}, the SIGIO backend, which would take
 * signals sent to the process too); on the JVM route a handler that would
 * never be called, under {@code -Xrs} (the JVM then runs no Java signal handler at all) or for a
 * SIGHUP, SIGINT or SIGTERM that the process ignores ({@code nohup} sets SIGHUP to SIG_IGN; a shell
 * does it to SIGINT for a background job), which the JVM then refuses to handle; and
 * {@link org.fdloop.SignalRoute#NATIVE} asked for where the native handler cannot be used.
 *
 * <p>With a {@link org.fdloop.SignalInfoHandler} each delivery comes with its
 * {@link org.fdloop.fd.SignalInfo}: {@code codeName()} SI_USER for kill(2), SI_QUEUE for sigqueue(3)
 * with its {@code value()}, SI_KERNEL for the terminal's Ctrl-C; {@code pid()} and {@code uid()} of
 * the sender. Standard signals sent again while pending are one delivery (the kernel merges them);
 * realtime signals queue, one call each. Signals whose records did not fit in the loop's pipe are
 * counted and reported through {@link org.fdloop.SignalInfoHandler#overflowed}. Only the native
 * route carries siginfo.
 *
 * <h2>Signals sent to the loop thread ({@code onThreadSignal})</h2>
 * {@code tgkill(2)} ({@link org.fdloop.fd.Signal#sendToThread(int)} with the loop thread's
 * {@link org.fdloop.fd.OsThread#currentId() id}), {@code pthread_sigqueue(3)}, a POSIX timer aimed
 * at the thread. The loop blocks the signal in the calling thread (the loop's; a loop that starts
 * later hands the mask to its new thread) and reads it from a signalfd. Threads started from the
 * loop thread inherit the block. A process-directed signal still goes to another thread of the JVM:
 * use {@code onSignal} for those. Closing the loop takes the signals still pending and unblocks them
 * again. SIGIO is taken too, for fds whose signal-driven I/O the caller set up to the loop thread
 * without F_SETSIG; a plain SIGIO also reports a full realtime queue, so while {@code onAsyncIo}
 * sources exist each one also makes the loop poll their fds.
 *
 * <h2>Signal-driven I/O ({@code onAsyncIo})</h2>
 * The kernel sends the loop thread a realtime signal each time an fd's readiness changes (fcntl
 * F_SETSIG, F_SETOWN_EX the loop thread, O_ASYNC), and the loop dispatches the handler with the poll
 * band the signal carries. The loop blocks the signal and SIGIO in its thread and reads both from its
 * signalfd, checking each signal's fd against the registration. When the realtime signal queue is
 * full (RLIMIT_SIGPENDING, counted per user) the kernel sends one plain SIGIO instead; the loop then
 * polls every signal-driven fd once and dispatches the ready ones
 * ({@link org.fdloop.EventLoop#signalQueueOverflows()} counts these). Readiness from before the
 * registration is looked for once, so none is missed.
 */
package org.fdloop;

package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import org.fdloop.fd.LinuxException;

/**
 * The process-wide native signal handler ({@link SignalHandlerCode}): one page of machine code
 * and one table, made once and kept for the life of the process, and the signals it is
 * installed for, each with up to {@link SignalHandlerCode#SLOTS} pipes to write to.
 *
 * <p>Installed with glibc's {@code sigaction} and {@code SA_SIGINFO|SA_RESTART}, the flags
 * HotSpot uses for its own handlers on Linux: SA_RESTART so that no thread of the JVM sees
 * EINTR because of us. Not SA_ONSTACK: HotSpot gives its threads no alternate signal stack on
 * Linux (it keeps guard and shadow pages below each thread's stack pointer so that a signal
 * frame always fits, and its own handlers run there too), and this handler uses no stack of
 * its own.
 *
 * <p>Why a write never reaches the wrong file: a slot is emptied by storing -1, then (after a
 * full fence) waiting until {@code active} is 0. The handler increments {@code active} (a locked,
 * fully ordered add) before it reads any slot, so either the remover sees it running and
 * waits, or the handler sees -1. Only then may the pipe be closed and its number reused. The
 * code page and the table are never unmapped: a signal already on its way may still enter the
 * handler after sigaction put the previous action back.
 *
 * <p>The page is mapped read-write, filled, then switched to read-execute: never writable and
 * executable at once. (On aarch64 the kernel cleans the data cache and invalidates the
 * instruction cache for a user page the first time it is mapped executable, so the new code is
 * what runs.) A security policy that forbids executable anonymous memory (SELinux's execmem,
 * a W^X seccomp filter) makes mmap or mprotect fail; {@link #unavailableReason()} then says so
 * and the loops take process-directed signals through the JVM instead.
 */
public final class NativeSignalHandler {
    private NativeSignalHandler() {}

    /** Set to {@code false} to keep fdloop from installing machine code: the loops then use the JVM's handler. */
    public static final String PROPERTY = "fdloop.nativeSignalHandler";
    private static final long ACTIVE = 0;
    private static final VarHandle LONG = JAVA_LONG.varHandle();
    private static final VarHandle INT = JAVA_INT.varHandle();

    /** Held while the code is made or a signal's slots or action change. */
    private static final Object installs = new Object();
    private static boolean tried;
    private static String unavailable;
    private static MemorySegment table;
    private static MemorySegment code;
    /** The action each signal had before the handler was installed for it; null where it is not. */
    private static final MemorySegment[] previous = new MemorySegment[Constants.NSIG];
    /** Where each signal's previous action is kept, made at its first install and reused by every later one. */
    private static final MemorySegment[] saved = new MemorySegment[Constants.NSIG];
    /** The signals whose action stays the handler's when their last slot empties ({@link #keepInstalled}). */
    private static final boolean[] kept = new boolean[Constants.NSIG];

    /**
     * Why the native handler cannot be used in this process, or null when it can. The first call
     * maps the code; later calls give the same answer.
     */
    public static String unavailableReason() {
        synchronized (installs) {
            if (!tried) {
                tried = true;
                unavailable = map();
            }
            return unavailable;
        }
    }

    private static String map() {
        String setting = System.getProperty(PROPERTY, "true");
        if (setting.equalsIgnoreCase("false") || setting.equalsIgnoreCase("off")) {
            return "it is turned off with -D" + PROPERTY + "=" + setting;
        }
        try {
            MemorySegment t = Arena.global().allocate(SignalHandlerCode.TABLE_BYTES, 64);
            for (int signo = 0; signo < Constants.NSIG; signo++) {
                for (int slot = 0; slot < SignalHandlerCode.SLOTS; slot++) {
                    t.set(JAVA_INT, entry(signo, slot), -1);
                }
            }
            t.set(JAVA_INT, SignalHandlerCode.MAIN_OFFSET, (int) ProcessHandle.current().pid()); // the main thread's id
            code = Syscalls.mapExecutable(SignalHandlerCode.forArch(Arch.CURRENT, t.address()), "the signal handler's code");
            table = t;
            return null;
        } catch (LinuxException e) {
            return "this process may not map executable memory (" + e.getMessage() + ")";
        }
    }

    /** Whether the handler is installed for {@code signo} now. */
    public static boolean isInstalled(int signo) {
        synchronized (installs) {
            return previous[signo] != null;
        }
    }

    /**
     * Has the handler write each {@code signo} to {@code writeFd} (a pipe's non-blocking write
     * end) from now on, installing it for {@code signo} if this is the first fd.
     *
     * @return the slot, for {@link #sent} and {@link #remove}
     * @throws IllegalStateException when the handler is unavailable, or all slots of the signal are taken
     */
    public static int add(int signo, int writeFd) throws LinuxException {
        synchronized (installs) {
            String reason = unavailableReason();
            if (reason != null) {
                throw new IllegalStateException("the native signal handler cannot be used: " + reason);
            }
            int slot = 0;
            while (slot < SignalHandlerCode.SLOTS && table.get(JAVA_INT, entry(signo, slot)) >= 0) {
                slot++;
            }
            if (slot == SignalHandlerCode.SLOTS) {
                throw new IllegalStateException(SignalHandlerCode.SLOTS + " event loops take signal " + signo
                        + " already, the most one signal can be written to: close one of them first");
            }
            // no handler counts in a free slot (remove() waited for them), so the count starts at 0
            LONG.setVolatile(table, entry(signo, slot) + 8, 0L);
            INT.setVolatile(table, entry(signo, slot), writeFd);
            if (previous[signo] == null) {
                install(signo);
            }
            return slot;
        }
    }

    private static void install(int signo) throws LinuxException {
        if (saved[signo] == null) {
            saved[signo] = Arena.global().allocate(Structs.SIGACTION); // global: one per signal number, ever
        }
        MemorySegment old = saved[signo];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment action = arena.allocate(Structs.SIGACTION); // zeroed: an empty sa_mask
            action.set(JAVA_LONG, Structs.SA_HANDLER, code.address());
            action.set(JAVA_INT, Structs.SA_FLAGS, Constants.SA_SIGINFO | Constants.SA_RESTART);
            Errno.check(ProcessCalls.sigaction(signo, action, old), "sigaction(" + signo + ")");
        }
        previous[signo] = old;
    }

    /**
     * Leaves the handler installed for {@code signo} for the rest of the process, also when its
     * last slot empties (it then writes nowhere): for the signals of signal-driven I/O to the
     * process, of which one queued before the fd's O_ASYNC was cleared may still be pending, and
     * whose previous action (SIG_DFL) would end the JVM. The handler must be installed for it.
     */
    public static void keepInstalled(int signo) {
        synchronized (installs) {
            if (previous[signo] == null) {
                throw new IllegalStateException("the native handler is not installed for signal " + signo);
            }
            kept[signo] = true;
        }
    }

    /**
     * Stops writing {@code signo} to the fd in {@code slot}, and returns once no handler can
     * write to it any more: the fd may be closed then. The last slot of a signal puts back the
     * action it had before.
     */
    public static void remove(int signo, int slot) throws LinuxException {
        synchronized (installs) {
            INT.setVolatile(table, entry(signo, slot), -1);
            VarHandle.fullFence();
            awaitNoHandlerRunning();
            for (int s = 0; s < SignalHandlerCode.SLOTS; s++) {
                if (table.get(JAVA_INT, entry(signo, s)) >= 0) {
                    return;
                }
            }
            MemorySegment old = previous[signo];
            if (old != null && !kept[signo]) {
                previous[signo] = null;
                Errno.check(ProcessCalls.sigaction(signo, old, MemorySegment.NULL), "sigaction(" + signo + ")");
            }
        }
    }

    /**
     * Has the process's main thread (the one whose id is the pid) block {@code signo} from the
     * next time the handler runs there for it, for the rest of the process's life; the handler
     * must be installed for it. The signal that runs the handler there is delivered as usual,
     * and /proc shows the new mask (its SigBlk line) once the handler returned.
     *
     * <p>Why: for a process-directed signal the kernel tries the main thread first, and in a JVM
     * started by the java launcher that thread only waits for the JVM to end. Taking the signal
     * there costs a second wake-up, the loop's, after the handler's write. Once the main thread
     * blocks it, the kernel picks the first thread after it that does not (in creation order:
     * the thread that runs {@code main}), and a loop running there takes the signal in its own
     * wait, in one wake-up. Nothing but the choice of thread changes: the signal is still one
     * per process, and an action put back later still applies (the kernel acts for the whole
     * process, and a JVM's handler runs on any thread).
     *
     * <p>How: only a thread can change its own mask, and a handler changes its thread's mask
     * through the ucontext it returns to ({@link SignalHandlerCode}). No signal is sent for it:
     * one sent by fdloop to its main thread would, with the kernel's queue of pending signals
     * full (RLIMIT_SIGPENDING), arrive without its siginfo, as an ordinary signal from pid 0 that
     * the handler could not tell from one a process sent.
     */
    public static void blockInMainThread(int signo) {
        synchronized (installs) {
            if (previous[signo] == null) {
                throw new IllegalStateException("the native handler is not installed for signal " + signo);
            }
            LONG.getAndBitwiseOr(table, (long) SignalHandlerCode.STEER_OFFSET, 1L << (signo - 1));
        }
    }

    private static void awaitNoHandlerRunning() {
        // A handler runs a few dozen instructions and one write; it takes long only when its
        // thread is preempted in it, so spin briefly and then yield.
        for (int i = 0; active() != 0; i++) {
            if (i < 1000) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /** How many times the handler wrote (or tried to write) {@code signo} to the fd in {@code slot}. */
    public static long sent(int signo, int slot) {
        return (long) LONG.getVolatile(table, entry(signo, slot) + 8);
    }

    /** How many handlers are running now, on any thread. */
    public static long active() {
        return (long) LONG.getVolatile(table, ACTIVE);
    }

    /** The address of the handler's code (0 before it is mapped). */
    public static long address() {
        synchronized (installs) {
            return code == null ? 0 : code.address();
        }
    }

    /** The handler's code as it is in memory (empty before it is mapped), for checking it. */
    public static byte[] installedCode() {
        synchronized (installs) {
            return code == null ? new byte[0] : code.toArray(JAVA_BYTE);
        }
    }

    /** The table's address (0 before it is mapped): the code embeds it. */
    public static long tableAddress() {
        synchronized (installs) {
            return table == null ? 0 : table.address();
        }
    }

    /**
     * The action installed for {@code signo} now, read back with sigaction: {@code sa_handler}
     * (0 is SIG_DFL, 1 SIG_IGN) and {@code sa_flags}.
     */
    public static long[] currentAction(int signo) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment now = arena.allocate(Structs.SIGACTION);
            Errno.check(ProcessCalls.sigaction(signo, MemorySegment.NULL, now), "sigaction(" + signo + ")");
            return new long[] {now.get(JAVA_LONG, Structs.SA_HANDLER), now.get(JAVA_INT, Structs.SA_FLAGS)};
        }
    }

    private static long entry(int signo, int slot) {
        return SignalHandlerCode.SLOTS_OFFSET + ((long) signo * SignalHandlerCode.SLOTS + slot) * SignalHandlerCode.ENTRY_BYTES;
    }
}

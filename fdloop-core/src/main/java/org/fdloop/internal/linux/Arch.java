package org.fdloop.internal.linux;

import java.util.Locale;

/**
 * The processor architecture this JVM runs on, among those whose struct layouts fdloop knows.
 *
 * <p>Struct layouts differ between architectures ({@code struct epoll_event} is packed to 12
 * bytes on x86_64 and padded to 16 on aarch64), so every layout is chosen at class load from
 * {@link #CURRENT}. An unknown architecture or a non-Linux system fails here, at first use of
 * the ABI layer, with a message that says so, instead of reading a struct at wrong offsets.
 */
public enum Arch {
    X86_64(0, 1, 281, 441, 44, 45, 233, 286, 271, 270, 186, 296),
    AARCH64(63, 64, 22, 441, 206, 207, 21, 86, 73, 72, 178, 40);

    /**
     * System call numbers ({@code SYS_read} and friends from {@code <sys/syscall.h>}) of the calls
     * fdloop makes as system calls ({@link Syscalls}): they differ between architectures (aarch64 uses the
     * generic table and has no epoll_wait at all). StructLayoutTest checks them against each
     * architecture's headers.
     */
    public final int sysRead;
    public final int sysWrite;
    public final int sysEpollPwait;
    public final int sysEpollPwait2;
    public final int sysSendto;
    public final int sysRecvfrom;
    public final int sysEpollCtl;
    public final int sysTimerfdSettime;
    public final int sysPpoll;
    public final int sysPselect6;
    public final int sysGettid;
    /**
     * Where the signal mask is in the {@code ucontext_t} a signal handler gets: the mask the
     * thread goes back to when the handler returns (x86_64: after the 256-byte mcontext;
     * aarch64: before it). The native signal handler edits it ({@link SignalHandlerCode}).
     */
    public final int ucSigmask;

    Arch(int sysRead, int sysWrite, int sysEpollPwait, int sysEpollPwait2, int sysSendto, int sysRecvfrom,
            int sysEpollCtl, int sysTimerfdSettime, int sysPpoll, int sysPselect6, int sysGettid,
            int ucSigmask) {
        this.sysRead = sysRead;
        this.sysWrite = sysWrite;
        this.sysEpollPwait = sysEpollPwait;
        this.sysEpollPwait2 = sysEpollPwait2;
        this.sysSendto = sysSendto;
        this.sysRecvfrom = sysRecvfrom;
        this.sysEpollCtl = sysEpollCtl;
        this.sysTimerfdSettime = sysTimerfdSettime;
        this.sysPpoll = sysPpoll;
        this.sysPselect6 = sysPselect6;
        this.sysGettid = sysGettid;
        this.ucSigmask = ucSigmask;
    }

    /** The architecture of this JVM. */
    public static final Arch CURRENT = detect(System.getProperty("os.name"), System.getProperty("os.arch"));

    static Arch detect(String osName, String osArch) {
        if (osName == null || !osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            throw new UnsupportedOperationException(
                    "fdloop runs on Linux only (epoll, eventfd, signalfd, inotify are Linux system calls); this is " + osName);
        }
        return switch (osArch == null ? "" : osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> X86_64;
            case "aarch64", "arm64" -> AARCH64;
            default -> throw new UnsupportedOperationException(
                    "fdloop knows the Linux struct layouts of x86_64 and aarch64 only; this JVM runs on '" + osArch
                            + "'. Adding an architecture means adding its layouts to Structs and checking them with StructLayoutTest.");
        };
    }
}

package org.fdloop.internal.linux;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * The kernel and glibc structs fdloop reads and writes, per architecture.
 *
 * <p>Each layout is named with its C type and each member with its C name, so that
 * {@code StructLayoutTest} can compare every size and offset with {@code sizeof} and
 * {@code offsetof} from the system headers. Code reads members through the {@code long}
 * offsets below (plain {@code get(JAVA_INT, OFFSET)}), not through var handles.
 */
public final class Structs {
    private Structs() {}

    /*
     * struct epoll_event {
     *     uint32_t     events;
     *     epoll_data_t data;     // union of ptr, fd, u32, u64
     * } __EPOLL_PACKED;          // packed on x86_64 only: 12 bytes there, 16 on aarch64
     */
    public static final StructLayout EPOLL_EVENT = epollEvent(Arch.CURRENT);
    public static final long EPOLL_EVENT_EVENTS = offset(EPOLL_EVENT, "events");
    public static final long EPOLL_EVENT_DATA = offset(EPOLL_EVENT, "data");

    /*
     * struct signalfd_siginfo {          // 128 bytes on every architecture
     *     uint32_t ssi_signo;  int32_t ssi_errno;  int32_t ssi_code;  uint32_t ssi_pid;
     *     uint32_t ssi_uid;    int32_t ssi_fd;     uint32_t ssi_tid;  uint32_t ssi_band;
     *     uint32_t ssi_overrun; uint32_t ssi_trapno; int32_t ssi_status; int32_t ssi_int;
     *     uint64_t ssi_ptr;  uint64_t ssi_utime;  uint64_t ssi_stime;  uint64_t ssi_addr;
     *     uint16_t ssi_addr_lsb; uint16_t __pad2; int32_t ssi_syscall;
     *     uint64_t ssi_call_addr; uint32_t ssi_arch; uint8_t __pad[28];
     * };
     */
    public static final StructLayout SIGNALFD_SIGINFO = MemoryLayout.structLayout(
                    JAVA_INT.withName("ssi_signo"),
                    JAVA_INT.withName("ssi_errno"),
                    JAVA_INT.withName("ssi_code"),
                    JAVA_INT.withName("ssi_pid"),
                    JAVA_INT.withName("ssi_uid"),
                    JAVA_INT.withName("ssi_fd"),
                    JAVA_INT.withName("ssi_tid"),
                    JAVA_INT.withName("ssi_band"),
                    JAVA_INT.withName("ssi_overrun"),
                    JAVA_INT.withName("ssi_trapno"),
                    JAVA_INT.withName("ssi_status"),
                    JAVA_INT.withName("ssi_int"),
                    JAVA_LONG.withName("ssi_ptr"),
                    JAVA_LONG.withName("ssi_utime"),
                    JAVA_LONG.withName("ssi_stime"),
                    JAVA_LONG.withName("ssi_addr"),
                    JAVA_SHORT.withName("ssi_addr_lsb"),
                    MemoryLayout.paddingLayout(2),
                    JAVA_INT.withName("ssi_syscall"),
                    JAVA_LONG.withName("ssi_call_addr"),
                    JAVA_INT.withName("ssi_arch"),
                    MemoryLayout.paddingLayout(28))
            .withName("struct signalfd_siginfo");
    public static final long SSI_SIGNO = offset(SIGNALFD_SIGINFO, "ssi_signo");
    public static final long SSI_ERRNO = offset(SIGNALFD_SIGINFO, "ssi_errno");
    public static final long SSI_CODE = offset(SIGNALFD_SIGINFO, "ssi_code");
    public static final long SSI_PID = offset(SIGNALFD_SIGINFO, "ssi_pid");
    public static final long SSI_UID = offset(SIGNALFD_SIGINFO, "ssi_uid");
    public static final long SSI_FD = offset(SIGNALFD_SIGINFO, "ssi_fd");
    public static final long SSI_TID = offset(SIGNALFD_SIGINFO, "ssi_tid");
    public static final long SSI_BAND = offset(SIGNALFD_SIGINFO, "ssi_band");
    public static final long SSI_OVERRUN = offset(SIGNALFD_SIGINFO, "ssi_overrun");
    public static final long SSI_TRAPNO = offset(SIGNALFD_SIGINFO, "ssi_trapno");
    public static final long SSI_STATUS = offset(SIGNALFD_SIGINFO, "ssi_status");
    public static final long SSI_INT = offset(SIGNALFD_SIGINFO, "ssi_int");
    public static final long SSI_PTR = offset(SIGNALFD_SIGINFO, "ssi_ptr");
    public static final long SSI_UTIME = offset(SIGNALFD_SIGINFO, "ssi_utime");
    public static final long SSI_STIME = offset(SIGNALFD_SIGINFO, "ssi_stime");
    public static final long SSI_ADDR = offset(SIGNALFD_SIGINFO, "ssi_addr");

    /*
     * siginfo_t as the kernel hands it to an SA_SIGINFO handler (128 bytes on every architecture):
     *     int si_signo; int si_errno; int si_code; int __pad0;
     *     union {                          // which member depends on the signal and si_code
     *         struct { pid_t si_pid; uid_t si_uid; } _kill;                           // kill, tgkill
     *         struct { pid_t si_pid; uid_t si_uid; union sigval si_sigval; } _rt;     // sigqueue
     *         ...                          // _timer, _sigchld, _sigfault, _sigpoll, _sigsys
     *     } _sifields;
     * The native signal handler writes it into the loop's pipe as it is; fdloop reads the
     * members a process-directed signal carries. (Not signalfd_siginfo: the offsets differ.)
     */
    public static final StructLayout SIGINFO = MemoryLayout.structLayout(
                    JAVA_INT.withName("si_signo"),
                    JAVA_INT.withName("si_errno"),
                    JAVA_INT.withName("si_code"),
                    MemoryLayout.paddingLayout(4),
                    JAVA_INT.withName("si_pid"),
                    JAVA_INT.withName("si_uid"),
                    JAVA_LONG.withName("si_value"),
                    MemoryLayout.paddingLayout(128 - 32))
            .withName("siginfo_t");
    public static final long SI_SIGNO = offset(SIGINFO, "si_signo");
    public static final long SI_ERRNO = offset(SIGINFO, "si_errno");
    public static final long SI_CODE = offset(SIGINFO, "si_code");
    public static final long SI_PID = offset(SIGINFO, "si_pid");
    public static final long SI_UID = offset(SIGINFO, "si_uid");
    public static final long SI_VALUE = offset(SIGINFO, "si_value");

    /**
     * {@code siginfo_t} as signal-driven I/O fills it (si_code POLL_IN to POLL_HUP): the union's
     * {@code _sigpoll} member, {@code long si_band; int si_fd;}.
     */
    public static final StructLayout SIGINFO_POLL = MemoryLayout.structLayout(
                    JAVA_INT.withName("si_signo"),
                    JAVA_INT.withName("si_errno"),
                    JAVA_INT.withName("si_code"),
                    MemoryLayout.paddingLayout(4),
                    JAVA_LONG.withName("si_band"),
                    JAVA_INT.withName("si_fd"),
                    MemoryLayout.paddingLayout(128 - 28))
            .withName("siginfo_t");
    public static final long SI_BAND = offset(SIGINFO_POLL, "si_band");
    public static final long SI_FD = offset(SIGINFO_POLL, "si_fd");

    /*
     * struct inotify_event {
     *     int      wd;
     *     uint32_t mask;
     *     uint32_t cookie;
     *     uint32_t len;      // bytes of name[], NUL-padded
     *     char     name[];
     * };
     */
    public static final StructLayout INOTIFY_EVENT = MemoryLayout.structLayout(
                    JAVA_INT.withName("wd"),
                    JAVA_INT.withName("mask"),
                    JAVA_INT.withName("cookie"),
                    JAVA_INT.withName("len"))
            .withName("struct inotify_event");
    public static final long INOTIFY_EVENT_WD = offset(INOTIFY_EVENT, "wd");
    public static final long INOTIFY_EVENT_MASK = offset(INOTIFY_EVENT, "mask");
    public static final long INOTIFY_EVENT_COOKIE = offset(INOTIFY_EVENT, "cookie");
    public static final long INOTIFY_EVENT_LEN = offset(INOTIFY_EVENT, "len");

    /* struct timespec { time_t tv_sec; long tv_nsec; };  (64-bit time_t on both) */
    public static final StructLayout TIMESPEC = MemoryLayout.structLayout(
                    JAVA_LONG.withName("tv_sec"),
                    JAVA_LONG.withName("tv_nsec"))
            .withName("struct timespec");
    public static final long TIMESPEC_SEC = offset(TIMESPEC, "tv_sec");
    public static final long TIMESPEC_NSEC = offset(TIMESPEC, "tv_nsec");

    /* struct itimerspec { struct timespec it_interval; struct timespec it_value; }; */
    public static final StructLayout ITIMERSPEC = MemoryLayout.structLayout(
                    TIMESPEC.withName("it_interval"),
                    TIMESPEC.withName("it_value"))
            .withName("struct itimerspec");
    public static final long ITIMERSPEC_INTERVAL = offset(ITIMERSPEC, "it_interval");
    public static final long ITIMERSPEC_VALUE = offset(ITIMERSPEC, "it_value");

    /* struct pollfd { int fd; short events; short revents; }; */
    public static final StructLayout POLLFD = MemoryLayout.structLayout(
                    JAVA_INT.withName("fd"),
                    JAVA_SHORT.withName("events"),
                    JAVA_SHORT.withName("revents"))
            .withName("struct pollfd");
    public static final long POLLFD_FD = offset(POLLFD, "fd");
    public static final long POLLFD_EVENTS = offset(POLLFD, "events");
    public static final long POLLFD_REVENTS = offset(POLLFD, "revents");

    /* struct linger { int l_onoff; int l_linger; };  SO_LINGER's value */
    public static final StructLayout LINGER = MemoryLayout.structLayout(
                    JAVA_INT.withName("l_onoff"),
                    JAVA_INT.withName("l_linger"))
            .withName("struct linger");
    public static final long LINGER_ONOFF = offset(LINGER, "l_onoff");
    public static final long LINGER_LINGER = offset(LINGER, "l_linger");

    /* typedef struct { long fds_bits[FD_SETSIZE / (8 * sizeof(long))]; } fd_set;  1024 bits */
    public static final StructLayout FD_SET = MemoryLayout.structLayout(
                    MemoryLayout.sequenceLayout(16, JAVA_LONG).withName("fds_bits"))
            .withName("fd_set");

    /* glibc: typedef struct { unsigned long __val[1024 / (8 * sizeof(unsigned long))]; } sigset_t; */
    public static final StructLayout SIGSET = MemoryLayout.structLayout(
                    MemoryLayout.sequenceLayout(16, JAVA_LONG).withName("__val"))
            .withName("sigset_t");

    /*
     * glibc's struct sigaction (the same on x86_64 and aarch64):
     *     union { __sighandler_t sa_handler; void (*sa_sigaction)(int, siginfo_t *, void *); };
     *     sigset_t sa_mask;                // 1024 bits
     *     int sa_flags;
     *     void (*sa_restorer)(void);       // glibc fills it in
     */
    public static final StructLayout SIGACTION = MemoryLayout.structLayout(
                    JAVA_LONG.withName("sa_handler"),
                    SIGSET.withName("sa_mask"),
                    JAVA_INT.withName("sa_flags"),
                    MemoryLayout.paddingLayout(4),
                    JAVA_LONG.withName("sa_restorer"))
            .withName("struct sigaction");
    public static final long SA_HANDLER = offset(SIGACTION, "sa_handler");
    public static final long SA_MASK = offset(SIGACTION, "sa_mask");
    public static final long SA_FLAGS = offset(SIGACTION, "sa_flags");

    /* struct f_owner_ex { int type; pid_t pid; }; */
    public static final StructLayout F_OWNER_EX = MemoryLayout.structLayout(
                    JAVA_INT.withName("type"),
                    JAVA_INT.withName("pid"))
            .withName("struct f_owner_ex");
    public static final long F_OWNER_EX_TYPE = offset(F_OWNER_EX, "type");
    public static final long F_OWNER_EX_PID = offset(F_OWNER_EX, "pid");

    /*
     * glibc's struct termios {
     *     tcflag_t c_iflag, c_oflag, c_cflag, c_lflag;   // unsigned int
     *     cc_t c_line; cc_t c_cc[NCCS];                  // NCCS = 32
     *     speed_t c_ispeed, c_ospeed;
     * };
     */
    public static final StructLayout TERMIOS = MemoryLayout.structLayout(
                    JAVA_INT.withName("c_iflag"),
                    JAVA_INT.withName("c_oflag"),
                    JAVA_INT.withName("c_cflag"),
                    JAVA_INT.withName("c_lflag"),
                    JAVA_BYTE.withName("c_line"),
                    MemoryLayout.sequenceLayout(32, JAVA_BYTE).withName("c_cc"),
                    MemoryLayout.paddingLayout(3),
                    JAVA_INT.withName("c_ispeed"),
                    JAVA_INT.withName("c_ospeed"))
            .withName("struct termios");
    public static final long TERMIOS_IFLAG = offset(TERMIOS, "c_iflag");
    public static final long TERMIOS_OFLAG = offset(TERMIOS, "c_oflag");
    public static final long TERMIOS_CFLAG = offset(TERMIOS, "c_cflag");
    public static final long TERMIOS_LFLAG = offset(TERMIOS, "c_lflag");
    public static final long TERMIOS_CC = offset(TERMIOS, "c_cc");
    public static final long TERMIOS_ISPEED = offset(TERMIOS, "c_ispeed");
    public static final long TERMIOS_OSPEED = offset(TERMIOS, "c_ospeed");

    /* struct rlimit { rlim_t rlim_cur; rlim_t rlim_max; }; */
    public static final StructLayout RLIMIT = MemoryLayout.structLayout(
                    JAVA_LONG.withName("rlim_cur"),
                    JAVA_LONG.withName("rlim_max"))
            .withName("struct rlimit");
    public static final long RLIMIT_CUR = offset(RLIMIT, "rlim_cur");
    public static final long RLIMIT_MAX = offset(RLIMIT, "rlim_max");

    /*
     * struct statx { uint32_t stx_mask; uint32_t stx_blksize; uint64_t stx_attributes;
     *     uint32_t stx_nlink; uint32_t stx_uid; uint32_t stx_gid; uint16_t stx_mode; uint64_t stx_ino;
     *     uint64_t stx_size; uint64_t stx_blocks; uint64_t stx_attributes_mask;
     *     struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
     *     uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor; ... };
     * struct statx_timestamp { int64_t tv_sec; uint32_t tv_nsec; int32_t __reserved; };
     * 256 bytes, the same on every architecture; fdloop reads the file type from stx_mode, a file's
     * identity from stx_ino and stx_dev_*, and its times (a watch's rescan).
     */
    public static final StructLayout STATX = MemoryLayout.structLayout(
                    JAVA_INT.withName("stx_mask"),
                    JAVA_INT.withName("stx_blksize"),
                    JAVA_LONG.withName("stx_attributes"),
                    JAVA_INT.withName("stx_nlink"),
                    JAVA_INT.withName("stx_uid"),
                    JAVA_INT.withName("stx_gid"),
                    JAVA_SHORT.withName("stx_mode"),
                    MemoryLayout.paddingLayout(2),
                    JAVA_LONG.withName("stx_ino"),
                    JAVA_LONG.withName("stx_size"),
                    JAVA_LONG.withName("stx_blocks"),
                    JAVA_LONG.withName("stx_attributes_mask"),
                    statxTimestamp("stx_atime"),
                    statxTimestamp("stx_btime"),
                    statxTimestamp("stx_ctime"),
                    statxTimestamp("stx_mtime"),
                    JAVA_INT.withName("stx_rdev_major"),
                    JAVA_INT.withName("stx_rdev_minor"),
                    JAVA_INT.withName("stx_dev_major"),
                    JAVA_INT.withName("stx_dev_minor"),
                    MemoryLayout.paddingLayout(256 - 144))
            .withName("struct statx");
    public static final long STATX_INO = offset(STATX, "stx_ino");
    /** tv_sec of stx_ctime and stx_mtime; their tv_nsec follows 8 bytes later. */
    public static final long STATX_CTIME_SEC = offset(STATX, "stx_ctime");
    public static final long STATX_MTIME_SEC = offset(STATX, "stx_mtime");
    public static final long STATX_DEV_MAJOR = offset(STATX, "stx_dev_major");
    public static final long STATX_DEV_MINOR = offset(STATX, "stx_dev_minor");

    /*
     * struct dirent64 { ino64_t d_ino; off64_t d_off; unsigned short d_reclen; unsigned char d_type;
     *     char d_name[256]; }: getdents64(2)'s struct linux_dirent64, the same on every architecture.
     */
    public static final StructLayout DIRENT64 = MemoryLayout.structLayout(
                    JAVA_LONG.withName("d_ino"),
                    JAVA_LONG.withName("d_off"),
                    JAVA_SHORT.withName("d_reclen"),
                    JAVA_BYTE.withName("d_type"),
                    MemoryLayout.sequenceLayout(256, JAVA_BYTE).withName("d_name"),
                    MemoryLayout.paddingLayout(5))
            .withName("struct dirent64");
    public static final long DIRENT64_RECLEN = offset(DIRENT64, "d_reclen");
    public static final long DIRENT64_TYPE = offset(DIRENT64, "d_type");
    public static final long DIRENT64_NAME = offset(DIRENT64, "d_name");

    public static final long STATX_MODE = offset(STATX, "stx_mode");

    // ---- socket addresses (sockets: StreamSocket, ListeningSocket, DatagramFd) ----------------
    // Port and address bytes are in network byte order (big-endian); SockAddr reads and writes them.

    /* struct sockaddr_in { sa_family_t sin_family; in_port_t sin_port; struct in_addr sin_addr; unsigned char sin_zero[8]; }; */
    public static final StructLayout SOCKADDR_IN = MemoryLayout.structLayout(
                    JAVA_SHORT.withName("sin_family"),
                    JAVA_SHORT.withName("sin_port"),
                    JAVA_INT.withName("sin_addr"),
                    MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("sin_zero"))
            .withName("struct sockaddr_in");
    public static final long SIN_FAMILY = offset(SOCKADDR_IN, "sin_family");
    public static final long SIN_PORT = offset(SOCKADDR_IN, "sin_port");
    public static final long SIN_ADDR = offset(SOCKADDR_IN, "sin_addr");

    /*
     * struct sockaddr_in6 {
     *     sa_family_t sin6_family; in_port_t sin6_port; uint32_t sin6_flowinfo;
     *     struct in6_addr sin6_addr;  // 16 bytes
     *     uint32_t sin6_scope_id;     // the interface of a link-local address
     * };
     */
    public static final StructLayout SOCKADDR_IN6 = MemoryLayout.structLayout(
                    JAVA_SHORT.withName("sin6_family"),
                    JAVA_SHORT.withName("sin6_port"),
                    JAVA_INT.withName("sin6_flowinfo"),
                    MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("sin6_addr"),
                    JAVA_INT.withName("sin6_scope_id"))
            .withName("struct sockaddr_in6");
    public static final long SIN6_FAMILY = offset(SOCKADDR_IN6, "sin6_family");
    public static final long SIN6_PORT = offset(SOCKADDR_IN6, "sin6_port");
    public static final long SIN6_FLOWINFO = offset(SOCKADDR_IN6, "sin6_flowinfo");
    public static final long SIN6_ADDR = offset(SOCKADDR_IN6, "sin6_addr");
    public static final long SIN6_SCOPE_ID = offset(SOCKADDR_IN6, "sin6_scope_id");

    /*
     * struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; };
     * A path name is NUL-terminated; an abstract name starts with a NUL byte and runs to the
     * address length; an unnamed socket's address is just sun_family.
     */
    public static final StructLayout SOCKADDR_UN = MemoryLayout.structLayout(
                    JAVA_SHORT.withName("sun_family"),
                    MemoryLayout.sequenceLayout(108, JAVA_BYTE).withName("sun_path"))
            .withName("struct sockaddr_un");
    public static final long SUN_FAMILY = offset(SOCKADDR_UN, "sun_family");
    public static final long SUN_PATH = offset(SOCKADDR_UN, "sun_path");

    /* struct sockaddr_storage { sa_family_t ss_family; char __ss_padding[118]; unsigned long __ss_align; };  128 bytes: any address */
    public static final StructLayout SOCKADDR_STORAGE = MemoryLayout.structLayout(
                    JAVA_SHORT.withName("ss_family"),
                    MemoryLayout.sequenceLayout(118, JAVA_BYTE).withName("__ss_padding"),
                    JAVA_LONG.withName("__ss_align"))
            .withName("struct sockaddr_storage");
    public static final long SS_FAMILY = offset(SOCKADDR_STORAGE, "ss_family");

    /* struct mq_attr { long mq_flags; long mq_maxmsg; long mq_msgsize; long mq_curmsgs; long __pad[4]; }; */
    public static final StructLayout MQ_ATTR = MemoryLayout.structLayout(
                    JAVA_LONG.withName("mq_flags"),
                    JAVA_LONG.withName("mq_maxmsg"),
                    JAVA_LONG.withName("mq_msgsize"),
                    JAVA_LONG.withName("mq_curmsgs"),
                    MemoryLayout.paddingLayout(32))
            .withName("struct mq_attr");
    public static final long MQ_FLAGS = offset(MQ_ATTR, "mq_flags");
    public static final long MQ_MAXMSG = offset(MQ_ATTR, "mq_maxmsg");
    public static final long MQ_MSGSIZE = offset(MQ_ATTR, "mq_msgsize");
    public static final long MQ_CURMSGS = offset(MQ_ATTR, "mq_curmsgs");

    /*
     * struct sigevent { union sigval sigev_value; int sigev_signo; int sigev_notify;
     *     union { int _pad[12]; pid_t _tid; struct { ... } _sigev_thread; } _sigev_un; };   64 bytes
     * (sigev_notify_function is a name glibc gives a member of the union)
     */
    public static final StructLayout SIGEVENT = MemoryLayout.structLayout(
                    JAVA_LONG.withName("sigev_value"),
                    JAVA_INT.withName("sigev_signo"),
                    JAVA_INT.withName("sigev_notify"),
                    JAVA_LONG.withName("sigev_notify_function"),
                    MemoryLayout.paddingLayout(40))
            .withName("struct sigevent");
    public static final long SIGEV_VALUE = offset(SIGEVENT, "sigev_value");
    public static final long SIGEV_SIGNO = offset(SIGEVENT, "sigev_signo");
    public static final long SIGEV_NOTIFY = offset(SIGEVENT, "sigev_notify");

    /*
     * struct ifreq { char ifr_name[IFNAMSIZ]; union { struct sockaddr ifr_addr; short ifr_flags; ... } ifr_ifru; };
     * 40 bytes; the union's members are at Constants.IFR_ADDR and IFR_FLAGS (both 16)
     */
    public static final StructLayout IFREQ = MemoryLayout.structLayout(
                    MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("ifr_name"),
                    MemoryLayout.sequenceLayout(24, JAVA_BYTE).withName("ifr_ifru"))
            .withName("struct ifreq");

    /** Every layout above, for the layout test. */
    public static final StructLayout[] ALL = all(Arch.CURRENT);

    /** {@code struct epoll_event} as {@code arch} lays it out. */
    public static StructLayout epollEvent(Arch arch) {
        return switch (arch) {
            case X86_64 -> MemoryLayout.structLayout(
                    JAVA_INT.withName("events"),
                    JAVA_LONG.withByteAlignment(4).withName("data"))
                .withName("struct epoll_event");
            case AARCH64 -> MemoryLayout.structLayout(
                    JAVA_INT.withName("events"),
                    MemoryLayout.paddingLayout(4),
                    JAVA_LONG.withName("data"))
                .withName("struct epoll_event");
        };
    }

    /**
     * Every layout as {@code arch} has it, so that the layout test can check another
     * architecture's layouts against its headers with a cross compiler. Only epoll_event
     * differs between x86_64 and aarch64.
     */
    public static StructLayout[] all(Arch arch) {
        return new StructLayout[] {
            epollEvent(arch), SIGNALFD_SIGINFO, INOTIFY_EVENT, TIMESPEC, ITIMERSPEC, POLLFD, FD_SET, SIGSET,
            F_OWNER_EX, TERMIOS, RLIMIT, STATX, DIRENT64, SIGINFO, SIGINFO_POLL, SIGACTION,
            SOCKADDR_IN, SOCKADDR_IN6, SOCKADDR_UN, SOCKADDR_STORAGE, LINGER,
            MQ_ATTR, SIGEVENT, IFREQ,
        };
    }

    private static StructLayout statxTimestamp(String name) {
        return MemoryLayout.structLayout(JAVA_LONG.withName("tv_sec"), JAVA_INT.withName("tv_nsec"), JAVA_INT.withName("__reserved"))
                .withName(name);
    }

    private static long offset(StructLayout layout, String member) {
        return layout.byteOffset(groupElement(member));
    }
}

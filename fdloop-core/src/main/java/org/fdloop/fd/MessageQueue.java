package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.IpcCalls;
import org.fdloop.internal.linux.Structs;
import org.fdloop.internal.linux.Sysctl;
import org.fdloop.internal.linux.ThreadScratch;

/**
 * A POSIX message queue (mq_overview(7)): named, kernel-held messages of a fixed maximum size,
 * each with a priority, received highest priority first (and, within one priority, in order).
 * On Linux its descriptor is a file descriptor: readable while a message is queued, writable
 * while there is room, so an event loop waits on it like on any fd
 * ({@code loop.onIo(queue, IoSource.READABLE | IoSource.WRITABLE, handler)}).
 *
 * <p>Always non-blocking (O_NONBLOCK): {@link #send} answers false when the queue is full and
 * {@link #receive} -1 when it is empty. {@link #notifyBy} asks for a signal when a message
 * arrives in the empty queue (mq_notify with SIGEV_SIGNAL), which an event loop takes with
 * {@code onSignal}.
 *
 * <p>The limits are the kernel's, per IPC namespace, in {@code /proc/sys/fs/mqueue}: messages per
 * queue ({@code msg_max}), bytes per message ({@code msgsize_max}), queues ({@code queues_max});
 * a process with CAP_SYS_RESOURCE may go past the first two up to 65536 messages and 16 MiB, and
 * past the third. Every user has {@code RLIMIT_MSGQUEUE} bytes for all its queues ({@code ulimit
 * -q}), root too. Each error at a limit says which one to raise.
 */
public final class MessageQueue extends Fd {
    /** The largest priority is one less: 32767 (MQ_PRIO_MAX, which Linux gives). */
    public static final int PRIORITY_LIMIT = MQ_PRIO_MAX;

    /** How a queue is opened. */
    public enum Access {
        /** O_RDONLY: receive only */
        READ,
        /** O_WRONLY: send only */
        WRITE,
        /** O_RDWR: both */
        READ_WRITE
    }

    /**
     * A queue's attributes (mq_getattr).
     *
     * @param maxMessages how many messages it holds (mq_maxmsg)
     * @param messageSize the most bytes a message has (mq_msgsize); a receive needs that much room
     * @param currentMessages how many are queued now (mq_curmsgs)
     */
    public record Attributes(long maxMessages, long messageSize, long currentMessages) {}

    private final String name;
    private final Access access;
    private final long messageSize;

    private MessageQueue(int fd, String name, Access access, long messageSize) {
        super(fd, "message queue " + name);
        this.name = name;
        this.access = access;
        this.messageSize = messageSize;
    }

    /**
     * Creates a new queue, readable and writable, mode 0600; fails if {@code name} exists.
     *
     * @param name "/" and up to 254 other characters, none of them "/"
     * @param maxMessages how many messages it holds, 1 to fs.mqueue.msg_max
     * @param messageSize the most bytes a message has, 1 to fs.mqueue.msgsize_max
     * @return the open queue
     * @throws IOException if mq_open fails: the message names the limit to raise where one is the cause
     */
    public static MessageQueue create(String name, long maxMessages, long messageSize) throws IOException {
        checkName(name);
        if (maxMessages < 1 || messageSize < 1) {
            throw new IllegalArgumentException("a queue holds at least 1 message of at least 1 byte, not " + maxMessages
                    + " of " + messageSize);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(Structs.MQ_ATTR);
            attr.set(JAVA_LONG, Structs.MQ_MAXMSG, maxMessages);
            attr.set(JAVA_LONG, Structs.MQ_MSGSIZE, messageSize);
            String call = "mq_open(" + name + ", O_CREAT|O_EXCL|O_RDWR, 0600, {maxmsg " + maxMessages + ", msgsize "
                    + messageSize + "})";
            int fd = IpcCalls.mqOpen(name, O_CREAT | O_EXCL | O_RDWR | O_NONBLOCK | O_CLOEXEC, 0600, attr);
            if (fd < 0) {
                throw Errno.exception(call, -fd, openHint(-fd, maxMessages, messageSize));
            }
            return new MessageQueue(fd, name, Access.READ_WRITE, messageSize);
        }
    }

    /**
     * Opens an existing queue.
     *
     * @param name the queue's name, "/" first
     * @param access whether to receive, send or both
     * @return the open queue
     * @throws IOException if mq_open fails (ENOENT: no such queue)
     */
    public static MessageQueue open(String name, Access access) throws IOException {
        checkName(name);
        Objects.requireNonNull(access, "access");
        int mode = switch (access) {
            case READ -> O_RDONLY;
            case WRITE -> O_WRONLY;
            case READ_WRITE -> O_RDWR;
        };
        int fd = IpcCalls.mqOpen(name, mode | O_NONBLOCK | O_CLOEXEC, 0, MemorySegment.NULL);
        if (fd < 0) {
            throw Errno.exception("mq_open(" + name + ", " + access + ")", -fd,
                    -fd == ENOENT ? "no queue has that name: create it first (MessageQueue.create)" : openHint(-fd, 0, 0));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(Structs.MQ_ATTR);
            Errno.check(IpcCalls.mqGetattr(fd, attr), "mq_getattr(" + name + ")");
            return new MessageQueue(fd, name, access, attr.get(JAVA_LONG, Structs.MQ_MSGSIZE));
        } catch (IOException | RuntimeException e) {
            IoCalls.close(fd);
            throw e;
        }
    }

    /**
     * Removes a queue's name (mq_unlink); the queue goes once the last descriptor of it is closed.
     *
     * @param name the queue's name
     * @return false when no queue has that name
     * @throws IOException if mq_unlink fails otherwise
     */
    public static boolean unlink(String name) throws IOException {
        checkName(name);
        int r = IpcCalls.mqUnlink(name);
        if (r == -ENOENT) {
            return false;
        }
        Errno.check(r, "mq_unlink(" + name + ")");
        return true;
    }

    private static void checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.length() < 2 || name.charAt(0) != '/' || name.indexOf('/', 1) >= 0 || name.length() > 255) {
            throw new IllegalArgumentException("a message queue's name is '/' and 1 to 254 more characters, none of them '/'"
                    + " (mq_overview(7)), not '" + name + "'");
        }
    }

    /** Which limit mq_open met, and how to raise it. */
    private static String openHint(int errno, long maxMessages, long messageSize) {
        return switch (errno) {
            case EINVAL -> "the queue asked for is larger than this process may create: at most fs.mqueue.msg_max ("
                    + Sysctl.read("fs.mqueue.msg_max") + ") messages of at most fs.mqueue.msgsize_max ("
                    + Sysctl.read("fs.mqueue.msgsize_max") + ") bytes, 65536 of 16777216 with CAP_SYS_RESOURCE; ask for less,"
                    + " or raise the sysctl (it asked for " + maxMessages + " of " + messageSize + ")";
            case ENOSPC -> "the system's queue limit is reached (fs.mqueue.queues_max is now " + Sysctl.read("fs.mqueue.queues_max")
                    + "; CAP_SYS_RESOURCE goes past it): unlink queues no longer used, or raise the sysctl";
            case EMFILE -> "either this user's queues would hold more than RLIMIT_MSGQUEUE bytes (" + messageQueueLimit()
                    + "; each queue counts its messages' size plus about 64 bytes of overhead per message): unlink some or "
                    + "raise the limit with ulimit -q; or the process is out of file descriptors: close some, or ulimit -n";
            case EEXIST -> "a queue has that name already: open it, or unlink it first";
            case EACCES -> "the queue exists with a mode that does not allow this access";
            default -> null;
        };
    }

    private static String messageQueueLimit() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment limit = arena.allocate(Structs.RLIMIT);
            return FileCalls.getrlimit(RLIMIT_MSGQUEUE, limit) < 0 ? "unknown"
                    : "now " + limit.get(JAVA_LONG, Structs.RLIMIT_CUR) + " bytes";
        }
    }

    /** {@return the queue's name: "/" and the rest} */
    public String name() {
        return name;
    }

    /** {@return how this descriptor was opened} */
    public Access access() {
        return access;
    }

    /** {@return the most bytes a message of this queue has: a receive's buffer needs this much room} */
    public long messageSize() {
        return messageSize;
    }

    /**
     * Sends the bytes from {@code message}'s position to its limit as one message, advancing the
     * position when sent.
     *
     * @param message the message, at most {@link #messageSize()} bytes (may be empty)
     * @param priority 0 (lowest) to {@link #PRIORITY_LIMIT} - 1
     * @return true when sent; false when the queue is full (wait until it is writable)
     * @throws IllegalArgumentException for a message longer than {@link #messageSize()} or a priority out of range
     * @throws IOException if mq_timedsend fails (EBADF: not opened for writing)
     */
    public boolean send(ByteBuffer message, int priority) throws IOException {
        if (priority < 0 || priority >= PRIORITY_LIMIT) {
            throw new IllegalArgumentException("a message's priority is 0 to " + (PRIORITY_LIMIT - 1) + ", not " + priority);
        }
        int length = message.remaining();
        if (length > messageSize) {
            throw new IllegalArgumentException("a message of " + name + " has at most " + messageSize + " bytes (mq_msgsize, "
                    + "set when the queue was created), not " + length);
        }
        int fd = acquire();
        try (Arena arena = length > ThreadScratch.MAX_BUFFER ? Arena.ofConfined() : null) {
            MemorySegment buffer = arena != null ? arena.allocate(length) : ThreadScratch.get().buffer(Math.max(length, 1));
            MemorySegment.copy(MemorySegment.ofBuffer(message), 0, buffer, 0, length);
            int r = IpcCalls.mqTimedsend(fd, buffer, length, priority, MemorySegment.NULL);
            if (r == -EAGAIN) {
                return false;
            }
            if (r < 0) {
                throw Errno.exception("mq_timedsend(" + name + ", " + length + " bytes, priority " + priority + ")", -r,
                        -r == EBADF ? "the queue is not open for writing (opened " + access + ")"
                                : -r == EMSGSIZE ? "the message is longer than the queue's mq_msgsize" : null);
            }
            message.position(message.position() + length);
            return true;
        } finally {
            release();
        }
    }

    /**
     * Receives the oldest message of the highest priority queued into {@code into}, advancing its
     * position by the message's length.
     *
     * @param into where the message goes: at least {@link #messageSize()} bytes must remain
     * @return the message's priority; -1 when the queue is empty (wait until it is readable)
     * @throws IllegalArgumentException when fewer than {@link #messageSize()} bytes remain in {@code into}
     * @throws IOException if mq_timedreceive fails (EBADF: not opened for reading)
     */
    public int receive(ByteBuffer into) throws IOException {
        checkWritable(into.isReadOnly());
        if (into.remaining() < messageSize) {
            throw new IllegalArgumentException("receiving from " + name + " needs room for its largest message, "
                    + messageSize + " bytes (mq_msgsize), and the buffer has " + into.remaining()
                    + " (mq_receive fails with EMSGSIZE otherwise)");
        }
        int fd = acquire();
        try (Arena arena = messageSize > ThreadScratch.MAX_BUFFER ? Arena.ofConfined() : null) {
            ThreadScratch scratch = ThreadScratch.get();
            MemorySegment buffer = arena != null ? arena.allocate(messageSize) : scratch.buffer(messageSize);
            MemorySegment priority = scratch.word;
            long n = IpcCalls.mqTimedreceive(fd, buffer, messageSize, priority, MemorySegment.NULL);
            if (n == -EAGAIN) {
                return -1;
            }
            if (n < 0) {
                throw Errno.exception("mq_timedreceive(" + name + ")", (int) -n,
                        n == -EBADF ? "the queue is not open for reading (opened " + access + ")" : null);
            }
            MemorySegment.copy(buffer, 0, MemorySegment.ofBuffer(into), 0, n);
            into.position(into.position() + (int) n);
            return priority.get(JAVA_INT, 0);
        } finally {
            release();
        }
    }

    /**
     * {@return the queue's attributes now, with how many messages are queued}
     *
     * @throws IOException if mq_getattr fails
     */
    public Attributes attributes() throws IOException {
        int fd = acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(Structs.MQ_ATTR);
            Errno.check(IpcCalls.mqGetattr(fd, attr), "mq_getattr(" + name + ")");
            return new Attributes(attr.get(JAVA_LONG, Structs.MQ_MAXMSG), attr.get(JAVA_LONG, Structs.MQ_MSGSIZE),
                    attr.get(JAVA_LONG, Structs.MQ_CURMSGS));
        } finally {
            release();
        }
    }

    /**
     * Asks the kernel to send {@code signal} to this process, once, when a message arrives in the
     * queue while it is empty and no one waits in a receive (mq_notify, SIGEV_SIGNAL). The
     * signal's siginfo has si_code SI_MESGQ, the sender's pid and uid, and {@code value}. Ask
     * again after each one: the request is used up by its signal. One process per queue may ask.
     *
     * <p>The signal goes to the process, so the process must handle it first: register
     * {@code loop.onSignal(signal, ...)}; a realtime signal's default action ends the JVM, so
     * this refuses a signal nothing handles.
     *
     * @param signal the signal to send
     * @param value the siginfo's value (si_value), to tell queues apart
     * @throws IllegalStateException when nothing in the process handles {@code signal}
     * @throws IOException if mq_notify fails (EBUSY: another process asked already)
     */
    public void notifyBy(Signal signal, long value) throws IOException {
        Objects.requireNonNull(signal, "signal");
        if (!SignalSet.handledByProcess().contains(signal)) {
            throw new IllegalStateException("mq_notify sends " + signal.name() + " to any thread of this process, and no handler"
                    + " is installed for it: its default action would end the JVM. Register loop.onSignal(" + signal.name()
                    + ", ...) first");
        }
        int fd = acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment event = arena.allocate(Structs.SIGEVENT);
            event.set(JAVA_INT, Structs.SIGEV_NOTIFY, SIGEV_SIGNAL);
            event.set(JAVA_INT, Structs.SIGEV_SIGNO, signal.number());
            event.set(JAVA_LONG, Structs.SIGEV_VALUE, value);
            int r = IpcCalls.mqNotify(fd, event);
            if (r < 0) {
                throw Errno.exception("mq_notify(" + name + ", SIGEV_SIGNAL " + signal.name() + ")", -r,
                        -r == EBUSY ? "another process has asked to be notified for this queue already" : null);
            }
        } finally {
            release();
        }
    }

    /**
     * Withdraws this process's {@link #notifyBy} request, if any.
     *
     * @throws IOException if mq_notify fails
     */
    public void stopNotifying() throws IOException {
        int fd = acquire();
        try {
            Errno.check(IpcCalls.mqNotify(fd, MemorySegment.NULL), "mq_notify(" + name + ", NULL)");
        } finally {
            release();
        }
    }
}

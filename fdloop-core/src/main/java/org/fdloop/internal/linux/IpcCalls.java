package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * POSIX message queues: mq_open, mq_unlink, mq_timedsend, mq_timedreceive, mq_getsetattr (as
 * glibc's mq_getattr and mq_setattr) and mq_notify. glibc has had them in libc itself since 2.34
 * (librt before); each is the system call of its name, and mq_open needs no /dev/mqueue mount. On
 * Linux a queue descriptor ({@code mqd_t}) is a file descriptor that epoll can wait on. Each
 * returns its result or {@code -errno} (see {@link LibC}).
 */
public final class IpcCalls {
    private IpcCalls() {}

    private static final class MqOpen { static final MethodHandle HANDLE = LibC.bindVariadic("mq_open", 2, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS); }
    private static final class MqUnlink { static final MethodHandle HANDLE = LibC.bind("mq_unlink", JAVA_INT, ADDRESS); }
    private static final class MqTimedsend { static final MethodHandle HANDLE = LibC.bind("mq_timedsend", JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS); }
    private static final class MqTimedreceive { static final MethodHandle HANDLE = LibC.bind("mq_timedreceive", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS); }
    private static final class MqGetattr { static final MethodHandle HANDLE = LibC.bind("mq_getattr", JAVA_INT, JAVA_INT, ADDRESS); }
    private static final class MqSetattr { static final MethodHandle HANDLE = LibC.bind("mq_setattr", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS); }
    private static final class MqNotify { static final MethodHandle HANDLE = LibC.bind("mq_notify", JAVA_INT, JAVA_INT, ADDRESS); }

    /**
     * mq_open(3) with O_CREAT's mode and a {@link Structs#MQ_ATTR} (NULL: the defaults,
     * fs.mqueue.msg_default and msgsize_default): the queue's descriptor, or -errno.
     */
    public static int mqOpen(String name, int flags, int mode, MemorySegment attributes) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) MqOpen.HANDLE.invokeExact(arena.allocateFrom(name), flags, mode, attributes);
        } catch (Throwable t) {
            throw LibC.unexpected("mq_open", t);
        }
    }

    /** mq_unlink(3): 0, or -errno. */
    public static int mqUnlink(String name) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) MqUnlink.HANDLE.invokeExact(arena.allocateFrom(name));
        } catch (Throwable t) {
            throw LibC.unexpected("mq_unlink", t);
        }
    }

    /** mq_timedsend(3) with an absolute CLOCK_REALTIME {@link Structs#TIMESPEC} (NULL: none): 0, or -errno. */
    public static int mqTimedsend(int mqd, MemorySegment message, long length, int priority, MemorySegment deadline) {
        try {
            return (int) MqTimedsend.HANDLE.invokeExact(mqd, message, length, priority, deadline);
        } catch (Throwable t) {
            throw LibC.unexpected("mq_timedsend", t);
        }
    }

    /** mq_timedreceive(3): the message's length (its priority into {@code priority}, an int), or -errno. */
    public static long mqTimedreceive(int mqd, MemorySegment buffer, long length, MemorySegment priority, MemorySegment deadline) {
        try {
            return (long) MqTimedreceive.HANDLE.invokeExact(mqd, buffer, length, priority, deadline);
        } catch (Throwable t) {
            throw LibC.unexpected("mq_timedreceive", t);
        }
    }

    /** mq_getattr(3) into a {@link Structs#MQ_ATTR}: 0, or -errno. */
    public static int mqGetattr(int mqd, MemorySegment attributes) {
        try {
            return (int) MqGetattr.HANDLE.invokeExact(mqd, attributes);
        } catch (Throwable t) {
            throw LibC.unexpected("mq_getattr", t);
        }
    }

    /** mq_setattr(3): only mq_flags' O_NONBLOCK changes; the old attributes into {@code old} (may be NULL). 0, or -errno. */
    public static int mqSetattr(int mqd, MemorySegment attributes, MemorySegment old) {
        try {
            return (int) MqSetattr.HANDLE.invokeExact(mqd, attributes, old);
        } catch (Throwable t) {
            throw LibC.unexpected("mq_setattr", t);
        }
    }

    /** mq_notify(3) with a {@link Structs#SIGEVENT} (NULL: unregister): 0, or -errno. */
    public static int mqNotify(int mqd, MemorySegment event) {
        try {
            return (int) MqNotify.HANDLE.invokeExact(mqd, event);
        } catch (Throwable t) {
            throw LibC.unexpected("mq_notify", t);
        }
    }
}

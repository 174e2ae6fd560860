package org.fdloop.internal.linux;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;

/**
 * How fdloop calls libc, once: the binding of a function and the one error convention that every
 * wrapper answers in. The wrappers, one per system call or libc function and named after it, live
 * by area: {@link IoCalls} (the data path, the waits, epoll), {@link FileCalls} (files, pipes,
 * terminals, limits), {@link EventCalls} (eventfd, timerfd, clocks, signalfd, inotify, pidfd),
 * {@link ProcessCalls} (processes, threads, signals, memory), {@link SocketCalls} and
 * {@link DeviceCalls} (ioctl: terminals, serial ports, input devices, GPIO).
 *
 * <p>The convention, as libuv's and the kernel's own: a wrapper returns its result, or
 * {@code -errno} when the call failed; it never throws for an errno. The caller, who knows the
 * arguments that make a message useful (the path, the address, the descriptor's name), turns
 * {@code -errno} into a {@link org.fdloop.fd.LinuxException} with {@link Errno#check} or
 * {@link Errno#exception}, and only when the call failed. EAGAIN costs no exception, and a wrapper
 * never builds a message.
 *
 * <p>A function that sets errno is bound with {@link #bind}, whose handle captures errno and
 * answers {@code -errno} where the function answered -1: {@link #resultOrErrno} is the one place
 * that reads errno. A function that returns its error number instead (the pthread functions,
 * {@code ptsname_r}) is bound with {@link #bindReturningError}, which answers {@code -error}. The
 * data path and the loop's own calls are not libc calls but system calls, made through
 * {@link Syscalls} in the same convention (see {@link Direct}).
 *
 * <p>A wrapper class binds each function when it is first called, not when the class is loaded:
 * each handle is the constant of a small holder class of its own ({@code Getpid.HANDLE}), which the
 * JVM initializes at its first use and the JIT folds as any constant. Making a downcall handle
 * costs milliseconds at start, so a command that calls five functions of a class no longer pays
 * for its fifteen.
 */
public final class LibC {
    private LibC() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final long ERRNO_OFFSET = Linker.Option.captureStateLayout().byteOffset(groupElement("errno"));

    static {
        // fail at first use on an unknown architecture, before any struct is read
        Arch current = Arch.CURRENT;
        assert current != null;
    }

    private static final MethodHandle ERRNO_SLOT;
    private static final MethodHandle INT_OR_ERRNO;
    private static final MethodHandle LONG_OR_ERRNO;
    private static final MethodHandle ADDRESS_OR_ERRNO;
    private static final MethodHandle NEGATE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            ERRNO_SLOT = lookup.findStatic(LibC.class, "errnoSlot", MethodType.methodType(MemorySegment.class));
            INT_OR_ERRNO = lookup.findStatic(LibC.class, "resultOrErrno",
                    MethodType.methodType(int.class, int.class, MemorySegment.class));
            LONG_OR_ERRNO = lookup.findStatic(LibC.class, "resultOrErrno",
                    MethodType.methodType(long.class, long.class, MemorySegment.class));
            ADDRESS_OR_ERRNO = lookup.findStatic(LibC.class, "resultOrErrno",
                    MethodType.methodType(long.class, MemorySegment.class, MemorySegment.class));
            NEGATE = lookup.findStatic(LibC.class, "negate", MethodType.methodType(int.class, int.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // ---- the convention -----------------------------------------------------------------------

    /** An int function's answer: its result, or -errno where it answered -1. */
    private static int resultOrErrno(int result, MemorySegment errno) {
        return result == -1 ? -errno.get(JAVA_INT, ERRNO_OFFSET) : result;
    }

    /** A long function's (or syscall(3)'s) answer: its result, or -errno where it answered -1. */
    private static long resultOrErrno(long result, MemorySegment errno) {
        return result == -1 ? -errno.get(JAVA_INT, ERRNO_OFFSET) : result;
    }

    /** A pointer function's answer (mmap): the address, or -errno where it answered (void *) -1. */
    private static long resultOrErrno(MemorySegment result, MemorySegment errno) {
        return result.address() == -1L ? -errno.get(JAVA_INT, ERRNO_OFFSET) : result.address();
    }

    private static int negate(int error) {
        return -error;
    }

    /** This thread's errno capture slot. */
    private static MemorySegment errnoSlot() {
        return ThreadScratch.get().errno;
    }

    /**
     * {@code captured}, a downcall handle {@code (MemorySegment errno, args...) -> r} made with
     * {@code captureCallState("errno")}, as {@code (args...) -> r or -errno}: this thread's errno
     * slot goes first, and the answer is read from the result and the slot. An int function
     * answers an int, a long or pointer function a long.
     */
    static MethodHandle answeringErrno(MethodHandle captured) {
        Class<?> result = captured.type().returnType();
        MethodHandle answer = result == int.class ? INT_OR_ERRNO : result == long.class ? LONG_OR_ERRNO : ADDRESS_OR_ERRNO;
        List<Class<?>> arguments = captured.type().parameterList().subList(1, captured.type().parameterCount());
        // (r, MemorySegment errno, args...) -> answer
        MethodHandle fromResult = MethodHandles.dropArguments(answer, 2, arguments);
        // (MemorySegment errno, args...): the call, then the answer from its result and errno
        MethodHandle call = MethodHandles.foldArguments(fromResult, 0, captured);
        // (args...)
        return MethodHandles.foldArguments(call, 0, ERRNO_SLOT);
    }

    // ---- binding ------------------------------------------------------------------------------

    /** A function that sets errno: {@code (args...) -> result or -errno} (see {@link #answeringErrno}). */
    static MethodHandle bind(String name, MemoryLayout result, MemoryLayout... arguments) {
        return answeringErrno(LINKER.downcallHandle(symbol(name), FunctionDescriptor.of(result, arguments), CAPTURE_ERRNO));
    }

    /** {@link #bind} for a variadic function whose variadic arguments start at {@code firstVariadic}. */
    static MethodHandle bindVariadic(String name, int firstVariadic, MemoryLayout result, MemoryLayout... arguments) {
        return answeringErrno(LINKER.downcallHandle(symbol(name), FunctionDescriptor.of(result, arguments), CAPTURE_ERRNO,
                Linker.Option.firstVariadicArg(firstVariadic)));
    }

    /** A function that returns 0 or its error number: {@code (args...) -> 0 or -error}. */
    static MethodHandle bindReturningError(String name, MemoryLayout... arguments) {
        return MethodHandles.filterReturnValue(bindPlain(name, FunctionDescriptor.of(JAVA_INT, arguments)), NEGATE);
    }

    /** A function that cannot fail (getpid, cfmakeraw), bound as it is. */
    static MethodHandle bindPlain(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor);
    }

    /** A {@code const char *f(int)} function that may be missing from this libc; null if it is. */
    static MethodHandle optional(String name) {
        return LOOKUP.find(name)
                .map(s -> LINKER.downcallHandle(s, FunctionDescriptor.of(ADDRESS, JAVA_INT)))
                .orElse(null);
    }

    private static MemorySegment symbol(String name) {
        return LOOKUP.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
                "libc has no " + name + ": fdloop needs glibc 2.28 or newer"));
    }

    /** An error that is not the system call's: a bug in a binding, never an errno. */
    static IllegalStateException unexpected(String function, Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("calling " + function + " failed in the Java binding: " + t, t);
    }
}

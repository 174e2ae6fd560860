package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.fdloop.fd.LinuxException;

/**
 * System calls made without libc, for the calls on the data path: a stub of machine code moves
 * its arguments into the kernel's registers, traps, and returns what the kernel returned, which
 * is the result or {@code -errno}. Every handle made here has the type
 * {@code (long number, args...) -> long} and answers in that one convention.
 *
 * <p>Why not glibc's {@code syscall(3)} with the linker capturing errno: the capture is a second
 * native step after each call, and the JDK slices the capture segment anew for every call
 * ({@code SharedUtils.checkCaptureSegment}), 40 bytes that only escape analysis removes. Where the
 * JIT does not inline the whole downcall (a polluted profile, a caller grown too big), every
 * read, write, sendto and recvfrom allocated, and a CI run saw it. The stub sets no errno, so
 * there is nothing to capture and nothing to allocate, whatever the JIT decides.
 *
 * <pre>
 * long stub(long number, long a1, long a2, long a3, long a4, long a5, long a6)
 * x86_64:  rax = rdi; rdi = rsi; rsi = rdx; rdx = rcx; r10 = r8; r8 = r9; r9 = [rsp + 8]; syscall; ret
 * aarch64: x8 = x0; x0 = x1; ... x5 = x6; svc #0; ret
 * </pre>
 *
 * <p>A call with fewer arguments leaves the rest as whatever the registers (or, on x86_64, the
 * caller's stack slot) held; the kernel does not read arguments a call does not have.
 *
 * <p>Where the process may not map executable memory (a W^X policy), or with
 * {@code -Dfdloop.directSyscalls=false}, the same handles go through glibc's {@code syscall(3)}
 * with errno captured and turned into {@code -errno}: callers never see the difference, but for
 * the allocation above. {@link #unavailableReason()} says which it is.
 */
public final class Syscalls {
    private Syscalls() {}

    /** The system property that turns the stub off: {@code -Dfdloop.directSyscalls=false}. */
    public static final String PROPERTY = "fdloop.directSyscalls";

    private static final Linker LINKER = Linker.nativeLinker();
    private static final String UNAVAILABLE;
    private static final MemorySegment STUB;

    static {
        String reason = null;
        MemorySegment stub = null;
        String setting = System.getProperty(PROPERTY, "true");
        if (setting.equalsIgnoreCase("false") || setting.equalsIgnoreCase("off")) {
            reason = "it is turned off with -D" + PROPERTY + "=" + setting;
        } else {
            try {
                stub = mapExecutable(code(Arch.CURRENT), "the system call stub");
            } catch (LinuxException e) {
                reason = "this process may not map executable memory (" + e.getMessage() + ")";
            }
        }
        UNAVAILABLE = reason;
        STUB = stub;
    }

    /**
     * Why system calls go through glibc's {@code syscall(3)} in this JVM, or null when they go
     * through fdloop's stub.
     */
    public static String unavailableReason() {
        return UNAVAILABLE;
    }

    /**
     * A handle {@code (long number, args...) -> long} for system calls with these argument
     * layouts (each {@code JAVA_LONG} or {@code ADDRESS}, at most six), returning the result or
     * {@code -errno}.
     */
    public static MethodHandle handle(MemoryLayout... arguments) {
        return firstCalled(STUB != null ? direct(false, arguments) : viaLibc(false, arguments));
    }

    /**
     * {@link #handle} as a critical downcall (no thread-state change): ONLY for calls that never
     * sleep in the kernel, as a critical call that blocks stalls every garbage collection.
     */
    public static MethodHandle criticalHandle(MemoryLayout... arguments) {
        return firstCalled(STUB != null ? direct(true, arguments) : viaLibc(true, arguments));
    }

    /**
     * Calls {@code handle} once with system call number -1, which every kernel answers with
     * ENOSYS and nothing else, and returns it. Two reasons: it checks the stub where it is made,
     * and a downcall handle's first call takes away the class-initialization barrier in its
     * lambda form. A caller that the JIT compiles before that first call keeps the barrier, and
     * with it an allocation per call that only escape analysis removes.
     */
    static MethodHandle firstCalled(MethodHandle handle) {
        Object[] arguments = new Object[handle.type().parameterCount()];
        arguments[0] = -1L;
        for (int i = 1; i < arguments.length; i++) {
            arguments[i] = handle.type().parameterType(i) == long.class ? (Object) 0L : MemorySegment.NULL;
        }
        long answer;
        try {
            answer = (long) handle.invokeWithArguments(arguments);
        } catch (Throwable t) {
            throw new IllegalStateException("system call -1 through " + handle + " failed", t);
        }
        if (answer != -Constants.ENOSYS) {
            throw new IllegalStateException("system call -1 (which does not exist) answered " + answer + ", not -ENOSYS ("
                    + -Constants.ENOSYS + "): the system call stub for " + Arch.CURRENT + " is wrong");
        }
        return handle;
    }

    /** Through the stub; for tests, which compare it with {@link #viaLibc}. */
    static MethodHandle direct(boolean critical, MemoryLayout... arguments) {
        if (STUB == null) {
            throw new IllegalStateException("the system call stub cannot be used: " + UNAVAILABLE);
        }
        return LINKER.downcallHandle(STUB, descriptor(arguments), options(critical));
    }

    /** Through glibc's {@code syscall(3)}, errno captured and returned as {@code -errno}. */
    static MethodHandle viaLibc(boolean critical, MemoryLayout... arguments) {
        List<Linker.Option> options = new ArrayList<>(List.of(options(critical)));
        options.add(Linker.Option.captureCallState("errno"));
        options.add(Linker.Option.firstVariadicArg(1));
        MemorySegment syscall = LINKER.defaultLookup().find("syscall")
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no syscall: fdloop needs glibc 2.28 or newer"));
        // (MemorySegment errno, long number, args...) -> long, -1 with errno set on failure
        MethodHandle captured = LINKER.downcallHandle(syscall, descriptor(arguments), options.toArray(Linker.Option[]::new));
        return LibC.answeringErrno(captured);
    }

    /**
     * Maps {@code code} into a page of its own that is executable and no longer writable: mmap(2)
     * read-write, the copy, then mprotect(2) to read-execute, so the page is never writable and
     * executable at once. The page stays mapped for the life of the process. {@code what} names
     * the code for the error, which is what a W^X policy (SELinux's execmem, a seccomp filter)
     * answers.
     */
    static MemorySegment mapExecutable(byte[] code, String what) throws LinuxException {
        long length = code.length;
        long address = ProcessCalls.mmap(length, Constants.PROT_READ | Constants.PROT_WRITE,
                Constants.MAP_PRIVATE | Constants.MAP_ANONYMOUS, -1, 0L);
        if (address < 0) {
            throw Errno.exception("mmap(" + length + ", PROT_READ|PROT_WRITE) for " + what, (int) -address);
        }
        MemorySegment page = MemorySegment.ofAddress(address).reinterpret(length);
        MemorySegment.copy(code, 0, page, ValueLayout.JAVA_BYTE, 0, code.length);
        Errno.check(ProcessCalls.mprotect(page, length, Constants.PROT_READ | Constants.PROT_EXEC),
                "mprotect(" + what + ", PROT_READ|PROT_EXEC)");
        return page;
    }

    private static FunctionDescriptor descriptor(MemoryLayout... arguments) {
        if (arguments.length > 6) {
            throw new IllegalArgumentException("a system call takes at most 6 arguments, not " + arguments.length);
        }
        for (MemoryLayout argument : arguments) {
            // an int would leave the register's upper half undefined: the kernel reads whole registers
            if (!argument.equals(JAVA_LONG) && !argument.equals(ADDRESS)) {
                throw new IllegalArgumentException("system call arguments are JAVA_LONG or ADDRESS, not " + argument);
            }
        }
        MemoryLayout[] all = new MemoryLayout[arguments.length + 1];
        all[0] = JAVA_LONG;
        System.arraycopy(arguments, 0, all, 1, arguments.length);
        return FunctionDescriptor.of(JAVA_LONG, all);
    }

    private static Linker.Option[] options(boolean critical) {
        return critical ? new Linker.Option[] {Linker.Option.critical(false)} : new Linker.Option[0];
    }

    /** The stub's machine code for {@code arch}. */
    static byte[] code(Arch arch) {
        return switch (arch) {
            case X86_64 -> SignalHandlerCode.bytes(
                    0x48, 0x89, 0xf8,               // mov rax, rdi          ; the number
                    0x48, 0x89, 0xf7,               // mov rdi, rsi
                    0x48, 0x89, 0xd6,               // mov rsi, rdx
                    0x48, 0x89, 0xca,               // mov rdx, rcx
                    0x4d, 0x89, 0xc2,               // mov r10, r8           ; the kernel's 4th is r10, not rcx
                    0x4d, 0x89, 0xc8,               // mov r8, r9
                    0x4c, 0x8b, 0x4c, 0x24, 0x08,   // mov r9, [rsp + 8]     ; the 7th C argument is on the stack
                    0x0f, 0x05,                     // syscall               ; clobbers rcx and r11, both caller-saved
                    0xc3);                          // ret                   ; rax: the result or -errno
            case AARCH64 -> {
                ByteBuffer b = ByteBuffer.allocate(9 * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(0xaa0003e8);               // mov x8, x0            ; the number
                for (int register = 0; register < 6; register++) {
                    b.putInt(0xaa0003e0 | (register + 1) << 16 | register); // mov x<r>, x<r+1>
                }
                b.putInt(0xd4000001);               // svc #0                ; x0: the result or -errno
                b.putInt(0xd65f03c0);               // ret
                yield b.array();
            }
        };
    }

}

package org.fdloop.internal.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The machine code of fdloop's native signal handler, per architecture: what
 * {@code void handler(int signo, siginfo_t *info, void *ucontext)} does when the kernel runs it
 * for a process-directed signal, on whatever thread the kernel picked.
 *
 * <pre>
 * if (table.steer &amp; 1 &lt;&lt; (signo - 1)) {           // the main thread is to block signo
 *     if (gettid() == table.main) {                   // and this is the main thread
 *         ucontext-&gt;uc_sigmask |= 1 &lt;&lt; (signo - 1);  // it blocks signo once the handler returns
 *         table.steer &amp;= ~(1 &lt;&lt; (signo - 1));      // atomic: done
 *     }
 * }
 * active += 1;                                  // atomic: a full barrier before the slots are read
 * for (entry = &amp;table.slots[signo][0]; entry != &amp;table.slots[signo][SLOTS]; entry++) {
 *     if (entry-&gt;fd &lt; 0) continue;              // a free slot, or one being emptied
 *     entry-&gt;sent += 1;                         // atomic
 *     write(entry-&gt;fd, info, 128);              // raw syscall; its result is dropped
 * }
 * active -= 1;                                  // atomic
 * </pre>
 *
 * <p>The first part is how fdloop makes the process's main thread block a signal (see
 * {@link NativeSignalHandler#blockInMainThread}): a signal mask can only be changed by its own
 * thread, and the mask a handler returns to is the one in its ucontext. It acts on a signal that
 * was sent anyway, the next one the kernel gives the main thread, which is written to the pipes
 * like every other: fdloop sends no signal of its own, so none can be mistaken for one a
 * process sent (a request of its own, sent when the kernel's queue of pending signals is full,
 * would arrive without its siginfo, as a plain signal from pid 0). The {@code gettid} system
 * call is made only while a bit of {@code steer} is set, that is until the main thread took the
 * signal once.
 *
 * <p>No libc, no errno (nothing that sets it is called), no JVM code, no stack: it touches only
 * the registers the C calling convention lets a function clobber (x86_64: rax, rcx, rdx, rsi,
 * rdi, r8-r11; aarch64: x0-x2, x8-x15), and the kernel restores every register of the
 * interrupted code at sigreturn anyway. A failed write (EAGAIN: the loop's pipe is full; EBADF
 * cannot happen, see {@link NativeSignalHandler}) loses the record but not the count in
 * {@code sent}, from which the loop learns how many were lost.
 *
 * <p>The table: {@code active} (a long) at offset 0, {@code steer} (a long, bit {@code signo - 1}
 * for each signal) at {@link #STEER_OFFSET}, {@code main} (an int, the main thread's id, which
 * is the process id) at {@link #MAIN_OFFSET}; from {@link #SLOTS_OFFSET}, for each signal number
 * 0..64, {@link #SLOTS} entries of 16 bytes: {@code int fd} at 0, {@code long sent} at 8.
 */
public final class SignalHandlerCode {
    private SignalHandlerCode() {}

    /** Loops (pipes) one signal can be written to. */
    public static final int SLOTS = 8;
    /** Bytes of one entry: {@code int fd; int pad; long sent}. */
    public static final int ENTRY_BYTES = 16;
    /** Where the long whose bit {@code signo - 1} asks the main thread to block {@code signo} is. */
    public static final int STEER_OFFSET = 8;
    /** Where the int that holds the main thread's id (the process id) is. */
    public static final int MAIN_OFFSET = 16;
    /** Where signal 0's entries start; {@code active} is the long at 0. */
    public static final int SLOTS_OFFSET = 64;
    /** The whole table: the header and the entries of signals 0 to 64. */
    public static final int TABLE_BYTES = SLOTS_OFFSET + (Constants.NSIG * SLOTS * ENTRY_BYTES);

    static {
        if (SLOTS * ENTRY_BYTES != 128 || SLOTS_OFFSET != 64 || STEER_OFFSET != 8 || MAIN_OFFSET != 16) {
            throw new AssertionError("the machine code below computes slots[signo] as table + 64 + signo * 128, "
                    + "and reads steer at table + 8 and main at table + 16");
        }
    }

    /** The handler for {@code arch}, with the table at address {@code table}. */
    public static byte[] forArch(Arch arch, long table) {
        return switch (arch) {
            case X86_64 -> x86_64(table);
            case AARCH64 -> aarch64(table);
        };
    }

    /**
     * x86_64. {@code lock inc} is the atomic add (and, being locked, the full barrier); r8, r9 and
     * r10 survive the syscall, which clobbers only rax, rcx and r11 (so do rdi, rsi and rdx).
     */
    static byte[] x86_64(long table) {
        ByteBuffer b = ByteBuffer.allocate(0x88).order(ByteOrder.LITTLE_ENDIAN);
        b.put(bytes(0x49, 0xb8)).putLong(table);               // movabs r8, table
        b.put(bytes(0x8d, 0x4f, 0xff));                         // lea ecx, [rdi - 1]
        b.put(bytes(0x49, 0x0f, 0xa3, 0x48, STEER_OFFSET));     // bt qword [r8 + 8], rcx       ; steer
        b.put(bytes(0x73, 0x1e));                               // jae 32
        b.put(bytes(0xb8)).putInt(Arch.X86_64.sysGettid);           // mov eax, SYS_gettid
        b.put(bytes(0x0f, 0x05));                               // syscall
        b.put(bytes(0x41, 0x3b, 0x40, MAIN_OFFSET));            // cmp eax, dword [r8 + 16]     ; main
        b.put(bytes(0x75, 0x11));                               // jne 32
        b.put(bytes(0x8d, 0x4f, 0xff));                         // lea ecx, [rdi - 1]
        b.put(bytes(0x48, 0x0f, 0xab, 0x8a)).putInt(Arch.X86_64.ucSigmask); // bts [rdx + uc_sigmask], rcx
        b.put(bytes(0xf0, 0x49, 0x0f, 0xb3, 0x48, STEER_OFFSET)); // lock btr qword [r8 + 8], rcx
        b.put(bytes(0x48, 0xb8)).putLong(table);               // 32: movabs rax, table
        b.put(bytes(0xf0, 0x48, 0xff, 0x00));                   // lock inc qword [rax]         ; active++
        b.put(bytes(0x49, 0x89, 0xf2));                         // mov r10, rsi                 ; info
        b.put(bytes(0x89, 0xf9));                               // mov ecx, edi                 ; signo
        b.put(bytes(0x48, 0xc1, 0xe1, 0x07));                   // shl rcx, 7
        b.put(bytes(0x4c, 0x8d, 0x44, 0x08, SLOTS_OFFSET));     // lea r8, [rax + rcx + 64]     ; first entry
        b.put(bytes(0x4d, 0x8d, 0x88, 0x80, 0x00, 0x00, 0x00)); // lea r9, [r8 + 128]           ; past the last
        b.put(bytes(0x41, 0x8b, 0x38));                         // 55: mov edi, dword [r8]      ; fd
        b.put(bytes(0x85, 0xff));                               // test edi, edi
        b.put(bytes(0x78, 0x14));                               // js 70
        b.put(bytes(0xf0, 0x49, 0xff, 0x40, 0x08));             // lock inc qword [r8 + 8]      ; sent++
        b.put(bytes(0xb8)).putInt(Arch.X86_64.sysWrite);            // mov eax, SYS_write
        b.put(bytes(0x4c, 0x89, 0xd6));                         // mov rsi, r10
        b.put(bytes(0xba, 0x80, 0x00, 0x00, 0x00));             // mov edx, 128
        b.put(bytes(0x0f, 0x05));                               // syscall
        b.put(bytes(0x49, 0x83, 0xc0, ENTRY_BYTES));            // 70: add r8, 16
        b.put(bytes(0x4d, 0x39, 0xc8));                         // cmp r8, r9
        b.put(bytes(0x75, 0xdc));                               // jne 55
        b.put(bytes(0x48, 0xb8)).putLong(table);               // movabs rax, table
        b.put(bytes(0xf0, 0x48, 0xff, 0x08));                   // lock dec qword [rax]         ; active--
        b.put(bytes(0xc3));                                     // ret
        return finish(b);
    }

    /**
     * aarch64. Exclusive load/store loops do the atomic adds (ARMv8.0 has no single-instruction
     * add; LSE's ldadd is ARMv8.1), and {@code dmb ish} orders the store to {@code active} before
     * the loads of the slots. {@code svc} changes only x0.
     */
    static byte[] aarch64(long table) {
        ByteBuffer b = ByteBuffer.allocate(0xe8).order(ByteOrder.LITTLE_ENDIAN);
        int sigmask = Arch.AARCH64.ucSigmask / 8 << 10;         // ldr/str's scaled offset
        movTable(b, table);     //     movz/movk x9, table
        b.putInt(0x5100040a);   //     sub w10, w0, #1
        b.putInt(0xf940052b);   //     ldr x11, [x9, #8]           ; steer
        b.putInt(0x9aca256b);   //     lsr x11, x11, x10
        b.putInt(0x3600024b);   //     tbz w11, #0, 64
        b.putInt(0x2a0003ec);   //     mov w12, w0                 ; signo, kept over the svc
        b.putInt(0xd2800000 | Arch.AARCH64.sysGettid << 5 | 8);    // mov x8, #SYS_gettid
        b.putInt(0xd4000001);   //     svc #0
        b.putInt(0xb940112b);   //     ldr w11, [x9, #16]          ; main
        b.putInt(0x6b0b001f);   //     cmp w0, w11
        b.putInt(0x2a0c03e0);   //     mov w0, w12
        b.putInt(0x54000161);   //     b.ne 64
        b.putInt(0xd280002b);   //     mov x11, #1
        b.putInt(0x9aca216b);   //     lsl x11, x11, x10
        b.putInt(0xf940004c | sigmask);   // ldr x12, [x2, #uc_sigmask]
        b.putInt(0xaa0b018c);   //     orr x12, x12, x11
        b.putInt(0xf900004c | sigmask);   // str x12, [x2, #uc_sigmask]
        b.putInt(0x9100212f);   //     add x15, x9, #8
        b.putInt(0xc85f7dec);   // 54: ldxr x12, [x15]             ; steer &= ~bit
        b.putInt(0x8a2b018c);   //     bic x12, x12, x11
        b.putInt(0xc80e7dec);   //     stxr w14, x12, [x15]
        b.putInt(0x35ffffae);   //     cbnz w14, 54
        movTable(b, table);     // 64: movz/movk x9, table
        b.putInt(0xc85ffd2a);   // 74: ldaxr x10, [x9]             ; active++
        b.putInt(0x9100054a);   //     add x10, x10, #1
        b.putInt(0xc80bfd2a);   //     stlxr w11, x10, [x9]
        b.putInt(0x35ffffab);   //     cbnz w11, 74
        b.putInt(0xd5033bbf);   //     dmb ish
        b.putInt(0xaa0103ec);   //     mov x12, x1                 ; info
        b.putInt(0x2a0003ed);   //     mov w13, w0                 ; signo, zero-extended
        b.putInt(0x8b0d1d2d);   //     add x13, x9, x13, lsl #7
        b.putInt(0x910101ad);   //     add x13, x13, #64           ; first entry
        b.putInt(0x910201ae);   //     add x14, x13, #128          ; past the last
        b.putInt(0xb94001a0);   // 9c: ldr w0, [x13]               ; fd
        b.putInt(0x37f80140);   //     tbnz w0, #31, c8
        b.putInt(0x910021af);   //     add x15, x13, #8
        b.putInt(0xc85f7dea);   // a8: ldxr x10, [x15]             ; sent++
        b.putInt(0x9100054a);   //     add x10, x10, #1
        b.putInt(0xc80b7dea);   //     stxr w11, x10, [x15]
        b.putInt(0x35ffffab);   //     cbnz w11, a8
        b.putInt(0xaa0c03e1);   //     mov x1, x12
        b.putInt(0xd2801002);   //     mov x2, #128
        b.putInt(0xd2800000 | Arch.AARCH64.sysWrite << 5 | 8);     // mov x8, #SYS_write
        b.putInt(0xd4000001);   //     svc #0
        b.putInt(0x910041ad);   // c8: add x13, x13, #16
        b.putInt(0xeb0e01bf);   //     cmp x13, x14
        b.putInt(0x54fffe61);   //     b.ne 9c
        b.putInt(0xc85f7d2a);   // d4: ldxr x10, [x9]              ; active--
        b.putInt(0xd100054a);   //     sub x10, x10, #1
        b.putInt(0xc80bfd2a);   //     stlxr w11, x10, [x9]       ; release: after the writes
        b.putInt(0x35ffffab);   //     cbnz w11, d4
        b.putInt(0xd65f03c0);   //     ret
        return finish(b);
    }

    /** movz/movk x9: the table's address, 16 bits at a time. */
    private static void movTable(ByteBuffer b, long table) {
        for (int shift = 0; shift < 4; shift++) {
            int imm = (int) (table >>> (16 * shift)) & 0xffff;
            b.putInt((shift == 0 ? 0xd2800000 : 0xf2800000) | shift << 21 | imm << 5 | 9);
        }
    }

    /** The low byte of each value: machine code written as it is listed. */
    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] finish(ByteBuffer b) {
        if (b.hasRemaining()) {
            throw new AssertionError("the handler is " + b.position() + " bytes, not " + b.capacity());
        }
        return b.array();
    }
}

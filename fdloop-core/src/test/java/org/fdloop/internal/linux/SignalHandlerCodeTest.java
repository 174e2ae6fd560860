package org.fdloop.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.fdloop.testing.Disassembler;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native signal handler's machine code ({@link SignalHandlerCode}), checked by disassembling
 * it with binutils for each architecture ({@link Disassembler}) and comparing it with its listing,
 * instruction by instruction. {@link MachineCodeRunTest} runs the same code (the aarch64 code
 * under qemu); this test says which instruction is wrong.
 */
@ExtendWith(NoFdLeaks.class)
class SignalHandlerCodeTest {
    /** A table address whose every byte differs, so that a misplaced byte shows. */
    private static final long TABLE = 0x1122334455667788L;

    /** What the x86_64 code must be, as {@code objdump -M intel} prints it. */
    private static final List<String> X86_64 = List.of(
            "movabs r8,0x1122334455667788",
            "lea ecx,[rdi-0x1]",
            "bt QWORD PTR [r8+0x8],rcx",          // is the main thread to block signo?
            "jae 0x32",
            "mov eax,0xba",                       // SYS_gettid
            "syscall",
            "cmp eax,DWORD PTR [r8+0x10]",        // is this the main thread?
            "jne 0x32",
            "lea ecx,[rdi-0x1]",
            "bts QWORD PTR [rdx+0x128],rcx",      // uc_sigmask |= 1 << (signo - 1)
            "lock btr QWORD PTR [r8+0x8],rcx",    // done
            "movabs rax,0x1122334455667788",       // 0x32: the signal, to deliver
            "lock inc QWORD PTR [rax]",
            "mov r10,rsi",
            "mov ecx,edi",
            "shl rcx,0x7",
            "lea r8,[rax+rcx*1+0x40]",
            "lea r9,[r8+0x80]",
            "mov edi,DWORD PTR [r8]",            // 0x55: the loop over the signal's slots
            "test edi,edi",
            "js 0x70",
            "lock inc QWORD PTR [r8+0x8]",
            "mov eax,0x1",                       // SYS_write
            "mov rsi,r10",
            "mov edx,0x80",                      // 128 bytes of siginfo_t
            "syscall",
            "add r8,0x10",                       // 0x70
            "cmp r8,r9",
            "jne 0x55",
            "movabs rax,0x1122334455667788",
            "lock dec QWORD PTR [rax]",
            "ret");

    /** What the aarch64 code must be, as {@code aarch64-linux-gnu-objdump} prints it. */
    private static final List<String> AARCH64 = List.of(
            "mov x9, #0x7788",
            "movk x9, #0x5566, lsl #16",
            "movk x9, #0x3344, lsl #32",
            "movk x9, #0x1122, lsl #48",
            "sub w10, w0, #0x1",
            "ldr x11, [x9, #8]",                 // is the main thread to block signo?
            "lsr x11, x11, x10",
            "tbz w11, #0, 0x64",
            "mov w12, w0",
            "mov x8, #0xb2",                     // SYS_gettid
            "svc #0x0",
            "ldr w11, [x9, #16]",                // is this the main thread?
            "cmp w0, w11",
            "mov w0, w12",
            "b.ne 0x64",
            "mov x11, #0x1",
            "lsl x11, x11, x10",
            "ldr x12, [x2, #40]",                // uc_sigmask |= 1 << (signo - 1)
            "orr x12, x12, x11",
            "str x12, [x2, #40]",
            "add x15, x9, #0x8",
            "ldxr x12, [x15]",                   // 0x54: done
            "bic x12, x12, x11",
            "stxr w14, x12, [x15]",
            "cbnz w14, 0x54",
            "mov x9, #0x7788",                   // 0x64: the signal, to deliver
            "movk x9, #0x5566, lsl #16",
            "movk x9, #0x3344, lsl #32",
            "movk x9, #0x1122, lsl #48",
            "ldaxr x10, [x9]",                   // 0x74: active++
            "add x10, x10, #0x1",
            "stlxr w11, x10, [x9]",
            "cbnz w11, 0x74",
            "dmb ish",
            "mov x12, x1",
            "mov w13, w0",
            "add x13, x9, x13, lsl #7",
            "add x13, x13, #0x40",
            "add x14, x13, #0x80",
            "ldr w0, [x13]",                     // 0x9c: the loop over the signal's slots
            "tbnz w0, #31, 0xc8",
            "add x15, x13, #0x8",
            "ldxr x10, [x15]",                   // 0xa8: sent++
            "add x10, x10, #0x1",
            "stxr w11, x10, [x15]",
            "cbnz w11, 0xa8",
            "mov x1, x12",
            "mov x2, #0x80",
            "mov x8, #0x40",                     // SYS_write
            "svc #0x0",
            "add x13, x13, #0x10",               // 0xc8
            "cmp x13, x14",
            "b.ne 0x9c",
            "ldxr x10, [x9]",                    // 0xd4: active--
            "sub x10, x10, #0x1",
            "stlxr w11, x10, [x9]",
            "cbnz w11, 0xd4",
            "ret");

    @Test
    void x86_64HandlerDisassemblesToTheExpectedInstructions(@TempDir Path dir) throws Exception {
        List<String> listing = Disassembler.X86_64.instructions(dir, SignalHandlerCode.x86_64(TABLE));
        assertThat(listing).containsExactlyElementsOf(X86_64);
    }

    @Test
    void aarch64HandlerDisassemblesToTheExpectedInstructions(@TempDir Path dir) throws Exception {
        List<String> listing = Disassembler.AARCH64.instructions(dir, SignalHandlerCode.aarch64(TABLE));
        assertThat(listing).containsExactlyElementsOf(AARCH64);
    }

    @Test
    void aWrongByteIsCaughtByTheDisassembly(@TempDir Path dir) throws Exception {
        byte[] code = SignalHandlerCode.x86_64(TABLE);
        code[0x69 + 1] = 0x40; // mov edx, 128 -> mov edx, 64: half a siginfo_t
        List<String> listing = Disassembler.X86_64.instructions(dir, code);
        assertThat(listing).isNotEqualTo(X86_64).contains("mov edx,0x40");
    }

    @Test
    void theMappedHandlerIsTheCodeForThisArchitectureAndItsTable() {
        Assumptions.assumeTrue(NativeSignalHandler.unavailableReason() == null,
                "the native handler cannot be used in this JVM: " + NativeSignalHandler.unavailableReason());
        assertThat(NativeSignalHandler.installedCode())
                .isEqualTo(SignalHandlerCode.forArch(Arch.CURRENT, NativeSignalHandler.tableAddress()));
    }
}

package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.fdloop.fd.DatagramFd;
import org.fdloop.fd.EventFd;
import org.fdloop.fd.OsPipe;
import org.fdloop.testing.Disassembler;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Syscalls}: the stub's machine code instruction by instruction on both architectures,
 * and, on this one, the stub and glibc's {@code syscall(3)} (the fallback) giving the same
 * answers, in the one convention: the result, or {@code -errno}.
 */
@ExtendWith(NoFdLeaks.class)
class SyscallsTest {
    private static final ValueLayout.OfShort PORT = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);

    private static final List<String> X86_64 = List.of(
            "mov rax,rdi",
            "mov rdi,rsi",
            "mov rsi,rdx",
            "mov rdx,rcx",
            "mov r10,r8",
            "mov r8,r9",
            "mov r9,QWORD PTR [rsp+0x8]",
            "syscall",
            "ret");

    private static final List<String> AARCH64 = List.of(
            "mov x8, x0",
            "mov x0, x1",
            "mov x1, x2",
            "mov x2, x3",
            "mov x3, x4",
            "mov x4, x5",
            "mov x5, x6",
            "svc #0x0",
            "ret");

    @Test
    void x86_64StubDisassemblesToTheExpectedInstructions(@TempDir Path dir) throws Exception {
        assertThat(Disassembler.X86_64.instructions(dir, Syscalls.code(Arch.X86_64))).containsExactlyElementsOf(X86_64);
    }

    @Test
    void aarch64StubDisassemblesToTheExpectedInstructions(@TempDir Path dir) throws Exception {
        assertThat(Disassembler.AARCH64.instructions(dir, Syscalls.code(Arch.AARCH64))).containsExactlyElementsOf(AARCH64);
    }

    @Test
    void theStubIsWhatThisJvmUsesUnlessTurnedOff() {
        String setting = System.getProperty(Syscalls.PROPERTY, "true");
        if (setting.equalsIgnoreCase("false") || setting.equalsIgnoreCase("off")) {
            assertThat(Syscalls.unavailableReason()).isEqualTo("it is turned off with -D" + Syscalls.PROPERTY + "=" + setting);
        } else {
            assertThat(Syscalls.unavailableReason())
                    .as("this machine lets a process map executable memory, as the JVM's own JIT needs")
                    .isNull();
        }
    }

    /** The stub (true) or glibc's syscall(3) with errno captured (false). */
    private static MethodHandle handle(boolean direct, boolean critical, MemoryLayout... arguments) {
        if (direct) {
            // only where the suite runs with -Dfdloop.directSyscalls=false, to check the fallback everywhere else
            Assumptions.assumeTrue(Syscalls.unavailableReason() == null,
                    "the stub is NOT checked in this JVM: " + Syscalls.unavailableReason());
        }
        return Syscalls.firstCalled(direct ? Syscalls.direct(critical, arguments) : Syscalls.viaLibc(critical, arguments));
    }

    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {true, false})
    void anUnknownNumberAndABadFdAnswerMinusErrno(boolean direct) throws Throwable {
        MethodHandle rw = handle(direct, false, JAVA_LONG, ADDRESS, JAVA_LONG);
        assertThat((long) rw.invokeExact(-1L, 0L, MemorySegment.NULL, 0L)).as("no system call -1").isEqualTo(-Constants.ENOSYS);
        assertThat((long) rw.invokeExact((long) Arch.CURRENT.sysRead, -1L, MemorySegment.NULL, 0L)).as("read(-1)")
                .isEqualTo(-Constants.EBADF);
    }

    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {true, false})
    void readAndWriteMoveBytesThroughAPipe(boolean direct) throws Throwable {
        MethodHandle rw = handle(direct, false, JAVA_LONG, ADDRESS, JAVA_LONG);
        try (OsPipe pipe = OsPipe.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocateFrom("eleven char");
            long written = (long) rw.invokeExact((long) Arch.CURRENT.sysWrite, (long) pipe.writeEnd().number(), out, 11L);
            MemorySegment in = arena.allocate(32);
            long read = (long) rw.invokeExact((long) Arch.CURRENT.sysRead, (long) pipe.readEnd().number(), in, 32L);
            assertThat(written).isEqualTo(11);
            assertThat(read).isEqualTo(11);
            assertThat(in.getString(0)).isEqualTo("eleven char");
            long empty = (long) rw.invokeExact((long) Arch.CURRENT.sysRead, (long) pipe.readEnd().number(), in, 32L);
            assertThat(empty).as("an empty non-blocking pipe").isEqualTo(-Constants.EAGAIN);
        }
    }

    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {true, false})
    void criticalCallsReadAndWriteAnEventFd(boolean direct) throws Throwable {
        MethodHandle rw = handle(direct, true, JAVA_LONG, ADDRESS, JAVA_LONG);
        try (EventFd eventFd = EventFd.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment word = arena.allocate(JAVA_LONG);
            word.set(JAVA_LONG, 0, 41);
            assertThat((long) rw.invokeExact((long) Arch.CURRENT.sysWrite, (long) eventFd.number(), word, 8L)).isEqualTo(8);
            word.set(JAVA_LONG, 0, 0);
            assertThat((long) rw.invokeExact((long) Arch.CURRENT.sysRead, (long) eventFd.number(), word, 8L)).isEqualTo(8);
            assertThat(word.get(JAVA_LONG, 0)).isEqualTo(41);
        }
    }

    /** sendto and recvfrom take six arguments: on x86_64 the sixth reaches the stub on the stack. */
    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {true, false})
    void sixArgumentsReachTheKernel(boolean direct) throws Throwable {
        MethodHandle sendto = handle(direct, false, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG);
        MethodHandle recvfrom = handle(direct, false, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS);
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0);
        try (DatagramFd server = DatagramFd.bindTo(loopback);
             DatagramFd client = DatagramFd.bindTo(loopback);
             Arena arena = Arena.ofConfined()) {
            InetSocketAddress to = (InetSocketAddress) server.localAddress();
            MemorySegment address = arena.allocate(Structs.SOCKADDR_IN);
            address.set(JAVA_SHORT, Structs.SIN_FAMILY, (short) Constants.AF_INET);
            address.set(PORT, Structs.SIN_PORT,
                    (short) to.getPort());
            MemorySegment.copy(to.getAddress().getAddress(), 0, address, JAVA_BYTE, Structs.SIN_ADDR, 4);
            MemorySegment out = arena.allocateFrom("datagram");
            long sent = (long) sendto.invokeExact((long) Arch.CURRENT.sysSendto, (long) client.number(), out, 8L,
                    (long) Constants.MSG_NOSIGNAL, address, Structs.SOCKADDR_IN.byteSize());
            assertThat(sent).as("sendto with its address length as the sixth argument").isEqualTo(8);
            long wrongLength = (long) sendto.invokeExact((long) Arch.CURRENT.sysSendto, (long) client.number(), out, 8L,
                    (long) Constants.MSG_NOSIGNAL, address, 3L);
            assertThat(wrongLength).as("an address length of 3: the sixth argument is read").isEqualTo(-Constants.EINVAL);

            MemorySegment in = arena.allocate(32);
            MemorySegment from = arena.allocate(Structs.SOCKADDR_STORAGE);
            MemorySegment fromLength = arena.allocate(JAVA_INT);
            fromLength.set(JAVA_INT, 0, (int) Structs.SOCKADDR_STORAGE.byteSize());
            long received = -Constants.EAGAIN;
            for (int tries = 0; received == -Constants.EAGAIN && tries < 1000; tries++) {
                received = (long) recvfrom.invokeExact((long) Arch.CURRENT.sysRecvfrom, (long) server.number(), in, 32L,
                        0L, from, fromLength);
                if (received == -Constants.EAGAIN) {
                    Thread.sleep(5);
                }
            }
            assertThat(received).isEqualTo(8);
            assertThat(in.getString(0)).startsWith("datagram");
            assertThat(fromLength.get(JAVA_INT, 0)).as("the sixth argument, written back").isEqualTo((int) Structs.SOCKADDR_IN.byteSize());
            int port = Short.toUnsignedInt(from.get(PORT,
                    Structs.SIN_PORT));
            assertThat(port).as("the sender's port").isEqualTo(((InetSocketAddress) client.localAddress()).getPort());
        }
    }

    @Test
    void argumentsOtherThanLongAndAddressAreRefused() {
        assertThatThrownBy(() -> Syscalls.handle(JAVA_INT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("JAVA_LONG or ADDRESS");
        assertThatThrownBy(() -> Syscalls.handle(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 6 arguments, not 7");
    }
}

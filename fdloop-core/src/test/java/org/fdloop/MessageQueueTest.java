package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.fdloop.fd.LinuxException;
import org.fdloop.fd.MessageQueue;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalInfo;
import org.fdloop.internal.linux.Constants;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.ProcessCalls;
import org.fdloop.internal.linux.Sysctl;
import org.fdloop.testing.Loops;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.fdloop.testing.Rlimits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** POSIX message queues: send and receive with priorities, limits, the loop, mq_notify through onSignal. */
@ExtendWith(NoFdLeaks.class)
class MessageQueueTest {
    private static final AtomicInteger COUNT = new AtomicInteger();
    private final List<String> names = new ArrayList<>();

    /** A name no other test or process uses; unlinked after the test. */
    private String name() {
        String name = "/fdloop-test-" + ProcessHandle.current().pid() + "-" + COUNT.incrementAndGet();
        names.add(name);
        return name;
    }

    @AfterEach
    void unlinkQueues() throws Exception {
        for (String name : names) {
            MessageQueue.unlink(name);
        }
    }

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String received(MessageQueue queue, int[] priority) throws Exception {
        ByteBuffer in = ByteBuffer.allocate((int) queue.messageSize());
        priority[0] = queue.receive(in);
        return priority[0] < 0 ? null : new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
    }

    @Test
    void messagesComeHighestPriorityFirstAndInOrderWithinOne() throws Exception {
        try (MessageQueue queue = MessageQueue.create(name(), 8, 64)) {
            assertThat(queue.send(text("low-1"), 1)).isTrue();
            assertThat(queue.send(text("high"), 30000)).isTrue();
            assertThat(queue.send(text("low-2"), 1)).isTrue();
            assertThat(queue.send(text(""), 5)).isTrue();
            assertThat(queue.attributes()).isEqualTo(new MessageQueue.Attributes(8, 64, 4));
            int[] priority = new int[1];
            List<String> got = new ArrayList<>();
            for (String m; (m = received(queue, priority)) != null; ) {
                got.add(m + "@" + priority[0]);
            }
            assertThat(got).containsExactly("high@30000", "@5", "low-1@1", "low-2@1");
            assertThat(queue.receive(ByteBuffer.allocate(64))).as("empty: -1, no exception").isEqualTo(-1);
        }
    }

    @Test
    void aFullQueueRefusesASendWithoutBlocking() throws Exception {
        try (MessageQueue queue = MessageQueue.create(name(), 2, 16)) {
            assertThat(queue.send(text("a"), 0)).isTrue();
            assertThat(Ready.writableNow(queue)).isTrue();
            assertThat(queue.send(text("b"), 0)).isTrue();
            assertThat(Ready.writableNow(queue)).as("full: not writable").isFalse();
            ByteBuffer c = text("c");
            assertThat(queue.send(c, 0)).isFalse();
            assertThat(c.position()).as("not sent: the position stays").isZero();
        }
    }

    @Test
    void anotherDescriptorOpenedByNameSeesTheSameQueue() throws Exception {
        String name = name();
        try (MessageQueue writer = MessageQueue.create(name, 4, 32);
                MessageQueue reader = MessageQueue.open(name, MessageQueue.Access.READ)) {
            assertThat(reader.messageSize()).isEqualTo(32);
            writer.send(text("hello"), 3);
            int[] priority = new int[1];
            assertThat(received(reader, priority)).isEqualTo("hello");
            assertThat(priority[0]).isEqualTo(3);
            assertThatThrownBy(() -> reader.send(text("x"), 0)).isInstanceOf(LinuxException.class)
                    .hasMessageContaining("EBADF").hasMessageContaining("not open for writing");
        }
    }

    @Test
    void badArgumentsAreRefusedSayingWhatWasWrong() throws Exception {
        assertThatThrownBy(() -> MessageQueue.create("no-slash", 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'/' and 1 to 254 more characters");
        assertThatThrownBy(() -> MessageQueue.open(name(), MessageQueue.Access.READ)).isInstanceOf(LinuxException.class)
                .hasMessageContaining("ENOENT").hasMessageContaining("create it first");
        try (MessageQueue queue = MessageQueue.create(name(), 1, 8)) {
            assertThatThrownBy(() -> queue.send(ByteBuffer.allocate(9), 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("at most 8 bytes");
            assertThatThrownBy(() -> queue.send(ByteBuffer.allocate(1), 32768)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("0 to 32767");
            assertThatThrownBy(() -> queue.receive(ByteBuffer.allocate(7))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("8 bytes (mq_msgsize)");
            assertThatThrownBy(() -> MessageQueue.create(queue.name(), 1, 8)).isInstanceOf(LinuxException.class)
                    .hasMessageContaining("EEXIST");
        }
    }

    @Test
    void aQueueLargerThanTheLimitsSaysWhichSysctlToRaise() {
        // 65537 messages pass every limit, with CAP_SYS_RESOURCE (HARD_MSGMAX) or without (fs.mqueue.msg_max)
        assertThatThrownBy(() -> MessageQueue.create(name(), 65537, 1)).isInstanceOf(LinuxException.class)
                .hasMessageContaining("EINVAL").hasMessageContaining("fs.mqueue.msg_max (")
                .hasMessageContaining("fs.mqueue.msgsize_max (").hasMessageContaining("asked for 65537 of 1");
    }

    @Test
    void theUsersByteLimitSaysToRaiseUlimitQ() throws Exception {
        long[] old = Rlimits.get(Constants.RLIMIT_MSGQUEUE);
        try {
            Rlimits.set(Constants.RLIMIT_MSGQUEUE, 1024, old[1]); // applies to root too
            assertThatThrownBy(() -> MessageQueue.create(name(), 8, 1024)).isInstanceOf(LinuxException.class)
                    .hasMessageContaining("EMFILE").hasMessageContaining("RLIMIT_MSGQUEUE bytes (now 1024 bytes")
                    .hasMessageContaining("ulimit -q");
        } finally {
            Rlimits.set(Constants.RLIMIT_MSGQUEUE, old[0], old[1]);
        }
    }

    @Test
    void theLoopReceivesEveryMessageWhenTheQueueIsReadable() throws Exception {
        try (MessageQueue queue = MessageQueue.create(name(), 4, 16); EventLoop loop = EventLoop.open()) {
            List<String> got = new ArrayList<>();
            ByteBuffer in = ByteBuffer.allocate(16);
            loop.onReadable(queue, (source, events) -> {
                int priority;
                while ((priority = queue.receive(in.clear())) >= 0) {
                    got.add(new String(in.array(), 0, in.position(), StandardCharsets.UTF_8) + "@" + priority);
                }
            });
            Thread sender = Thread.ofPlatform().start(() -> {
                try (MessageQueue writer = MessageQueue.open(queue.name(), MessageQueue.Access.WRITE)) {
                    for (int i = 0; i < 20; i++) {
                        ByteBuffer m = text("m" + i);
                        while (!writer.send(m, i % 3)) {
                            writer.awaitWritable(Ready.PATIENCE); // full: the loop empties it
                        }
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Loops.runUntil(loop, () -> got.size() == 20);
            sender.join();
            assertThat(got).hasSize(20);
            for (int i = 0; i < 20; i++) {
                assertThat(got).contains("m" + i + "@" + i % 3);
            }
        }
    }

    @Test
    void mqNotifySendsItsSignalToTheLoopWithTheSenderAndTheValue() throws Exception {
        Signal signal = Signal.realtime(6);
        try (MessageQueue queue = MessageQueue.create(name(), 4, 16); EventLoop loop = EventLoop.open()) {
            assertThatThrownBy(() -> queue.notifyBy(signal, 7)).as("nothing handles it yet")
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("loop.onSignal(SIGRTMIN+6");
            List<SignalInfo> infos = new ArrayList<>();
            loop.onSignal(signal, (source, info) -> infos.add(info));
            queue.notifyBy(signal, 4242);
            queue.send(text("wake"), 0);
            Loops.runUntil(loop, () -> infos.size() == 1);
            SignalInfo info = infos.getFirst();
            assertThat(info.code()).isEqualTo(Constants.SI_MESGQ);
            assertThat(info.codeName()).isEqualTo("SI_MESGQ");
            assertThat(info.pid()).isEqualTo((int) ProcessHandle.current().pid());
            assertThat(info.value()).isEqualTo(4242);
            // used up: a second message into the non-empty queue sends nothing, and nor does one after it emptied
            queue.send(text("more"), 0);
            queue.receive(ByteBuffer.allocate(16));
            queue.receive(ByteBuffer.allocate(16));
            queue.send(text("again"), 0);
            queue.notifyBy(signal, 1); // armed again while not empty: the next empty-to-not-empty sends it
            queue.receive(ByteBuffer.allocate(16));
            queue.send(text("last"), 0);
            Loops.runUntil(loop, () -> infos.size() == 2);
            assertThat(infos.get(1).value()).isEqualTo(1);
            queue.stopNotifying();
        }
    }

    @Test
    void withoutCapSysResourceEachSysctlLimitIsNamedWithItsValue() throws Exception {
        // In an IPC namespace of its own, on a thread of its own: the fs.mqueue sysctls it changes are that
        // namespace's, and go with the thread; nothing to put back. CAP_SYS_RESOURCE, which passes the limits,
        // is dropped from that thread's effective set (capabilities belong to threads).
        List<String> messages = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        Thread.ofPlatform().start(() -> {
            try {
                Errno.check(ProcessCalls.unshare(Constants.CLONE_NEWIPC), "unshare(CLONE_NEWIPC)");
                dropCapSysResourceFromThisThread();
                Sysctl.write("fs.mqueue.queues_max", 0);
                messages.add(failureOf(() -> MessageQueue.create("/no-room", 1, 1)));
                Sysctl.write("fs.mqueue.queues_max", 256);
                messages.add(failureOf(() -> MessageQueue.create("/too-long", 11, 1)));
                messages.add(failureOf(() -> MessageQueue.create("/too-wide", 1, 8193)));
            } catch (Throwable t) {
                failure[0] = t;
            }
        }).join();
        assertThat(failure[0]).isNull();
        assertThat(messages).satisfiesExactly(
                m -> assertThat(m).contains("ENOSPC", "fs.mqueue.queues_max is now 0", "raise the sysctl"),
                m -> assertThat(m).contains("EINVAL", "fs.mqueue.msg_max (10)", "asked for 11 of 1"),
                m -> assertThat(m).contains("EINVAL", "fs.mqueue.msgsize_max (8192)", "asked for 1 of 8193"));
    }

    private static String failureOf(ThrowingCall call) {
        try {
            call.run().close();
            return "no failure";
        } catch (Exception e) {
            return e.getMessage();
        }
    }

    @FunctionalInterface
    private interface ThrowingCall {
        MessageQueue run() throws Exception;
    }

    /** capset(2) on the calling thread: CAP_SYS_RESOURCE (24) out of the effective set. */
    private static void dropCapSysResourceFromThisThread() throws Throwable {
        Linker linker = Linker.nativeLinker();
        FunctionDescriptor twoPointers = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        MethodHandle capget = linker.downcallHandle(linker.defaultLookup().find("capget").orElseThrow(), twoPointers);
        MethodHandle capset = linker.downcallHandle(linker.defaultLookup().find("capset").orElseThrow(), twoPointers);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(8);
            header.set(JAVA_INT, 0, 0x20080522); // _LINUX_CAPABILITY_VERSION_3
            MemorySegment data = arena.allocate(24); // two {effective, permitted, inheritable}
            assertThat((int) capget.invokeExact(header, data)).isZero();
            data.set(JAVA_INT, 0, data.get(JAVA_INT, 0) & ~(1 << 24));
            assertThat((int) capset.invokeExact(header, data)).isZero();
        }
    }
}

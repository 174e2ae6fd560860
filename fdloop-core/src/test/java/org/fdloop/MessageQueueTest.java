package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}

package org.fdloop.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.fdloop.EventLoop;
import org.fdloop.IoSource;
import org.fdloop.fd.MessageQueue;
import org.fdloop.fd.Signal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fdloop mq}: a POSIX message queue through the loop: filled to its limit, received by
 * priority when readable, then one more message announced by mq_notify's signal.
 */
@Command(name = "mq", mixinStandardHelpOptions = true,
        description = {"A POSIX message queue at work: creates /fdloop-mq-PID, sends messages of mixed priorities until"
                + " the queue is full (send answers false: EAGAIN), lets the loop receive them when the queue is readable"
                + " (highest priority first), then asks mq_notify for SIGRTMIN+6 and has another thread send one more:"
                + " the signal (SI_MESGQ, with the sender's pid and the value) reaches the loop through fdloop's native"
                + " handler. Prints the queue's attributes and the kernel's limits (/proc/sys/fs/mqueue). The queue is"
                + " unlinked at the end.",
            "",
            "With --json, one object per message received and one for the signal."})
final class MqCommand implements Callable<Integer> {
    static final Signal NOTIFY = Signal.realtime(6);

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "One JSON object per message received and one for the signal.")
    boolean json;

    @Mixin
    BackendOption backend;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        long pid = ProcessHandle.current().pid();
        String name = "/fdloop-mq-" + pid;
        long max = Math.min(8, Math.max(1, limit("msg_max")));
        try (MessageQueue queue = MessageQueue.create(name, max, 64); EventLoop loop = backend.open()) {
            if (!json) {
                out.printf("fdloop mq: %s, %s; limits in /proc/sys/fs/mqueue: msg_max %d, msgsize_max %d, queues_max %d%n",
                        name, queue.attributes(), limit("msg_max"), limit("msgsize_max"), limit("queues_max"));
            }
            int sent = 0;
            while (queue.send(ByteBuffer.wrap(("message " + sent).getBytes(StandardCharsets.UTF_8)), sent * 7 % 10)) {
                sent++;
            }
            if (!json) {
                out.printf("sent %d messages, priority (i * 7) %% 10; the next send answered false: the queue is full (EAGAIN)%n%n",
                        sent);
            }
            ByteBuffer in = ByteBuffer.allocate((int) queue.messageSize());
            int[] received = {0};
            IoSource reader = loop.onReadable(queue, (source, events) -> {
                for (int priority; (priority = queue.receive(in.clear())) >= 0; ) {
                    print(out, "readable", text(in), priority);
                    received[0]++;
                }
                loop.stop();
            });
            loop.run();
            reader.close();
            loop.onSignal(NOTIFY, (source, info) -> {
                if (json) {
                    out.println(Json.object().field("signal", info.signal().name()).field("code", info.codeName())
                            .field("pid", info.pid()).field("value", info.value()));
                } else {
                    out.printf("%nmq_notify: %s %s from pid %d, value %d%n", info.signal().name(), info.codeName(), info.pid(),
                            info.value());
                }
                for (int priority; (priority = queue.receive(in.clear())) >= 0; ) {
                    print(out, "after the signal", text(in), priority);
                    received[0]++;
                }
                loop.stop();
            });
            queue.notifyBy(NOTIFY, 42);
            Thread.ofPlatform().start(() -> {
                try (MessageQueue writer = MessageQueue.open(name, MessageQueue.Access.WRITE)) {
                    writer.send(ByteBuffer.wrap("one more".getBytes(StandardCharsets.UTF_8)), 5);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).join();
            loop.run();
            if (!json) {
                out.printf("%n%d messages received; %s unlinked%n", received[0], name);
            }
        } finally {
            MessageQueue.unlink(name);
        }
        return Main.OK;
    }

    private void print(PrintWriter out, String how, String message, int priority) {
        if (json) {
            out.println(Json.object().field("message", message).field("priority", priority).field("received", how));
        } else {
            out.printf("  %-12s priority %d  (%s)%n", message, priority, how);
        }
        out.flush();
    }

    private static String text(ByteBuffer in) {
        return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
    }

    /** A value of /proc/sys/fs/mqueue, read line by line; -1 where it cannot be read. */
    private static long limit(String name) {
        try (BufferedReader r = Files.newBufferedReader(Path.of("/proc/sys/fs/mqueue", name))) {
            String line = r.readLine();
            return line == null ? -1 : Long.parseLong(line.trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}

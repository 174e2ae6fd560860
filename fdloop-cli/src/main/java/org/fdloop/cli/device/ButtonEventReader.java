package org.fdloop.cli.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.fdloop.fd.StreamFd;

/**
 * The consumer side of a {@link VirtualButtonDevice}: reads {@link ButtonEvent} records from the
 * device file, the way the seed's SIGIO handler calls read(2) on {@code /dev/button_device}.
 *
 * <p>A terminal delivers bytes, not records: a read may end inside a record when the driver
 * side's write was split (the pty took only part of it while its buffer was full). The reader
 * keeps such a tail and completes the record on the next call.
 *
 * <pre>{@code
 * DeviceFile device = DeviceFile.open(buttons.path(), DeviceFile.Access.READ);
 * ButtonEventReader reader = new ButtonEventReader(device);
 * loop.onAsyncIo(device, (source, band) -> reader.readAvailable().forEach(System.out::println));
 * }</pre>
 *
 * Not thread-safe: read from one thread (the loop's).
 */
public final class ButtonEventReader {
    private static final int EVENTS_PER_READ = 256;

    private final StreamFd device;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(EVENTS_PER_READ * ButtonEvent.SIZE);
    private boolean endOfStream;

    /**
     * A reader of {@code device}: the device file opened by path ({@code DeviceFile.open(path, READ)}),
     * O_NONBLOCK as every fd fdloop opens.
     *
     * @param device the device file, opened for reading
     */
    public ButtonEventReader(StreamFd device) {
        this.device = Objects.requireNonNull(device, "device");
    }

    /**
     * Reads until the device has nothing more now (EAGAIN) and returns the complete events, in the
     * order the driver wrote them; an empty list when none is ready. Signal-driven I/O reports
     * changes, so a SIGIO handler calls this and thereby drains every event the device holds,
     * however many signals arrived.
     *
     * @return the whole records read, oldest first; empty when none is there
     * @throws IllegalArgumentException when the bytes are not records: the device file is not a
     *     {@link VirtualButtonDevice}, or another reader took part of a record
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public List<ButtonEvent> readAvailable() throws IOException {
        List<ButtonEvent> events = new ArrayList<>();
        while (true) {
            int n = device.read(buffer);
            if (n < 0) {
                endOfStream = true;
            }
            buffer.flip();
            while (buffer.remaining() >= ButtonEvent.SIZE) {
                events.add(ButtonEvent.decode(buffer));
            }
            buffer.compact();
            if (n <= 0) {
                return events;
            }
        }
    }

    /**
     * Whether the last {@link #readAvailable()} met the end of the stream: the device's pty no
     * longer has a master (the {@link VirtualButtonDevice} was closed).
     *
     * @return whether the last {@link #readAvailable()} met the end of the stream
     */
    public boolean isEndOfStream() {
        return endOfStream;
    }

    /**
     * Bytes of a record begun but not complete yet: 0 between whole records.
     *
     * @return how many bytes of the next record were read so far
     */
    public int partialBytes() {
        return buffer.position();
    }
}

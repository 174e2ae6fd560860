package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.fdloop.internal.linux.DeviceConstants.GPIO_V2_LINE_GET_VALUES_IOCTL;
import static org.fdloop.internal.linux.DeviceStructs.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * GPIO lines requested from a {@link GpioChip} (uAPI v2, {@code GPIO_V2_GET_LINE_IOCTL}): the
 * request's own descriptor, readable when an edge was seen on one of its lines. Register it with
 * a loop and read the edges with {@link #readEvents}; read the levels with {@link #values()}.
 * Closing it releases the lines.
 */
public final class GpioLines extends StreamFd {
    private final List<Integer> offsets;
    private final MemorySegment buffer = Arena.ofAuto().allocate(16L * GpioEvent.BYTES, 8);

    GpioLines(int fd, String chip, List<Integer> offsets) {
        super(fd, "GPIO lines " + offsets + " of " + chip);
        this.offsets = List.copyOf(offsets);
    }

    /** {@return the lines, their offsets on the chip, in the order requested} */
    public List<Integer> offsets() {
        return offsets;
    }

    /**
     * Reads the edges queued now, up to 16, and hands each to {@code each} in order.
     *
     * @param each what to do with each edge
     * @return how many were read, 0 when none is queued
     * @throws IOException if a system call fails: the {@link LinuxException} names it and its errno
     */
    public int readEvents(Consumer<GpioEvent> each) throws IOException {
        Objects.requireNonNull(each, "each");
        long n = read(buffer);
        if (n <= 0) {
            return 0;
        }
        int count = (int) (n / GpioEvent.BYTES);
        for (int i = 0; i < count; i++) {
            each.accept(GpioEvent.decode(buffer, (long) i * GpioEvent.BYTES));
        }
        return count;
    }

    /**
     * {@return the lines' levels (GPIO_V2_LINE_GET_VALUES_IOCTL): bit i is the line at {@code offsets().get(i)},
     *     1 active (high, unless requested active-low)}
     *
     * @throws IOException if the ioctl fails: the {@link LinuxException} names it and its errno
     */
    public long values() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment values = arena.allocate(GPIO_V2_LINE_VALUES);
            values.set(JAVA_LONG, GPIO_VALUES_MASK, offsets.size() == 64 ? -1L : (1L << offsets.size()) - 1);
            CharacterDevices.ioctl(this, GPIO_V2_LINE_GET_VALUES_IOCTL, values, "GPIO_V2_LINE_GET_VALUES_IOCTL",
                    "it is not a GPIO line request");
            return values.get(JAVA_LONG, GPIO_VALUES_BITS);
        }
    }
}

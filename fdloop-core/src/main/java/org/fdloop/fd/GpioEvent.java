package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.fdloop.internal.linux.DeviceConstants.GPIO_V2_LINE_EVENT_RISING_EDGE;
import static org.fdloop.internal.linux.DeviceStructs.*;

import java.lang.foreign.MemorySegment;

/**
 * One edge on a GPIO line ({@code struct gpio_v2_line_event}), read from {@link GpioLines}.
 *
 * @param timestampNanos when the kernel saw the edge: CLOCK_MONOTONIC nanoseconds (as
 *     {@code System.nanoTime()}'s clock on Linux), or CLOCK_REALTIME if the lines were requested so
 * @param rising true for a rising edge (GPIO_V2_LINE_EVENT_RISING_EDGE), false for a falling one
 * @param offset the line, its offset on the chip
 * @param seqno this event's number among all the request's lines, from 1: a gap means the kernel's
 *     queue overflowed and events were lost
 * @param lineSeqno this event's number among this line's events, from 1
 */
public record GpioEvent(long timestampNanos, boolean rising, int offset, long seqno, long lineSeqno) {
    /** Bytes of one event: 48, on every architecture. */
    public static final int BYTES = (int) GPIO_V2_LINE_EVENT.byteSize();

    /**
     * {@return the event at {@code offset} of {@code records}, as the kernel wrote it}
     *
     * @param records bytes read from a line request
     * @param at where the event starts: a multiple of {@link #BYTES}
     */
    public static GpioEvent decode(MemorySegment records, long at) {
        return new GpioEvent(
                records.get(JAVA_LONG.withByteAlignment(1), at + GPIO_EVENT_TIMESTAMP),
                records.get(JAVA_INT.withByteAlignment(1), at + GPIO_EVENT_ID) == GPIO_V2_LINE_EVENT_RISING_EDGE,
                records.get(JAVA_INT.withByteAlignment(1), at + GPIO_EVENT_OFFSET),
                Integer.toUnsignedLong(records.get(JAVA_INT.withByteAlignment(1), at + GPIO_EVENT_SEQNO)),
                Integer.toUnsignedLong(records.get(JAVA_INT.withByteAlignment(1), at + GPIO_EVENT_LINE_SEQNO)));
    }
}

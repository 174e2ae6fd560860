package org.fdloop.cli.device;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * One key state change of a {@link VirtualButtonDevice}, as the device delivers it: a fixed
 * record of {@value #SIZE} bytes, big-endian.
 *
 * <pre>
 * offset  size  field
 *      0     1  magic     0x42 ('B'): a reader that lost its place finds it is not at a record start
 *      1     1  state     1 = pressed, 0 = released
 *      2     2  key       unsigned: 0 to 65535 (a Linux input key code, KEY_ENTER = 28, say)
 *      4     4  sequence  unsigned: 0 for the device's first event, then one more for each
 *      8     8  time      CLOCK_MONOTONIC nanoseconds (System.nanoTime()) when the driver wrote it
 * </pre>
 *
 * A gap in {@link #sequence()} means events were lost; the device itself never drops one.
 *
 * @param key the key, 0 to 65535
 * @param pressed true when the key went down, false when it came up
 * @param sequence the event's number on its device, 0 to 2^32-1 (it wraps to 0 after that)
 * @param timeNanos when the driver side wrote the event: {@code System.nanoTime()}, which on Linux
 *     is CLOCK_MONOTONIC and so comparable between processes
 */
public record ButtonEvent(int key, boolean pressed, long sequence, long timeNanos) {
    /** Bytes in one record. */
    public static final int SIZE = 16;
    /** The first byte of every record. */
    public static final byte MAGIC = 0x42;

    /**
     * An event: a key's new state, its sequence number and the driver's clock.
     *
     * @throws IllegalArgumentException when {@code key} is not 0 to 65535 or {@code sequence} not 0 to 2^32-1
     */
    public ButtonEvent {
        if (key < 0 || key > 0xffff) {
            throw new IllegalArgumentException("a key is 0 to 65535 (an unsigned 16-bit code), not " + key);
        }
        if (sequence < 0 || sequence > 0xffff_ffffL) {
            throw new IllegalArgumentException("a sequence number is 0 to 2^32-1 (unsigned 32-bit), not " + sequence);
        }
    }

    /**
     * Writes this event's record at {@code dst}'s position and advances it by {@link #SIZE}.
     *
     * @param dst where the 16 bytes go, from its position
     * @throws java.nio.BufferOverflowException when fewer than {@link #SIZE} bytes remain
     */
    public void encode(ByteBuffer dst) {
        Objects.requireNonNull(dst, "dst");
        ByteBuffer out = dst.duplicate().order(ByteOrder.BIG_ENDIAN);
        out.put(MAGIC).put((byte) (pressed ? 1 : 0)).putShort((short) key).putInt((int) sequence).putLong(timeNanos);
        dst.position(out.position());
    }

    /**
     * Reads one record at {@code src}'s position and advances it by {@link #SIZE}.
     *
     * @param src the 16 bytes, from its position
     * @return the event they hold
     * @throws java.nio.BufferUnderflowException when fewer than {@link #SIZE} bytes remain
     * @throws IllegalArgumentException when the bytes are not a record (a wrong magic byte or
     *     state); {@code src}'s position is left where it was
     */
    public static ButtonEvent decode(ByteBuffer src) {
        Objects.requireNonNull(src, "src");
        ByteBuffer in = src.duplicate().order(ByteOrder.BIG_ENDIAN);
        byte magic = in.get();
        byte state = in.get();
        int key = in.getShort() & 0xffff;
        long sequence = in.getInt() & 0xffff_ffffL;
        long time = in.getLong();
        if (magic != MAGIC) {
            throw new IllegalArgumentException(String.format("not a button event record at position %d: it starts "
                    + "with 0x%02x, not 0x%02x; a reader must read whole %d-byte records from the device's first byte",
                    src.position(), magic & 0xff, MAGIC, SIZE));
        }
        if (state != 0 && state != 1) {
            throw new IllegalArgumentException("not a button event record at position " + src.position()
                    + ": its state byte is " + (state & 0xff) + ", not 0 (released) or 1 (pressed)");
        }
        src.position(in.position());
        return new ButtonEvent(key, state == 1, sequence, time);
    }

    @Override
    public String toString() {
        return "#" + sequence + " key " + key + (pressed ? " pressed" : " released");
    }
}

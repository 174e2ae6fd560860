package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.fdloop.internal.linux.DeviceStructs.*;

import java.lang.foreign.MemorySegment;
import java.time.Instant;
import org.fdloop.internal.linux.DeviceConstants;

/**
 * One {@code struct input_event} of an evdev input device ({@link InputDevice}): what happened
 * (a key, a relative or absolute axis, a switch), to which code, with which value, and when.
 * A device writes a report as a run of events closed by {@code EV_SYN}/{@code SYN_REPORT}.
 *
 * @param seconds the kernel's timestamp, seconds part (CLOCK_REALTIME unless the reader asked otherwise)
 * @param microseconds the timestamp's microseconds
 * @param type the event type: {@link #EV_SYN}, {@link #EV_KEY}, {@link #EV_REL}, {@link #EV_ABS}, ...
 * @param code the key, button or axis (linux/input-event-codes.h: KEY_A is 30)
 * @param value for a key 1 pressed, 0 released, 2 repeated; for an axis the position or motion
 */
public record InputEvent(long seconds, int microseconds, int type, int code, int value) {
    /** Bytes of one event on a 64-bit architecture (x86_64, aarch64): two longs of time, two shorts, an int. */
    public static final int BYTES = (int) INPUT_EVENT.byteSize();

    /** The end of a report ({@code EV_SYN}). */
    public static final int EV_SYN = DeviceConstants.EV_SYN;
    /** A key or button ({@code EV_KEY}). */
    public static final int EV_KEY = DeviceConstants.EV_KEY;
    /** A relative axis, a mouse's motion ({@code EV_REL}). */
    public static final int EV_REL = DeviceConstants.EV_REL;
    /** An absolute axis, a touch screen's position ({@code EV_ABS}). */
    public static final int EV_ABS = DeviceConstants.EV_ABS;
    /** Anything else, a key's scan code ({@code EV_MSC}). */
    public static final int EV_MSC = DeviceConstants.EV_MSC;
    /** A switch, a lid ({@code EV_SW}). */
    public static final int EV_SW = DeviceConstants.EV_SW;

    private static final String[] TYPE_NAMES = new String[32];

    static {
        String[][] names = {{"0", "EV_SYN"}, {"1", "EV_KEY"}, {"2", "EV_REL"}, {"3", "EV_ABS"}, {"4", "EV_MSC"},
            {"5", "EV_SW"}, {"17", "EV_LED"}, {"18", "EV_SND"}, {"20", "EV_REP"}, {"21", "EV_FF"}, {"22", "EV_PWR"},
            {"23", "EV_FF_STATUS"}};
        for (String[] n : names) {
            TYPE_NAMES[Integer.parseInt(n[0])] = n[1];
        }
    }

    /**
     * {@return the event at {@code offset} of {@code records}, as the kernel wrote it}
     *
     * @param records bytes read from an input device
     * @param offset where the event starts: a multiple of {@link #BYTES}
     */
    public static InputEvent decode(MemorySegment records, long offset) {
        return new InputEvent(
                records.get(JAVA_LONG.withByteAlignment(1), offset + INPUT_EVENT_SEC),
                (int) records.get(JAVA_LONG.withByteAlignment(1), offset + INPUT_EVENT_USEC),
                Short.toUnsignedInt(records.get(JAVA_SHORT.withByteAlignment(1), offset + INPUT_EVENT_TYPE)),
                Short.toUnsignedInt(records.get(JAVA_SHORT.withByteAlignment(1), offset + INPUT_EVENT_CODE)),
                records.get(JAVA_INT.withByteAlignment(1), offset + INPUT_EVENT_VALUE));
    }

    /** {@return the timestamp as an instant (meaningful as such with the default CLOCK_REALTIME)} */
    public Instant time() {
        return Instant.ofEpochSecond(seconds, microseconds * 1000L);
    }

    /** {@return the type's name, {@code "EV_KEY"}, or its number for one this does not know} */
    public String typeName() {
        return type < TYPE_NAMES.length && TYPE_NAMES[type] != null ? TYPE_NAMES[type] : "type " + type;
    }

    /** {@return whether this closes a report (EV_SYN, SYN_REPORT)} */
    public boolean isReport() {
        return type == EV_SYN && code == 0;
    }
}

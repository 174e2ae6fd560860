package org.fdloop.internal.linux;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * The kernel's structs of the device interfaces (uapi headers): {@code termios2},
 * {@code serial_rs485}, {@code input_event}, the GPIO v2 line request and event. Named as in C,
 * member by member, so that {@code StructLayoutTest} compares every size and offset with the
 * headers of x86_64 and of aarch64 (see {@link DeviceConstants} for why they live apart from
 * {@link Structs}).
 *
 * <p>All are the same on x86_64 and aarch64. {@code struct input_event} is the one that differs
 * by architecture, but between 32- and 64-bit ones: its time is a {@code struct timeval} of two
 * longs, 24 bytes in all on both 64-bit architectures fdloop supports (16 on 32-bit ones, which
 * it does not).
 */
public final class DeviceStructs {
    private DeviceStructs() {}

    /*
     * struct termios2 {                          // asm-generic/termbits.h
     *     tcflag_t c_iflag, c_oflag, c_cflag, c_lflag;
     *     cc_t c_line; cc_t c_cc[19];
     *     speed_t c_ispeed, c_ospeed;             // the rates in baud, whatever c_cflag's CBAUD says
     * };
     */
    public static final StructLayout TERMIOS2 = MemoryLayout.structLayout(
                    JAVA_INT.withName("c_iflag"),
                    JAVA_INT.withName("c_oflag"),
                    JAVA_INT.withName("c_cflag"),
                    JAVA_INT.withName("c_lflag"),
                    JAVA_BYTE.withName("c_line"),
                    MemoryLayout.sequenceLayout(DeviceConstants.KERNEL_NCCS, JAVA_BYTE).withName("c_cc"),
                    JAVA_INT.withName("c_ispeed"),
                    JAVA_INT.withName("c_ospeed"))
            .withName("struct termios2");
    public static final long TERMIOS2_IFLAG = offset(TERMIOS2, "c_iflag");
    public static final long TERMIOS2_OFLAG = offset(TERMIOS2, "c_oflag");
    public static final long TERMIOS2_CFLAG = offset(TERMIOS2, "c_cflag");
    public static final long TERMIOS2_LFLAG = offset(TERMIOS2, "c_lflag");
    public static final long TERMIOS2_CC = offset(TERMIOS2, "c_cc");
    public static final long TERMIOS2_ISPEED = offset(TERMIOS2, "c_ispeed");
    public static final long TERMIOS2_OSPEED = offset(TERMIOS2, "c_ospeed");

    /*
     * struct serial_rs485 {                      // linux/serial.h
     *     __u32 flags;                            // SER_RS485_ENABLED, _RTS_ON_SEND, ...
     *     __u32 delay_rts_before_send;            // milliseconds
     *     __u32 delay_rts_after_send;
     *     union { __u32 padding[5]; struct { __u8 addr_recv, addr_dest; ... }; };
     * };
     */
    public static final StructLayout SERIAL_RS485 = MemoryLayout.structLayout(
                    JAVA_INT.withName("flags"),
                    JAVA_INT.withName("delay_rts_before_send"),
                    JAVA_INT.withName("delay_rts_after_send"),
                    MemoryLayout.sequenceLayout(5, JAVA_INT).withName("padding"))
            .withName("struct serial_rs485");
    public static final long RS485_FLAGS = offset(SERIAL_RS485, "flags");
    public static final long RS485_DELAY_BEFORE = offset(SERIAL_RS485, "delay_rts_before_send");
    public static final long RS485_DELAY_AFTER = offset(SERIAL_RS485, "delay_rts_after_send");

    /*
     * struct input_event {                       // linux/input.h, on a 64-bit architecture
     *     struct timeval time;                    // input_event_sec, input_event_usec
     *     __u16 type; __u16 code; __s32 value;
     * };
     */
    public static final StructLayout INPUT_EVENT = MemoryLayout.structLayout(
                    JAVA_LONG.withName("input_event_sec"),
                    JAVA_LONG.withName("input_event_usec"),
                    JAVA_SHORT.withName("type"),
                    JAVA_SHORT.withName("code"),
                    JAVA_INT.withName("value"))
            .withName("struct input_event");
    public static final long INPUT_EVENT_SEC = offset(INPUT_EVENT, "input_event_sec");
    public static final long INPUT_EVENT_USEC = offset(INPUT_EVENT, "input_event_usec");
    public static final long INPUT_EVENT_TYPE = offset(INPUT_EVENT, "type");
    public static final long INPUT_EVENT_CODE = offset(INPUT_EVENT, "code");
    public static final long INPUT_EVENT_VALUE = offset(INPUT_EVENT, "value");

    /* struct input_id { __u16 bustype, vendor, product, version; };  EVIOCGID */
    public static final StructLayout INPUT_ID = MemoryLayout.structLayout(
                    JAVA_SHORT.withName("bustype"),
                    JAVA_SHORT.withName("vendor"),
                    JAVA_SHORT.withName("product"),
                    JAVA_SHORT.withName("version"))
            .withName("struct input_id");
    public static final long INPUT_ID_BUSTYPE = offset(INPUT_ID, "bustype");
    public static final long INPUT_ID_VENDOR = offset(INPUT_ID, "vendor");
    public static final long INPUT_ID_PRODUCT = offset(INPUT_ID, "product");
    public static final long INPUT_ID_VERSION = offset(INPUT_ID, "version");

    /* struct uinput_setup { struct input_id id; char name[80]; __u32 ff_effects_max; };  UI_DEV_SETUP */
    public static final StructLayout UINPUT_SETUP = MemoryLayout.structLayout(
                    INPUT_ID.withName("id"),
                    MemoryLayout.sequenceLayout(80, JAVA_BYTE).withName("name"),
                    JAVA_INT.withName("ff_effects_max"))
            .withName("struct uinput_setup");
    public static final long UINPUT_SETUP_ID = offset(UINPUT_SETUP, "id");
    public static final long UINPUT_SETUP_NAME = offset(UINPUT_SETUP, "name");

    /* struct gpiochip_info { char name[32]; char label[32]; __u32 lines; };  GPIO_GET_CHIPINFO_IOCTL */
    public static final StructLayout GPIOCHIP_INFO = MemoryLayout.structLayout(
                    MemoryLayout.sequenceLayout(32, JAVA_BYTE).withName("name"),
                    MemoryLayout.sequenceLayout(32, JAVA_BYTE).withName("label"),
                    JAVA_INT.withName("lines"))
            .withName("struct gpiochip_info");
    public static final long GPIOCHIP_INFO_NAME = offset(GPIOCHIP_INFO, "name");
    public static final long GPIOCHIP_INFO_LABEL = offset(GPIOCHIP_INFO, "label");
    public static final long GPIOCHIP_INFO_LINES = offset(GPIOCHIP_INFO, "lines");

    /*
     * struct gpio_v2_line_attribute {
     *     __u32 id; __u32 padding;                // GPIO_V2_LINE_ATTR_ID_FLAGS, _OUTPUT_VALUES, _DEBOUNCE
     *     union { __aligned_u64 flags; __aligned_u64 values; __u32 debounce_period_us; };
     * };
     */
    public static final StructLayout GPIO_V2_LINE_ATTRIBUTE = MemoryLayout.structLayout(
                    JAVA_INT.withName("id"),
                    JAVA_INT.withName("padding"),
                    JAVA_LONG.withName("flags"))
            .withName("struct gpio_v2_line_attribute");
    public static final long GPIO_ATTRIBUTE_ID = offset(GPIO_V2_LINE_ATTRIBUTE, "id");
    public static final long GPIO_ATTRIBUTE_FLAGS = offset(GPIO_V2_LINE_ATTRIBUTE, "flags");

    /* struct gpio_v2_line_config_attribute { struct gpio_v2_line_attribute attr; __aligned_u64 mask; }; */
    public static final StructLayout GPIO_V2_LINE_CONFIG_ATTRIBUTE = MemoryLayout.structLayout(
                    GPIO_V2_LINE_ATTRIBUTE.withName("attr"),
                    JAVA_LONG.withName("mask"))
            .withName("struct gpio_v2_line_config_attribute");
    public static final long GPIO_CONFIG_ATTRIBUTE_MASK = offset(GPIO_V2_LINE_CONFIG_ATTRIBUTE, "mask");

    /* struct gpio_v2_line_config { __aligned_u64 flags; __u32 num_attrs; __u32 padding[5]; struct gpio_v2_line_config_attribute attrs[10]; }; */
    public static final StructLayout GPIO_V2_LINE_CONFIG = MemoryLayout.structLayout(
                    JAVA_LONG.withName("flags"),
                    JAVA_INT.withName("num_attrs"),
                    MemoryLayout.sequenceLayout(5, JAVA_INT).withName("padding"),
                    MemoryLayout.sequenceLayout(DeviceConstants.GPIO_V2_LINE_NUM_ATTRS_MAX, GPIO_V2_LINE_CONFIG_ATTRIBUTE)
                            .withName("attrs"))
            .withName("struct gpio_v2_line_config");
    public static final long GPIO_CONFIG_FLAGS = offset(GPIO_V2_LINE_CONFIG, "flags");
    public static final long GPIO_CONFIG_NUM_ATTRS = offset(GPIO_V2_LINE_CONFIG, "num_attrs");
    public static final long GPIO_CONFIG_ATTRS = offset(GPIO_V2_LINE_CONFIG, "attrs");

    /*
     * struct gpio_v2_line_request {              // GPIO_V2_GET_LINE_IOCTL
     *     __u32 offsets[64]; char consumer[32]; struct gpio_v2_line_config config;
     *     __u32 num_lines; __u32 event_buffer_size; __u32 padding[5];
     *     __s32 fd;                               // the kernel's answer: the lines' new descriptor
     * };
     */
    public static final StructLayout GPIO_V2_LINE_REQUEST = MemoryLayout.structLayout(
                    MemoryLayout.sequenceLayout(DeviceConstants.GPIO_V2_LINES_MAX, JAVA_INT).withName("offsets"),
                    MemoryLayout.sequenceLayout(DeviceConstants.GPIO_MAX_NAME_SIZE, JAVA_BYTE).withName("consumer"),
                    GPIO_V2_LINE_CONFIG.withName("config"),
                    JAVA_INT.withName("num_lines"),
                    JAVA_INT.withName("event_buffer_size"),
                    MemoryLayout.sequenceLayout(5, JAVA_INT).withName("padding"),
                    JAVA_INT.withName("fd"))
            .withName("struct gpio_v2_line_request");
    public static final long GPIO_REQUEST_OFFSETS = offset(GPIO_V2_LINE_REQUEST, "offsets");
    public static final long GPIO_REQUEST_CONSUMER = offset(GPIO_V2_LINE_REQUEST, "consumer");
    public static final long GPIO_REQUEST_CONFIG = offset(GPIO_V2_LINE_REQUEST, "config");
    public static final long GPIO_REQUEST_NUM_LINES = offset(GPIO_V2_LINE_REQUEST, "num_lines");
    public static final long GPIO_REQUEST_EVENT_BUFFER_SIZE = offset(GPIO_V2_LINE_REQUEST, "event_buffer_size");
    public static final long GPIO_REQUEST_FD = offset(GPIO_V2_LINE_REQUEST, "fd");

    /*
     * struct gpio_v2_line_event {                // read from the lines' descriptor
     *     __aligned_u64 timestamp_ns;             // CLOCK_MONOTONIC, or CLOCK_REALTIME if asked
     *     __u32 id;                               // GPIO_V2_LINE_EVENT_RISING_EDGE or _FALLING_EDGE
     *     __u32 offset; __u32 seqno; __u32 line_seqno; __u32 padding[6];
     * };
     */
    public static final StructLayout GPIO_V2_LINE_EVENT = MemoryLayout.structLayout(
                    JAVA_LONG.withName("timestamp_ns"),
                    JAVA_INT.withName("id"),
                    JAVA_INT.withName("offset"),
                    JAVA_INT.withName("seqno"),
                    JAVA_INT.withName("line_seqno"),
                    MemoryLayout.sequenceLayout(6, JAVA_INT).withName("padding"))
            .withName("struct gpio_v2_line_event");
    public static final long GPIO_EVENT_TIMESTAMP = offset(GPIO_V2_LINE_EVENT, "timestamp_ns");
    public static final long GPIO_EVENT_ID = offset(GPIO_V2_LINE_EVENT, "id");
    public static final long GPIO_EVENT_OFFSET = offset(GPIO_V2_LINE_EVENT, "offset");
    public static final long GPIO_EVENT_SEQNO = offset(GPIO_V2_LINE_EVENT, "seqno");
    public static final long GPIO_EVENT_LINE_SEQNO = offset(GPIO_V2_LINE_EVENT, "line_seqno");

    /* struct gpio_v2_line_values { __aligned_u64 bits; __aligned_u64 mask; };  GPIO_V2_LINE_GET_VALUES_IOCTL */
    public static final StructLayout GPIO_V2_LINE_VALUES = MemoryLayout.structLayout(
                    JAVA_LONG.withName("bits"),
                    JAVA_LONG.withName("mask"))
            .withName("struct gpio_v2_line_values");
    public static final long GPIO_VALUES_BITS = offset(GPIO_V2_LINE_VALUES, "bits");
    public static final long GPIO_VALUES_MASK = offset(GPIO_V2_LINE_VALUES, "mask");

    /** Every layout above, for the layout test: the same on x86_64 and aarch64. */
    public static final StructLayout[] ALL = {
        TERMIOS2, SERIAL_RS485, INPUT_EVENT, INPUT_ID, UINPUT_SETUP, GPIOCHIP_INFO, GPIO_V2_LINE_ATTRIBUTE,
        GPIO_V2_LINE_CONFIG_ATTRIBUTE, GPIO_V2_LINE_CONFIG, GPIO_V2_LINE_REQUEST, GPIO_V2_LINE_EVENT, GPIO_V2_LINE_VALUES,
    };

    private static long offset(StructLayout layout, String member) {
        return layout.byteOffset(groupElement(member));
    }
}

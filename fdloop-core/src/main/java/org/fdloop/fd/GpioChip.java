package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.fdloop.internal.linux.Constants.O_RDWR;
import static org.fdloop.internal.linux.DeviceConstants.*;
import static org.fdloop.internal.linux.DeviceStructs.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A GPIO chip, {@code /dev/gpiochipN} (the character device, uAPI v2): its name and lines, and
 * requests for lines with edge detection, whose edges arrive through a loop as {@link GpioEvent}s.
 *
 * <pre>{@code
 * try (GpioChip chip = GpioChip.open(Path.of("/dev/gpiochip0"));
 *      GpioLines button = chip.request(GpioChip.LineRequest.of(17).debounce(Duration.ofMillis(5)))) {
 *     loop.onReadable(button, (source, events) -> button.readEvents(e ->
 *             IO.println("line " + e.offset() + (e.rising() ? " rose" : " fell") + " #" + e.lineSeqno())));
 * }
 * }</pre>
 */
public final class GpioChip extends Fd {
    /** Where GPIO chips come from, for the error when there is none. */
    static final String WHERE = "GPIO chips are /dev/gpiochipN, one per GPIO controller the kernel's drivers found"
            + " (a Raspberry Pi has /dev/gpiochip0; gpiodetect lists them); a PC or a virtual machine usually has"
            + " none, and the gpio-sim module makes simulated ones for tests";

    /** Which edges of a line are reported. */
    public enum Edge {
        /** Low to high (GPIO_V2_LINE_FLAG_EDGE_RISING). */
        RISING,
        /** High to low (GPIO_V2_LINE_FLAG_EDGE_FALLING). */
        FALLING,
        /** Both. */
        BOTH
    }

    /** The line's bias: what holds it when nothing drives it. */
    public enum Bias {
        /** As the chip has it. */
        AS_IS,
        /** Pulled up (GPIO_V2_LINE_FLAG_BIAS_PULL_UP): a button to ground reads falling edges. */
        PULL_UP,
        /** Pulled down (GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN). */
        PULL_DOWN,
        /** No bias (GPIO_V2_LINE_FLAG_BIAS_DISABLED). */
        DISABLED
    }

    /**
     * What to request: input lines with edge detection.
     *
     * @param offsets the lines, by offset on the chip: 1 to 64 of them
     * @param consumer the name the kernel shows as the lines' user (gpioinfo), at most 31 bytes
     * @param edge which edges to report
     * @param bias the lines' bias
     * @param debounce the debounce period, whole microseconds; zero for none
     * @param activeLow whether low is the active level (values and edges inverted)
     */
    public record LineRequest(List<Integer> offsets, String consumer, Edge edge, Bias bias, Duration debounce,
            boolean activeLow) {
        /**
         * Checks the request.
         *
         * @throws IllegalArgumentException if there are no lines or more than 64, an offset is
         *     negative, the consumer is longer than 31 bytes, or the debounce is negative
         */
        public LineRequest {
            offsets = List.copyOf(offsets);
            Objects.requireNonNull(consumer, "consumer");
            Objects.requireNonNull(edge, "edge");
            Objects.requireNonNull(bias, "bias");
            Objects.requireNonNull(debounce, "debounce");
            if (offsets.isEmpty() || offsets.size() > GPIO_V2_LINES_MAX) {
                throw new IllegalArgumentException(offsets.size() + " lines: a request has 1 to " + GPIO_V2_LINES_MAX);
            }
            if (offsets.stream().anyMatch(o -> o < 0)) {
                throw new IllegalArgumentException("line offsets " + offsets + ": an offset is 0 or more");
            }
            if (consumer.getBytes(StandardCharsets.UTF_8).length >= GPIO_MAX_NAME_SIZE) {
                throw new IllegalArgumentException("consumer \"" + consumer + "\": at most " + (GPIO_MAX_NAME_SIZE - 1) + " bytes");
            }
            if (debounce.isNegative() || debounce.toNanos() / 1000 > 0xffffffffL) {
                throw new IllegalArgumentException("debounce " + debounce + ": whole microseconds, 0 or more");
            }
        }

        /**
         * {@return a request for {@code offsets}, both edges, bias as is, no debounce, consumer "fdloop"}
         *
         * @param offsets the lines, by offset on the chip
         */
        public static LineRequest of(int... offsets) {
            return new LineRequest(java.util.Arrays.stream(offsets).boxed().toList(), "fdloop", Edge.BOTH, Bias.AS_IS,
                    Duration.ZERO, false);
        }

        /**
         * {@return this request reporting {@code edge} only}
         *
         * @param edge which edges
         */
        public LineRequest edge(Edge edge) {
            return new LineRequest(offsets, consumer, edge, bias, debounce, activeLow);
        }

        /**
         * {@return this request with another bias}
         *
         * @param bias the bias
         */
        public LineRequest bias(Bias bias) {
            return new LineRequest(offsets, consumer, edge, bias, debounce, activeLow);
        }

        /**
         * {@return this request with a debounce period (GPIO_V2_LINE_ATTR_ID_DEBOUNCE)}
         *
         * @param debounce whole microseconds
         */
        public LineRequest debounce(Duration debounce) {
            return new LineRequest(offsets, consumer, edge, bias, debounce, activeLow);
        }

        /**
         * {@return this request under another consumer name}
         *
         * @param consumer at most 31 bytes
         */
        public LineRequest consumer(String consumer) {
            return new LineRequest(offsets, consumer, edge, bias, debounce, activeLow);
        }

        /**
         * {@return this request with low as the active level, or high}
         *
         * @param activeLow whether low is active
         */
        public LineRequest activeLow(boolean activeLow) {
            return new LineRequest(offsets, consumer, edge, bias, debounce, activeLow);
        }

        /** The line flags this request sets (gpio_v2_line_config.flags). */
        long flags() {
            long flags = GPIO_V2_LINE_FLAG_INPUT | switch (edge) {
                case RISING -> GPIO_V2_LINE_FLAG_EDGE_RISING;
                case FALLING -> GPIO_V2_LINE_FLAG_EDGE_FALLING;
                case BOTH -> GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING;
            } | switch (bias) {
                case AS_IS -> 0;
                case PULL_UP -> GPIO_V2_LINE_FLAG_BIAS_PULL_UP;
                case PULL_DOWN -> GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN;
                case DISABLED -> GPIO_V2_LINE_FLAG_BIAS_DISABLED;
            };
            return activeLow ? flags | GPIO_V2_LINE_FLAG_ACTIVE_LOW : flags;
        }

        /** This request as the kernel reads it: a {@code struct gpio_v2_line_request}, zeroed first. */
        void encode(MemorySegment request) {
            request.fill((byte) 0);
            for (int i = 0; i < offsets.size(); i++) {
                request.set(JAVA_INT, GPIO_REQUEST_OFFSETS + 4L * i, offsets.get(i));
            }
            byte[] name = consumer.getBytes(StandardCharsets.UTF_8);
            MemorySegment.copy(name, 0, request, JAVA_BYTE, GPIO_REQUEST_CONSUMER, name.length);
            long config = GPIO_REQUEST_CONFIG;
            request.set(JAVA_LONG, config + GPIO_CONFIG_FLAGS, flags());
            if (!debounce.isZero()) {
                long attribute = config + GPIO_CONFIG_ATTRS;
                request.set(JAVA_INT, config + GPIO_CONFIG_NUM_ATTRS, 1);
                request.set(JAVA_INT, attribute + GPIO_ATTRIBUTE_ID, GPIO_V2_LINE_ATTR_ID_DEBOUNCE);
                request.set(JAVA_INT, attribute + GPIO_V2_LINE_ATTRIBUTE_DEBOUNCE_PERIOD_US, (int) (debounce.toNanos() / 1000));
                request.set(JAVA_LONG, attribute + GPIO_CONFIG_ATTRIBUTE_MASK,
                        offsets.size() == 64 ? -1L : (1L << offsets.size()) - 1); // every line of the request
            }
            request.set(JAVA_INT, GPIO_REQUEST_NUM_LINES, offsets.size());
        }
    }

    /**
     * A chip's identity (GPIO_GET_CHIPINFO_IOCTL).
     *
     * @param name the chip's name, {@code "gpiochip0"}
     * @param label the driver's label, {@code "pinctrl-bcm2711"}
     * @param lines how many lines it has, offsets 0 to lines - 1
     */
    public record Info(String name, String label, int lines) {}

    private final Path path;

    private GpioChip(int fd, Path path) {
        super(fd, "GPIO chip " + path);
        this.path = path;
    }

    /**
     * Opens a GPIO chip (O_RDWR|O_CLOEXEC).
     *
     * @param path {@code /dev/gpiochipN}
     * @return the open chip
     * @throws IllegalArgumentException if {@code path} is not a character device
     * @throws LinuxException ENOENT when there is no chip at {@code path}, ENOTTY when it is not a
     *     GPIO chip; the message says where GPIO chips come from
     * @throws IOException if a system call fails: the {@link LinuxException} names it and its errno
     */
    public static GpioChip open(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        int fd = CharacterDevices.open(path, O_RDWR, "GPIO chip", WHERE);
        GpioChip chip = new GpioChip(fd, path);
        try {
            chip.info();
        } catch (IOException | RuntimeException e) {
            chip.close();
            throw e;
        }
        return chip;
    }

    /**
     * {@return the chip's name, label and number of lines}
     *
     * @throws IOException if the ioctl fails: ENOTTY for a device that is not a GPIO chip
     */
    public Info info() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(GPIOCHIP_INFO);
            CharacterDevices.ioctl(this, GPIO_GET_CHIPINFO_IOCTL, info, "GPIO_GET_CHIPINFO_IOCTL",
                    "it is not a GPIO chip: " + WHERE);
            return new Info(CharacterDevices.string(info, GPIOCHIP_INFO_NAME, GPIO_MAX_NAME_SIZE),
                    CharacterDevices.string(info, GPIOCHIP_INFO_LABEL, GPIO_MAX_NAME_SIZE),
                    info.get(JAVA_INT, GPIOCHIP_INFO_LINES));
        }
    }

    /**
     * Requests input lines with edge detection (GPIO_V2_GET_LINE_IOCTL). The answer is a new
     * descriptor for the lines, which the caller closes; register it with a loop to get the edges.
     *
     * @param request the lines and how to watch them
     * @return the requested lines
     * @throws LinuxException EBUSY when another user holds a line (gpioinfo names it), EINVAL for an
     *     offset the chip does not have or a flag it cannot do
     * @throws IOException if a system call fails: the {@link LinuxException} names it and its errno
     */
    public GpioLines request(LineRequest request) throws IOException {
        Objects.requireNonNull(request, "request");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment raw = arena.allocate(GPIO_V2_LINE_REQUEST);
            request.encode(raw);
            CharacterDevices.ioctl(this, GPIO_V2_GET_LINE_IOCTL, raw, "GPIO_V2_GET_LINE_IOCTL, lines " + request.offsets(),
                    "it is not a GPIO chip, or its kernel has no GPIO uAPI v2 (Linux 5.10 and later have it)");
            return new GpioLines(raw.get(JAVA_INT, GPIO_REQUEST_FD), path.toString(), request.offsets());
        }
    }
}

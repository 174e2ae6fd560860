package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fdloop.internal.linux.DeviceConstants.*;
import static org.fdloop.internal.linux.DeviceStructs.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.fdloop.EventLoop;
import org.fdloop.testing.Loops;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * GPIO lines through the character device, uAPI v2. This machine may have no GPIO chip and no
 * gpio-sim (it needs configfs and the module): then the request and the event are checked as
 * bytes, and the gpio-sim test says plainly, in its output, that it could not run.
 */
@ExtendWith(NoFdLeaks.class)
class GpioChipTest {
    /**
     * Two edges on line 17 as the kernel writes them (struct gpio_v2_line_event, 48 bytes, the
     * same on x86_64 and aarch64: StructLayoutTest checks both): a rising edge at 5123.456789012 s
     * of CLOCK_MONOTONIC, seqno 1, then a falling one, seqno 2.
     */
    private static final String TWO_EDGES =
            "146ad2e5a804000001000000110000000100000001000000000000000000000000000000000000000000000000000000"
            + "40ab12e6a804000002000000110000000200000002000000000000000000000000000000000000000000000000000000";

    @Test
    void recordedEdgesDecodeOnBothArchitectures() {
        MemorySegment records = MemorySegment.ofArray(HexFormat.of().parseHex(TWO_EDGES));
        assertThat(GpioEvent.BYTES).isEqualTo(48);
        assertThat(records.byteSize()).isEqualTo(2L * GpioEvent.BYTES);
        assertThat(GpioEvent.decode(records, 0)).isEqualTo(new GpioEvent(5_123_456_789_012L, true, 17, 1, 1));
        assertThat(GpioEvent.decode(records, GpioEvent.BYTES)).isEqualTo(new GpioEvent(5_123_461_000_000L, false, 17, 2, 2));
    }

    @Test
    void aLineRequestIsTheStructTheKernelReads() {
        GpioChip.LineRequest request = GpioChip.LineRequest.of(17, 22).edge(GpioChip.Edge.FALLING)
                .bias(GpioChip.Bias.PULL_UP).debounce(Duration.ofMillis(5)).consumer("doorbell");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment raw = arena.allocate(GPIO_V2_LINE_REQUEST);
            raw.fill((byte) 0x5a); // encode zeroes what it does not set
            request.encode(raw);
            assertThat(raw.get(JAVA_INT, GPIO_REQUEST_OFFSETS)).isEqualTo(17);
            assertThat(raw.get(JAVA_INT, GPIO_REQUEST_OFFSETS + 4)).isEqualTo(22);
            assertThat(CharacterDevices.string(raw, GPIO_REQUEST_CONSUMER, 32)).isEqualTo("doorbell");
            long config = GPIO_REQUEST_CONFIG;
            assertThat(raw.get(JAVA_LONG, config + GPIO_CONFIG_FLAGS)).isEqualTo(
                    (long) (GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_FALLING | GPIO_V2_LINE_FLAG_BIAS_PULL_UP));
            assertThat(raw.get(JAVA_INT, config + GPIO_CONFIG_NUM_ATTRS)).isEqualTo(1);
            long attribute = config + GPIO_CONFIG_ATTRS;
            assertThat(raw.get(JAVA_INT, attribute + GPIO_ATTRIBUTE_ID)).isEqualTo(GPIO_V2_LINE_ATTR_ID_DEBOUNCE);
            assertThat(raw.get(JAVA_INT, attribute + GPIO_V2_LINE_ATTRIBUTE_DEBOUNCE_PERIOD_US)).as("µs").isEqualTo(5000);
            assertThat(raw.get(JAVA_LONG, attribute + GPIO_CONFIG_ATTRIBUTE_MASK)).as("both lines").isEqualTo(0b11L);
            assertThat(raw.get(JAVA_INT, GPIO_REQUEST_NUM_LINES)).isEqualTo(2);
            assertThat(raw.get(JAVA_INT, GPIO_REQUEST_EVENT_BUFFER_SIZE)).as("the kernel's default").isZero();
            assertThat(raw.get(JAVA_INT, GPIO_REQUEST_FD)).isZero();
            assertThat(raw.get(JAVA_BYTE, attribute + GPIO_V2_LINE_CONFIG_ATTRIBUTE.byteSize())).as("the second attribute").isZero();
        }
        assertThat(GpioChip.LineRequest.of(4).activeLow(true).flags() & GPIO_V2_LINE_FLAG_ACTIVE_LOW).isNotZero();
    }

    @Test
    void badRequestsSayWhatIsWrong() {
        assertThatThrownBy(GpioChip.LineRequest::of).hasMessageContaining("0 lines: a request has 1 to 64");
        assertThatThrownBy(() -> GpioChip.LineRequest.of(-1)).hasMessageContaining("an offset is 0 or more");
        assertThatThrownBy(() -> GpioChip.LineRequest.of(1).consumer("x".repeat(32))).hasMessageContaining("at most 31 bytes");
        assertThatThrownBy(() -> GpioChip.LineRequest.of(1).debounce(Duration.ofMillis(-1))).hasMessageContaining("debounce");
    }

    @Test
    void aMissingChipSaysWhereChipsComeFrom() {
        assertThatThrownBy(() -> GpioChip.open(Path.of("/dev/gpiochip-none")))
                .isInstanceOf(LinuxException.class)
                .hasMessageContaining("ENOENT")
                .hasMessageContaining("no GPIO chip at this path")
                .hasMessageContaining("gpio-sim");
    }

    @Test
    void aCharacterDeviceThatIsNotAChipIsRefusedWithEnotty() {
        assertThatThrownBy(() -> GpioChip.open(Path.of("/dev/null")))
                .isInstanceOf(LinuxException.class)
                .hasMessageContaining("GPIO_GET_CHIPINFO_IOCTL")
                .hasMessageContaining("ENOTTY")
                .hasMessageContaining("not a GPIO chip");
    }

    /**
     * A simulated chip (gpio-sim, through configfs): a line pulled up and down by the test, its
     * edges read through the loop with their sequence numbers. Where configfs has no gpio-sim
     * (this CI's virtual machine has no modules), the test asserts that and says in its output
     * that it did not run.
     */
    @Test
    void gpioSimEdgesArriveThroughTheLoopOrTheTestSaysWhyNot() throws Exception {
        Path sim = Path.of("/sys/kernel/config/gpio-sim");
        if (!Files.isDirectory(sim)) {
            System.out.println("GpioChipTest: NOT TESTED on this machine: " + sim + " is absent (no gpio-sim module,"
                    + " or configfs is not mounted), so no GPIO line was requested from a kernel; the line request and"
                    + " the edge event were checked as bytes only");
            assertThat(sim).doesNotExist();
            return;
        }
        Path device = sim.resolve("fdloop-" + ProcessHandle.current().pid());
        Path bank = device.resolve("bank0");
        Files.createDirectory(device);
        try {
            Files.createDirectory(bank);
            Files.writeString(bank.resolve("num_lines"), "4");
            Files.writeString(device.resolve("live"), "1");
            String chipName = Files.readAllLines(bank.resolve("chip_name")).getFirst().strip();
            String devName = Files.readAllLines(device.resolve("dev_name")).getFirst().strip();
            Path pull = Path.of("/sys/devices/platform", devName, chipName, "sim_gpio1", "pull");
            Files.writeString(pull, "pull-down");
            try (EventLoop loop = EventLoop.open(); GpioChip chip = GpioChip.open(Path.of("/dev", chipName));
                    GpioLines line = chip.request(GpioChip.LineRequest.of(1).debounce(Duration.ofMillis(1)))) {
                assertThat(chip.info().lines()).isEqualTo(4);
                List<GpioEvent> edges = new ArrayList<>();
                loop.onReadable(line, (source, events) -> line.readEvents(edges::add));
                Files.writeString(pull, "pull-up");
                Loops.runUntil(loop, () -> edges.size() == 1);
                assertThat(line.values()).isEqualTo(1L);
                Files.writeString(pull, "pull-down");
                Loops.runUntil(loop, () -> edges.size() == 2);
                assertThat(edges).extracting(GpioEvent::rising).containsExactly(true, false);
                assertThat(edges).extracting(GpioEvent::offset).containsExactly(1, 1);
                assertThat(edges).extracting(GpioEvent::lineSeqno).containsExactly(1L, 2L);
            }
        } finally {
            if (Files.exists(device.resolve("live"))) {
                Files.writeString(device.resolve("live"), "0");
            }
            Files.deleteIfExists(bank);
            Files.deleteIfExists(device);
        }
    }
}

package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fdloop.internal.linux.DeviceConstants.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.fdloop.EventLoop;
import org.fdloop.internal.linux.DeviceCalls;
import org.fdloop.internal.linux.DeviceStructs;
import org.fdloop.testing.Loops;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * evdev input devices. This machine may have none (a virtual machine without input, no
 * /dev/uinput): then the decoding is checked on recorded bytes, and the uinput test says plainly,
 * in its output, that it could not run.
 */
@ExtendWith(NoFdLeaks.class)
class InputDeviceTest {
    /**
     * A key press of KEY_A as a USB keyboard reports it, three struct input_event as the kernel
     * writes them on x86_64 and on aarch64 (both 64-bit little-endian, the same 24-byte layout:
     * StructLayoutTest checks it against both architectures' headers): the scan code (EV_MSC
     * MSC_SCAN 0x70004), the key (EV_KEY KEY_A 1), the end of the report (EV_SYN SYN_REPORT).
     */
    private static final String KEY_A_PRESS =
            "e05454670000000040e20100000000000400040004000700"
            + "e05454670000000040e201000000000001001e0001000000"
            + "e05454670000000040e20100000000000000000000000000";

    @Test
    void aRecordedKeyPressDecodesOnBothArchitectures() {
        byte[] bytes = HexFormat.of().parseHex(KEY_A_PRESS);
        assertThat(InputEvent.BYTES).as("sizeof(struct input_event) on x86_64 and aarch64").isEqualTo(24);
        assertThat(bytes.length).isEqualTo(3 * InputEvent.BYTES);
        MemorySegment records = MemorySegment.ofArray(bytes);
        List<InputEvent> events = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            events.add(InputEvent.decode(records, (long) i * InputEvent.BYTES));
        }
        assertThat(events).containsExactly(
                new InputEvent(1733580000L, 123456, EV_MSC, 4, 0x70004),
                new InputEvent(1733580000L, 123456, EV_KEY, KEY_A, 1),
                new InputEvent(1733580000L, 123456, EV_SYN, SYN_REPORT, 0));
        assertThat(events.get(1).time()).isEqualTo(Instant.parse("2024-12-07T14:00:00.123456Z"));
        assertThat(events.get(1).typeName()).isEqualTo("EV_KEY");
        assertThat(events.get(2).isReport()).isTrue();
        assertThat(InputEvent.EV_KEY).isEqualTo(EV_KEY);
    }

    @Test
    void aMissingDeviceSaysWhereInputDevicesComeFrom() {
        assertThatThrownBy(() -> InputDevice.open(Path.of("/dev/input/event-none")))
                .isInstanceOf(LinuxException.class)
                .hasMessageContaining("ENOENT")
                .hasMessageContaining("no input device at this path")
                .hasMessageContaining("/dev/input/eventN");
    }

    @Test
    void aCharacterDeviceThatIsNotAnInputDeviceIsRefusedWithEnotty() {
        assertThatThrownBy(() -> InputDevice.open(Path.of("/dev/null")))
                .isInstanceOf(LinuxException.class)
                .hasMessageContaining("EVIOCGVERSION")
                .hasMessageContaining("ENOTTY")
                .hasMessageContaining("not an input device");
    }

    @Test
    void aRegularFileIsRefusedBeforeOpening() throws Exception {
        Path file = Files.createTempFile("fdloop-input", ".txt");
        try {
            assertThatThrownBy(() -> InputDevice.open(file))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is a regular file, not an input device");
        } finally {
            Files.delete(file);
        }
    }

    /**
     * A virtual keyboard through uinput: its name and capabilities through EVIOCGNAME and
     * EVIOCGBIT, a grab, and key presses read through the loop. Where the kernel has no
     * /dev/uinput (this CI's virtual machine), the test asserts that and says in its output that it
     * did not run the keyboard.
     */
    @Test
    void aUinputKeyboardsKeysArriveThroughTheLoopOrTheTestSaysWhyNot() throws Exception {
        Path uinput = Path.of("/dev/uinput");
        if (!Files.exists(uinput)) {
            System.out.println("InputDeviceTest: NOT TESTED on this machine: /dev/uinput is absent (a kernel without"
                    + " CONFIG_INPUT_UINPUT, or a container without the device), so no virtual keyboard was made;"
                    + " the input_event decoding was checked on recorded bytes only");
            assertThat(uinput).doesNotExist();
            return;
        }
        try (DeviceFile maker = DeviceFile.open(uinput, DeviceFile.Access.WRITE); Arena arena = Arena.ofConfined()) {
            int fd = maker.number();
            assertThat(DeviceCalls.ioctl(fd, UI_SET_EVBIT, EV_KEY)).isZero();
            assertThat(DeviceCalls.ioctl(fd, UI_SET_KEYBIT, KEY_A)).isZero();
            assertThat(DeviceCalls.ioctl(fd, UI_SET_KEYBIT, KEY_B)).isZero();
            MemorySegment setup = arena.allocate(DeviceStructs.UINPUT_SETUP);
            setup.set(JAVA_SHORT, DeviceStructs.UINPUT_SETUP_ID + DeviceStructs.INPUT_ID_BUSTYPE, (short) BUS_VIRTUAL);
            setup.set(JAVA_SHORT, DeviceStructs.UINPUT_SETUP_ID + DeviceStructs.INPUT_ID_VENDOR, (short) 0x1d6b);
            String name = "fdloop test keyboard " + ProcessHandle.current().pid();
            MemorySegment.copy(name.getBytes(), 0, setup, java.lang.foreign.ValueLayout.JAVA_BYTE,
                    DeviceStructs.UINPUT_SETUP_NAME, name.length());
            assertThat(DeviceCalls.ioctl(fd, UI_DEV_SETUP, setup)).isZero();
            assertThat(DeviceCalls.ioctl(fd, UI_DEV_CREATE, 0)).isZero();
            try {
                Path event = eventNodeNamed(name);
                try (EventLoop loop = EventLoop.open(); InputDevice keyboard = InputDevice.open(event)) {
                    assertThat(keyboard.name()).isEqualTo(name);
                    assertThat(keyboard.eventTypes().get(EV_KEY)).isTrue();
                    assertThat(keyboard.codes(EV_KEY).get(KEY_A)).isTrue();
                    assertThat(keyboard.codes(EV_KEY).get(KEY_B)).isTrue();
                    keyboard.grab(true);
                    List<InputEvent> keys = new ArrayList<>();
                    loop.onReadable(keyboard, (source, events) -> keyboard.readEvents(e -> {
                        if (e.type() == EV_KEY) {
                            keys.add(e);
                        }
                    }));
                    MemorySegment press = arena.allocate(4L * InputEvent.BYTES);
                    int[][] writes = {{EV_KEY, KEY_A, 1}, {EV_SYN, SYN_REPORT, 0}, {EV_KEY, KEY_A, 0}, {EV_SYN, SYN_REPORT, 0}};
                    for (int i = 0; i < writes.length; i++) {
                        long at = (long) i * InputEvent.BYTES;
                        press.set(JAVA_SHORT, at + DeviceStructs.INPUT_EVENT_TYPE, (short) writes[i][0]);
                        press.set(JAVA_SHORT, at + DeviceStructs.INPUT_EVENT_CODE, (short) writes[i][1]);
                        press.set(JAVA_INT, at + DeviceStructs.INPUT_EVENT_VALUE, writes[i][2]);
                        press.set(JAVA_LONG, at + DeviceStructs.INPUT_EVENT_SEC, 0);
                    }
                    maker.write(press.asByteBuffer());
                    Loops.runUntil(loop, () -> keys.size() == 2);
                    assertThat(keys).extracting(InputEvent::code, InputEvent::value)
                            .containsExactly(org.assertj.core.groups.Tuple.tuple(KEY_A, 1), org.assertj.core.groups.Tuple.tuple(KEY_A, 0));
                    keyboard.grab(false);
                }
            } finally {
                DeviceCalls.ioctl(fd, UI_DEV_DESTROY, 0);
            }
        }
    }

    /** The /dev/input/eventN of the input device named {@code name}, from /sys/class/input, waiting for devtmpfs. */
    private static Path eventNodeNamed(String name) throws Exception {
        long deadline = System.nanoTime() + org.fdloop.testing.Ready.PATIENCE.toNanos();
        while (System.nanoTime() - deadline < 0) {
            try (Stream<Path> inputs = Files.list(Path.of("/sys/class/input"))) {
                for (Path input : inputs.filter(p -> p.getFileName().toString().startsWith("event")).toList()) {
                    Path nameFile = input.resolve("device/name");
                    List<String> lines = Files.exists(nameFile) ? Files.readAllLines(nameFile) : List.of();
                    Path node = Path.of("/dev/input", input.getFileName().toString());
                    if (!lines.isEmpty() && lines.getFirst().equals(name) && Files.exists(node)) {
                        return node;
                    }
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no /dev/input/eventN for the uinput device \"" + name + "\" within " + org.fdloop.testing.Ready.PATIENCE);
    }
}

package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.fdloop.internal.linux.Constants.O_RDONLY;
import static org.fdloop.internal.linux.DeviceConstants.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Objects;
import java.util.function.Consumer;
import org.fdloop.internal.linux.DeviceCalls;
import org.fdloop.internal.linux.Errno;

/**
 * An evdev input device, {@code /dev/input/eventN}: a keyboard, a mouse, a button, a touch
 * screen, a lid switch. It is readable when events are queued; {@link #readEvents} reads and
 * decodes them ({@code struct input_event}). Its name ({@code EVIOCGNAME}), the event types and
 * codes it can send ({@code EVIOCGBIT}), and an exclusive grab ({@code EVIOCGRAB}) come from
 * ioctls.
 *
 * <pre>{@code
 * try (InputDevice keys = InputDevice.open(Path.of("/dev/input/event0"))) {
 *     loop.onReadable(keys, (source, events) -> keys.readEvents(e -> {
 *         if (e.type() == InputEvent.EV_KEY) IO.println(e.code() + (e.value() == 1 ? " down" : " up"));
 *     }));
 * }
 * }</pre>
 */
public final class InputDevice extends StreamFd {
    /** Where input devices come from, for the error when there is none. */
    static final String WHERE = "input devices are /dev/input/eventN, made by the kernel's evdev driver for each"
            + " keyboard, mouse, button or switch it knows (ls /dev/input; cat /proc/bus/input/devices); a machine"
            + " without one (a container, a virtual machine without input) has no /dev/input at all";

    private final Path path;
    private final MemorySegment buffer = Arena.ofAuto().allocate(64L * InputEvent.BYTES, 8);

    private InputDevice(int fd, Path path) {
        super(fd, "input device " + path);
        this.path = path;
    }

    /**
     * Opens an input device to read (O_RDONLY|O_NONBLOCK|O_CLOEXEC).
     *
     * @param path {@code /dev/input/eventN}, or a link to one ({@code /dev/input/by-id/...})
     * @return the open device
     * @throws IllegalArgumentException if {@code path} is not a character device
     * @throws LinuxException ENOENT when there is no device at {@code path}, ENOTTY when it is a
     *     character device but not an input device; the message says where input devices come from
     * @throws IOException if a system call fails: the {@link LinuxException} names it and its errno
     */
    public static InputDevice open(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        int fd = CharacterDevices.open(path, O_RDONLY, "input device", WHERE);
        InputDevice device = new InputDevice(fd, path);
        try {
            device.version(); // EVIOCGVERSION: ENOTTY unless evdev
        } catch (IOException | RuntimeException e) {
            device.close();
            throw e;
        }
        return device;
    }

    /** {@return the path this was opened with} */
    public Path path() {
        return path;
    }

    /**
     * {@return the evdev protocol version (EVIOCGVERSION), 0x010001 on Linux 2.6 and later}
     *
     * @throws IOException if the ioctl fails: ENOTTY for a device that is not an input device
     */
    public int version() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment version = arena.allocate(4);
            CharacterDevices.ioctl(this, EVIOCGVERSION, version, "EVIOCGVERSION", "it is not an input device: " + WHERE);
            return version.get(java.lang.foreign.ValueLayout.JAVA_INT, 0);
        }
    }

    /**
     * {@return the device's name (EVIOCGNAME), as the driver gives it: "AT Translated Set 2 keyboard"}
     *
     * @throws IOException if the ioctl fails: the {@link LinuxException} names it and its errno
     */
    public String name() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(256);
            CharacterDevices.ioctl(this, eviocgname(256), name, "EVIOCGNAME(256)", "it is not an input device");
            return CharacterDevices.string(name, 0, 256);
        }
    }

    /**
     * {@return the event types the device sends (EVIOCGBIT(0)): bit {@link InputEvent#EV_KEY} for keys, and so on}
     *
     * @throws IOException if the ioctl fails: the {@link LinuxException} names it and its errno
     */
    public BitSet eventTypes() throws IOException {
        return bits(0, EV_MAX);
    }

    /**
     * {@return the codes of {@code type} the device sends (EVIOCGBIT(type)): for EV_KEY, a bit per key it has}
     *
     * @param type an event type, 1 to 31
     * @throws IllegalArgumentException if {@code type} is not 1 to 31
     * @throws IOException if the ioctl fails: the {@link LinuxException} names it and its errno
     */
    public BitSet codes(int type) throws IOException {
        if (type < 1 || type > EV_MAX) {
            throw new IllegalArgumentException("event type " + type + ": types are 1 to " + EV_MAX + " (0, EV_SYN, has no codes)");
        }
        return bits(type, KEY_MAX);
    }

    private BitSet bits(int type, int max) throws IOException {
        int bytes = max / 8 + 1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bits = arena.allocate(bytes);
            CharacterDevices.ioctl(this, eviocgbit(type, bytes), bits, "EVIOCGBIT(" + type + ", " + bytes + ")",
                    "it is not an input device");
            return BitSet.valueOf(bits.toArray(JAVA_BYTE));
        }
    }

    /**
     * Grabs the device (EVIOCGRAB 1) so that only this descriptor gets its events: the console,
     * X or Wayland stop seeing the keys; or lets it go (EVIOCGRAB 0). Closing lets it go too.
     *
     * @param exclusive whether to grab or to let go
     * @throws LinuxException EBUSY if another descriptor has grabbed it
     * @throws IOException if the ioctl fails: the {@link LinuxException} names it and its errno
     */
    public void grab(boolean exclusive) throws IOException {
        int number = acquire();
        try {
            int r = DeviceCalls.ioctl(number, EVIOCGRAB, exclusive ? 1 : 0);
            if (r == -org.fdloop.internal.linux.Constants.EBUSY) {
                throw Errno.exception("ioctl(" + describe() + ", EVIOCGRAB, 1)", -r,
                        "another program holds it grabbed: only one descriptor can grab a device at a time");
            }
            Errno.check(r, "ioctl(" + describe() + ", EVIOCGRAB, " + (exclusive ? 1 : 0) + ")");
        } finally {
            release();
        }
    }

    /**
     * Reads the events queued now, up to 64, and hands each to {@code each} in order.
     *
     * @param each what to do with each event
     * @return how many were read: 0 when none is queued, -1 when the device went away (unplugged: ENODEV)
     * @throws IOException if a system call fails: the {@link LinuxException} names it and its errno
     */
    public int readEvents(Consumer<InputEvent> each) throws IOException {
        Objects.requireNonNull(each, "each");
        long n = read(buffer);
        if (n <= 0) {
            return (int) n;
        }
        int count = (int) (n / InputEvent.BYTES);
        for (int i = 0; i < count; i++) {
            each.accept(InputEvent.decode(buffer, (long) i * InputEvent.BYTES));
        }
        return count;
    }

    @Override
    int readFailed(int errno) throws LinuxException {
        if (errno == org.fdloop.internal.linux.Constants.ENODEV) {
            return -1; // unplugged: the end of this device's stream
        }
        return super.readFailed(errno);
    }
}

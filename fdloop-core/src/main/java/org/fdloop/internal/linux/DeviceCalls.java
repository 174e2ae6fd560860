package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * ioctl(2), the one call of the device interfaces: terminal settings (termios2), modem lines and
 * RS-485 of serial ports, evdev input devices, GPIO chips and lines, TUNSETIFF on /dev/net/tun and
 * the interface requests (SIOCSIFADDR, SIOCSIFFLAGS) on a socket. Each returns its result or
 * {@code -errno} (see {@link LibC}); the requests and structs are in {@link DeviceConstants} and
 * {@link DeviceStructs}.
 */
public final class DeviceCalls {
    private DeviceCalls() {}

    private static final class IoctlInt { static final MethodHandle HANDLE = LibC.bindVariadic("ioctl", 2, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG); }
    private static final class IoctlPtr { static final MethodHandle HANDLE = LibC.bindVariadic("ioctl", 2, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS); }

    /**
     * ioctl(2) with a pointer to a struct or buffer. {@code request} is the 32-bit request number
     * as the headers define it; it is passed as the unsigned long the kernel takes, without sign
     * extension ({@code TCGETS2} has its top bit set).
     */
    public static int ioctl(int fd, int request, MemorySegment argument) {
        try {
            return (int) IoctlPtr.HANDLE.invokeExact(fd, Integer.toUnsignedLong(request), argument);
        } catch (Throwable t) {
            throw LibC.unexpected("ioctl", t);
        }
    }

    /** ioctl(2) with an integer argument passed by value (TCFLSH, TCSBRK, EVIOCGRAB, UI_SET_EVBIT). */
    public static int ioctl(int fd, int request, long argument) {
        try {
            return (int) IoctlInt.HANDLE.invokeExact(fd, Integer.toUnsignedLong(request), argument);
        } catch (Throwable t) {
            throw LibC.unexpected("ioctl", t);
        }
    }
}

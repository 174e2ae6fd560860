package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * ioctl(2), the one call of the device interfaces: TUNSETIFF on /dev/net/tun and the interface
 * requests (SIOCSIFADDR, SIOCSIFFLAGS) on a socket. Returns its result or {@code -errno} (see
 * {@link LibC}).
 */
public final class DeviceCalls {
    private DeviceCalls() {}

    private static final MethodHandle IOCTL_PTR = LibC.bindVariadic("ioctl", 2, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS);

    /**
     * ioctl(2) with a pointer to a struct or buffer. {@code request} is the 32-bit request number
     * as the headers define it, passed as the unsigned long the kernel takes (no sign extension).
     */
    public static int ioctl(int fd, int request, MemorySegment argument) {
        try {
            return (int) IOCTL_PTR.invokeExact(fd, Integer.toUnsignedLong(request), argument);
        } catch (Throwable t) {
            throw LibC.unexpected("ioctl", t);
        }
    }
}

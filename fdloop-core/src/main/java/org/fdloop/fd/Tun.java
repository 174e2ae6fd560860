package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.fdloop.internal.linux.DeviceCalls;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.SocketCalls;
import org.fdloop.internal.linux.Structs;

/**
 * A TUN interface (/dev/net/tun, IFF_TUN|IFF_NO_PI): a network interface whose packets go to this
 * descriptor instead of a wire. Each IP packet the kernel routes to the interface is one
 * {@link #read}, starting at its IP header (no packet information prefix); each {@link #write} of
 * a whole IP packet is received by the kernel as if it came from the wire. The interface lives as
 * long as the descriptor (it is not made persistent).
 *
 * <p>TUN is a real kernel driver with fasync: it calls {@code kill_fasync} when a packet is
 * queued for reading, seed 001's driver flow, so it works with signal-driven I/O
 * ({@code loop.onAsyncIo}) as well as with epoll. (Some kernels' TUN ->fasync made the calling
 * thread the owner when O_ASYNC was set; Linux 6.18 keeps the owner set before, as the tests check.)
 *
 * <p>Creating an interface needs CAP_NET_ADMIN. Make it in a {@link NetworkNamespace} of its
 * own to keep it, and whatever is routed to it, off the machine's network.
 */
public final class Tun extends StreamFd {
    private final String interfaceName;

    private Tun(int fd, String interfaceName) {
        super(fd, "tun " + interfaceName);
        this.interfaceName = interfaceName;
    }

    /**
     * Creates a TUN interface, down, in the calling thread's network namespace.
     *
     * @param name the interface's name, up to 15 bytes; "%d" in it is replaced by the first free
     *     number ({@code "fdtun%d"}); empty: the kernel's choice ({@code tunN})
     * @return its descriptor, non-blocking
     * @throws IOException if /dev/net/tun cannot be opened (ENOENT: no tun module) or TUNSETIFF
     *     fails (EPERM: no CAP_NET_ADMIN; EBUSY: the name is taken)
     */
    public static Tun open(String name) throws IOException {
        Objects.requireNonNull(name, "name");
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("an interface name has at most " + (IFNAMSIZ - 1) + " bytes, not '" + name + "'");
        }
        int fd = FileCalls.open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
        if (fd < 0) {
            throw Errno.exception("open(/dev/net/tun)", -fd,
                    -fd == ENOENT || -fd == ENODEV ? "this kernel has no TUN driver here: modprobe tun, or create the "
                            + "device node (mknod /dev/net/tun c 10 200)" : null);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment request = arena.allocate(Structs.IFREQ);
            MemorySegment.copy(bytes, 0, request, JAVA_BYTE, 0, bytes.length);
            request.set(JAVA_SHORT, IFR_FLAGS, (short) (IFF_TUN | IFF_NO_PI));
            int r = DeviceCalls.ioctl(fd, TUNSETIFF, request);
            if (r < 0) {
                throw Errno.exception("ioctl(/dev/net/tun, TUNSETIFF, " + (name.isEmpty() ? "tun%d" : name) + ", IFF_TUN|IFF_NO_PI)",
                        -r, -r == EPERM ? "creating a network interface needs CAP_NET_ADMIN (root)"
                                : -r == EBUSY || -r == EINVAL ? "an interface of that name exists already, of another kind or "
                                        + "in use: choose another name, or a pattern with %d" : null);
            }
            String chosen = request.getString(0, StandardCharsets.US_ASCII);
            return new Tun(fd, chosen);
        } catch (IOException | RuntimeException e) {
            IoCalls.close(fd);
            throw e;
        }
    }

    /**
     * Creates a TUN interface as {@link #open(String)} and brings it up with an address: the
     * kernel then routes {@code address/prefixLength} to it (SIOCSIFADDR, SIOCSIFNETMASK,
     * SIOCSIFFLAGS with IFF_UP, through a socket of the calling thread's namespace).
     *
     * @param name the interface's name, or a pattern with "%d"
     * @param address the interface's own address
     * @param prefixLength the network's prefix length, 1 to 32: a datagram to another address in
     *     it is routed to the interface, and so read from this descriptor
     * @return its descriptor
     * @throws IOException if a call fails
     */
    public static Tun open(String name, Inet4Address address, int prefixLength) throws IOException {
        Objects.requireNonNull(address, "address");
        if (prefixLength < 1 || prefixLength > 32) {
            throw new IllegalArgumentException("an IPv4 prefix length is 1 to 32, not " + prefixLength);
        }
        Tun tun = open(name);
        try {
            tun.bringUp(address.getAddress(), prefixLength);
            return tun;
        } catch (IOException | RuntimeException e) {
            tun.close();
            throw e;
        }
    }

    private void bringUp(byte[] address, int prefixLength) throws IOException {
        int socket = Errno.check(SocketCalls.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket(AF_INET, SOCK_DGRAM)");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment request = arena.allocate(Structs.IFREQ);
            byte[] name = interfaceName.getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(name, 0, request, JAVA_BYTE, 0, name.length);
            int mask = (int) (0xffffffffL << (32 - prefixLength));
            setInet(request, IFR_ADDR, address);
            ioctl(socket, SIOCSIFADDR, request, "SIOCSIFADDR");
            setInet(request, IFR_NETMASK, new byte[] {(byte) (mask >>> 24), (byte) (mask >>> 16), (byte) (mask >>> 8), (byte) mask});
            ioctl(socket, SIOCSIFNETMASK, request, "SIOCSIFNETMASK");
            request.asSlice(IFNAMSIZ).fill((byte) 0);
            ioctl(socket, SIOCGIFFLAGS, request, "SIOCGIFFLAGS");
            short flags = request.get(JAVA_SHORT, IFR_FLAGS);
            request.set(JAVA_SHORT, IFR_FLAGS, (short) (flags | IFF_UP | IFF_RUNNING));
            ioctl(socket, SIOCSIFFLAGS, request, "SIOCSIFFLAGS, IFF_UP");
        } finally {
            IoCalls.close(socket);
        }
    }

    /** A struct sockaddr_in with {@code address} at {@code offset} of an ifreq. */
    private static void setInet(MemorySegment request, long offset, byte[] address) {
        request.asSlice(IFNAMSIZ).fill((byte) 0);
        request.set(JAVA_SHORT, offset + Structs.SIN_FAMILY, (short) AF_INET);
        MemorySegment.copy(address, 0, request, JAVA_BYTE, offset + Structs.SIN_ADDR, 4);
    }

    private void ioctl(int socket, int request, MemorySegment ifreq, String name) throws LinuxException {
        Errno.check(DeviceCalls.ioctl(socket, request, ifreq), "ioctl(" + interfaceName + ", " + name + ")");
    }

    /** {@return the interface's name, as the kernel chose it for a pattern: {@code "fdtun0"}} */
    public String interfaceName() {
        return interfaceName;
    }
}

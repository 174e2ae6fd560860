package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.fdloop.internal.linux.Constants.AF_INET;
import static org.fdloop.internal.linux.Constants.AF_INET6;
import static org.fdloop.internal.linux.Constants.AF_UNIX;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.fdloop.fd.UnixAbstractAddress;

/**
 * Java socket addresses to and from {@code struct sockaddr_in}, {@code sockaddr_in6} and
 * {@code sockaddr_un}, in native memory that each thread reuses (see {@link ThreadScratch}).
 *
 * <p>The data path allocates nothing in the usual case: the last address a thread encoded is
 * kept and reused while the caller passes the same {@code SocketAddress} object again, and the
 * last address a thread decoded is returned again while the kernel reports the same bytes (a
 * server answering one client, a client hearing from one server).
 *
 * <p>Callers check that an address suits the socket before they encode it; this class only
 * refuses what no sockaddr can hold.
 */
public final class SockAddr {
    /** in_port_t: network byte order. */
    private static final ValueLayout.OfShort PORT = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);
    /** The bytes of {@code struct sockaddr_storage}: room for any address. */
    private static final int STORAGE = (int) Structs.SOCKADDR_STORAGE.byteSize();
    /** Bytes of sun_path, the terminating NUL of a path name included. */
    public static final int SUN_PATH_SIZE = (int) (Structs.SOCKADDR_UN.byteSize() - Structs.SUN_PATH);
    /** File names go to the kernel in the JVM's file-name encoding, as java.io does it. */
    private static final Charset PATH_CHARSET = pathCharset();

    private final MemorySegment out;
    private SocketAddress outAddress;
    private int outFamily;
    private int outLength;

    private final MemorySegment in;
    private final MemorySegment inLength;
    private final MemorySegment last;
    private int lastLength = -1;
    private SocketAddress lastAddress;

    private final MemorySegment option;
    private final MemorySegment optionLength;

    SockAddr(Arena arena) {
        out = arena.allocate(STORAGE, 8);
        in = arena.allocate(STORAGE, 8);
        inLength = arena.allocate(JAVA_INT);
        last = arena.allocate(STORAGE, 8);
        option = arena.allocate(Structs.LINGER.byteSize(), 4); // the largest option value fdloop uses
        optionLength = arena.allocate(JAVA_INT);
    }

    /** This thread's address memory. */
    public static SockAddr get() {
        return ThreadScratch.get().sockaddr;
    }

    // ---- addresses into the kernel: bind, connect, sendto ------------------------------------

    /**
     * Encodes {@code address} as a {@code struct sockaddr} of family {@code family} (AF_INET,
     * AF_INET6, AF_UNIX) into {@link #out()} and returns its length. An IPv4 address for an
     * AF_INET6 socket becomes the IPv4-mapped {@code ::ffff:a.b.c.d}, as Java's own sockets do.
     *
     * @throws IllegalArgumentException for an address no sockaddr of that family holds: a Unix
     *     path longer than sun_path, an IPv6 address for AF_INET, another family's address
     */
    public int encode(SocketAddress address, int family) {
        if (address == outAddress && family == outFamily) {
            return outLength;
        }
        outAddress = null; // in case encoding fails half-way
        out.fill((byte) 0);
        int length = switch (address) {
            case InetSocketAddress inet when family == AF_INET && inet.getAddress() instanceof Inet4Address v4 -> {
                out.set(JAVA_SHORT, Structs.SIN_FAMILY, (short) AF_INET);
                out.set(PORT, Structs.SIN_PORT, (short) inet.getPort());
                MemorySegment.copy(v4.getAddress(), 0, out, JAVA_BYTE, Structs.SIN_ADDR, 4);
                yield (int) Structs.SOCKADDR_IN.byteSize();
            }
            case InetSocketAddress inet when family == AF_INET6 && inet.getAddress() != null -> {
                out.set(JAVA_SHORT, Structs.SIN6_FAMILY, (short) AF_INET6);
                out.set(PORT, Structs.SIN6_PORT, (short) inet.getPort());
                if (inet.getAddress() instanceof Inet6Address v6) {
                    MemorySegment.copy(v6.getAddress(), 0, out, JAVA_BYTE, Structs.SIN6_ADDR, 16);
                    out.set(JAVA_INT, Structs.SIN6_SCOPE_ID, v6.getScopeId());
                } else {
                    // IPv4-mapped: ten zero bytes, two 0xff, then the IPv4 address
                    out.set(JAVA_BYTE, Structs.SIN6_ADDR + 10, (byte) 0xff);
                    out.set(JAVA_BYTE, Structs.SIN6_ADDR + 11, (byte) 0xff);
                    MemorySegment.copy(inet.getAddress().getAddress(), 0, out, JAVA_BYTE, Structs.SIN6_ADDR + 12, 4);
                }
                yield (int) Structs.SOCKADDR_IN6.byteSize();
            }
            case UnixDomainSocketAddress unix when family == AF_UNIX -> {
                out.set(JAVA_SHORT, Structs.SUN_FAMILY, (short) AF_UNIX);
                byte[] path = unixPathBytes(unix);
                MemorySegment.copy(path, 0, out, JAVA_BYTE, Structs.SUN_PATH, path.length);
                // an empty path is the unnamed address: bind(2) then picks an abstract name (autobind)
                yield (int) Structs.SUN_PATH + (path.length == 0 ? 0 : path.length + 1);
            }
            case UnixAbstractAddress name when family == AF_UNIX -> {
                out.set(JAVA_SHORT, Structs.SUN_FAMILY, (short) AF_UNIX);
                byte[] bytes = name.bytes();
                // an abstract name is a NUL byte, then the name: its length is the address length, no terminator
                MemorySegment.copy(bytes, 0, out, JAVA_BYTE, Structs.SUN_PATH + 1, bytes.length);
                yield (int) Structs.SUN_PATH + 1 + bytes.length;
            }
            default -> throw new IllegalArgumentException("no address of family " + family + " holds " + address);
        };
        outAddress = address;
        outFamily = family;
        outLength = length;
        return length;
    }

    /** The address {@link #encode} wrote. */
    public MemorySegment out() {
        return out;
    }

    /**
     * The bytes of a Unix socket path as the kernel gets them.
     *
     * @throws IllegalArgumentException if it does not fit in sun_path with its NUL, or holds a NUL
     */
    public static byte[] unixPathBytes(UnixDomainSocketAddress address) {
        byte[] path = address.getPath().toString().getBytes(PATH_CHARSET);
        if (path.length >= SUN_PATH_SIZE) {
            throw new IllegalArgumentException("a Unix socket path holds at most " + (SUN_PATH_SIZE - 1)
                    + " bytes (sun_path is " + SUN_PATH_SIZE + " with its NUL); " + address.getPath() + " has "
                    + path.length + ". Use a shorter path: a relative one from a nearby working directory, "
                    + "or a short directory such as /run/<app>/ or /tmp/");
        }
        return path;
    }

    // ---- addresses out of the kernel: accept, recvfrom, getsockname, getpeername -------------

    /** The buffer for a call that returns an address; pair with {@link #inLength()}. */
    public MemorySegment in() {
        return in;
    }

    /** The socklen_t for {@link #in()}, set to the buffer's size: call this right before the system call. */
    public MemorySegment inLength() {
        inLength.set(JAVA_INT, 0, STORAGE);
        return inLength;
    }

    /**
     * The address the last call wrote into {@link #in()}, for a socket of {@code family}. An
     * unnamed Unix socket (one never bound) comes back as {@code UnixDomainSocketAddress.of("")};
     * a name in the abstract namespace as a {@link UnixAbstractAddress}; an IPv4-mapped IPv6
     * address as an {@link Inet4Address}, as Java's own sockets report it.
     */
    public SocketAddress decode(int family) {
        int length = Math.min(inLength.get(JAVA_INT, 0), STORAGE);
        if (length == lastLength && sameBytes(length)) {
            return lastAddress;
        }
        SocketAddress address = decodeNew(family, length);
        MemorySegment.copy(in, 0, last, 0, length);
        lastLength = length;
        lastAddress = address;
        return address;
    }

    /** Whether {@code in} and {@code last} agree in their first {@code length} bytes (MemorySegment.mismatch allocates slices). */
    private boolean sameBytes(int length) {
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            if (in.get(JAVA_LONG, i) != last.get(JAVA_LONG, i)) {
                return false;
            }
        }
        for (; i < length; i++) {
            if (in.get(JAVA_BYTE, i) != last.get(JAVA_BYTE, i)) {
                return false;
            }
        }
        return true;
    }

    private SocketAddress decodeNew(int family, int length) {
        // the kernel leaves out sun_family (length 0) for a datagram from an unnamed Unix socket
        int actual = length >= 2 ? in.get(JAVA_SHORT, 0) : family;
        try {
            return switch (actual) {
                case AF_INET -> {
                    byte[] address = new byte[4];
                    MemorySegment.copy(in, JAVA_BYTE, Structs.SIN_ADDR, address, 0, 4);
                    yield new InetSocketAddress(InetAddress.getByAddress(address), Short.toUnsignedInt(in.get(PORT, Structs.SIN_PORT)));
                }
                case AF_INET6 -> {
                    byte[] address = new byte[16];
                    MemorySegment.copy(in, JAVA_BYTE, Structs.SIN6_ADDR, address, 0, 16);
                    int scope = in.get(JAVA_INT, Structs.SIN6_SCOPE_ID);
                    // getByAddress turns an IPv4-mapped address into an Inet4Address
                    InetAddress ip = scope != 0 ? Inet6Address.getByAddress(null, address, scope) : InetAddress.getByAddress(address);
                    yield new InetSocketAddress(ip, Short.toUnsignedInt(in.get(PORT, Structs.SIN6_PORT)));
                }
                case AF_UNIX -> {
                    int pathLength = length - (int) Structs.SUN_PATH;
                    if (pathLength <= 0) {
                        yield UnixDomainSocketAddress.of("");
                    }
                    if (in.get(JAVA_BYTE, Structs.SUN_PATH) == 0) {
                        byte[] name = new byte[pathLength - 1];
                        MemorySegment.copy(in, JAVA_BYTE, Structs.SUN_PATH + 1, name, 0, name.length);
                        yield UnixAbstractAddress.of(name);
                    }
                    int end = 0;
                    while (end < pathLength && in.get(JAVA_BYTE, Structs.SUN_PATH + end) != 0) {
                        end++;
                    }
                    byte[] path = new byte[end];
                    MemorySegment.copy(in, JAVA_BYTE, Structs.SUN_PATH, path, 0, end);
                    yield UnixDomainSocketAddress.of(new String(path, PATH_CHARSET));
                }
                default -> throw new IllegalStateException("the kernel returned an address of family " + actual
                        + " (" + length + " bytes) for a socket of family " + family);
            };
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of 4 or 16 bytes is always valid", e);
        }
    }

    // ---- socket option values ----------------------------------------------------------------

    /** An option value for getsockopt and setsockopt: an int, or a {@link Structs#LINGER}. */
    public MemorySegment option() {
        return option;
    }

    /** The socklen_t for an {@link #option()} of {@code bytes}: call this right before the system call. */
    public MemorySegment optionLength(int bytes) {
        optionLength.set(JAVA_INT, 0, bytes);
        return optionLength;
    }

    // ---- addresses in messages ---------------------------------------------------------------

    /** An address as people write it: {@code 127.0.0.1:8080}, {@code [::1]:8080}, {@code /run/app.sock}, {@code @name}. */
    public static String format(SocketAddress address) {
        return switch (address) {
            case null -> "the address";
            case InetSocketAddress inet when inet.isUnresolved() -> inet.getHostString() + ":" + inet.getPort();
            case InetSocketAddress inet when inet.getAddress() instanceof Inet6Address v6 -> "[" + compact(v6) + "]:" + inet.getPort();
            case InetSocketAddress inet -> inet.getAddress().getHostAddress() + ":" + inet.getPort();
            case UnixDomainSocketAddress unix -> unix.getPath().toString().isEmpty() ? "(unnamed)" : unix.getPath().toString();
            default -> address.toString();
        };
    }

    /** An IPv6 address in its short form (RFC 5952): {@code ::1}, {@code fe80::1%2}; Java writes every group. */
    public static String compact(Inet6Address address) {
        byte[] b = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1, bestLength = 1; // the longest run of two or more zero groups becomes "::"
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return address.getScopeId() != 0 ? text + "%" + address.getScopeId() : text.toString();
    }

    private static Charset pathCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name == null ? StandardCharsets.UTF_8 : Charset.forName(name);
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8; // an encoding this JVM cannot name, ignoring
        }
    }
}

package org.fdloop.fd;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A Unix socket address in Linux's abstract namespace (unix(7)): a name that is not a file.
 *
 * <p>The kernel tells it from a path by its first byte, a NUL in {@code sun_path}; the name is
 * the bytes after it, as many as the address length says (NULs included, no terminator). No
 * file is created, so nothing is left behind when the socket closes, and file permissions do
 * not apply: any process in the same network namespace can connect. {@code ss -x} shows such a
 * name with a leading {@code @}, and so does {@link #toString()}.
 *
 * <p>Java's {@link java.net.UnixDomainSocketAddress} holds paths only; use this where the
 * kernel's abstract names are wanted. A socket bound to {@code UnixDomainSocketAddress.of("")}
 * gets an abstract name the kernel picks (autobind: five hex digits), which
 * {@code localAddress()} returns as one of these.
 */
public final class UnixAbstractAddress extends SocketAddress {
    private static final long serialVersionUID = 1L;
    /** sun_path is 108 bytes; the leading NUL takes one. */
    private static final int MAX_NAME = 107;

    /** The name's bytes, without the leading NUL. */
    private final byte[] name;

    private UnixAbstractAddress(byte[] name) {
        this.name = name;
    }

    /**
     * The abstract name {@code name}, in UTF-8.
     *
     * @param name the name, without the leading NUL
     * @return the address
     * @throws IllegalArgumentException if it is longer than 107 bytes
     */
    public static UnixAbstractAddress of(String name) {
        Objects.requireNonNull(name, "name");
        return of(name.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The abstract name made of exactly these bytes (they may hold NULs).
     *
     * @param name the name's bytes, without the leading NUL
     * @return the address
     * @throws IllegalArgumentException if there are more than 107
     */
    public static UnixAbstractAddress of(byte[] name) {
        Objects.requireNonNull(name, "name");
        if (name.length > MAX_NAME) {
            throw new IllegalArgumentException("an abstract Unix socket name holds at most " + MAX_NAME
                    + " bytes (sun_path is 108, and its first byte is the NUL that marks the name abstract); this one has "
                    + name.length);
        }
        return new UnixAbstractAddress(name.clone());
    }

    /** {@return the name as UTF-8 text} */
    public String name() {
        return new String(name, StandardCharsets.UTF_8);
    }

    /** {@return the name's bytes, without the leading NUL} */
    public byte[] bytes() {
        return name.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnixAbstractAddress other && Arrays.equals(name, other.name);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(name);
    }

    /** {@code @name}, as ss(8) shows an abstract name. */
    @Override
    public String toString() {
        return "@" + name();
    }
}

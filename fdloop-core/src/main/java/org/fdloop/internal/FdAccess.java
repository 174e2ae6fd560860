package org.fdloop.internal;

import org.fdloop.fd.Fd;

/**
 * Lets the event loop pin an {@link Fd} across packages without making pinning public API
 * (the JDK's SharedSecrets pattern). {@code Fd} installs the implementation when it loads.
 *
 * <p>A registration pins its fd: the user may close the Fd at any time, but the descriptor
 * number is only handed back to the kernel once the loop has removed it from its poller and
 * unpinned it, so the loop never operates on a number that now belongs to another file.
 */
public abstract class FdAccess {
    private static volatile FdAccess instance;

    protected FdAccess() {}

    /** Called once, by Fd's static initializer. */
    public static void install(FdAccess access) {
        if (instance != null) {
            throw new IllegalStateException("FdAccess is installed already");
        }
        instance = access;
    }

    /** The implementation, loading Fd first if needed. */
    public static FdAccess get() {
        FdAccess access = instance;
        if (access == null) {
            try {
                Class.forName(Fd.class.getName(), true, Fd.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            access = instance;
        }
        return access;
    }

    /** Pins {@code fd} and returns its number; throws IllegalStateException if it is closed. */
    public abstract int pin(Fd fd);

    /** Undoes one {@link #pin}; closes the descriptor if the Fd was closed meanwhile. */
    public abstract void unpin(Fd fd);
}

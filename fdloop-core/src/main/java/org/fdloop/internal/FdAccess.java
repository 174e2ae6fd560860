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

    /**
     * Has {@code fd}'s {@link Fd#close()} run {@code watcher}, once, on the closing thread: how a
     * loop that pins the fd learns that its user closed it, so that it can unpin it (and the
     * kernel release the descriptor) without waiting for the fd to be ready. A watcher must be
     * quick and must not throw.
     */
    public abstract void addCloseWatcher(Fd fd, Runnable watcher);

    /** Undoes {@link #addCloseWatcher} (the same object). */
    public abstract void removeCloseWatcher(Fd fd, Runnable watcher);
}

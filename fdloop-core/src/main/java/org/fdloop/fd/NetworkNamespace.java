package org.fdloop.fd;

import static org.fdloop.internal.linux.Constants.CLONE_NEWNET;
import static org.fdloop.internal.linux.Constants.EPERM;

import java.util.Objects;
import java.util.concurrent.Callable;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.ProcessCalls;

/**
 * A new, empty network namespace to make sockets and network devices in, away from the machine's
 * own network: only a loopback interface (down), no routes, no way out. Sockets and TUN devices
 * made in it stay in it wherever they are used from, and the namespace lives as long as one of
 * them is open: closing the last removes it, with its interfaces and routes, also when the process
 * ends by a crash. Nothing is left to clean up.
 *
 * <p>How: {@link #callInNew} runs a task on a platform thread of its own that first moves itself
 * into a new namespace (unshare(2) CLONE_NEWNET changes the calling thread's only: namespaces
 * belong to threads), and ends with the task, so no other code ever runs in the namespace. Needs
 * CAP_SYS_ADMIN (root).
 */
public final class NetworkNamespace {
    private NetworkNamespace() {}

    /**
     * Runs {@code task} in a new network namespace, on a thread of its own, and returns what it
     * returned: the descriptors it opened there (a {@link Tun}, sockets) keep the namespace alive.
     *
     * @param <T> what the task returns
     * @param task what to make in the namespace
     * @return the task's result
     * @throws LinuxException when the namespace cannot be made (EPERM: not root)
     * @throws Exception what the task threw
     */
    public static <T> T callInNew(Callable<T> task) throws Exception {
        Objects.requireNonNull(task, "task");
        Object[] outcome = new Object[2]; // result, failure
        Thread thread = Thread.ofPlatform().name("fdloop-netns").start(() -> {
            int r = ProcessCalls.unshare(CLONE_NEWNET);
            if (r < 0) {
                outcome[1] = Errno.exception("unshare(CLONE_NEWNET)", -r, -r == EPERM
                        ? "a new network namespace needs CAP_SYS_ADMIN: run as root (or inside a user namespace, unshare -r)"
                        : null);
                return;
            }
            try {
                outcome[0] = task.call();
            } catch (Throwable t) {
                outcome[1] = t;
            }
        });
        thread.join();
        if (outcome[1] instanceof Exception e) {
            throw e;
        }
        if (outcome[1] instanceof Error e) {
            throw e;
        }
        @SuppressWarnings("unchecked")
        T result = (T) outcome[0];
        return result;
    }
}

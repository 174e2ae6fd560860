package org.fdloop.fd;

import org.fdloop.internal.linux.ProcessCalls;

/** The kernel's ids of the calling thread and process, as signals and F_SETOWN_EX need them. */
public final class OsThread {
    private OsThread() {}

    /**
     * gettid(2): the kernel's id of the calling (platform) thread. Not {@link Thread#threadId()}.
     *
     * @return the calling thread's kernel thread id (gettid)
     */
    public static int currentId() {
        return ProcessCalls.gettid();
    }

    /**
     * getpid(2).
     *
     * @return this process's id (getpid)
     */
    public static int processId() {
        return ProcessCalls.getpid();
    }
}

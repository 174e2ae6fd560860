package org.fdloop.fd;

import java.io.IOException;

/**
 * A Linux system call failed.
 *
 * <p>The message names the call and its key arguments, the errno by name and meaning, and
 * what to do where there is something to do, for example:
 * {@code inotify_add_watch(/srv, CREATE): ENOSPC (No space left on device): the user's inotify
 * watch limit is reached; raise fs.inotify.max_user_watches (now 8192)}.
 */
public class LinuxException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The call that failed, with its key arguments. */
    private final String call;
    /** The errno value. */
    private final int errno;
    /** The errno's symbolic name. */
    private final String errnoName;

    /**
     * An exception whose message names the call, the errno by name and meaning, and the hint.
     *
     * @param call the system call or libc function, with its key arguments: {@code "open(/dev/ttyS0, O_RDWR)"}
     * @param errno the errno value
     * @param errnoName its symbolic name, {@code "ENOENT"}
     * @param meaning what libc says it means, {@code "No such file or directory"}
     * @param hint what the user can do, or {@code null}
     */
    public LinuxException(String call, int errno, String errnoName, String meaning, String hint) {
        super(call + ": " + errnoName + " (" + meaning + ")" + (hint == null ? "" : ": " + hint));
        this.call = call;
        this.errno = errno;
        this.errnoName = errnoName;
    }

    /** {@return the call that failed, with its key arguments} */
    public String call() {
        return call;
    }

    /** {@return the errno value} */
    public int errno() {
        return errno;
    }

    /** {@return the errno's symbolic name, {@code "EAGAIN"}} */
    public String errnoName() {
        return errnoName;
    }
}

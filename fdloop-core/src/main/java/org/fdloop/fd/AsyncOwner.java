package org.fdloop.fd;

/**
 * Who receives an fd's readiness signal, as F_GETOWN_EX reports it.
 *
 * @param kind a thread, a process, or a process group
 * @param id the thread id, process id or process group id
 */
public record AsyncOwner(Kind kind, int id) {
    /** The owner types of {@code struct f_owner_ex}. */
    public enum Kind {
        /** F_OWNER_TID: one thread; what fdloop uses. */
        THREAD,
        /** F_OWNER_PID: the whole process, which in a JVM means any thread. */
        PROCESS,
        /** F_OWNER_PGRP: a process group. */
        PROCESS_GROUP
    }
}

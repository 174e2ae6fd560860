package org.fdloop.fd;

/**
 * Who receives an fd's readiness signal, as F_GETOWN_EX reports it.
 *
 * @param kind a thread, a process, or a process group
 * @param id the thread id, process id or process group id
 */
public record AsyncOwner(Kind kind, int id) {
    /** {@return this process (F_OWNER_PID, or F_SETOWN with its pid): the kernel picks a thread of it} */
    public static AsyncOwner ofThisProcess() {
        return new AsyncOwner(Kind.PROCESS, OsThread.processId());
    }

    /**
     * {@return this process's process group (F_OWNER_PGRP): every process in it gets the signal}
     *
     * @throws java.io.IOException when /proc/self/stat cannot be read
     */
    public static AsyncOwner ofThisProcessGroup() throws java.io.IOException {
        // /proc/self/stat: "pid (comm) state ppid pgrp ...", and comm may hold spaces and parentheses
        try (java.io.BufferedReader in = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of("/proc/self/stat"))) {
            String stat = in.readLine();
            String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new AsyncOwner(Kind.PROCESS_GROUP, Integer.parseInt(after[2]));
        }
    }

    /**
     * {@return whether signals to this owner reach this process: this process, or its process group}
     *
     * @throws java.io.IOException when /proc/self/stat cannot be read
     */
    public boolean includesThisProcess() throws java.io.IOException {
        return switch (kind) {
            case THREAD -> false;
            case PROCESS -> id == OsThread.processId();
            case PROCESS_GROUP -> id == ofThisProcessGroup().id();
        };
    }

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

package org.fdloop.fd;

import java.util.Objects;

/**
 * How a child process ended, as waitid(2) reports it: it exited with a code, or a signal
 * killed it (and it may have dumped core).
 *
 * @param code the exit code (0 to 255) when the child exited, else -1
 * @param signal the signal that killed it, or null when it exited
 * @param coreDumped whether it dumped core as it was killed
 */
public record ExitStatus(int code, Signal signal, boolean coreDumped) {
    /**
     * Checks that the status is one a child can end with.
     *
     * @throws IllegalArgumentException for a code outside 0-255 without a signal, or a signal with a code other than -1
     */
    public ExitStatus {
        if (signal == null ? code < 0 || code > 255 || coreDumped : code != -1) {
            throw new IllegalArgumentException("an exit status is a code 0-255 without a signal, or a signal with code -1; not code "
                    + code + ", signal " + signal + (coreDumped ? ", core dumped" : ""));
        }
    }

    /**
     * {@return the status of a child that exited with {@code code}}
     *
     * @param code the exit code, 0-255
     */
    public static ExitStatus exited(int code) {
        return new ExitStatus(code, null, false);
    }

    /**
     * {@return the status of a child killed by {@code signal}}
     *
     * @param signal the signal that killed it
     * @param coreDumped whether it dumped core
     */
    public static ExitStatus killed(Signal signal, boolean coreDumped) {
        return new ExitStatus(-1, Objects.requireNonNull(signal, "signal"), coreDumped);
    }

    /** {@return whether the child exited (rather than being killed by a signal)} */
    public boolean exited() {
        return signal == null;
    }

    /** {@return whether the child exited with code 0} */
    public boolean succeeded() {
        return code == 0;
    }

    /** {@return the status as a shell reports it ({@code $?}) and {@link Process#exitValue()} does: the code, or 128 + the signal's number} */
    public int shellValue() {
        return signal == null ? code : 128 + signal.number();
    }

    @Override
    public String toString() {
        return signal == null ? "exited with code " + code
                : "killed by " + signal.name() + (coreDumped ? " (core dumped)" : "");
    }
}

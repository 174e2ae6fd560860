package org.fdloop.cli;

import java.io.PrintWriter;

/** A progress bar on stderr: redrawn in place on a terminal, one line per step otherwise (CI logs). */
final class Progress {
    private static final int WIDTH = 30;
    private final PrintWriter err;
    private final int total;
    private final boolean terminal;
    private int done;

    Progress(PrintWriter err, int total) {
        this.err = err;
        this.total = total;
        this.terminal = System.console() != null && System.console().isTerminal();
    }

    /** Says that the next step, {@code what}, starts. */
    void step(String what) {
        done++;
        if (terminal) {
            int filled = WIDTH * (done - 1) / total;
            err.printf("\r\033[K[%s%s] %d/%d %s", "#".repeat(filled), ".".repeat(WIDTH - filled), done, total, what);
        } else {
            err.printf("fdloop bench: [%d/%d] %s%n", done, total, what);
        }
        err.flush();
    }

    /** Clears the bar. */
    void finish() {
        if (terminal) {
            err.print("\r\033[K");
            err.flush();
        }
    }
}

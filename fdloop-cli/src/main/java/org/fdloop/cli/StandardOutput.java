package org.fdloop.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fdloop.EventLoop;
import org.fdloop.IoSource;
import org.fdloop.fd.Fifo;
import org.fdloop.fd.LinuxException;

/**
 * The commands' standard output, whose writes are checked: when the reader went away (the
 * {@code head -1} of {@code fdloop watch . | head -1} ended), a write throws {@link ReaderGone},
 * which ends the command at once, quietly, with exit 0, as a Unix tool ends on SIGPIPE. The JVM
 * ignores SIGPIPE, so the write's EPIPE is the only sign of it, but for a command that waits with
 * nothing to write: {@link #endWhenReaderGoes} has its loop watch the pipe for the error the
 * kernel reports on it once no reader is left.
 */
final class StandardOutput extends OutputStream {
    private final FileOutputStream out = new FileOutputStream(FileDescriptor.out);

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        try {
            out.write(bytes, offset, length);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /**
     * A failed write: the reader is gone when the write said EPIPE, or when stdout is a pipe or a
     * socket (whose only write errors mean that, whatever language the message is in); anything
     * else (a full disk) is a failure that names the standard output.
     */
    private static RuntimeException failed(IOException e) {
        if ("Broken pipe".equals(e.getMessage()) || kind().startsWith("pipe:") || kind().startsWith("socket:")) {
            return new ReaderGone();
        }
        return new Main.Failure("cannot write to standard output (" + kind() + "): " + e.getMessage());
    }

    /**
     * Ends the command run by {@code loop} when stdout is a pipe and its reader goes away, even
     * while the command has nothing to write ({@code fdloop watch DIR | head -1} after the first
     * line, with no second event to come): the loop watches the pipe, reopened through
     * /proc/self/fd/1, for the ERROR the kernel reports on a pipe without readers, and a handler
     * throws {@link ReaderGone} as a failed write would. The watch does not keep the loop running.
     * Nothing for stdout that is not a pipe (a file, a terminal, /dev/null: no reader to lose; a
     * socket: its write still says so).
     */
    static void endWhenReaderGoes(EventLoop loop) throws java.io.IOException {
        if (!kind().startsWith("pipe:")) {
            return;
        }
        Fifo pipe;
        try {
            pipe = Fifo.openForWriting(Path.of("/proc/self/fd/1")); // the same pipe, a descriptor the loop may own
        } catch (LinuxException e) {
            if ("ENXIO".equals(e.errnoName())) {
                throw new ReaderGone(); // no reader left already
            }
            return; // /proc not mounted, or no permission: the next write still tells
        }
        // READ_HANGUP: an interest a pipe's writing end never reports, so only ERROR (no reader) comes
        IoSource source = loop.onIo(pipe, IoSource.READ_HANGUP, (s, events) -> {
            s.close();
            pipe.close();
            throw new ReaderGone();
        });
        source.unref();
        loop.atExit(() -> {
            source.close();
            pipe.close();
        });
    }

    /** What fd 1 is: pipe:[inode], socket:[inode], or a path. */
    private static String kind() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString();
        } catch (IOException e) {
            return "?"; // no /proc: the message goes without it, ignoring
        }
    }

    /** The reader of the standard output went away: the command ends quietly, with exit 0. */
    static final class ReaderGone extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ReaderGone() {
            super("the reader of the standard output went away (EPIPE)", null, false, false);
        }
    }
}

package org.fdloop.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The commands' standard output, whose writes are checked: when the reader went away (the
 * {@code head -1} of {@code fdloop watch . | head -1} ended), a write throws {@link ReaderGone},
 * which ends the command at once, quietly, with exit 0, as a Unix tool ends on SIGPIPE. The JVM
 * ignores SIGPIPE, so the write's EPIPE is the only sign of it.
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

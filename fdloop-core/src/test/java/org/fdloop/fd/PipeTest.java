package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoFdLeaks.class)
class PipeTest {

    @Test
    void bytesWrittenAreReadInOrder() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            assertThat(Ready.readableNow(pipe.readEnd())).isFalse();
            assertThat(pipe.writeEnd().write(ByteBuffer.wrap("hello, ".getBytes(StandardCharsets.US_ASCII)))).isEqualTo(7);
            assertThat(pipe.writeEnd().write(ByteBuffer.wrap("pipe".getBytes(StandardCharsets.US_ASCII)))).isEqualTo(4);
            assertThat(Ready.readableNow(pipe.readEnd())).isTrue();
            ByteBuffer in = ByteBuffer.allocate(64);
            assertThat(pipe.readEnd().read(in)).isEqualTo(11);
            assertThat(new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII)).isEqualTo("hello, pipe");
        }
    }

    @Test
    void directBuffersWorkLikeHeapBuffers() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            ByteBuffer out = ByteBuffer.allocateDirect(3).put(new byte[] {1, 2, 3}).flip();
            assertThat(pipe.writeEnd().write(out)).isEqualTo(3);
            assertThat(out.hasRemaining()).isFalse();
            ByteBuffer in = ByteBuffer.allocateDirect(8);
            assertThat(pipe.readEnd().read(in)).isEqualTo(3);
            assertThat(in.flip().get(2)).isEqualTo((byte) 3);
        }
    }

    @Test
    void emptyReadReportsNothingReady() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            assertThat(pipe.readEnd().read(ByteBuffer.allocate(8))).isZero();
        }
    }

    @Test
    void closedWriterGivesEndOfStreamAfterTheData() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            pipe.writeEnd().write(ByteBuffer.wrap(new byte[] {42}));
            pipe.writeEnd().close();
            ByteBuffer in = ByteBuffer.allocate(8);
            assertThat(pipe.readEnd().read(in)).isEqualTo(1);
            assertThat(pipe.readEnd().read(in)).isEqualTo(-1);
        }
    }

    @Test
    void fullPipeTakesNoMoreUntilRead() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            int capacity = pipe.capacity();
            ByteBuffer chunk = ByteBuffer.allocate(4096);
            long written = 0;
            int n;
            while ((n = pipe.writeEnd().write(chunk.clear())) > 0) {
                written += n;
            }
            assertThat(written).isEqualTo(capacity);
            assertThat(Ready.writableNow(pipe.writeEnd())).isFalse();
            assertThat(pipe.readEnd().read(ByteBuffer.allocate(8192))).isEqualTo(8192);
            assertThat(pipe.writeEnd().write(chunk.clear())).as("room again after a read").isPositive();
        }
    }

    @Test
    void capacityCanBeRaised() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            assertThat(pipe.capacity()).isEqualTo(65536);
            assertThat(pipe.setCapacity(200_000)).isGreaterThanOrEqualTo(200_000);
            assertThat(pipe.capacity()).isGreaterThanOrEqualTo(200_000);
            assertThatThrownBy(() -> pipe.setCapacity(0)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void writeAfterReaderClosedFailsWithEpipe() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            pipe.readEnd().close();
            assertThatThrownBy(() -> pipe.writeEnd().write(ByteBuffer.wrap(new byte[] {1})))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("write(pipe write end")
                    .hasMessageContaining("EPIPE")
                    .hasMessageContaining("reading end is closed")
                    .satisfies(e -> assertThat(((LinuxException) e).errnoName()).isEqualTo("EPIPE"));
        }
    }

    @Test
    void bothEndsAreNonBlockingAndCloseOnExec() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            for (StreamFd end : new StreamFd[] {pipe.readEnd(), pipe.writeEnd()}) {
                assertThat(end.isNonBlocking()).isTrue();
                assertThat(end.isCloseOnExec()).isTrue();
            }
        }
    }
}

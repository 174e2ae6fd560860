package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoFdLeaks.class)
class OsPipeTest {

    @Test
    void bytesWrittenAreReadInOrder() throws Exception {
        try (OsPipe pipe = OsPipe.open()) {
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
        try (OsPipe pipe = OsPipe.open()) {
            ByteBuffer out = ByteBuffer.allocateDirect(3).put(new byte[] {1, 2, 3}).flip();
            assertThat(pipe.writeEnd().write(out)).isEqualTo(3);
            assertThat(out.hasRemaining()).isFalse();
            ByteBuffer in = ByteBuffer.allocateDirect(8);
            assertThat(pipe.readEnd().read(in)).isEqualTo(3);
            assertThat(in.flip().get(2)).isEqualTo((byte) 3);
        }
    }

    @Test
    void memorySegmentsNativeAndHeapAreReadAndWrittenWhole() throws Exception {
        try (OsPipe pipe = OsPipe.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment nativeOut = arena.allocateFrom("native, ");
            assertThat(pipe.writeEnd().write(nativeOut.asSlice(0, 8))).isEqualTo(8);
            MemorySegment heapOut = MemorySegment.ofArray("heap".getBytes(StandardCharsets.US_ASCII));
            assertThat(pipe.writeEnd().write(heapOut)).isEqualTo(4);
            MemorySegment nativeIn = arena.allocate(8);
            assertThat(pipe.readEnd().read(nativeIn)).as("at most the segment's size").isEqualTo(8);
            byte[] rest = new byte[16];
            assertThat(pipe.readEnd().read(MemorySegment.ofArray(rest))).isEqualTo(4);
            assertThat(new String(nativeIn.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII)
                    + new String(rest, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("native, heap");
            assertThat(pipe.readEnd().read(nativeIn)).as("nothing ready").isZero();
            assertThat(pipe.readEnd().read(MemorySegment.ofArray(new byte[0]))).as("no room").isZero();
            pipe.writeEnd().close();
            assertThat(pipe.readEnd().read(MemorySegment.ofArray(rest))).as("end of stream").isEqualTo(-1);
        }
    }

    @Test
    void aHeapSegmentLargerThan64KiBIsWrittenInPiecesANativeOneWhole() throws Exception {
        try (OsPipe pipe = OsPipe.open(); Arena arena = Arena.ofConfined()) {
            pipe.setCapacity(1 << 20);
            byte[] big = new byte[100_000];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i / 1000);
            }
            assertThat(pipe.writeEnd().write(MemorySegment.ofArray(big))).as("one piece of the thread's 64 KiB buffer")
                    .isEqualTo(65536);
            assertThat(pipe.writeEnd().write(arena.allocate(100_000))).as("native: all at once").isEqualTo(100_000);
            MemorySegment in = arena.allocate(200_000);
            assertThat(pipe.readEnd().read(in)).isEqualTo(165_536);
            assertThat(in.asSlice(0, 65536).toArray(ValueLayout.JAVA_BYTE)).as("the first 64 KiB of the heap segment, in order")
                    .isEqualTo(java.util.Arrays.copyOf(big, 65536));
            assertThat(in.get(ValueLayout.JAVA_BYTE, 65536)).as("then the native segment's zeros").isZero();
        }
    }

    @Test
    void aHeapSegmentReadTakesAtMost64KiBWhateverTheThreadReadBefore() throws Exception {
        try (OsPipe pipe = OsPipe.open(); Arena arena = Arena.ofConfined()) {
            pipe.setCapacity(1 << 20);
            pipe.writeEnd().write(arena.allocate(300_000));
            assertThat(pipe.readEnd().read(MemorySegment.ofArray(new byte[40_000]))).isEqualTo(40_000);
            assertThat(pipe.readEnd().read(MemorySegment.ofArray(new byte[200_000])))
                    .as("the thread's buffer, grown by the read before, is still at most 64 KiB").isEqualTo(65536);
        }
    }

    @Test
    void aReadOnlyDestinationIsRefusedBeforeAnyByteIsTaken() throws Exception {
        try (OsPipe pipe = OsPipe.open()) {
            pipe.writeEnd().write(ByteBuffer.wrap("kept".getBytes(StandardCharsets.US_ASCII)));
            assertThatThrownBy(() -> pipe.readEnd().read(ByteBuffer.allocate(8).asReadOnlyBuffer()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("read-only");
            assertThatThrownBy(() -> pipe.readEnd().read(MemorySegment.ofArray(new byte[8]).asReadOnly()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("read-only");
            ByteBuffer in = ByteBuffer.allocate(8);
            assertThat(pipe.readEnd().read(in)).as("the bytes are still in the pipe").isEqualTo(4);
        }
    }

    @Test
    void aSegmentWriteAfterTheReaderClosedFailsWithEpipe() throws Exception {
        try (OsPipe pipe = OsPipe.open(); Arena arena = Arena.ofConfined()) {
            pipe.readEnd().close();
            assertThatThrownBy(() -> pipe.writeEnd().write(arena.allocate(10)))
                    .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errnoName()).isEqualTo("EPIPE"))
                    .hasMessageContaining("10 bytes");
        }
    }

    @Test
    void emptyReadReportsNothingReady() throws Exception {
        try (OsPipe pipe = OsPipe.open()) {
            assertThat(pipe.readEnd().read(ByteBuffer.allocate(8))).isZero();
        }
    }

    @Test
    void closedWriterGivesEndOfStreamAfterTheData() throws Exception {
        try (OsPipe pipe = OsPipe.open()) {
            pipe.writeEnd().write(ByteBuffer.wrap(new byte[] {42}));
            pipe.writeEnd().close();
            ByteBuffer in = ByteBuffer.allocate(8);
            assertThat(pipe.readEnd().read(in)).isEqualTo(1);
            assertThat(pipe.readEnd().read(in)).isEqualTo(-1);
        }
    }

    @Test
    void fullPipeTakesNoMoreUntilRead() throws Exception {
        try (OsPipe pipe = OsPipe.open()) {
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
        try (OsPipe pipe = OsPipe.open()) {
            assertThat(pipe.capacity()).isEqualTo(65536);
            assertThat(pipe.setCapacity(200_000)).isGreaterThanOrEqualTo(200_000);
            assertThat(pipe.capacity()).isGreaterThanOrEqualTo(200_000);
            assertThatThrownBy(() -> pipe.setCapacity(0)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void writeAfterReaderClosedFailsWithEpipe() throws Exception {
        try (OsPipe pipe = OsPipe.open()) {
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
        try (OsPipe pipe = OsPipe.open()) {
            for (StreamFd end : new StreamFd[] {pipe.readEnd(), pipe.writeEnd()}) {
                assertThat(end.isNonBlocking()).isTrue();
                assertThat(end.isCloseOnExec()).isTrue();
            }
        }
    }
}

package org.fdloop.device;

import static org.fdloop.testing.Ready.PATIENCE;
import static org.fdloop.testing.Loops.runUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.fdloop.AsyncIoSource;
import org.fdloop.EventLoop;
import org.fdloop.fd.DeviceFile;
import org.fdloop.fd.Pipe;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link VirtualButtonDevice}: seed 001's button driver and its SIGIO consumer, end to end. */
@ExtendWith(NoFdLeaks.class)
class VirtualButtonDeviceTest {

    /** Key of the i-th press in the drive: a few keys in turn, so that order shows. */
    private static int keyOf(int press) {
        return 2 + press % 7;
    }

    @Test
    void thousandPressesReachASignalDrivenConsumerInOrderWithTheirState() throws Exception {
        int presses = 1000;
        try (VirtualButtonDevice buttons = VirtualButtonDevice.open();
                DeviceFile device = DeviceFile.open(buttons.path(), DeviceFile.Access.READ);
                EventLoop loop = EventLoop.open()) {
            ButtonEventReader reader = new ButtonEventReader(device);
            List<ButtonEvent> events = new ArrayList<>();
            List<Integer> bands = new ArrayList<>();
            loop.onAsyncIo(device, (source, band) -> {
                bands.add(band);
                events.addAll(reader.readAvailable());
            });
            AtomicReference<Throwable> driverFailure = new AtomicReference<>();
            Thread driver = Thread.ofPlatform().name("button-driver").start(() -> {
                try {
                    for (int i = 0; i < presses; i++) {
                        buttons.press(keyOf(i));
                        buttons.release(keyOf(i));
                    }
                } catch (Throwable t) {
                    driverFailure.set(t);
                }
            });
            try {
                runUntil(loop, () -> events.size() >= 2 * presses || driverFailure.get() != null);
            } finally {
                driver.join();
            }
            assertThat(driverFailure.get()).isNull();
            assertThat(events).hasSize(2 * presses);
            for (int i = 0; i < 2 * presses; i++) {
                ButtonEvent e = events.get(i);
                assertThat(e.sequence()).as("event %d", i).isEqualTo(i);
                assertThat(e.key()).as("event %d", i).isEqualTo(keyOf(i / 2));
                assertThat(e.pressed()).as("event %d", i).isEqualTo(i % 2 == 0);
            }
            assertThat(reader.partialBytes()).isZero();
            assertThat(bands).as("the kernel's POLL_IN band, or poll's POLLIN after a queue overflow")
                    .allSatisfy(band -> assertThat(band & 0x1).isEqualTo(0x1));
            assertThat(events.get(1).timeNanos()).isGreaterThanOrEqualTo(events.get(0).timeNanos());
        }
    }

    @Test
    void deviceIsACharacterDeviceOpenedByItsPath() throws Exception {
        try (VirtualButtonDevice buttons = VirtualButtonDevice.open();
                DeviceFile device = DeviceFile.open(buttons.path(), DeviceFile.Access.READ)) {
            assertThat(buttons.path().toString()).matches("/dev/pts/[0-9]+");
            assertThat(device.fileType()).isEqualTo("character device");
        }
    }

    @Test
    void eachEventSendsTheConsumerOneSignalWithTheBand() throws Exception {
        try (VirtualButtonDevice buttons = VirtualButtonDevice.open();
                DeviceFile device = DeviceFile.open(buttons.path(), DeviceFile.Access.READ);
                EventLoop loop = EventLoop.open()) {
            ButtonEventReader reader = new ButtonEventReader(device);
            List<String> seen = new ArrayList<>();
            loop.onAsyncIo(device, (source, band) -> {
                for (ButtonEvent e : reader.readAvailable()) {
                    seen.add(AsyncIoSource.describeBand(band) + " " + e);
                }
            });
            loop.runOnce(Duration.ZERO); // the look at registration: nothing yet
            buttons.press(28);
            runUntil(loop, () -> seen.size() == 1);
            buttons.release(28);
            runUntil(loop, () -> seen.size() == 2);
            assertThat(seen).containsExactly("POLLIN|POLLRDNORM #0 key 28 pressed", "POLLIN|POLLRDNORM #1 key 28 released");
        }
    }

    @Test
    void keyAlreadyInThatStateWritesNothing() throws Exception {
        try (VirtualButtonDevice buttons = VirtualButtonDevice.open();
                DeviceFile device = DeviceFile.open(buttons.path(), DeviceFile.Access.READ)) {
            assertThat(buttons.release(5)).as("released already").isFalse();
            assertThat(buttons.press(5)).isTrue();
            assertThat(buttons.press(5)).as("pressed already").isFalse();
            assertThat(buttons.isPressed(5)).isTrue();
            assertThat(buttons.state(5, false)).isTrue();
            assertThat(buttons.isPressed(5)).isFalse();
            assertThat(buttons.eventCount()).isEqualTo(2);
            List<ButtonEvent> events = readEvents(device, 2);
            assertThat(events).extracting(ButtonEvent::toString).containsExactly("#0 key 5 pressed", "#1 key 5 released");
        }
    }

    @Test
    void eventsBeforeTheConsumerOpensTheDeviceWaitForIt() throws Exception {
        try (VirtualButtonDevice buttons = VirtualButtonDevice.open()) {
            buttons.press(1);
            buttons.press(2);
            try (DeviceFile device = DeviceFile.open(buttons.path(), DeviceFile.Access.READ)) {
                assertThat(readEvents(device, 2)).extracting(ButtonEvent::key).containsExactly(1, 2);
            }
        }
    }

    @Test
    void closingTheDeviceRemovesItAndEndsTheConsumersStream() throws Exception {
        VirtualButtonDevice buttons = VirtualButtonDevice.open();
        Path path = buttons.path();
        try (DeviceFile device = DeviceFile.open(path, DeviceFile.Access.READ)) {
            ButtonEventReader reader = new ButtonEventReader(device);
            buttons.close();
            assertThat(buttons.isOpen()).isFalse();
            assertThat(Ready.awaitReadable(device)).as("a hangup is readable").isTrue();
            assertThat(reader.readAvailable()).isEmpty();
            assertThat(reader.isEndOfStream()).isTrue();
            assertThatThrownBy(() -> buttons.press(1)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("removed");
        }
        buttons.close(); // again: nothing
    }

    @Test
    void badKeysAreRefused() throws Exception {
        try (VirtualButtonDevice buttons = VirtualButtonDevice.open()) {
            assertThatThrownBy(() -> buttons.press(-1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("0 to 65535");
            assertThatThrownBy(() -> buttons.state(65536, true)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("65536");
            assertThatThrownBy(() -> buttons.isPressed(70000)).isInstanceOf(IllegalArgumentException.class);
            assertThat(buttons.press(65535)).isTrue();
        }
    }

    /** docs/SIGNALS.md's example, as printed there but for where the lines go. */
    @Test
    void readmeExampleDeliversEachChangeOnce() throws Exception {
        List<String> printed = new ArrayList<>();
        try (VirtualButtonDevice buttons = VirtualButtonDevice.open();                     // /dev/pts/N, raw mode
             DeviceFile device = DeviceFile.open(buttons.path(), DeviceFile.Access.READ);  // the consumer: by path
             EventLoop loop = EventLoop.open()) {
            ButtonEventReader reader = new ButtonEventReader(device);
            loop.onAsyncIo(device, (source, band) -> {                 // F_SETSIG, F_SETOWN_EX(loop thread), O_ASYNC
                for (ButtonEvent e : reader.readAvailable()) {         // every whole record there now: read until EAGAIN
                    printed.add(e + " band " + AsyncIoSource.describeBand(band));
                    if (e.sequence() == 3) loop.stop();
                }
            });
            Thread.ofPlatform().start(() -> {                          // the "interrupt handler", on any thread
                try {
                    buttons.press(28);                                 // KEY_ENTER down
                    buttons.press(28);                                 // down already: nothing is written
                    buttons.release(28);
                    buttons.press(57);
                    buttons.release(57);
                } catch (IOException e) { throw new UncheckedIOException(e); }
            });
            loop.schedule(PATIENCE, timer -> loop.stop());            // not in the docs: a test never hangs
            loop.run();
        }
        assertThat(printed).extracting(line -> line.replaceAll(" band .*", ""))
                .containsExactly("#0 key 28 pressed", "#1 key 28 released", "#2 key 57 pressed", "#3 key 57 released");
        assertThat(printed).allSatisfy(line -> assertThat(line).matches(".* band (POLLIN\\|POLLRDNORM|POLLIN)"));
    }

    // ---- the record format and the reader --------------------------------------------------------

    @Test
    void recordIsSixteenBigEndianBytes() {
        ByteBuffer buffer = ByteBuffer.allocate(ButtonEvent.SIZE);
        new ButtonEvent(0x1234, true, 0xfedcba98L, 0x0102030405060708L).encode(buffer);
        assertThat(buffer.position()).isEqualTo(16);
        assertThat(buffer.array()).containsExactly(0x42, 1, 0x12, 0x34, 0xfe, 0xdc, 0xba, 0x98,
                1, 2, 3, 4, 5, 6, 7, 8);
        buffer.flip();
        assertThat(ButtonEvent.decode(buffer)).isEqualTo(new ButtonEvent(0x1234, true, 0xfedcba98L, 0x0102030405060708L));
        assertThat(buffer.hasRemaining()).isFalse();
    }

    @Test
    void bytesThatAreNotARecordAreRefused() {
        ByteBuffer wrongMagic = ByteBuffer.allocate(16).put(0, (byte) 0x41);
        assertThatThrownBy(() -> ButtonEvent.decode(wrongMagic)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0x41").hasMessageContaining("whole 16-byte records");
        assertThat(wrongMagic.position()).isZero();
        ByteBuffer wrongState = ByteBuffer.allocate(16).put(0, (byte) 0x42).put(1, (byte) 7);
        assertThatThrownBy(() -> ButtonEvent.decode(wrongState)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("state byte is 7");
        assertThatThrownBy(() -> new ButtonEvent(-1, true, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ButtonEvent(1, true, 1L << 32, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2^32-1");
    }

    @Test
    void readerCompletesARecordSplitAcrossReads() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            ByteBuffer two = ByteBuffer.allocate(2 * ButtonEvent.SIZE);
            new ButtonEvent(7, true, 0, 0).encode(two);
            new ButtonEvent(7, false, 1, 0).encode(two);
            two.flip();
            ButtonEventReader reader = new ButtonEventReader(pipe.readEnd());
            pipe.writeEnd().write(two.slice(0, 10));
            assertThat(reader.readAvailable()).isEmpty();
            assertThat(reader.partialBytes()).isEqualTo(10);
            pipe.writeEnd().write(two.slice(10, 22));
            assertThat(reader.readAvailable()).extracting(ButtonEvent::toString)
                    .containsExactly("#0 key 7 pressed", "#1 key 7 released");
            assertThat(reader.partialBytes()).isZero();
            assertThat(reader.isEndOfStream()).isFalse();
        }
    }

    /** Reads {@code count} events from {@code device}, waiting for each. */
    private static List<ButtonEvent> readEvents(DeviceFile device, int count) throws Exception {
        ButtonEventReader reader = new ButtonEventReader(device);
        List<ButtonEvent> events = new ArrayList<>();
        while (events.size() < count && Ready.awaitReadable(device)) {
            events.addAll(reader.readAvailable());
        }
        return events;
    }
}

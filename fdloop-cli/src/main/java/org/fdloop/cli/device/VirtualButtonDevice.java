package org.fdloop.cli.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.locks.LockSupport;
import org.fdloop.fd.Pty;

/**
 * A button device without hardware: a character device at {@link #path()} ({@code /dev/pts/N})
 * that delivers a {@link ButtonEvent} record each time a key changes state, the driver and
 * device of the fasync seed (001) end to end. It is a demo of the library's public API
 * ({@link Pty} in raw mode, {@link org.fdloop.fd.DeviceFile}, signal-driven I/O), run by
 * {@code fdloop device} and the tour; it is part of the CLI, not of the library.
 *
 * <p>The device is a pseudoterminal in raw mode (no echo, no line editing, no translation: the
 * record bytes pass unchanged). This object is the <em>driver side</em>: {@link #press},
 * {@link #release} and {@link #state} play the interrupt handler, which writes the new state to
 * the pty master. The kernel's line discipline then calls
 * {@code kill_fasync(&tty->fasync, SIGIO, POLL_IN)} for the slave, exactly as the seed's
 * {@code button_irq_handler} does for its device: every process that enabled signal-driven I/O
 * on the device file gets its signal.
 *
 * <p>A <em>consumer</em> opens the device by its path like any character device, enables
 * signal-driven I/O and reads the records in its handler:
 *
 * <pre>{@code
 * try (VirtualButtonDevice buttons = VirtualButtonDevice.open();
 *      DeviceFile device = DeviceFile.open(buttons.path(), DeviceFile.Access.READ);
 *      EventLoop loop = EventLoop.open()) {
 *     ButtonEventReader reader = new ButtonEventReader(device);
 *     loop.onAsyncIo(device, (source, band) -> reader.readAvailable().forEach(System.out::println));
 *     buttons.press(28);     // from any thread; the loop prints "#0 key 28 pressed"
 *     ...
 * }
 * }</pre>
 *
 * <p>Like the seed's handler ({@code if (value != dev->state)}), a change is reported only when
 * the key's state changes: pressing a pressed key writes nothing. The device holds about 20 KiB
 * (1,280 events) that no one has read; events written while no consumer has it open wait
 * there for the next one. When it is full, the driver side waits for room (Linux does not wake
 * a pty master's writer when the slave is read, so it looks again every millisecond), and gives
 * up after {@link #FULL_PATIENCE}. Keep up with the device: on Linux 6.18 a pty filled to the
 * brim can go on refusing writes after its reader emptied it, until the kernel's buffer work
 * runs again (seen: seconds, once more than ten).
 *
 * <p>Thread-safe: any thread may press keys.
 */
public final class VirtualButtonDevice implements AutoCloseable {
    /** How long a key change waits for room in a device that no one reads before it fails. */
    public static final Duration FULL_PATIENCE = Duration.ofSeconds(10);
    private static final long RETRY_NANOS = 1_000_000;

    private final Pty pty;
    /** Guards the key states, the sequence number and the record buffer: one record at a time. */
    private final Object driverLock = new Object();
    private final BitSet pressed = new BitSet(0x10000);
    private final ByteBuffer record = ByteBuffer.allocateDirect(ButtonEvent.SIZE);
    private long sequence;

    private VirtualButtonDevice(Pty pty) {
        this.pty = pty;
        record.limit(0); // nothing pending
    }

    /**
     * {@return a new device, every key released; its path is {@link #path()}}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static VirtualButtonDevice open() throws IOException {
        Pty pty = Pty.open();
        try {
            pty.setMode(Pty.Mode.RAW);
            return new VirtualButtonDevice(pty);
        } catch (IOException | RuntimeException e) {
            pty.close();
            throw e;
        }
    }

    /**
     * The device file, {@code /dev/pts/N}: open it with
     * {@code DeviceFile.open(path, DeviceFile.Access.READ)}. It exists until {@link #close()}.
     *
     * @return the device file, {@code /dev/pts/N}
     */
    public Path path() {
        return pty.slavePath();
    }

    /**
     * Reports that {@code key} went down, unless it was down already.
     *
     * @param key the key code, 0 to 65535
     * @return whether an event was written (false: the key was pressed already)
     * @see #state(int, boolean)
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public boolean press(int key) throws IOException {
        return state(key, true);
    }

    /**
     * Reports that {@code key} came up, unless it was up already.
     *
     * @param key the key code, 0 to 65535
     * @return whether an event was written (false: the key was released already)
     * @see #state(int, boolean)
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public boolean release(int key) throws IOException {
        return state(key, false);
    }

    /**
     * Sets {@code key}'s state, as the seed's interrupt handler does on a GPIO change: when it
     * differs from the key's current state, writes one {@link ButtonEvent} record to the device,
     * and the kernel signals every consumer in signal-driven I/O on it. Waits while the device is
     * full.
     *
     * @param key 0 to 65535
     * @param down whether the key is down now
     * @return whether an event was written (false: the key was in that state already)
     * @throws IllegalArgumentException when {@code key} is not 0 to 65535
     * @throws IllegalStateException when the device is closed
     * @throws IOException when the device stayed full for {@link #FULL_PATIENCE}: no one reads it.
     *     If part of the record went out, the event counts and its rest is written first by the
     *     next call; if none did, the key keeps its state
     */
    public boolean state(int key, boolean down) throws IOException {
        if (key < 0 || key > 0xffff) {
            throw new IllegalArgumentException("a key is 0 to 65535 (an unsigned 16-bit code), not " + key);
        }
        synchronized (driverLock) {
            if (!pty.isOpen()) {
                throw new IllegalStateException(this + ": the device is removed; open a new one");
            }
            if (record.hasRemaining()) {
                writeRecord(); // the tail of an event whose write gave up: the stream stays whole records
            }
            if (pressed.get(key) == down) {
                return false;
            }
            long number = sequence;
            record.clear();
            new ButtonEvent(key, down, number, System.nanoTime()).encode(record);
            record.flip();
            pressed.set(key, down);
            sequence = (number + 1) & 0xffff_ffffL;
            try {
                writeRecord();
            } catch (IOException e) {
                if (record.remaining() == ButtonEvent.SIZE) {
                    // not a byte of it was written: as if the change never happened
                    record.limit(0);
                    pressed.set(key, !down);
                    sequence = number;
                }
                throw e;
            }
            return true;
        }
    }

    /**
     * Whether {@code key} is down now.
     *
     * @param key the key code, 0 to 65535
     * @return whether the key is down
     */
    public boolean isPressed(int key) {
        if (key < 0 || key > 0xffff) {
            throw new IllegalArgumentException("a key is 0 to 65535 (an unsigned 16-bit code), not " + key);
        }
        synchronized (driverLock) {
            return pressed.get(key);
        }
    }

    /** {@return how many events the device has delivered (modulo 2^32): the sequence number of the next one} */
    public long eventCount() {
        synchronized (driverLock) {
            return sequence;
        }
    }

    /** {@return whether {@link #close()} has not been called yet} */
    public boolean isOpen() {
        return pty.isOpen();
    }

    /**
     * Removes the device: the pty master closes, {@link #path()} disappears, and a consumer that
     * has it open reads end of stream (a hangup); events it had not read yet are lost. Calling it
     * again does nothing.
     */
    @Override
    public void close() {
        pty.close();
    }

    @Override
    public String toString() {
        return "virtual button device " + pty.slavePath() + (pty.isOpen() ? "" : " (closed)");
    }

    /** Writes all of {@link #record}, retrying while the pty is full. */
    private void writeRecord() throws IOException {
        long deadline = System.nanoTime() + FULL_PATIENCE.toNanos();
        while (record.hasRemaining()) {
            if (pty.write(record) > 0) {
                deadline = System.nanoTime() + FULL_PATIENCE.toNanos();
                continue;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException(this + " is full: no one has read its " + ButtonEvent.SIZE
                        + "-byte event records for " + FULL_PATIENCE.toSeconds() + " s (" + sequence
                        + " written so far); read the device, or open it with ButtonEventReader in a loop");
            }
            // a pty master's writer is not woken when the slave reads: look again in a moment
            LockSupport.parkNanos(RETRY_NANOS);
        }
    }
}

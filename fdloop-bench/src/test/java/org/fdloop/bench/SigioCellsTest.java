package org.fdloop.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fdloop.bench.SigioCells.*;

import java.time.LocalDate;
import java.util.List;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Seed 003's tables, cell by cell, as this kernel behaves (Linux 6.x): each test runs one
 * {@link SigioCells} procedure and asserts every signal it sent. Where the kernel does not do what
 * the seed claims, the test asserts what the kernel does and says so; docs/SIGIO.md shows both.
 */
@ExtendWith(NoFdLeaks.class)
class SigioCellsTest {
    private static final String IN = "SIGRTMIN+5 POLL_IN ";
    private static final String OUT = "SIGRTMIN+5 POLL_OUT ";
    private static final String READABLE = " POLLIN|POLLRDNORM";
    private static final String WRITABLE = " POLLOUT|POLLWRNORM|POLLWRBAND";

    private static List<String> signals(Cell cell) throws Exception {
        return observe(cell).briefs();
    }

    // ---- terminal (a pty slave in canonical mode stands in) ---------------------------------------

    @Test
    void terminalSignalsANewInputLine() throws Exception {
        assertThat(signals(TERMINAL_INPUT_LINE)).containsExactly(IN + "slave" + READABLE);
    }

    @Test
    void terminalSignalsEachLineEvenWhenThePreviousIsUnread() throws Exception {
        assertThat(signals(TERMINAL_SECOND_LINE)).containsExactly(IN + "slave" + READABLE);
    }

    @Test
    void terminalInCanonicalModeDoesNotSignalAPartialLine() throws Exception {
        Observation o = observe(TERMINAL_PARTIAL_LINE);
        assertThat(o.signals()).isEmpty();
        assertThat(o.notes()).containsExactly("read(slave) then returns 0 (nothing to read yet)");
    }

    @Test
    void terminalSignalsEndOfFileAsInput() throws Exception {
        Observation o = observe(TERMINAL_EOF);
        assertThat(o.briefs()).containsExactly(IN + "slave" + READABLE);
        assertThat(o.notes()).containsExactly("read(slave) then returns -1 (end of file)");
    }

    @Test
    void terminalDisconnectIsNotSignalled() throws Exception {
        Observation o = observe(TERMINAL_DISCONNECT);
        assertThat(o.signals()).isEmpty();
        assertThat(o.notes()).containsExactly("read(slave) then returns -1");
    }

    // ---- pseudoterminal slave (raw) ---------------------------------------------------------------

    @Test
    void ptySlaveSignalsNewInput() throws Exception {
        assertThat(signals(PTY_INPUT)).containsExactly(IN + "slave" + READABLE);
    }

    @Test
    void ptySlaveSignalsOutputPossibleWhenTheMasterReads() throws Exception {
        assertThat(signals(PTY_OUTPUT_POSSIBLE)).containsExactly(OUT + "slave" + WRITABLE);
    }

    @Test
    void ptySlaveSignalsOutputPossibleOnlyAfterAShortWriteMadeWithOAsyncOn() throws Exception {
        // n_tty asks for the wake-up (TTY_DO_WRITE_WAKEUP) only when a write falls short while fasync is set
        assertThat(signals(PTY_OUTPUT_POSSIBLE_FILLED_BEFORE)).isEmpty();
    }

    @Test
    void ptySlaveEndOfFileIsNotSignalled() throws Exception {
        Observation o = observe(PTY_EOF);
        assertThat(o.signals()).isEmpty();
        assertThat(o.notes()).containsExactly("read(slave) then returns -1");
    }

    // ---- pipe and FIFO ----------------------------------------------------------------------------

    @Test
    void pipeReadEndSignalsDataWritten() throws Exception {
        assertThat(signals(PIPE_READ_DATA_WRITTEN)).containsExactly(IN + "read end" + READABLE);
        assertThat(signals(FIFO_READ_DATA_WRITTEN)).containsExactly(IN + "read end" + READABLE);
    }

    @Test
    void pipeReadEndSignalsEachWriteEvenWithDataUnread() throws Exception {
        assertThat(signals(PIPE_READ_DATA_WRITTEN_UNREAD)).containsExactly(IN + "read end" + READABLE);
        assertThat(signals(FIFO_READ_DATA_WRITTEN_UNREAD)).containsExactly(IN + "read end" + READABLE);
    }

    @Test
    void pipeReadEndSignalsTheWriterClosingAsInputNotHangup() throws Exception {
        Observation pipe = observe(PIPE_READ_WRITER_CLOSED);
        assertThat(pipe.briefs()).containsExactly(IN + "read end" + READABLE);
        assertThat(pipe.notes()).containsExactly("read(read end) then returns -1");
        Observation fifo = observe(FIFO_READ_WRITER_CLOSED);
        assertThat(fifo.briefs()).containsExactly(IN + "read end" + READABLE);
        assertThat(fifo.notes()).containsExactly("read(read end) then returns -1");
    }

    @Test
    void pipeWriteEndSignalsAReadThatFreesPipeBuf() throws Exception {
        assertThat(signals(PIPE_WRITE_SPACE)).containsExactly(OUT + "write end" + WRITABLE);
        assertThat(signals(FIFO_WRITE_SPACE)).containsExactly(OUT + "write end" + WRITABLE);
    }

    @Test
    void pipeWriteEndSignalsEveryReadUnlikeTheSeedEvenOneFreeingLessThanPipeBuf() throws Exception {
        // the seed: only when free space >= PIPE_BUF. Linux's pipe_read() calls kill_fasync(POLL_OUT) after every read
        Observation pipe = observe(PIPE_WRITE_SPACE_BELOW_PIPE_BUF);
        assertThat(pipe.briefs()).containsExactly(OUT + "write end" + WRITABLE);
        assertThat(pipe.agrees()).isFalse();
        assertThat(pipe.notes()).containsExactly("filled with 65536 bytes, then read 1");
        assertThat(signals(FIFO_WRITE_SPACE_BELOW_PIPE_BUF)).containsExactly(OUT + "write end" + WRITABLE);
    }

    @Test
    void pipeWriteEndSignalsEveryReadUnlikeTheSeedEvenFromAPipeThatWasNotFull() throws Exception {
        Observation pipe = observe(PIPE_WRITE_READ_NOT_FULL);
        assertThat(pipe.briefs()).containsExactly(OUT + "write end" + WRITABLE);
        assertThat(pipe.agrees()).isFalse();
        assertThat(signals(FIFO_WRITE_READ_NOT_FULL)).containsExactly(OUT + "write end" + WRITABLE);
    }

    @Test
    void pipeWriteEndSignalsTheReaderClosingAsOutputNotError() throws Exception {
        assertThat(signals(PIPE_WRITE_READER_CLOSED)).containsExactly(OUT + "write end" + WRITABLE);
        assertThat(signals(FIFO_WRITE_READER_CLOSED)).containsExactly(OUT + "write end" + WRITABLE);
    }

    // ---- inotify ----------------------------------------------------------------------------------

    @Test
    void inotifySignalsWhenItBecomesReadable() throws Exception {
        assertThat(signals(INOTIFY_READABLE)).containsExactly(IN + "inotify" + READABLE);
    }

    @Test
    void inotifySignalsEachQueuedEventAlsoWhenAlreadyReadable() throws Exception {
        assertThat(signals(INOTIFY_ANOTHER_EVENT)).containsExactly(IN + "inotify" + READABLE);
    }

    @Test
    void inotifyDoesNotSignalAnEventMergedIntoTheUnreadLastOne() throws Exception {
        Observation o = observe(INOTIFY_MERGED_EVENT);
        assertThat(o.signals()).isEmpty();
        assertThat(o.notes()).containsExactly("2 events queued in all (CREATE, then the MODIFYs)");
    }

    // ---- the table --------------------------------------------------------------------------------

    @Test
    void tableHasTwentySixCellsWithDistinctNames() {
        assertThat(all()).extracting(Cell::name).doesNotHaveDuplicates();
        assertThat(all()).hasSize(26);
    }

    @Test
    void pageSetsClaimBesideObservationAndNamesKernelDateAndCommand() throws Exception {
        Observation agrees = observe(PIPE_READ_DATA_WRITTEN);
        Observation differs = new Observation(PIPE_WRITE_READ_NOT_FULL,
                observe(PIPE_WRITE_READ_NOT_FULL).signals(), List.of("a note"));
        String page = SigioTable.render(List.of(agrees, differs), "6.18.0-test", LocalDate.of(2025, 1, 2));
        assertThat(page).contains("Linux 6.18.0-test on 2025-01-02").contains(SigioTable.COMMAND)
                .contains("Of 2 cells, 1 differs from the seed")
                .contains("## pipe (read end)").contains("## pipe (write end)")
                .contains("| data written | one byte is written | yes: Data is written to the pipe | signalled (agrees) | "
                        + "SIGRTMIN+5 (")
                .contains("POLL_OUT, write end, 0x304 POLLOUT\\|POLLWRNORM\\|POLLWRBAND. a note |")
                .contains("signalled (**differs**)")
                .contains("- pipe (write end), a read from a pipe that was not full: the seed says no, the kernel sent "
                        + "SIGRTMIN+5 POLL_OUT write end POLLOUT|POLLWRNORM|POLLWRBAND.");
        assertThat(page.lines().filter(line -> line.startsWith("| ")))
                .as("every table row has its five cells: no unescaped | inside one")
                .allSatisfy(line -> assertThat(line.split("(?<!\\\\)\\|", -1)).hasSize(7));
    }
}

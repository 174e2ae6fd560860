package org.fdloop.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fdloop.bench.SigioCells.*;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.InstanceOfAssertFactories;
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
        Observation o = observe(PTY_OUTPUT_POSSIBLE_FILLED_BEFORE);
        assertThat(o.signals()).isEmpty();
        assertThat(o.notes()).as("the slave filled the pty and the master read all of it: output was possible again")
                .singleElement(InstanceOfAssertFactories.STRING)
                .matches("the slave took ([1-9]\\d*) bytes; the master read \\1");
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

    // ---- datagram sockets -------------------------------------------------------------------------

    @Test
    void udpSocketSignalsEachDatagram() throws Exception {
        assertThat(signals(UDP_DATAGRAM)).containsExactly(IN + "receiver" + READABLE);
        assertThat(signals(UNIX_DGRAM_DATAGRAM)).containsExactly(IN + "receiver" + READABLE);
    }

    @Test
    void udpSocketSignalsEachDatagramEvenWithOneUnread() throws Exception {
        assertThat(signals(UDP_DATAGRAM_UNREAD)).containsExactly(IN + "receiver" + READABLE);
    }

    @Test
    void udpSocketSignalsAnAsynchronousErrorAsPollErr() throws Exception {
        Observation o = observe(UDP_ASYNC_ERROR);
        assertThat(o.briefs()).containsExactly("SIGRTMIN+5 POLL_ERR socket POLLERR");
        assertThat(o.notes()).containsExactly("SO_ERROR then: ECONNREFUSED");
    }

    // ---- stream sockets: TCP ----------------------------------------------------------------------

    @Test
    void tcpListeningSocketSignalsANewConnection() throws Exception {
        Observation o = observe(TCP_NEW_CONNECTION);
        assertThat(o.briefs()).containsExactly(IN + "listener" + READABLE);
        assertThat(o.notes()).containsExactly("accept() then returns the connection");
    }

    @Test
    void tcpSocketSignalsTheCompletedConnectAsOutputPossible() throws Exception {
        Observation o = observe(TCP_CONNECT_COMPLETED);
        assertThat(o.briefs()).containsExactly(OUT + "client" + WRITABLE);
        assertThat(o.notes()).containsExactly("connect() returned EINPROGRESS, then completed");
    }

    @Test
    void tcpSocketSignalsNewDataEvenWithDataUnread() throws Exception {
        assertThat(signals(TCP_NEW_DATA)).containsExactly(IN + "server end" + READABLE);
        assertThat(signals(TCP_NEW_DATA_UNREAD)).containsExactly(IN + "server end" + READABLE);
    }

    @Test
    void tcpSocketSignalsThePeersShutdownOrCloseTwiceAsInput() throws Exception {
        // the FIN wakes the reader (data ready) and tcp_fin signals POLL_IN for the half close: two signals
        for (Cell cell : List.of(TCP_PEER_SHUTDOWN, TCP_PEER_CLOSE)) {
            Observation o = observe(cell);
            assertThat(o.briefs()).as(cell.name()).containsExactly(IN + "server end" + READABLE, IN + "server end" + READABLE);
            assertThat(o.notes()).as(cell.name()).containsExactly("read(server end) then returns -1");
        }
    }

    @Test
    void tcpSocketSignalsSendBufferSpace() throws Exception {
        assertThat(signals(TCP_SEND_SPACE)).containsExactly(OUT + "client" + WRITABLE);
    }

    @Test
    void tcpSocketSignalsARefusedConnectAsPollErr() throws Exception {
        Observation o = observe(TCP_ASYNC_ERROR);
        assertThat(o.briefs()).containsExactly("SIGRTMIN+5 POLL_ERR client POLLERR");
        assertThat(o.notes()).containsExactly("the connect fails with ECONNREFUSED");
    }

    // ---- stream sockets: Unix ---------------------------------------------------------------------

    @Test
    void unixListeningSocketSignalsANewConnection() throws Exception {
        assertThat(signals(UNIX_NEW_CONNECTION)).containsExactly(IN + "listener" + READABLE);
    }

    @Test
    void unixSocketDoesNotSignalItsCompletedConnect() throws Exception {
        Observation o = observe(UNIX_CONNECT_COMPLETED);
        assertThat(o.signals()).isEmpty();
        assertThat(o.notes()).containsExactly("connect() completed at once");
    }

    @Test
    void unixSocketSignalsNewDataEvenWithDataUnread() throws Exception {
        assertThat(signals(UNIX_NEW_DATA)).containsExactly(IN + "server end" + READABLE);
        assertThat(signals(UNIX_NEW_DATA_UNREAD)).containsExactly(IN + "server end" + READABLE);
    }

    @Test
    void unixSocketSignalsThePeersShutdownAsInputButItsCloseAsHangup() throws Exception {
        assertThat(signals(UNIX_PEER_SHUTDOWN)).containsExactly(IN + "server end" + READABLE);
        assertThat(signals(UNIX_PEER_CLOSE)).containsExactly("SIGRTMIN+5 POLL_HUP server end POLLERR|POLLHUP");
    }

    @Test
    void unixSocketSignalsSendBufferSpace() throws Exception {
        assertThat(signals(UNIX_SEND_SPACE)).containsExactly(OUT + "client" + WRITABLE);
    }

    @Test
    void unixSocketSignalsAResetByItsPeerAsHangup() throws Exception {
        Observation o = observe(UNIX_ASYNC_ERROR);
        assertThat(o.briefs()).containsExactly("SIGRTMIN+5 POLL_HUP client POLLERR|POLLHUP");
        assertThat(o.notes()).containsExactly("SO_ERROR then: ECONNRESET");
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
    void tableListsEveryDefinedCellOnceUnderItsOwnName() throws Exception {
        List<Cell> defined = new ArrayList<>();
        for (Field field : SigioCells.class.getFields()) {
            if (field.getType() == Cell.class && Modifier.isStatic(field.getModifiers())) {
                defined.add((Cell) field.get(null));
            }
        }
        assertThat(all()).containsExactlyInAnyOrderElementsOf(defined).hasSize(46);
        assertThat(all()).extracting(Cell::name).doesNotHaveDuplicates();
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

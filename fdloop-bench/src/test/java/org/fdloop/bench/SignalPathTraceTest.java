package org.fdloop.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SignalPathTraceTest {
    /** perf script lines of one sample: kill at {@code t} µs, delivery 10 later, the handler's write 3 after, the ack 5 after that. */
    private static List<String> sample(int t) {
        return List.of(
                String.format("  4001 [001] 1000.%09d: raw_syscalls:sys_enter: NR 62 (2acf, a, 7f1178003e10, 0, a, 0)", t * 1000),
                String.format("  4002 [000] 1000.%09d: signal:signal_deliver: sig=10 errno=0 code=0 sa_handler=7f11d002f000 sa_flags=14000004", (t + 10) * 1000),
                String.format("  4002 [000] 1000.%09d: raw_syscalls:sys_enter: NR 1 (14, 7f11d15fdb30, 80, 7f11d15fdb30, 0, 0)", (t + 13) * 1000),
                String.format("  4002 [000] 1000.%09d: raw_syscalls:sys_enter: NR 1 (b, 7f11cc1b38a0, 8, 7f11cc1b38a0, 8, 0)", (t + 18) * 1000));
    }

    @Test
    void eachSampleIsSplitFromKillToDeliveryToTheHandlersWriteToTheAck() {
        List<String> lines = new java.util.ArrayList<>(List.of("  4000 [000] 999.000000000: signal:signal_deliver: sig=17 errno=0 code=1"));
        lines.addAll(sample(100));
        lines.add("  4003 [001] 1000.000150000: raw_syscalls:sys_enter: NR 1 (1, 7f00, 40, 0, 0, 0)"); // another write: not the ack
        lines.addAll(sample(200));
        List<SignalPathTrace.Sample> samples = SignalPathTrace.samples(lines);
        assertThat(samples).hasSize(2);
        assertThat(SignalPathTrace.summary("x", samples)).isEqualTo("signal_path label=x samples=2 kill_to_delivery_us=10.00 "
                + "delivery_to_handler_write_us=3.00 handler_write_to_ack_us=5.00 kill_to_ack_us=18.00 delivered_on_loop_thread=1.00");
    }

    @Test
    void aSignalDeliveredOnAnotherThreadThanTheLoopsIsCounted() {
        List<String> lines = new java.util.ArrayList<>(sample(100));
        // the launcher's thread (4000) takes the signal, its handler's write wakes the loop thread (4002), which acks
        lines.add("  4001 [001] 1000.000300000: raw_syscalls:sys_enter: NR 62 (2acf, a, 7f1178003e10, 0, a, 0)");
        lines.add("  4000 [000] 1000.000310000: signal:signal_deliver: sig=10 errno=0 code=0 sa_handler=7f11d002f000 sa_flags=14000004");
        lines.add("  4000 [000] 1000.000313000: raw_syscalls:sys_enter: NR 1 (14, 7f11d15fdb30, 80, 7f11d15fdb30, 0, 0)");
        lines.add("  4002 [000] 1000.000320000: raw_syscalls:sys_enter: NR 1 (b, 7f11cc1b38a0, 8, 7f11cc1b38a0, 8, 0)");
        List<SignalPathTrace.Sample> samples = SignalPathTrace.samples(lines);
        assertThat(samples).extracting(SignalPathTrace.Sample::deliveredOnAckThread).containsExactly(true, false);
        assertThat(SignalPathTrace.summary("own", samples)).endsWith(" delivered_on_loop_thread=0.50");
    }

    @Test
    void theTableGivesEachProgramsMedianOverTheRounds() {
        String table = SignalPathTrace.table(List.of(
                "signal_path label=C samples=9 kill_to_delivery_us=10.00 delivery_to_handler_write_us=2.00 handler_write_to_ack_us=4.00 kill_to_ack_us=16.00 delivered_on_loop_thread=1.00",
                "signal_path label=fdloop-native-main samples=9 kill_to_delivery_us=12.00 delivery_to_handler_write_us=3.00 handler_write_to_ack_us=5.00 kill_to_ack_us=20.00 delivered_on_loop_thread=1.00",
                "signal_path label=C samples=9 kill_to_delivery_us=14.00 delivery_to_handler_write_us=2.00 handler_write_to_ack_us=6.00 kill_to_ack_us=22.00 delivered_on_loop_thread=0.00"));
        assertThat(table).contains("| C | 12.00 (10.00..14.00) | 2.00 (2.00..2.00) | 5.00 (4.00..6.00) | 19.00 (16.00..22.00) | 0.50 (0.00..1.00) | 2 |")
                .contains("| " + SignalLatencySummary.NATIVE_MAIN + " | 12.00 (12.00..12.00) | 3.00 (3.00..3.00) | 5.00 (5.00..5.00) | 20.00 (20.00..20.00) | 1.00 (1.00..1.00) | 1 |");
    }
}

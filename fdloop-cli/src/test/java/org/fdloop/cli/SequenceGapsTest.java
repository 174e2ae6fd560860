package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SequenceGapsTest {
    @Test
    void anUnbrokenSequenceFromZeroLosesNothing() {
        SequenceGaps s = new SequenceGaps();
        for (long i = 0; i < 5; i++) {
            s.add(i);
        }
        assertThat(s.gaps()).isZero();
        assertThat(s.lost()).isZero();
    }

    @Test
    void eachJumpIsAGapAndCountsTheEventsItSkipped() {
        SequenceGaps s = new SequenceGaps();
        for (long i : new long[] {0, 1, 4, 5, 9}) {
            s.add(i);
        }
        assertThat(s.gaps()).isEqualTo(2);
        assertThat(s.lost()).isEqualTo(5); // 2, 3 and 6, 7, 8
    }

    @Test
    void eventsBeforeTheFirstThatCameAreLostAndARestartLosesNone() {
        SequenceGaps s = new SequenceGaps();
        s.add(2);
        s.add(3);
        s.add(0);
        assertThat(s.gaps()).isEqualTo(2);
        assertThat(s.lost()).isEqualTo(2);
    }
}

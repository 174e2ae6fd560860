package org.fdloop.cli;

/**
 * Lost events, from the sequence numbers of the events that came: the button device numbers its
 * events from 0, one by one, so a number more than one past the last means the events between
 * were lost. A number at or below the last (the device started again) is a gap with none lost.
 */
final class SequenceGaps {
    private long next;
    private long gaps;
    private long lost;

    /** Takes the sequence number of the next event that came. */
    void add(long sequence) {
        if (sequence != next) {
            gaps++;
            lost += Math.max(0, sequence - next);
        }
        next = sequence + 1;
    }

    /** How many times the sequence jumped. */
    long gaps() {
        return gaps;
    }

    /** How many events the jumps skipped. */
    long lost() {
        return lost;
    }
}

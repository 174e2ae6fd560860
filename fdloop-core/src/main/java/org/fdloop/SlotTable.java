package org.fdloop;

import java.util.Arrays;

/**
 * The loop's registrations by slot: every source whose fd sits in the poller, the user's
 * ({@link IoSource}, {@link ExitSource}) and the loop's own ({@link InternalSource}) alike.
 *
 * <p>A registration's poller token is its slot, and above it the slot's generation:
 * {@code generation << 32 | slot}. Freeing a slot bumps its generation, so an event the kernel
 * reported for a registration that has closed since (in the same batch, say) no longer finds a
 * source, even when the slot was taken again meanwhile. Freed slots are reused, most recent first.
 * Loop thread only.
 */
final class SlotTable {
    private PolledSource[] sources = new PolledSource[64];
    private int[] generations = new int[64];
    private int[] free = new int[64];
    private int freeCount;
    /** Slots 0 to used - 1 have been handed out at least once. */
    private int used;

    /** Gives {@code source} a slot and its token. */
    void claim(PolledSource source) {
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (used == sources.length) {
                sources = Arrays.copyOf(sources, used * 2);
                generations = Arrays.copyOf(generations, used * 2);
            }
            slot = used++;
        }
        sources[slot] = source;
        source.slot = slot;
        source.token = ((long) generations[slot] << 32) | slot;
    }

    /** Frees {@code source}'s slot: events already reported for it no longer find it. */
    void free(PolledSource source) {
        int slot = source.slot;
        sources[slot] = null;
        generations[slot]++;
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, freeCount * 2);
        }
        free[freeCount++] = slot;
    }

    /** The source a poller token names, or null when that registration has closed since. */
    PolledSource lookup(long token) {
        int slot = (int) token;
        if (slot < 0 || slot >= used || generations[slot] != (int) (token >>> 32)) {
            return null;
        }
        return sources[slot];
    }

    /** The registration whose fd {@code number} is in the poller now, or null (for messages). */
    PolledSource holderOf(int number) {
        for (int slot = 0; slot < used; slot++) {
            PolledSource p = sources[slot];
            if (p != null && p.registered() && p.polledNumber() == number) {
                return p;
            }
        }
        return null;
    }

    /** Every source registered now: a copy, so that closing them while walking it is safe. */
    PolledSource[] snapshot() {
        return Arrays.stream(sources, 0, used).filter(s -> s != null).toArray(PolledSource[]::new);
    }
}

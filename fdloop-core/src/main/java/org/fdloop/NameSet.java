package org.fdloop;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.TreeSet;

/**
 * The names in one watched directory, as a watch knows them: a set of strings kept in two arrays,
 * whatever its size.
 *
 * <p>A watch keeps the names of every directory of its tree, so that a rescan after an overflow
 * can tell what is new, what is gone and what is known. In a {@code HashSet<String>} each name is
 * three objects (a node, a string, its bytes), and a storm that creates 100,000 files makes 300,000
 * objects that live: every young collection of a copying garbage collector copies them one by one,
 * and the pause stops the loop long enough for the kernel's queue to overflow. Here the names are
 * UTF-8 bytes, each after a two-byte length, one after the other in one {@code byte[]}, found
 * through an open-addressing table of their offsets in one {@code int[]}: a collection copies two
 * arrays. A removed name leaves its bytes behind until they are half of the array, then the set
 * is packed again. Not thread-safe: the loop's thread only.
 */
final class NameSet {
    private static final int EMPTY = 0;
    /** A slot whose name was removed: a lookup goes on past it, an insertion may reuse it. */
    private static final int REMOVED = -1;

    /** The names: at each offset, a big-endian two-byte length, then that many bytes of UTF-8. */
    private byte[] bytes;
    private int used;
    /** The bytes of removed names, still in {@link #bytes}. */
    private int garbage;
    /** Open addressing, linear probing: offset + 1 of a name, EMPTY or REMOVED; a power of two long. */
    private int[] slots;
    private int size;
    /** Slots not EMPTY: names and REMOVED marks (kept under three quarters of the table). */
    private int taken;

    NameSet(int expected) {
        slots = new int[capacityFor(expected)];
        bytes = new byte[Math.max(64, expected * 16)];
    }

    int size() {
        return size;
    }

    /** {@return the bytes the two arrays take, for tests} */
    long footprint() {
        return bytes.length + 4L * slots.length;
    }

    /** A table twice to four times as large as {@code names}: below half full. */
    private static int capacityFor(int names) {
        return Integer.highestOneBit(Math.max(4, names * 2 - 1)) << 1;
    }

    boolean contains(String name) {
        byte[] key = name.getBytes(StandardCharsets.UTF_8);
        return slots[find(key, hash(key))] > 0;
    }

    /** {@return whether {@code name} was not in the set (it is now)} */
    boolean add(String name) {
        byte[] key = name.getBytes(StandardCharsets.UTF_8);
        if (key.length > 0xffff) {
            throw new IllegalArgumentException("a file name of " + key.length + " bytes: Linux allows 255");
        }
        int hash = hash(key);
        int at = find(key, hash);
        if (slots[at] > 0) {
            return false;
        }
        if (slots[at] == REMOVED) {
            taken--; // reused below
        }
        slots[at] = append(key) + 1;
        size++;
        taken++;
        if (taken * 4 >= slots.length * 3) {
            rehash(size * 4 >= slots.length ? slots.length * 2 : slots.length);
        }
        return true;
    }

    /** {@return whether {@code name} was in the set (it is not now)} */
    boolean remove(String name) {
        byte[] key = name.getBytes(StandardCharsets.UTF_8);
        int at = find(key, hash(key));
        if (slots[at] <= 0) {
            return false;
        }
        garbage += 2 + key.length;
        slots[at] = REMOVED;
        size--;
        if (garbage > 1024 && garbage * 2 > used) {
            pack();
        }
        return true;
    }

    /** {@return the names, sorted} (a rescan's rare walk over every name) */
    TreeSet<String> sorted() {
        TreeSet<String> names = new TreeSet<>();
        for (int slot : slots) {
            if (slot > 0) {
                names.add(name(slot - 1));
            }
        }
        return names;
    }

    /**
     * The slot of {@code key}: where it is, or else the first REMOVED slot on its probe sequence
     * (where it would go), or the EMPTY slot that ends the sequence.
     */
    private int find(byte[] key, int hash) {
        int mask = slots.length - 1;
        int reusable = -1;
        for (int at = hash & mask; ; at = (at + 1) & mask) {
            int slot = slots[at];
            if (slot == EMPTY) {
                return reusable >= 0 ? reusable : at;
            }
            if (slot == REMOVED) {
                if (reusable < 0) {
                    reusable = at;
                }
            } else if (equals(slot - 1, key)) {
                return at;
            }
        }
    }

    private boolean equals(int offset, byte[] key) {
        int length = length(offset);
        return length == key.length && Arrays.equals(bytes, offset + 2, offset + 2 + length, key, 0, length);
    }

    private int length(int offset) {
        return (bytes[offset] & 0xff) << 8 | bytes[offset + 1] & 0xff;
    }

    private String name(int offset) {
        return new String(bytes, offset + 2, length(offset), StandardCharsets.UTF_8);
    }

    /** Appends {@code key} with its length; returns its offset. */
    private int append(byte[] key) {
        int need = used + 2 + key.length;
        if (need > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(need, bytes.length * 2));
        }
        int offset = used;
        bytes[offset] = (byte) (key.length >>> 8);
        bytes[offset + 1] = (byte) key.length;
        System.arraycopy(key, 0, bytes, offset + 2, key.length);
        used = need;
        return offset;
    }

    /** A new table of {@code capacity} slots with the same names, and no REMOVED marks. */
    private void rehash(int capacity) {
        int[] old = slots;
        slots = new int[capacity];
        taken = 0;
        for (int slot : old) {
            if (slot > 0) {
                place(slot);
            }
        }
    }

    /** Copies the live names to a new array of bytes and a new table, dropping the removed ones. */
    private void pack() {
        byte[] old = bytes;
        int[] oldSlots = slots;
        bytes = new byte[Math.max(64, (used - garbage) * 2)];
        used = 0;
        garbage = 0;
        slots = new int[capacityFor(size)]; // shrinks after a storm of creates and deletes
        taken = 0;
        for (int slot : oldSlots) {
            if (slot > 0) {
                int offset = slot - 1;
                int length = (old[offset] & 0xff) << 8 | old[offset + 1] & 0xff;
                int moved = used;
                System.arraycopy(old, offset, bytes, moved, 2 + length);
                used += 2 + length;
                place(moved + 1);
            }
        }
    }

    /** Puts a name already in {@link #bytes} into the first empty slot of its sequence. */
    private void place(int slot) {
        int offset = slot - 1;
        int hash = hash(bytes, offset + 2, length(offset));
        int mask = slots.length - 1;
        int at = hash & mask;
        while (slots[at] != EMPTY) {
            at = (at + 1) & mask;
        }
        slots[at] = slot;
        taken++;
    }

    private static int hash(byte[] key) {
        return hash(key, 0, key.length);
    }

    /** FNV-1a over the bytes, then mixed, so that the low bits a table uses depend on every byte. */
    private static int hash(byte[] data, int from, int length) {
        int h = 0x811c9dc5;
        for (int i = from; i < from + length; i++) {
            h = (h ^ (data[i] & 0xff)) * 0x01000193;
        }
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        return h ^ h >>> 13;
    }
}

package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The names a watch keeps per directory ({@link NameSet}) against a {@code HashSet<String>}, for
 * random sequences of adds and removes over a small pool of names (so that most operations hit a
 * name already there or already removed, the removed marks pile up, and the set packs itself again
 * and again), with names of any UTF-8 length up to Linux's 255 bytes.
 */
class NameSetTest {
    /** One step: add (true) or remove (false) the name at {@code index} of the pool. */
    record Step(boolean add, int index) {}

    @Provide
    Arbitrary<List<String>> pools() {
        Arbitrary<String> name = Arbitraries.oneOf(
                Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(12),
                Arbitraries.strings().withCharRange('\u00a0', '\u2fff').ofMinLength(1).ofMaxLength(80), // 2-3 bytes each
                Arbitraries.strings().alpha().ofLength(255));
        return name.list().ofMinSize(1).ofMaxSize(300).uniqueElements();
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        return Arbitraries.integers().between(0, 1 << 20).list().ofMaxSize(3000)
                .map(ints -> ints.stream().map(i -> new Step((i & 1) == 0 || (i & 6) == 0, i >>> 3)).toList());
    }

    @Property(tries = 200)
    void behavesAsAHashSet(@ForAll("pools") List<String> pool, @ForAll("steps") List<Step> steps) {
        NameSet set = new NameSet(0);
        Set<String> model = new HashSet<>();
        for (Step step : steps) {
            String name = pool.get(step.index() % pool.size());
            if (step.add()) {
                assertThat(set.add(name)).as("add %s", name).isEqualTo(model.add(name));
            } else {
                assertThat(set.remove(name)).as("remove %s", name).isEqualTo(model.remove(name));
            }
            assertThat(set.size()).isEqualTo(model.size());
        }
        for (String name : pool) {
            assertThat(set.contains(name)).as("contains %s", name).isEqualTo(model.contains(name));
        }
        assertThat(set.sorted()).containsExactlyElementsOf(new TreeSet<>(model));
    }

    @Test
    void aStormOfCreatesThenDeletesLeavesItEmptyAndSmall() {
        NameSet set = new NameSet(2);
        set.add("a");
        set.add("b");
        for (int i = 0; i < 100_000; i++) {
            assertThat(set.add("s" + i)).isTrue();
        }
        assertThat(set.size()).isEqualTo(100_002);
        assertThat(set.add("s99999")).isFalse();
        for (int i = 0; i < 100_000; i++) {
            assertThat(set.remove("s" + i)).isTrue();
        }
        assertThat(set.remove("s0")).isFalse();
        assertThat(set.sorted()).containsExactly("a", "b");
        assertThat(set.footprint()).as("packed again once most names were removed").isLessThan(16 * 1024);
        assertThat(set.contains("a")).isTrue();
        assertThat(set.contains("s5")).isFalse();
    }
}

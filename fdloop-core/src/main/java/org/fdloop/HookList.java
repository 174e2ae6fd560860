package org.fdloop;

import java.util.ArrayList;
import java.util.List;

/**
 * The hooks of one kind (defer, post, exit), in the order they were added, with the copy a run
 * goes through kept until the list changes: a hook may close itself or add another while the
 * hooks run, and an iteration of a loop with a post hook allocates nothing.
 */
final class HookList {
    private static final HookSource[] NONE = {};

    private final List<HookSource> hooks = new ArrayList<>();
    private HookSource[] snapshot = NONE;
    private boolean changed;

    void add(HookSource hook) {
        hooks.add(hook);
        changed = true;
    }

    void remove(HookSource hook) {
        if (hooks.remove(hook)) {
            changed = true;
        }
    }

    boolean isEmpty() {
        return hooks.isEmpty();
    }

    /** {@return the hooks as they are now: a copy that later changes do not touch (do not modify it)} */
    HookSource[] snapshot() {
        if (changed) {
            snapshot = hooks.toArray(NONE);
            changed = false;
        }
        return snapshot;
    }
}

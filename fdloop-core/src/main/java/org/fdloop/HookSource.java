package org.fdloop;

/**
 * A hook: {@link EventLoop#defer} (runs once, at the start of the next iteration),
 * {@link EventLoop#post} (after every iteration that dispatched an event), or
 * {@link EventLoop#atExit} (when the loop stops). Only defer hooks keep {@code run()} going.
 */
public final class HookSource extends Source {
    enum Kind { DEFER, POST, EXIT }

    final Kind kind;
    private final Runnable action;

    HookSource(EventLoop loop, Kind kind, Runnable action) {
        super(loop, kind.name().toLowerCase(java.util.Locale.ROOT) + " hook");
        this.kind = kind;
        this.action = action;
    }

    @Override
    boolean keepsLoopAlive() {
        return kind == Kind.DEFER;
    }

    @Override
    void dispatch(int events) {
        if (kind == Kind.DEFER) {
            close();
        }
        action.run();
    }

    @Override
    void onEnable() {}

    @Override
    void onDisable() {}

    @Override
    void onClose() {
        loop.release(this);
    }
}

/**
 * The event loop: one platform thread waits on every kind of source at once and runs their handlers.
 *
 * <p>{@link org.fdloop.EventLoop} is the entry point ({@code EventLoop.open()}, or {@code EventLoop.builder()}
 * for a backend, timing, an error handler, a signal route). Each registration returns a {@link org.fdloop.Source}
 * that can be closed: {@link org.fdloop.IoSource} for an fd's readiness, {@link org.fdloop.TimerSource},
 * {@link org.fdloop.SignalSource} for process and thread signals, {@link org.fdloop.AsyncIoSource} for
 * signal-driven I/O, {@link org.fdloop.ExitSource} for a child's exit, {@link org.fdloop.WatchSource} for file
 * watching, and {@link org.fdloop.HookSource} for work done around each iteration. The fds themselves are in
 * {@link org.fdloop.fd}; the ways the loop can wait, in {@link org.fdloop.backend}.
 */
package org.fdloop;

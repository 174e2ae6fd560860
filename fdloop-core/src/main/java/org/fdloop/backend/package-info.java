/**
 * How an event loop waits for readiness: {@link org.fdloop.backend.Backend} names the five ways (epoll, poll,
 * select, signal-driven I/O, a thread per fd), chosen with {@code EventLoop.builder().backend(...)}, and
 * {@link org.fdloop.backend.Poller} is what each implements: add, modify and remove an fd, wait, and report
 * the ready fds with the tokens they were registered with.
 */
package org.fdloop.backend;

/**
 * How an event loop waits for readiness: {@link org.fdloop.backend.Backend} names the five ways (epoll, poll,
 * select, signal-driven I/O, a thread per fd), chosen with {@code EventLoop.builder().backend(...)}. The pollers
 * that implement them are internal to the module.
 */
package org.fdloop.backend;

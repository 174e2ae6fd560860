/**
 * The event sources: each Linux file descriptor type as a Java type that owns one descriptor.
 *
 * <p>{@link org.fdloop.fd.EventFd}, {@link org.fdloop.fd.TimerFd}, {@link org.fdloop.fd.SignalFd},
 * {@link org.fdloop.fd.Inotify}, {@link org.fdloop.fd.PidFd}, {@link org.fdloop.fd.OsPipe},
 * {@link org.fdloop.fd.Fifo}, {@link org.fdloop.fd.Pty}, {@link org.fdloop.fd.DeviceFile} and the sockets
 * ({@link org.fdloop.fd.StreamSocket}, {@link org.fdloop.fd.ListeningSocket}, {@link org.fdloop.fd.DatagramFd})
 * are each an {@link org.fdloop.fd.Fd}: created {@code O_CLOEXEC|O_NONBLOCK}, closed exactly once, never
 * blocking (nothing ready is a value, not an exception). A failing system call throws
 * {@link org.fdloop.fd.LinuxException}, which names the call, its arguments, the errno and what to do. Each can
 * be used alone or registered with an {@link org.fdloop.EventLoop}; {@link org.fdloop.fd.Signal} and
 * {@link org.fdloop.fd.SignalSet} name signals and masks.
 */
package org.fdloop.fd;

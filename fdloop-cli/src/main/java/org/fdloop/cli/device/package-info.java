/**
 * The demo behind {@code fdloop device}, not part of the library (seed 001):
 * A button device without hardware or a kernel module: {@link org.fdloop.cli.device.VirtualButtonDevice} is the
 * driver side of a pty-backed character device whose reader is told of each key change through signal-driven
 * I/O, and {@link org.fdloop.cli.device.ButtonEventReader} reads its fixed-size {@link org.fdloop.cli.device.ButtonEvent}
 * records on the consumer's side. It shows the fasync mechanism of a real driver end to end.
 */
package org.fdloop.cli.device;

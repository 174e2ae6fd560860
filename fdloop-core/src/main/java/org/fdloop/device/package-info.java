/**
 * A button device without hardware or a kernel module: {@link org.fdloop.device.VirtualButtonDevice} is the
 * driver side of a pty-backed character device whose reader is told of each key change through signal-driven
 * I/O, and {@link org.fdloop.device.ButtonEventReader} reads its fixed-size {@link org.fdloop.device.ButtonEvent}
 * records on the consumer's side. It shows the fasync mechanism of a real driver end to end.
 */
package org.fdloop.device;

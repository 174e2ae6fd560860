package org.fdloop;

import org.fdloop.fd.Signal;
import org.fdloop.internal.linux.Constants;
import org.fdloop.internal.linux.ProcessCalls;

/**
 * A program that sends signals to another process, for the tests that need a sender other than
 * the receiving JVM ({@link NativeSignalTest}): the receiver then sees this process's pid.
 *
 * <pre>
 * SignalSender kill PID SIGNAL              kill(2) once
 * SignalSender queue PID SIGNAL COUNT       sigqueue(3) COUNT times with values 0..COUNT-1, retrying
 *                                           while the receiver's realtime queue is full (EAGAIN)
 * </pre>
 * It prints "sent N" and how many times the queue was full.
 */
public final class SignalSender {
    private SignalSender() {}

    public static void main(String[] args) throws Exception {
        int pid = Integer.parseInt(args[1]);
        Signal signal = Signal.parse(args[2]);
        switch (args[0]) {
            case "kill" -> {
                signal.sendToProcess(pid);
                System.out.println("sent 1");
            }
            case "queue" -> {
                int count = Integer.parseInt(args[3]);
                long full = 0;
                for (int i = 0; i < count; i++) {
                    while (ProcessCalls.sigqueue(pid, signal.number(), i) == -Constants.EAGAIN) {
                        full++;
                        Thread.onSpinWait(); // the receiver's handlers empty its queue in microseconds
                    }
                }
                System.out.println("sent " + count + " full " + full);
            }
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }
}

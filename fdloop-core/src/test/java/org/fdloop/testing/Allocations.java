package org.fdloop.testing;

import java.lang.reflect.Method;

/**
 * The bytes the calling thread has allocated so far (HotSpot's ThreadMXBean), for tests that
 * assert a path allocates nothing. Reached by reflection: the tests compile inside the
 * org.fdloop module, which does not read java.management (and must not, for a test's sake);
 * they run on the class path, where it is readable.
 */
public final class Allocations {
    private static final Object THREADS;
    private static final Method ALLOCATED;

    static {
        try {
            THREADS = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            ALLOCATED = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Allocations() {}

    /** The bytes this thread allocated since it started. */
    public static long ofCurrentThread() {
        try {
            return (long) ALLOCATED.invoke(THREADS);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("reading the thread's allocated bytes", e);
        }
    }
}

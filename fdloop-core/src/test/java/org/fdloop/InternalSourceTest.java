package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fdloop.testing.Ready.PATIENCE;

import java.util.ArrayList;
import java.util.List;
import org.fdloop.backend.Backend;
import org.fdloop.fd.EventFd;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The loop's own fds as ordinary registrations: {@link EventLoop#addInternal}. */
@ExtendWith(NoFdLeaks.class)
class InternalSourceTest {

    @ParameterizedTest
    @EnumSource(Backend.class)
    void internalHandlerCollectsBeforeDispatchAndIsNotAnEvent(Backend backend) throws Exception {
        try (EventLoop loop = EventLoop.builder().backend(backend).build()) {
            EventFd fd = EventFd.open();
            EventFd quiet = EventFd.open();
            List<String> order = new ArrayList<>();
            IoSource[] served = new IoSource[1];
            // the internal handler hands work to a source it serves, which runs in the same iteration
            HookSource target = loop.post(() -> order.add("post"));
            InternalSource internal = loop.addInternal("test eventfd", fd, IoSource.READABLE, events -> {
                order.add("collect " + IoSource.describe(events) + " " + fd.read());
                loop.addPending(served[0], IoSource.READABLE);
            });
            served[0] = loop.onReadable(quiet, (s, ev) -> order.add("served"));
            long before = loop.stats().eventsDispatched();
            fd.write(3);
            loop.runOnce(PATIENCE);
            assertThat(order).containsExactly("collect READABLE 3", "served", "post");
            assertThat(loop.stats().eventsDispatched() - before).as("the served timer and the post hook, not the collect").isEqualTo(2);
            assertThat(internal.keepsLoopAlive()).isFalse();
            served[0].close();
            target.close();
            internal.close();
            assertThat(fd.isOpen()).as("the registration owns its fd").isFalse();
            quiet.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void loopClosesItsInternalSourcesAndTheirFds(Backend backend) throws Exception {
        EventFd fd = EventFd.open();
        try (EventLoop loop = EventLoop.builder().backend(backend).build()) {
            loop.addInternal("test eventfd", fd, IoSource.READABLE, events -> fd.read());
        }
        assertThat(fd.isOpen()).isFalse();
    }
}

package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.fdloop.testing.PublishedArtifacts;
import org.junit.jupiter.api.Test;

/** After {@code mvn package}: fdloop-core's jar, sources jar and javadoc jar, and its pom, are fit to publish. */
class PublishedArtifactsIT {

    @Test
    void theJarsAndThePomAreCompleteForMavenCentral() throws Exception {
        assertThat(PublishedArtifacts.problems(Path.of(System.getProperty("fdloop.module.dir")),
                        System.getProperty("fdloop.jar.base"),
                        "org/fdloop/EventLoop.java", "org.fdloop/org/fdloop/EventLoop.html"))
                .as("what fdloop-core lacks for publishing").isEmpty();
    }
}

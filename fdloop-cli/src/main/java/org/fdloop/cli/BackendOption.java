package org.fdloop.cli;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.fdloop.EventLoop;
import org.fdloop.backend.Backend;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --backend B}: how the command's event loop waits. Names are case-insensitive. */
final class BackendOption {
    @Option(names = "--backend", paramLabel = "B", converter = Converter.class, completionCandidates = Names.class,
            description = "How the event loop waits: ${COMPLETION-CANDIDATES} (default: epoll).")
    Backend backend = Backend.EPOLL;

    /** A loop that waits with the chosen backend; a handler's failure stops it ({@link StopSignals#run}). */
    EventLoop open() throws IOException {
        return EventLoop.builder().backend(backend).errorHandler(StopSignals.STOP_ON_FAILURE).build();
    }

    /** A backend as the command line and the output name it: lower case. */
    static String name(Backend backend) {
        return backend.name().toLowerCase(Locale.ROOT);
    }

    static String names() {
        return Arrays.stream(Backend.values()).map(BackendOption::name).collect(Collectors.joining(", "));
    }

    static final class Converter implements CommandLine.ITypeConverter<Backend> {
        @Override
        public Backend convert(String value) {
            for (Backend b : Backend.values()) {
                if (b.name().equalsIgnoreCase(value)) {
                    return b;
                }
            }
            throw new CommandLine.TypeConversionException("unknown backend '" + value + "': use one of " + names());
        }
    }

    static final class Names implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Arrays.stream(Backend.values()).map(BackendOption::name).iterator();
        }
    }
}

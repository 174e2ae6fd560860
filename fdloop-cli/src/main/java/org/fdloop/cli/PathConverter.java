package org.fdloop.cli;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * A path as the command line gives it, relative to the caller's directory. The empty string is
 * refused: Java would take it for the current directory, which is never what an empty
 * {@code "$VAR"} meant.
 */
final class PathConverter implements CommandLine.ITypeConverter<Path> {
    @Override
    public Path convert(String value) {
        if (value.isEmpty()) {
            throw new CommandLine.TypeConversionException("the path is empty: give a file or directory ('.' for the current directory)");
        }
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a path: " + e.getReason());
        }
    }
}

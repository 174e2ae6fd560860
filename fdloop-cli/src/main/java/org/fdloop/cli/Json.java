package org.fdloop.cli;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.Locale;

/**
 * One JSON object, written field by field onto one line (RFC 8259): what {@code --json} prints,
 * one object per event.
 *
 * <p>Strings are escaped as RFC 8259 requires ({@code "} {@code \} and the control characters
 * U+0000 to U+001F), plus DEL and the line and paragraph separators U+2028 and U+2029, so that
 * every object stays on one line whatever a file name holds. Every other character is written
 * as itself: the command prints UTF-8. Linux file names may hold bytes that are not UTF-8; the
 * library decodes those as U+FFFD (the replacement character), which is what the JSON then
 * holds: the name is shown, but cannot be used to open the file.
 */
final class Json {
    /** The time of day that begins a line of text output: 14:03:07.512. */
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT);

    private final StringBuilder text = new StringBuilder(128).append('{');
    private boolean empty = true;

    /** A new, empty object. */
    static Json object() {
        return new Json();
    }

    Json field(String name, String value) {
        key(name);
        if (value == null) {
            text.append("null");
        } else {
            quote(text, value);
        }
        return this;
    }

    Json field(String name, long value) {
        key(name).append(value);
        return this;
    }

    Json field(String name, double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            key(name).append("null"); // JSON has no NaN or infinity
        } else {
            key(name).append(value);
        }
        return this;
    }

    Json field(String name, boolean value) {
        key(name).append(value);
        return this;
    }

    Json field(String name, Collection<String> values) {
        key(name).append('[');
        boolean first = true;
        for (String value : values) {
            if (!first) {
                text.append(',');
            }
            first = false;
            quote(text, value);
        }
        text.append(']');
        return this;
    }

    /** A field whose value is already JSON: a nested {@link Json} object's {@link #toString()}. */
    Json raw(String name, String json) {
        key(name).append(json);
        return this;
    }

    private StringBuilder key(String name) {
        if (!empty) {
            text.append(',');
        }
        empty = false;
        quote(text, name);
        return text.append(':');
    }

    /** The object, on one line, without a line break. */
    @Override
    public String toString() {
        return text + "}";
    }

    /** {@code s} as a JSON string, with its quotes. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2);
        quote(out, s);
        return out.toString();
    }

    private static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029'
                            || (Character.isSurrogate(c) && !pairedSurrogate(s, i))) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Whether the surrogate at {@code i} is half of a pair (a lone one cannot be written as UTF-8). */
    private static boolean pairedSurrogate(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /** {@code instant} as the local time of day that begins a line of text: {@code 14:03:07.512}. */
    static String clock(Instant instant) {
        return LocalTime.ofInstant(instant, ZoneId.systemDefault()).format(CLOCK);
    }

    /**
     * {@code s} for a line of text: control characters and backslashes written as C escapes
     * ({@code \n}, {@code \\}, {@code \x7f}), so that one event stays one line.
     */
    static String printable(String s) {
        int first = 0;
        while (first < s.length()) { // the common case: nothing to escape, and nothing made
            char c = s.charAt(first);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                break;
            }
            first++;
        }
        if (first == s.length()) {
            return s;
        }
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String escape = switch (c) {
                case '\\' -> "\\\\";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                default -> c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : null;
            };
            if (escape != null && out == null) {
                out = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (out != null) {
                if (escape != null) {
                    out.append(escape);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? s : out.toString();
    }
}

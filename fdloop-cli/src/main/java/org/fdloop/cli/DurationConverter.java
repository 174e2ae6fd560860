package org.fdloop.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** A duration as people write it: {@code 10s}, {@code 500ms}, {@code 2m}, {@code 1.5s}, a bare number of seconds, or ISO-8601 {@code PT10S}. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE.matcher(v);
        Duration d;
        if (m.matches()) {
            double amount = Double.parseDouble(m.group(1));
            long unitNanos = switch (m.group(2) == null ? "s" : m.group(2)) {
                case "ms" -> 1_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> 1_000_000_000L;
            };
            d = Duration.ofNanos(Math.round(amount * unitNanos));
        } else {
            try {
                d = Duration.parse(value.trim().toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration: write 10s, 500ms, 2m or 1.5s");
            }
        }
        if (d.isNegative() || d.isZero()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration above zero");
        }
        return d;
    }
}

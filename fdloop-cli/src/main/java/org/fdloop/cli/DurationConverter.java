package org.fdloop.cli;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * A duration as people write it: {@code 10s}, {@code 500ms}, {@code 2m}, {@code 1.5s}, a bare
 * number of seconds, or ISO-8601 {@code PT10S}; above zero and at most {@link #MAX}.
 */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    /** The longest duration taken: far beyond any use, and far from overflowing a deadline in nanoseconds. */
    static final Duration MAX = Duration.ofDays(365);
    private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");
    private static final String HOW = "write 10s, 500ms, 2m or 1.5s";

    @Override
    public Duration convert(String value) {
        if (!value.equals(value.strip())) {
            throw new CommandLine.TypeConversionException("'" + value + "' has spaces around it: " + HOW);
        }
        String v = value.toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE.matcher(v);
        Duration d;
        if (m.matches()) {
            long unitNanos = switch (m.group(2) == null ? "s" : m.group(2)) {
                case "ms" -> 1_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> 1_000_000_000L;
            };
            BigDecimal nanos = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos));
            if (nanos.compareTo(BigDecimal.valueOf(MAX.toNanos())) > 0) {
                throw tooLong(value);
            }
            d = Duration.ofNanos(nanos.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact());
        } else {
            try {
                d = Duration.parse(value.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException | ArithmeticException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration: " + HOW);
            }
            if (d.compareTo(MAX) > 0) {
                throw tooLong(value);
            }
        }
        if (d.isNegative() || d.isZero()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration above zero: " + HOW);
        }
        return d;
    }

    private static CommandLine.TypeConversionException tooLong(String value) {
        return new CommandLine.TypeConversionException("'" + value + "' is too long: at most " + MAX.toDays() + " days (8760h)");
    }
}

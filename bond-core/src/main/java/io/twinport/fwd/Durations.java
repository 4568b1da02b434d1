package io.twinport.fwd;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people type them on a command line or in a port spec: {@code 10s}, {@code 500ms}, {@code 1m},
 * {@code 1.5s}, {@code 2h}, {@code 250us}; a bare number is seconds ({@code 2} is two seconds, as DPDK's
 * {@code --stats-period 2}). The one place where twinport parses durations.
 */
public final class Durations {
    /** What a duration looks like, for error messages. */
    public static final String EXPECTED = "a duration such as 10s, 500ms or 1m (units ns, us, ms, s, m, h)";

    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h)?");

    private Durations() {
    }

    /**
     * Parses a duration.
     *
     * @param text e.g. {@code 10s}, {@code 500ms}, {@code 1m}, {@code 0}
     * @return the duration, never negative
     * @throws IllegalArgumentException naming the text and the expected form
     */
    public static Duration parse(String text) {
        Matcher m = text == null ? null : FORM.matcher(text.trim());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not " + EXPECTED);
        }
        BigDecimal number = new BigDecimal(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        long nanosPerUnit = switch (unit) {
            case "ns" -> 1L;
            case "us" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> throw new IllegalStateException("unit " + unit);
        };
        BigDecimal nanos = number.multiply(BigDecimal.valueOf(nanosPerUnit));
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("'" + text + "' is too long: at most 292 years");
        }
        return Duration.ofNanos(nanos.longValue());
    }

    /**
     * Formats a duration the way {@link #parse} reads it back, in the largest unit that keeps it whole.
     *
     * @param d a non-negative duration
     * @return e.g. {@code 10s}, {@code 500ms}, {@code 0s}
     */
    public static String format(Duration d) {
        long nanos = d.toNanos();
        if (nanos == 0) {
            return "0s";
        }
        if (nanos % 3_600_000_000_000L == 0) {
            return nanos / 3_600_000_000_000L + "h";
        }
        if (nanos % 60_000_000_000L == 0) {
            return nanos / 60_000_000_000L + "m";
        }
        if (nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        if (nanos % 1_000L == 0) {
            return nanos / 1_000L + "us";
        }
        return nanos + "ns";
    }
}

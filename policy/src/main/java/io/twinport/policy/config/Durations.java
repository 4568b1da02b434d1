package io.twinport.policy.config;

import java.util.concurrent.TimeUnit;

/**
 * The text form of durations in configuration: {@code 0}, or a whole number followed at once by a unit:
 * {@code ns}, {@code us}, {@code ms}, {@code s}, {@code m} (minutes) or {@code h}; e.g. {@code 250us}, {@code 100ms},
 * {@code 2s}. No sign, no fraction, no space, lower case units. A number without a unit is accepted only for 0.
 */
public final class Durations {

    private static final String[] UNITS = {"h", "m", "s", "ms", "us", "ns"};
    private static final long[] NANOS = {
        TimeUnit.HOURS.toNanos(1), TimeUnit.MINUTES.toNanos(1), TimeUnit.SECONDS.toNanos(1),
        TimeUnit.MILLISECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(1), 1,
    };

    /** What the parser accepts, for messages. */
    public static final String FORM = "0, or a whole number with unit ns, us, ms, s, m or h, e.g. 250us, 100ms or 2s";

    private Durations() {
    }

    /**
     * Parses a duration.
     *
     * @param text the text form
     * @return the duration in nanoseconds, never negative
     * @throws IllegalArgumentException saying what is wrong (negative, no unit, unknown unit, too large, ...)
     */
    public static long parseNanos(String text) {
        int digits = 0;
        while (digits < text.length() && text.charAt(digits) >= '0' && text.charAt(digits) <= '9') {
            digits++;
        }
        if (text.startsWith("-")) {
            throw new IllegalArgumentException("negative duration");
        }
        if (digits == 0) {
            throw new IllegalArgumentException("not a duration");
        }
        String number = text.substring(0, digits);
        String unit = text.substring(digits);
        long amount;
        try {
            amount = Long.parseLong(number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("duration too large", e);
        }
        if (unit.isEmpty()) {
            if (amount == 0) {
                return 0;
            }
            throw new IllegalArgumentException("no unit");
        }
        for (int i = 0; i < UNITS.length; i++) {
            if (UNITS[i].equals(unit)) {
                try {
                    return Math.multiplyExact(amount, NANOS[i]);
                } catch (ArithmeticException e) {
                    throw new IllegalArgumentException("duration too large", e);
                }
            }
        }
        throw new IllegalArgumentException("unknown unit \"" + unit + "\"");
    }

    /**
     * Formats a duration in the largest unit that represents it exactly, so that
     * {@code parseNanos(format(n)) == n}.
     *
     * @param nanos a duration in nanoseconds, not negative
     * @return e.g. {@code 0}, {@code 100ms}, {@code 1500us}, {@code 2s}
     * @throws IllegalArgumentException if {@code nanos} is negative
     */
    public static String format(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("negative duration " + nanos + " ns");
        }
        if (nanos == 0) {
            return "0";
        }
        for (int i = 0; i < UNITS.length; i++) {
            if (nanos % NANOS[i] == 0) {
                return nanos / NANOS[i] + UNITS[i];
            }
        }
        throw new AssertionError("unreachable: every duration is a whole number of nanoseconds");
    }
}

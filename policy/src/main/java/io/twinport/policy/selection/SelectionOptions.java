package io.twinport.policy.selection;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The fixed options of active selection, usually from configuration.
 *
 * @param upDelayNanos how long a member's link must stay up before it counts as up (Linux bonding's
 *        {@code updelay}); 0 to {@link #MAX_DELAY_NANOS}
 * @param downDelayNanos how long a member's link must stay down before it counts as down (Linux bonding's
 *        {@code downdelay}); 0 to {@link #MAX_DELAY_NANOS}
 * @param failBack when to return to a healthy primary
 */
public record SelectionOptions(long upDelayNanos, long downDelayNanos, FailBack failBack) {

    /** The largest up-delay or down-delay: one hour. */
    public static final long MAX_DELAY_NANOS = TimeUnit.HOURS.toNanos(1);

    /** No delays, fail-back {@code always}: the configuration-free behaviour. */
    public static final SelectionOptions DEFAULT = new SelectionOptions(0, 0, FailBack.ALWAYS);

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException if a delay is negative or larger than {@link #MAX_DELAY_NANOS}
     * @throws NullPointerException if {@code failBack} is null
     */
    public SelectionOptions {
        checkDelay("up-delay", upDelayNanos);
        checkDelay("down-delay", downDelayNanos);
        Objects.requireNonNull(failBack, "failBack");
    }

    private static void checkDelay(String what, long nanos) {
        if (nanos < 0 || nanos > MAX_DELAY_NANOS) {
            throw new IllegalArgumentException(
                    what + " " + nanos + " ns is outside 0.." + MAX_DELAY_NANOS + " ns (one hour)");
        }
    }
}

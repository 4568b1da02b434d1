package io.twinport.policy.announce;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * What {@link AnnouncementSchedule#due} answers.
 *
 * @param toSend how many announcements to send now (more than one only when the caller is late)
 * @param nextAtNanos when the next announcement falls due, once these are sent; empty when none is left
 */
public record AnnouncementsDue(int toSend, OptionalLong nextAtNanos) {

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException if {@code toSend} is negative
     * @throws NullPointerException if {@code nextAtNanos} is null
     */
    public AnnouncementsDue {
        if (toSend < 0) {
            throw new IllegalArgumentException("toSend " + toSend + " is negative");
        }
        Objects.requireNonNull(nextAtNanos, "nextAtNanos");
    }

    /**
     * Whether the schedule is finished once these are sent.
     *
     * @return true if no announcement is left after {@link #toSend()}
     */
    public boolean finished() {
        return nextAtNanos.isEmpty();
    }
}

package io.twinport.policy.selection;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * The answer of {@link ActiveSelector#select}: which member is active and why, plus the state the next call needs.
 * Pass it back as {@link SelectionInput#previous()}.
 *
 * @param active the active member
 * @param reason why
 * @param standbyHeld the fail-back hold: the standby took over from the primary and has not failed since; under
 *        fail-back {@code failure} the standby stays active while this is set
 * @param primaryLink the primary's debounced link
 * @param standbyLink the standby's debounced link
 * @param reevaluateAtNanos when a timer is pending (an up-delay, a down-delay, an override's expiry), the earliest
 *        absolute time at which the answer may change without a new observation: ask again then. Empty when
 *        nothing is pending. Asking earlier gives the same answer.
 */
public record Selection(ActiveMember active, SwitchoverReason reason, boolean standbyHeld, MemberLink primaryLink,
                        MemberLink standbyLink, OptionalLong reevaluateAtNanos) {

    /**
     * Checks the components.
     *
     * @throws NullPointerException if a component is null
     * @throws IllegalArgumentException if the hold is set while the standby is not active
     */
    public Selection {
        Objects.requireNonNull(active, "active");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(primaryLink, "primaryLink");
        Objects.requireNonNull(standbyLink, "standbyLink");
        Objects.requireNonNull(reevaluateAtNanos, "reevaluateAtNanos");
        if (standbyHeld && active != ActiveMember.STANDBY) {
            throw new IllegalArgumentException("the standby can only be held while it is active, active=" + active);
        }
    }

    /**
     * Whether the active member differs from a previous answer's (a switchover, or the first choice).
     *
     * @param previous the previous answer, or null if there was none (counts as {@link ActiveMember#NONE})
     * @return true if the active member changed
     */
    public boolean changedFrom(Selection previous) {
        return active != (previous == null ? ActiveMember.NONE : previous.active);
    }
}

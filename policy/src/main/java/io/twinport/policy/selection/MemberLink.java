package io.twinport.policy.selection;

import java.util.Objects;

/**
 * The debounced link of one member, carried from one selection to the next inside {@link Selection}.
 *
 * @param phase the debounced phase
 * @param sinceNanos when the link last changed (the {@link MemberView#linkSinceNanos()} last seen); 0 when the
 *        phase is {@link LinkPhase#UNKNOWN}
 */
public record MemberLink(LinkPhase phase, long sinceNanos) {

    /** No memory. */
    public static final MemberLink UNKNOWN = new MemberLink(LinkPhase.UNKNOWN, 0);

    /**
     * Checks the components.
     *
     * @throws NullPointerException if {@code phase} is null
     * @throws IllegalArgumentException if the phase is {@link LinkPhase#UNKNOWN} and {@code sinceNanos} is not 0
     */
    public MemberLink {
        Objects.requireNonNull(phase, "phase");
        if (phase == LinkPhase.UNKNOWN && sinceNanos != 0) {
            throw new IllegalArgumentException("an UNKNOWN link has no since-time, got " + sinceNanos);
        }
    }

    /**
     * Whether the link counts as up.
     *
     * @return true in {@link LinkPhase#UP} and {@link LinkPhase#GOING_DOWN}
     */
    public boolean countsUp() {
        return phase.countsUp();
    }
}

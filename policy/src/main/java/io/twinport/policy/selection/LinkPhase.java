package io.twinport.policy.selection;

/**
 * The debounced link of one member, as Linux bonding's link monitor keeps it ({@code BOND_LINK_DOWN},
 * {@code BOND_LINK_BACK}, {@code BOND_LINK_UP}, {@code BOND_LINK_FAIL}). A link counts as up in {@link #UP} and
 * {@link #GOING_DOWN}.
 */
public enum LinkPhase {
    /** No memory: the member is absent, or has not been seen yet. */
    UNKNOWN,
    /** Down, and counts as down. */
    DOWN,
    /** Up for less than the up-delay: still counts as down. */
    GOING_UP,
    /** Up, and counts as up. */
    UP,
    /** Down for less than the down-delay: still counts as up. */
    GOING_DOWN;

    /**
     * Whether a link in this phase counts as up.
     *
     * @return true for {@link #UP} and {@link #GOING_DOWN}
     */
    public boolean countsUp() {
        return this == UP || this == GOING_DOWN;
    }

    /**
     * Whether the link itself (not debounced) is up in this phase.
     *
     * @return true for {@link #GOING_UP} and {@link #UP}
     */
    public boolean linkUp() {
        return this == GOING_UP || this == UP;
    }
}

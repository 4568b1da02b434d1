package io.twinport.policy.selection;

import java.util.Locale;

/**
 * Why the active member is the one it is. Every {@link Selection} carries one; when the active member changes it
 * is the reason of the switchover event. A reason describes the present state, not the step that led to it: asking
 * again with nothing changed gives the same reason.
 */
public enum SwitchoverReason {
    /**
     * The primary is healthy and the fail-back policy lets it be active (the first choice, a primary that joined,
     * a fail-back, or a failover from a standby that failed).
     */
    PRIMARY_PREFERRED,
    /** The standby is active because the primary is not present (not attached yet, or unplugged). */
    PRIMARY_ABSENT,
    /** The standby is active because the primary is present but not started. */
    PRIMARY_STOPPED,
    /**
     * The standby is active because the primary's link does not count as up: down, or up for less than the
     * up-delay, or down for at least the down-delay.
     */
    PRIMARY_LINK_DOWN,
    /** The primary is healthy, but the fail-back policy ({@code failure} or {@code never}) keeps the standby. */
    STANDBY_HELD,
    /** The mode is {@code standby-only}: the standby is pinned active. */
    PINNED_STANDBY,
    /** A manual override, not yet expired, names the active member. */
    MANUAL_OVERRIDE,
    /**
     * No member's link counts as up: the active member is kept if it can still be used, else the primary if it can
     * be used, else the standby.
     */
    NO_HEALTHY_MEMBER,
    /** No member is present and started: none is active. */
    NO_USABLE_MEMBER;

    /**
     * The name used in events: lower case with dashes.
     *
     * @return e.g. {@code primary-absent}
     */
    public String eventName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
